import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DeadlineSlots } from '../../src/breaker/deadline-slots.js';
import { CallTimeout, isCallTimeout } from '../../src/errors/call-timeout.js';
import { caught, deferred, makeBox } from './helpers.js';

/** A protected call that never settles on its own and hands out its signal. */
function hanging(): { fn: (signal: AbortSignal) => Promise<string>; signal: () => AbortSignal } {
  let seen: AbortSignal | undefined;
  return {
    fn: (signal) => {
      seen = signal;
      return new Promise<string>(() => undefined);
    },
    signal: () => {
      if (seen === undefined) throw new Error('the protected call was not run');
      return seen;
    },
  };
}

/** A protected call that rejects with the signal's reason when aborted, like fetch. */
function abortable(): { fn: (signal: AbortSignal) => Promise<string>; signal: () => AbortSignal } {
  let seen: AbortSignal | undefined;
  return {
    fn: (signal) => {
      seen = signal;
      return new Promise<string>((_resolve, reject) => {
        signal.addEventListener('abort', () => {
          reject(signal.reason as unknown);
        });
      });
    },
    signal: () => {
      if (seen === undefined) throw new Error('the protected call was not run');
      return seen;
    },
  };
}

describe('timeoutMs (fake timers)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("aborts the call's signal with a CallTimeout and rejects with it, counted as a failure", async () => {
    const { box } = await makeBox();
    const breaker = box.breaker('payments', { timeoutMs: 1_000 });
    const call = hanging();
    const result = breaker.call(call.fn);
    const outcome = result.then(
      () => undefined,
      (error: unknown) => error,
    );
    // Never early; at most one deadline slot (10 ms for 1 s) late.
    await vi.advanceTimersByTimeAsync(999);
    expect(call.signal().aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(11);
    expect(call.signal().aborted).toBe(true);
    const error = await outcome;
    expect(error).toBeInstanceOf(CallTimeout);
    expect(call.signal().reason).toBeInstanceOf(CallTimeout);
    expect((call.signal().reason as CallTimeout).message).toBe((error as CallTimeout).message);
    const timeout = error as CallTimeout;
    expect(timeout.code).toBe('CALL_TIMEOUT');
    expect(timeout.name).toBe('CallTimeout');
    expect(timeout.dependency).toBe('payments');
    expect(timeout.timeoutMs).toBe(1_000);
    expect(timeout.message).toBe('payments call timed out after 1000ms');
    expect(isCallTimeout(timeout)).toBe(true);

    const snapshot = await breaker.snapshot();
    expect(snapshot.window).toMatchObject({ calls: 1, failures: 1 });
    expect(snapshot.lastError).toBe('CallTimeout: payments call timed out after 1000ms');
    await box.close();
  });

  it('a timeout trips the breaker like any failure', async () => {
    const { box, transitions } = await makeBox();
    const breaker = box.breaker('payments', { timeoutMs: 50, minimumCalls: 1 });
    const result = caught(() => breaker.call(hanging().fn));
    await vi.advanceTimersByTimeAsync(60);
    expect(await result).toBeInstanceOf(CallTimeout);
    expect(breaker.state).toBe('open');
    expect(transitions).toHaveLength(1);
    expect(transitions[0]).toMatchObject({ from: 'closed', to: 'open', reason: 'failure_rate' });
    await box.close();
  });

  it('isFailure cannot make a timeout ignored or a success', async () => {
    const { box } = await makeBox();
    const breaker = box.breaker('payments', { timeoutMs: 50, isFailure: () => 'ignore' });
    const result = caught(() => breaker.call(hanging().fn));
    await vi.advanceTimersByTimeAsync(60);
    expect(await result).toBeInstanceOf(CallTimeout);
    expect((await breaker.snapshot()).window).toMatchObject({ calls: 1, failures: 1 });
    await box.close();
  });

  it('a call that settles in time is not aborted, and no timer outlives its deadline', async () => {
    const { box } = await makeBox();
    const breaker = box.breaker('payments', { timeoutMs: 1_000 });
    let seen: AbortSignal | undefined;
    const value = await breaker.call((signal) => {
      seen = signal;
      return Promise.resolve(42);
    });
    expect(value).toBe(42);
    await vi.advanceTimersByTimeAsync(1_010);
    expect(seen?.aborted).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
    expect((await breaker.snapshot()).window).toMatchObject({ calls: 1, failures: 0 });
    await box.close();
  });

  it('a synchronous throw under a timeout is a failure, and no timer outlives its deadline', async () => {
    const { box } = await makeBox();
    const breaker = box.breaker('payments', { timeoutMs: 1_000 });
    const error = await caught(() =>
      breaker.call(() => {
        throw new Error('sync');
      }),
    );
    expect((error as Error).message).toBe('sync');
    await vi.advanceTimersByTimeAsync(1_010);
    expect(vi.getTimerCount()).toBe(0);
    expect((await breaker.snapshot()).window).toMatchObject({ calls: 1, failures: 1 });
    await box.close();
  });

  it("a settled call's signal never aborts when a later call of its deadline slot times out", async () => {
    const { box } = await makeBox();
    const breaker = box.breaker('payments', { timeoutMs: 1_000 });
    let settledSignal: AbortSignal | undefined;
    // Same millisecond, same slot: one answers at once, like a fetch whose body is read later.
    const value = await breaker.call((signal) => {
      settledSignal = signal;
      return Promise.resolve('headers');
    });
    expect(value).toBe('headers');
    const late = hanging();
    const timedOut = caught(() => breaker.call(late.fn));
    await vi.advanceTimersByTimeAsync(1_010);
    expect(await timedOut).toBeInstanceOf(CallTimeout);
    expect(late.signal().aborted).toBe(true);
    expect(settledSignal?.aborted).toBe(false);
    await box.close();
  });

  it("with a caller signal, a settled call's signal stays untouched by the slot and by the caller", async () => {
    const { box } = await makeBox();
    const breaker = box.breaker('payments', { timeoutMs: 1_000 });
    const controller = new AbortController();
    let settledSignal: AbortSignal | undefined;
    await breaker.call(
      (signal) => {
        settledSignal = signal;
        return 'done';
      },
      { signal: controller.signal },
    );
    const late = hanging();
    const timedOut = caught(() => breaker.call(late.fn, { signal: new AbortController().signal }));
    await vi.advanceTimersByTimeAsync(1_010);
    expect(await timedOut).toBeInstanceOf(CallTimeout);
    expect(late.signal().aborted).toBe(true);
    expect(settledSignal?.aborted).toBe(false);
    controller.abort(new Error('the caller gave up after the call had settled'));
    expect(settledSignal?.aborted).toBe(false);
    await box.close();
  });

  it('a function that declares no parameter still times out (it gets no signal of its own)', async () => {
    const { box } = await makeBox();
    const breaker = box.breaker('payments', { timeoutMs: 100 });
    const result = caught(() => breaker.call(() => new Promise<never>(() => undefined)));
    await vi.advanceTimersByTimeAsync(110);
    expect(await result).toBeInstanceOf(CallTimeout);
    expect((await breaker.snapshot()).window).toMatchObject({ calls: 1, failures: 1 });
    await box.close();
  });

  it('a caller abort that the call ignores, followed by the timeout, is not counted', async () => {
    const { box } = await makeBox();
    const breaker = box.breaker('payments', { timeoutMs: 100, minimumCalls: 1 });
    const controller = new AbortController();
    const call = hanging();
    const result = caught(() => breaker.call(call.fn, { signal: controller.signal }));
    controller.abort(new Error('caller gave up'));
    expect(call.signal().aborted).toBe(true);
    await vi.advanceTimersByTimeAsync(110);
    expect(await result).toBeInstanceOf(CallTimeout);
    expect(breaker.state).toBe('closed');
    expect((await breaker.snapshot()).window.calls).toBe(0);
    await box.close();
  });
});

