import { CallTimeout } from '../errors/call-timeout.js';
import type { ProtectedCall } from './protected-call.js';

/** Calls whose deadlines fall in the same slot: one controller, one timer. */
class Slot {
  readonly controller = new AbortController();
  readonly pending = new Set<(error: unknown) => void>();
}

/**
 * Per-call timeouts without a timer and an AbortController per call (most of
 * a timed call's cost: ~4 µs on our machines). Deadlines are rounded up to a
 * slot of `resolutionMs` (timeoutMs / 20, between 1 and 10 ms); the calls of
 * one slot share one timer and one signal. A timeout therefore fires at
 * most one slot late, never early. A slot lives until its end even when its
 * calls are done (back-to-back calls reuse it), then goes away with its
 * timer, so an idle breaker holds no timer after its last deadline.
 */
export class DeadlineSlots {
  private readonly slots = new Map<number, Slot>();
  /** Width of a slot, in ms. */
  readonly resolutionMs: number;

  constructor(
    private readonly dependency: string,
    private readonly timeoutMs: number,
  ) {
    this.resolutionMs = Math.min(10, Math.max(1, Math.floor(timeoutMs / 20)));
  }

  /**
   * Runs `fn` with a signal that aborts (and a promise that rejects with
   * {@link CallTimeout}) once the call's deadline slot ends, or when
   * `callerSignal` aborts.
   */
  run<T>(fn: ProtectedCall<T>, callerSignal: AbortSignal | undefined): Promise<T> {
    if (callerSignal?.aborted === true) return Promise.reject(callerSignal.reason as Error);
    const now = Date.now();
    const end = Math.ceil((now + this.timeoutMs) / this.resolutionMs) * this.resolutionMs;
    let slot = this.slots.get(end);
    if (slot === undefined) {
      const created = new Slot();
      setTimeout(() => {
        this.expire(end, created);
      }, end - now);
      this.slots.set(end, (slot = created));
    }
    const shared = slot;
    const signal =
      callerSignal === undefined
        ? shared.controller.signal
        : AbortSignal.any([shared.controller.signal, callerSignal]);
    return new Promise<T>((resolve, reject) => {
      shared.pending.add(reject);
      const settle = (): void => {
        shared.pending.delete(reject);
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

  /** Slots whose deadline has not passed yet (each holds one timer). */
  get activeSlots(): number {
    return this.slots.size;
  }

  private expire(end: number, slot: Slot): void {
    if (this.slots.get(end) === slot) this.slots.delete(end);
    if (slot.pending.size === 0) return;
    slot.controller.abort(new CallTimeout(this.dependency, this.timeoutMs));
    for (const reject of slot.pending) reject(new CallTimeout(this.dependency, this.timeoutMs));
    slot.pending.clear();
  }
}
