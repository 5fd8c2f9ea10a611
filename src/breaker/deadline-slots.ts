import { CallTimeout } from '../errors/call-timeout.js';
import type { ProtectedCall } from './protected-call.js';
import { NEVER_ABORTED } from './protected-call.js';

/**
 * One call in flight under a deadline: its own controller (a call's signal
 * may only ever abort while that call is in flight, so signals are never
 * shared), its rejection, and the caller's signal it follows. A function that
 * declares no parameter cannot read a signal: it gets no controller (building
 * an AbortSignal is most of a timed call's cost on Node 20).
 */
class TimedCall {
  readonly controller: AbortController | undefined;
  reject: (error: unknown) => void = noop;
  private callerSignal: AbortSignal | undefined;

  constructor(
    readonly slot: Slot,
    takesSignal: boolean,
  ) {
    this.controller = takesSignal ? new AbortController() : undefined;
  }

  /** Aborts this call's signal (with the caller's reason) when `signal` aborts while it is in flight. */
  follow(signal: AbortSignal): void {
    if (this.controller === undefined) return;
    this.callerSignal = signal;
    signal.addEventListener('abort', this);
  }

  /** The caller's signal aborted (`EventListener` object form: no closure per call). */
  handleEvent(): void {
    this.controller?.abort(this.callerSignal?.reason);
  }

  /** The call settled: it leaves its slot and stops following the caller's signal. */
  finish(): void {
    this.slot.leave(this);
    this.unfollow();
  }

  /** The slot ended with the call in flight: abort its signal and reject it with `timeout`. */
  expire(timeout: CallTimeout): void {
    this.unfollow();
    this.controller?.abort(timeout);
    this.reject(timeout);
  }

  private unfollow(): void {
    const signal = this.callerSignal;
    if (signal !== undefined) {
      this.callerSignal = undefined;
      signal.removeEventListener('abort', this);
    }
  }
}

/**
 * Calls whose deadlines fall in the same slot: one timer for all of them. The
 * timer holds the process open only while a call of the slot is in flight.
 */
class Slot {
  readonly calls = new Set<TimedCall>();
  timer: NodeJS.Timeout | undefined;
  private held = true;
  private disposed = false;

  /** Adds a call; the timer holds the event loop again if it had let go. */
  join(call: TimedCall): void {
    this.calls.add(call);
    if (!this.held && !this.disposed) {
      this.held = true;
      this.timer?.ref();
    }
  }

  /** Removes a settled call; the last one out lets the event loop go. */
  leave(call: TimedCall): void {
    if (!this.calls.delete(call) || this.calls.size > 0 || !this.held) return;
    this.held = false;
    this.timer?.unref();
  }

  /** Lets the event loop go for good (the timer still fires if the process lives). */
  dispose(): void {
    this.disposed = true;
    this.held = false;
    this.timer?.unref();
  }
}

function noop(): void {
  // replaced by the call's reject
}

/**
 * Per-call timeouts without a timer per call (most of a timed call's cost:
 * ~4 µs on our machines). Deadlines are rounded up to a slot of
 * `resolutionMs` (timeoutMs / 20, between 1 and 10 ms); the calls of one slot
 * share one timer, each with a signal of its own. A timeout therefore fires
 * at most one slot late, never early, and aborts only the calls still in
 * flight. A slot lives until its end even when its calls are done (back-to-back
 * calls reuse it), then goes away with its timer; its timer keeps the process
 * alive only while one of its calls is in flight.
 */
export class DeadlineSlots {
  private readonly slots = new Map<number, Slot>();
  private disposed = false;
  /** Width of a slot, in ms. */
  readonly resolutionMs: number;

  constructor(
    private readonly dependency: string,
    private readonly timeoutMs: number,
  ) {
    this.resolutionMs = Math.min(10, Math.max(1, Math.floor(timeoutMs / 20)));
  }

  /**
   * Runs `fn` with a signal of its own that aborts (and a promise that
   * rejects with {@link CallTimeout}) once the call's deadline slot ends, or
   * when `callerSignal` aborts, in either case only while the call is in
   * flight. A function with no declared parameter (`fn.length === 0`) gets
   * `callerSignal`, or a signal that never aborts: it times out all the same.
   */
  run<T>(fn: ProtectedCall<T>, callerSignal: AbortSignal | undefined): Promise<T> {
    if (callerSignal?.aborted === true) return Promise.reject(callerSignal.reason as Error);
    const call = new TimedCall(this.slotFor(Date.now()), fn.length > 0);
    if (callerSignal !== undefined) call.follow(callerSignal);
    const signal = call.controller?.signal ?? callerSignal ?? NEVER_ABORTED;
    return new Promise<T>((resolve, reject) => {
      call.reject = reject;
      call.slot.join(call);
      new Promise<T>((inner) => {
        inner(fn(signal));
      }).then(
        (value) => {
          call.finish();
          resolve(value);
        },
        (error: unknown) => {
          call.finish();
          reject(error);
        },
      );
    });
  }

  /** Slots whose deadline has not passed yet (each holds one timer). */
  get activeSlots(): number {
    return this.slots.size;
  }

  /** Slot timers that hold the event loop now (those with a call in flight). */
  get timersHoldingLoop(): number {
    let holding = 0;
    for (const slot of this.slots.values()) if (slot.timer?.hasRef() === true) holding++;
    return holding;
  }

  /**
   * The box is closed: no timer of these slots holds the event loop any
   * more. Calls still in flight still time out if the process lives on.
   */
  dispose(): void {
    this.disposed = true;
    for (const slot of this.slots.values()) slot.dispose();
  }

  private slotFor(now: number): Slot {
    const end = Math.ceil((now + this.timeoutMs) / this.resolutionMs) * this.resolutionMs;
    let slot = this.slots.get(end);
    if (slot !== undefined) return slot;
    const created = new Slot();
    created.timer = setTimeout(() => {
      this.expire(end, created);
    }, end - now);
    if (this.disposed) created.dispose();
    this.slots.set(end, (slot = created));
    return slot;
  }

  private expire(end: number, slot: Slot): void {
    if (this.slots.get(end) === slot) this.slots.delete(end);
    if (slot.calls.size === 0) return;
    const expired = [...slot.calls];
    slot.calls.clear();
    for (const call of expired) call.expire(new CallTimeout(this.dependency, this.timeoutMs));
  }
}
