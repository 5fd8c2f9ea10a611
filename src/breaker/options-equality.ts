import type { ResolvedBreakerOptions } from './resolve-breaker-options.js';

/**
 * The dotted path of the first option that differs between two resolved
 * option sets, or undefined when they are the same. Functions compare by
 * identity, so pass the same function (or the same options object) again.
 */
export function firstDifference(
  a: ResolvedBreakerOptions,
  b: ResolvedBreakerOptions,
): { readonly path: string; readonly value: unknown } | undefined {
  return diff(asGiven(a), asGiven(b), '');
}

/**
 * Resolved options laid out like `BreakerOptions`, so a difference is
 * reported under the name the user wrote (`openBackoff.baseMs`, not the
 * internal `circuit.openBackoff.baseMs`).
 */
function asGiven(o: ResolvedBreakerOptions): Record<string, unknown> {
  const c = o.circuit;
  const w = c.window;
  return {
    failureRateThreshold: c.failureRateThreshold,
    slowCallRateThreshold: c.slowCallRateThreshold,
    slowCallDurationMs: o.slowCallDurationMs,
    windowType: w.type,
    ...(w.type === 'time'
      ? { windowMs: w.windowMs, windowBuckets: w.buckets }
      : { windowSize: w.size }),
    // After the window: a count window's default minimumCalls follows windowSize.
    minimumCalls: c.minimumCalls,
    timeoutMs: o.timeoutMs,
    openBackoff: c.openBackoff,
    isFailure: o.isFailure,
    isResultFailure: o.isResultFailure,
    halfOpen: {
      permittedCalls: o.permittedCalls,
      successThreshold: o.successThreshold,
      maxDurationMs: c.probeLeaseMs,
    },
    minimumReplicas: c.minimumReplicas,
    fallback: o.fallback,
    critical: o.critical,
    probe: o.probe,
  };
}

function diff(a: unknown, b: unknown, path: string): { path: string; value: unknown } | undefined {
  if (Object.is(a, b)) return undefined;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') {
    return { path: path === '' ? 'options' : path, value: b };
  }
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) {
    const found = diff(
      (a as Record<string, unknown>)[key],
      (b as Record<string, unknown>)[key],
      path === '' ? key : `${path}.${key}`,
    );
    if (found !== undefined) return found;
  }
  return undefined;
}
