import { BreakerBoxError } from './breakerbox-error.js';

/**
 * Thrown by `createBreakerBox` when the configured Redis cannot be reached
 * (or answers with an error) within the connect timeout.
 */
export class RedisUnavailable extends BreakerBoxError {
  readonly code = 'REDIS_UNAVAILABLE' as const;
  /** Where the box tried to connect, without credentials. */
  readonly target: string;

  constructor(target: string, cause: unknown) {
    super(
      `cannot reach Redis at ${target}: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
    this.target = target;
  }
}

/** Type guard for {@link RedisUnavailable}. */
export function isRedisUnavailable(value: unknown): value is RedisUnavailable {
  return value instanceof RedisUnavailable;
}
