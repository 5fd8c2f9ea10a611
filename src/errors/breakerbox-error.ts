/**
 * Stable machine-readable codes carried by every error breakerbox throws.
 * They never change between releases; match on them rather than on messages.
 */
export type BreakerBoxErrorCode =
  | 'DEPENDENCY_UNHEALTHY'
  | 'INVALID_BREAKER_OPTIONS'
  | 'CALL_TIMEOUT'
  | 'BREAKERBOX_CLOSED'
  | 'REDIS_UNAVAILABLE'
  | 'ILLEGAL_TRANSITION'
  | 'REDIS_SCRIPT_ERROR'
  | 'JOBS_UNAVAILABLE'
  | 'BREAKER_RETIRED'
  | 'BREAKER_IN_USE';

/**
 * Base class of every breakerbox error: a real `Error` with a stable `code`.
 */
export abstract class BreakerBoxError extends Error {
  /** The stable code of this error. */
  abstract readonly code: BreakerBoxErrorCode;

  protected constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * True when `value` is any breakerbox error (optionally of one `code`).
 */
export function isBreakerBoxError(
  value: unknown,
  code?: BreakerBoxErrorCode,
): value is BreakerBoxError {
  return value instanceof BreakerBoxError && (code === undefined || value.code === code);
}
