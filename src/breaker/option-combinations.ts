import type { OptionIssue } from '../errors/invalid-breaker-options.js';
import { isSound, valueAt } from '../util/schema.js';

/** The defaults the combination rules fall back on (the resolver's). */
export interface CombinationDefaults {
  readonly windowType: 'time' | 'count';
  readonly windowSize: number;
  readonly windowBuckets: number;
  readonly windowMs: number;
  readonly slowCallRateThreshold: number;
  readonly slowCallDurationMs: number;
  readonly openBackoff: { readonly baseMs: number; readonly maxMs: number };
  readonly halfOpen: {
    readonly permittedCalls: number;
    readonly successThreshold: number;
    readonly maxDurationMs: number;
  };
}

/**
 * Options that are each valid but impossible together: a breaker that could
 * never trip, a rule no call can meet, an option its window type ignores.
 * Options that were themselves refused (`known`) are left out of the rules
 * they take part in, so each problem is reported once.
 */
export function combinationIssues(
  input: unknown,
  known: readonly OptionIssue[],
  d: CombinationDefaults,
): OptionIssue[] {
  const issues: OptionIssue[] = [];
  const given = (path: string): unknown => valueAt(input, path.split('.'));
  const sound = (...paths: string[]): boolean => paths.every((path) => isSound(known, path));
  const num = (path: string, fallback: number): number => {
    const value = given(path);
    return typeof value === 'number' ? value : fallback;
  };
  const refuse = (option: string, reason: string): void => {
    issues.push({ option, value: given(option), reason });
  };

  if (sound('openBackoff.baseMs', 'openBackoff.maxMs')) {
    const baseMs = num('openBackoff.baseMs', d.openBackoff.baseMs);
    const maxMs = num('openBackoff.maxMs', d.openBackoff.maxMs);
    if (maxMs < baseMs) {
      issues.push({
        option: 'openBackoff.maxMs',
        value: maxMs,
        reason: `must be >= openBackoff.baseMs (${String(baseMs)})`,
      });
    }
  }
  if (sound('halfOpen.permittedCalls', 'halfOpen.successThreshold')) {
    const permitted = num('halfOpen.permittedCalls', d.halfOpen.permittedCalls);
    const needed = num('halfOpen.successThreshold', d.halfOpen.successThreshold);
    if (needed > permitted) {
      issues.push({
        option: 'halfOpen.successThreshold',
        value: needed,
        reason: `must be <= halfOpen.permittedCalls (${String(permitted)})`,
      });
    }
  }
  const timeoutMs = given('timeoutMs');
  if (typeof timeoutMs === 'number' && sound('timeoutMs', 'halfOpen.maxDurationMs')) {
    const lease = num('halfOpen.maxDurationMs', d.halfOpen.maxDurationMs);
    if (timeoutMs >= lease) {
      refuse(
        'timeoutMs',
        `must be < halfOpen.maxDurationMs (${String(lease)}) so a probe ends before its lease`,
      );
    }
  }
  if (
    typeof timeoutMs === 'number' &&
    sound('timeoutMs', 'slowCallRateThreshold', 'slowCallDurationMs') &&
    num('slowCallRateThreshold', d.slowCallRateThreshold) < 1
  ) {
    const slowMs = num('slowCallDurationMs', d.slowCallDurationMs);
    if (slowMs > timeoutMs) {
      issues.push({
        option: 'slowCallDurationMs',
        value: slowMs,
        reason: `must be <= timeoutMs (${String(timeoutMs)}): a call is cut off at timeoutMs, so none could ever be slow`,
      });
    }
  }
  if (!sound('windowType')) return issues;
  const windowType = given('windowType') ?? d.windowType;
  if (windowType === 'count') {
    for (const option of ['windowMs', 'windowBuckets']) {
      if (given(option) !== undefined && sound(option)) {
        refuse(option, `only applies to windowType: 'time' (this window is 'count')`);
      }
    }
    const minimumCalls = given('minimumCalls');
    if (typeof minimumCalls === 'number' && sound('minimumCalls', 'windowSize')) {
      const size = num('windowSize', d.windowSize);
      if (minimumCalls > size) {
        refuse(
          'minimumCalls',
          `must be <= windowSize (${String(size)}): a count window of ${String(size)} calls never holds ${String(minimumCalls)}, so the breaker could never trip`,
        );
      }
    }
    return issues;
  }
  if (given('windowSize') !== undefined && sound('windowSize')) {
    refuse('windowSize', `only applies to windowType: 'count' (this window is 'time')`);
  }
  if (sound('windowMs', 'windowBuckets')) {
    const windowMs = num('windowMs', d.windowMs);
    const buckets = num('windowBuckets', d.windowBuckets);
    if (windowMs < buckets) {
      issues.push({
        option: 'windowMs',
        value: windowMs,
        reason: `must be >= windowBuckets (${String(buckets)}): each bucket spans at least 1 ms`,
      });
    }
  }
  return issues;
}
