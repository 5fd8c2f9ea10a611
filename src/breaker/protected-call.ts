/** A signal that never aborts: given to calls with no timeout and no caller signal. */
export const NEVER_ABORTED: AbortSignal = new AbortController().signal;

/** The function a breaker protects; it gets a signal that aborts on timeout or caller abort. */
export type ProtectedCall<T> = (signal: AbortSignal) => T | PromiseLike<T>;
