import { z } from 'zod';
import type { CircuitConfig } from '../engine/types.js';
import { fraction, ranged, spread, whole, wholeMs } from '../util/option-ranges.js';
import { checkOptions, throwIssues } from '../util/schema.js';
import { combinationIssues } from './option-combinations.js';
import type { BreakerOptions, ErrorClassification } from './breaker-options.js';

/** Breaker options after defaults and validation; frozen. */
export interface ResolvedBreakerOptions {
  /** What the state machine (and the Lua scripts) decide with. */
  readonly circuit: CircuitConfig;
  /** The same for one replica deciding alone (no Redis, or local mode): a quorum of one. */
  readonly localCircuit: CircuitConfig;
  readonly slowCallDurationMs: number;
  /** Whether call durations must be measured (the slow-call rule is on). */
  readonly measuresDuration: boolean;
  readonly timeoutMs: number | undefined;
  readonly permittedCalls: number;
  readonly successThreshold: number;
  readonly critical: boolean;
  readonly isFailure: ((error: unknown) => ErrorClassification) | undefined;
  readonly isResultFailure: ((result: unknown) => boolean) | undefined;
  readonly fallback: ((error: unknown) => unknown) | undefined;
  readonly probe: ((signal: AbortSignal) => Promise<unknown>) | undefined;
}

/** Defaults of every breaker option. */
export const BREAKER_DEFAULTS = Object.freeze({
  failureRateThreshold: 0.5,
  slowCallRateThreshold: 1,
  slowCallDurationMs: 60_000,
  minimumCalls: 20,
  windowType: 'time',
  windowMs: 10_000,
  windowBuckets: 10,
  windowSize: 100,
  minimumReplicas: 1,
  critical: true,
  openBackoff: Object.freeze({ baseMs: 1_000, maxMs: 60_000, multiplier: 2, jitter: 0.2 }),
  halfOpen: Object.freeze({ permittedCalls: 1, successThreshold: 1, maxDurationMs: 30_000 }),
} as const);

const DAY_MS = 86_400_000;
/** What a prober gets beyond its call's `timeoutMs` to report the trial before its lease runs out. */
export const PROBE_LEASE_MARGIN_MS = 1_000;

/**
 * The half-open lease: `halfOpen.maxDurationMs` when given; else, for a call
 * bounded by `timeoutMs`, that bound plus {@link PROBE_LEASE_MARGIN_MS} (a
 * prober that dies blacks the fleet out no longer than its call could have
 * lasted), at most the default 30 s.
 */
function probeLeaseMs(maxDurationMs: number | undefined, timeoutMs: number | undefined): number {
  if (maxDurationMs !== undefined) return maxDurationMs;
  const fallback = BREAKER_DEFAULTS.halfOpen.maxDurationMs;
  return timeoutMs === undefined ? fallback : Math.min(fallback, timeoutMs + PROBE_LEASE_MARGIN_MS);
}
const durationMs = (): z.ZodNumber => wholeMs(1, DAY_MS);
const count = (): z.ZodNumber => whole(1, 1_000_000);
const fn = (what: string) =>
  z.custom<(...args: never[]) => unknown>((value) => typeof value === 'function', {
    message: `must be a function ${what}`,
  });

/** The schema breaker options are checked with (docs/options.md lists every key; a test checks it). */
export const breakerOptionsSchema = z.strictObject({
  failureRateThreshold: fraction().optional(),
  slowCallRateThreshold: fraction().optional(),
  slowCallDurationMs: durationMs().optional(),
  minimumCalls: count().optional(),
  windowType: z.enum(['time', 'count']).optional(),
  windowMs: durationMs().optional(),
  windowBuckets: whole(1, 1_000).optional(),
  windowSize: count().optional(),
  timeoutMs: durationMs().optional(),
  openBackoff: z
    .strictObject({
      baseMs: durationMs().optional(),
      maxMs: durationMs().optional(),
      multiplier: ranged(1, 1_000, 'the growth factor per failed probe').optional(),
      jitter: spread().optional(),
    })
    .optional(),
  isFailure: fn('(error) => boolean | "ignore"').optional(),
  isResultFailure: fn('(result) => boolean').optional(),
  halfOpen: z
    .strictObject({
      permittedCalls: whole(1, 1_000).optional(),
      successThreshold: whole(1, 1_000).optional(),
      maxDurationMs: durationMs().optional(),
    })
    .optional(),
  minimumReplicas: whole(1, 10_000).optional(),
  fallback: fn('(error) => value').optional(),
  critical: z.boolean().optional(),
  probe: fn('(signal) => Promise').optional(),
});

/**
 * Validates breaker options and fills in defaults. Every bad option is
 * reported at once, each with its unit and range, and so are combinations
 * that cannot work (see `option-combinations.ts`). A count window's default
 * `minimumCalls` is capped at `windowSize`, as in resilience4j.
 * @throws InvalidBreakerOptions listing every bad option (the first in `option`/`value`)
 */
export function resolveBreakerOptions(input: unknown): ResolvedBreakerOptions {
  const checked = checkOptions(breakerOptionsSchema, input ?? {}, '');
  const d = BREAKER_DEFAULTS;
  const issues = [
    ...checked.issues,
    ...combinationIssues(input ?? {}, checked.issues, { ...d, openBackoff: d.openBackoff }),
  ];
  throwIssues(issues);
  const options = checked.data ?? {};
  const backoff = { ...d.openBackoff, ...options.openBackoff };
  const halfOpen = { ...d.halfOpen, ...options.halfOpen };
  const windowType = options.windowType ?? d.windowType;
  const slowCallRateThreshold = options.slowCallRateThreshold ?? d.slowCallRateThreshold;
  const typed = input as BreakerOptions<unknown> | undefined;
  const circuit: CircuitConfig = Object.freeze({
    failureRateThreshold: options.failureRateThreshold ?? d.failureRateThreshold,
    slowCallRateThreshold,
    minimumCalls:
      options.minimumCalls ??
      (windowType === 'count'
        ? Math.min(d.minimumCalls, options.windowSize ?? d.windowSize)
        : d.minimumCalls),
    minimumReplicas: options.minimumReplicas ?? d.minimumReplicas,
    window:
      windowType === 'time'
        ? Object.freeze({
            type: 'time' as const,
            windowMs: options.windowMs ?? d.windowMs,
            buckets: options.windowBuckets ?? d.windowBuckets,
          })
        : Object.freeze({ type: 'count' as const, size: options.windowSize ?? d.windowSize }),
    openBackoff: Object.freeze(backoff),
    probeLeaseMs: probeLeaseMs(options.halfOpen?.maxDurationMs, options.timeoutMs),
  });
  return Object.freeze({
    circuit,
    localCircuit: Object.freeze({ ...circuit, minimumReplicas: 1 }),
    slowCallDurationMs: options.slowCallDurationMs ?? d.slowCallDurationMs,
    measuresDuration: slowCallRateThreshold < 1,
    timeoutMs: options.timeoutMs,
    permittedCalls: halfOpen.permittedCalls,
    successThreshold: halfOpen.successThreshold,
    critical: options.critical ?? d.critical,
    isFailure: typed?.isFailure,
    isResultFailure: typed?.isResultFailure,
    fallback: typed?.fallback,
    probe: typed?.probe,
  });
}
