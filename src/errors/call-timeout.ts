import { BreakerBoxError } from './breakerbox-error.js';

/**
 * Thrown when a call runs past the breaker's `timeoutMs`. The call's
 * `AbortSignal` is aborted with this error, and it counts as a failure.
 */
export class CallTimeout extends BreakerBoxError {
  readonly code = 'CALL_TIMEOUT' as const;
  /** The breaker (dependency) name. */
  readonly dependency: string;
  /** The timeout that elapsed. */
  readonly timeoutMs: number;

  constructor(dependency: string, timeoutMs: number) {
    super(`${dependency} call timed out after ${timeoutMs}ms`);
    this.dependency = dependency;
    this.timeoutMs = timeoutMs;
  }
}

/** Type guard for {@link CallTimeout}. */
export function isCallTimeout(value: unknown): value is CallTimeout {
  return value instanceof CallTimeout;
}
