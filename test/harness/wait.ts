import { setTimeout as sleep } from 'node:timers/promises';

/** Options for {@link waitUntil}. */
export interface WaitOptions {
  /** Give up after this many milliseconds. */
  timeoutMs: number;
  /** Delay between attempts. Default 100 ms. */
  intervalMs?: number;
  /** What is being waited for; used in the timeout error. */
  description: string;
  /** Extra context (e.g. a log tail) appended to the timeout error. */
  details?: () => string;
}

function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Polls `probe` until it returns a value other than `undefined`/`null`/`false`, and
 * returns that value. Errors thrown by `probe` count as "not yet" (the last
 * one is reported in the timeout error), except {@link FatalWaitError}, which
 * stops waiting immediately. Times out with a descriptive error.
 */
export async function waitUntil<T>(
  probe: () => Promise<T | undefined | null | false>,
  options: WaitOptions,
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  const interval = options.intervalMs ?? 100;
  let lastError = 'condition not met';
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false) return value;
      lastError = 'condition not met';
    } catch (err) {
      if (err instanceof FatalWaitError) throw err;
      lastError = describeError(err);
    }
    if (Date.now() >= deadline) {
      const details = options.details ? `\n${options.details()}` : '';
      throw new Error(
        `Timed out after ${options.timeoutMs} ms waiting for ${options.description} ` +
          `(last: ${lastError})${details}`,
      );
    }
    await sleep(interval);
  }
}

/** Thrown from a {@link waitUntil} probe to stop waiting immediately. */
export class FatalWaitError extends Error {
  override name = 'FatalWaitError';
}