describe('caller-supplied signal', () => {
  it('aborting it aborts the call, rejects with its reason, and is not counted', async () => {
    const { box } = await makeBox();
    const fallback = vi.fn(() => 'fallback');
    const breaker = box.breaker('payments', { minimumCalls: 1, fallback });
    const controller = new AbortController();
    const call = abortable();
    const result = caught(() => breaker.call(call.fn, { signal: controller.signal }));
    const reason = new Error('user navigated away');
    controller.abort(reason);
    expect(await result).toBe(reason);
    expect(call.signal().aborted).toBe(true);
    expect(call.signal().reason).toBe(reason);
    expect(fallback).not.toHaveBeenCalled();
    expect(breaker.state).toBe('closed');
    expect((await breaker.snapshot()).window.calls).toBe(0);
    await box.close();
  });

  it('an already aborted signal rejects at once without running the call', async () => {
    const { box } = await makeBox();
    const breaker = box.breaker('payments', { minimumCalls: 1 });
    const reason = new Error('already gone');
    const fn = vi.fn(() => 'ran');
    const error = await caught(() => breaker.call(fn, { signal: AbortSignal.abort(reason) }));
    expect(error).toBe(reason);
    expect(fn).not.toHaveBeenCalled();
    expect((await breaker.snapshot()).window.calls).toBe(0);
    await box.close();
  });

  it('a signal that never aborts changes nothing: failures still count', async () => {
    const { box } = await makeBox();
    const breaker = box.breaker('payments', { minimumCalls: 1 });
    const controller = new AbortController();
    await caught(() =>
      breaker.call(() => Promise.reject(new Error('down')), { signal: controller.signal }),
    );
    expect(breaker.state).toBe('open');
    await box.close();
  });
});

