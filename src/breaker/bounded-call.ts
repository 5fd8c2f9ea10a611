import { CallTimeout } from '../errors/call-timeout.js';

/** A signal that never aborts: given to calls with no timeout and no caller signal. */
export const NEVER_ABORTED: AbortSignal = new AbortController().signal;

/** The function a breaker protects; it gets a signal that aborts on timeout or caller abort. */
export type ProtectedCall<T> = (signal: AbortSignal) => T | PromiseLike<T>;

/**
 * Runs `fn` with a signal that aborts when `timeoutMs` passes (rejecting with
 * {@link CallTimeout}) or when `callerSignal` aborts. One timer per call, and
 * only for breakers that ask for a timeout.
 */
export function runBounded<T>(
  fn: ProtectedCall<T>,
  dependency: string,
  timeoutMs: number | undefined,
  callerSignal: AbortSignal | undefined,
): Promise<T> {
  const controller = new AbortController();
  const signal =
    callerSignal === undefined
      ? controller.signal
      : AbortSignal.any([controller.signal, callerSignal]);
  return new Promise<T>((resolve, reject) => {
    if (callerSignal?.aborted === true) {
      reject(callerSignal.reason as Error);
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    if (timeoutMs !== undefined) {
      timer = setTimeout(() => {
        const timeout = new CallTimeout(dependency, timeoutMs);
        controller.abort(timeout);
        reject(timeout);
      }, timeoutMs);
    }
    const settle = (): void => {
      if (timer !== undefined) clearTimeout(timer);
    };
    new Promise<T>((inner) => {
      inner(fn(signal));
    }).then(
      (value) => {
        settle();
        resolve(value);
      },
      (error: unknown) => {
        settle();
        reject(error);
      },
    );
  });
}
