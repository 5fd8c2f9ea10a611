import { z } from 'zod';
import { InvalidBreakerOptions } from '../errors/invalid-breaker-options.js';
import type { CircuitConfig } from '../engine/types.js';
import { parseOptions } from '../util/schema.js';
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
const fraction = z.number().gt(0).lte(1);
const durationMs = z.int().min(1).max(DAY_MS);
const count = z.int().min(1).max(1_000_000);
const fn = (what: string) =>
  z.custom<(...args: never[]) => unknown>((value) => typeof value === 'function', {
    message: `must be a function ${what}`,
  });

const optionsSchema = z.strictObject({
  failureRateThreshold: fraction.optional(),
  slowCallRateThreshold: fraction.optional(),
  slowCallDurationMs: durationMs.optional(),
  minimumCalls: count.optional(),
  windowType: z.enum(['time', 'count']).optional(),
  windowMs: durationMs.optional(),
  windowBuckets: z.int().min(1).max(1_000).optional(),
  windowSize: count.optional(),
  timeoutMs: durationMs.optional(),
  openBackoff: z
    .strictObject({
      baseMs: durationMs.optional(),
      maxMs: durationMs.optional(),
      multiplier: z.number().min(1).max(1_000).optional(),
      jitter: z.number().min(0).lt(1).optional(),
    })
    .optional(),
  isFailure: fn('(error) => boolean | "ignore"').optional(),
  halfOpen: z
    .strictObject({
      permittedCalls: z.int().min(1).max(1_000).optional(),
      successThreshold: z.int().min(1).max(1_000).optional(),
      maxDurationMs: durationMs.optional(),
    })
    .optional(),
  minimumReplicas: z.int().min(1).max(10_000).optional(),
  fallback: fn('(error) => value').optional(),
  critical: z.boolean().optional(),
  probe: fn('(signal) => Promise').optional(),
});

/**
 * Validates breaker options and fills in defaults.
 * @throws InvalidBreakerOptions naming the first bad option and its value
 */
export function resolveBreakerOptions(input: unknown): ResolvedBreakerOptions {
  const options = parseOptions(optionsSchema, input ?? {}, '');
  const d = BREAKER_DEFAULTS;
  const backoff = { ...d.openBackoff, ...options.openBackoff };
  const halfOpen = { ...d.halfOpen, ...options.halfOpen };
  if (backoff.maxMs < backoff.baseMs) {
    throw new InvalidBreakerOptions(
      'openBackoff.maxMs',
      backoff.maxMs,
      `must be >= openBackoff.baseMs (${backoff.baseMs})`,
    );
  }
  if (halfOpen.successThreshold > halfOpen.permittedCalls) {
    throw new InvalidBreakerOptions(
      'halfOpen.successThreshold',
      halfOpen.successThreshold,
      `must be <= halfOpen.permittedCalls (${halfOpen.permittedCalls})`,
    );
  }
  if (options.timeoutMs !== undefined && options.timeoutMs >= halfOpen.maxDurationMs) {
    throw new InvalidBreakerOptions(
      'timeoutMs',
      options.timeoutMs,
      `must be < halfOpen.maxDurationMs (${halfOpen.maxDurationMs}) so a probe ends before its lease`,
    );
  }
  const windowType = options.windowType ?? d.windowType;
  const slowCallRateThreshold = options.slowCallRateThreshold ?? d.slowCallRateThreshold;
  const typed = input as BreakerOptions<unknown> | undefined;
  const circuit: CircuitConfig = Object.freeze({
    failureRateThreshold: options.failureRateThreshold ?? d.failureRateThreshold,
    slowCallRateThreshold,
    minimumCalls: options.minimumCalls ?? d.minimumCalls,
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
    fallback: typed?.fallback,
    probe: typed?.probe,
  });
}
