import { BreakerBoxError } from './breakerbox-error.js';

/**
 * Thrown by any use of a breaker after it was retired (`box.retire(name)`,
 * `breaker.retire()`, or idle retirement with `retireIdleAfterMs`). The name
 * is free again: `box.breaker(name)` creates a fresh breaker that reads the
 * shared record anew.
 */
export class BreakerRetired extends BreakerBoxError {
  readonly code = 'BREAKER_RETIRED' as const;

  constructor(
    /** The retired breaker's name. */
    readonly dependency: string,
    operation: string,
  ) {
    super(
      `breaker ${dependency} was retired: cannot ${operation} (get it again with box.breaker('${dependency}'))`,
    );
  }
}

/** Type guard for {@link BreakerRetired}. */
export function isBreakerRetired(value: unknown): value is BreakerRetired {
  return value instanceof BreakerRetired;
}