describe('timeoutMs (a small real timer)', () => {
  it('times out a real call after 20 ms', async () => {
    const { box } = await makeBox();
    const breaker = box.breaker('payments', { timeoutMs: 20 });
    const call = abortable();
    const started = performance.now();
    const error = await caught(() => breaker.call(call.fn));
    expect(performance.now() - started).toBeGreaterThanOrEqual(15);
    expect(error).toBeInstanceOf(CallTimeout);
    expect(call.signal().reason).toBeInstanceOf(CallTimeout);
    await box.close();
  });
});

describe('deadline slots (a timer per slot, not per call)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('calls whose deadlines share a slot share one timer, each with its own signal and rejection', async () => {
    const slots = new DeadlineSlots('payments', 1_000);
    expect(slots.resolutionMs).toBe(10);
    vi.setSystemTime(20_001);
    const first = hanging();
    const second = hanging();
    const a = slots.run(first.fn, undefined).catch((error: unknown) => error);
    vi.setSystemTime(20_005);
    const b = slots.run(second.fn, undefined).catch((error: unknown) => error);
    expect(slots.activeSlots).toBe(1);
    expect(first.signal()).not.toBe(second.signal());
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(1_010);
    const [errorA, errorB] = await Promise.all([a, b]);
    expect(errorA).toBeInstanceOf(CallTimeout);
    expect(errorB).toBeInstanceOf(CallTimeout);
    expect(errorA).not.toBe(errorB);
    expect(slots.activeSlots).toBe(0);
  });

  it('never fires early, and holds no timer once its last deadline has passed', async () => {
    const slots = new DeadlineSlots('payments', 100);
    vi.setSystemTime(1_003);
    const call = hanging();
    const pending = slots.run(call.fn, undefined).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(99);
    expect(call.signal().aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(slots.resolutionMs + 1);
    expect(await pending).toBeInstanceOf(CallTimeout);

    const quick = slots.run(() => 'done', undefined);
    const next = slots.run(() => 'reused', undefined);
    expect(vi.getTimerCount()).toBe(1);
    expect(await quick).toBe('done');
    expect(await next).toBe('reused');
    await vi.advanceTimersByTimeAsync(100 + slots.resolutionMs);
    expect(vi.getTimerCount()).toBe(0);
    expect(slots.activeSlots).toBe(0);
  });
});

describe('deadline slots and the event loop (real timers)', () => {
  it('a slot timer holds the event loop only while one of its calls is in flight', async () => {
    const slots = new DeadlineSlots('payments', 60_000);
    const first = deferred<string>();
    const pending = slots.run(() => first.promise, undefined);
    expect(slots.timersHoldingLoop).toBe(1);
    first.resolve('done');
    expect(await pending).toBe('done');
    // The slot lives on for reuse, but lets the process exit.
    expect(slots.activeSlots).toBe(1);
    expect(slots.timersHoldingLoop).toBe(0);
    const second = deferred<string>();
    const again = slots.run(() => second.promise, undefined);
    expect(slots.activeSlots).toBe(1);
    expect(slots.timersHoldingLoop).toBe(1);
    second.resolve('again');
    expect(await again).toBe('again');
    expect(slots.timersHoldingLoop).toBe(0);
  });

  it('after dispose() (box.close()) no slot timer holds the event loop, even with a call in flight', async () => {
    const slots = new DeadlineSlots('payments', 60_000);
    const inFlight = deferred<string>();
    const pending = slots.run(() => inFlight.promise, undefined);
    expect(slots.timersHoldingLoop).toBe(1);
    slots.dispose();
    expect(slots.timersHoldingLoop).toBe(0);
    const late = deferred<string>();
    const later = slots.run(() => late.promise, undefined);
    expect(slots.timersHoldingLoop).toBe(0);
    inFlight.resolve('a');
    late.resolve('b');
    expect(await Promise.all([pending, later])).toEqual(['a', 'b']);
  });
});
