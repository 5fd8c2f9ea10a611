import { BreakerBoxError } from './breakerbox-error.js';

/** Why a breaker cannot be retired now. */
export type BreakerInUseReason = 'calls_in_flight' | 'bound';

/**
 * Thrown by `box.retire(name)` when the breaker is still in use: calls in
 * flight (retry once they settle), or a worker/queue binding or a
 * `box.backpressure()` handle follows it (close those first).
 */
export class BreakerInUse extends BreakerBoxError {
  readonly code = 'BREAKER_IN_USE' as const;

  constructor(
    /** The breaker's name. */
    readonly dependency: string,
    /** What holds it. */
    readonly reason: BreakerInUseReason,
  ) {
    super(
      reason === 'calls_in_flight'
        ? `breaker ${dependency} cannot be retired: calls are in flight`
        : `breaker ${dependency} cannot be retired: a worker/queue binding or backpressure handle follows it`,
    );
  }
}

/** Type guard for {@link BreakerInUse}. */
export function isBreakerInUse(value: unknown): value is BreakerInUse {
  return value instanceof BreakerInUse;
}
