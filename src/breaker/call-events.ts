import type { CallTimeout } from '../errors/call-timeout.js';
import type { DependencyUnhealthy } from '../errors/dependency-unhealthy.js';

/** A call that finished: which breaker, and how long it took. */
export interface CallFinished {
  readonly breaker: string;
  /** Milliseconds from the start of the call to its outcome. */
  readonly latencyMs: number;
}

/** A call that failed (timeouts included), with its error. */
export interface CallFailed extends CallFinished {
  readonly error: unknown;
}

/**
 * Per-call events of one breaker, opossum / cockatiel style. They cost nothing
 * until the first listener is added: a breaker with none builds no payload.
 */
export interface BreakerCallEvents {
  /** A call (closed path) succeeded, or failed with an error counted as a success. */
  success: CallFinished;
  /** A call failed and the failure was counted (timeouts fire `timeout` too). */
  failure: CallFailed;
  /** A call ran past `timeoutMs`. */
  timeout: CallFinished & { readonly error: CallTimeout };
  /** A call was refused while the breaker was open or half-open. */
  refusal: { readonly breaker: string; readonly error: DependencyUnhealthy };
  /** The fallback served a refused or failed call. */
  fallback: { readonly breaker: string; readonly error: unknown };
}
