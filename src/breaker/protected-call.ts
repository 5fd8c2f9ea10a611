/** A signal that never aborts: given to calls with no timeout and no caller signal. */
export const NEVER_ABORTED: AbortSignal = new AbortController().signal;

/**
 * The function a breaker protects. Its signal aborts on timeout or caller
 * abort, only while the call is in flight: once the call has settled, no other
 * call's timeout touches it. A function that declares no parameter
 * (`() => …`, `fn.length === 0`) gets the caller's signal or one that never
 * aborts, since building an AbortSignal per call costs more than the rest of
 * a timed call on Node 20; it still times out. Declare the parameter to get it.
 */
export type ProtectedCall<T> = (signal: AbortSignal) => T | PromiseLike<T>;
