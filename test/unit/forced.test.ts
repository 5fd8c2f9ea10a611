import { describe, expect, it, vi } from 'vitest';
import { DependencyUnhealthy } from '../../src/errors/dependency-unhealthy.js';
import { InvalidBreakerOptions } from '../../src/errors/invalid-breaker-options.js';
import {
  caught,
  deferred,
  expectInvalid,
  failCalls,
  makeBox,
  settle,
  succeedCalls,
} from './helpers.js';

describe('forceOpen({ forMs })', () => {
  it("rejects with state 'forced_open' until forMs has passed, without running the call", async () => {
    const { box, clock, transitions } = await makeBox();
    const breaker = box.breaker('payments');
    const start = clock.t;
    await breaker.forceOpen({ forMs: 30_000 });
    expect(breaker.state).toBe('open');
    expect(transitions).toHaveLength(1);
    expect(transitions[0]).toMatchObject({
      from: 'closed',
      to: 'forced_open',
      reason: 'forced_open',
      retryAfterMs: 30_000,
      openUntil: start + 30_000,
    });

    const fn = vi.fn(() => 'live');
    clock.advance(25_800);
    const error = await caught(() => breaker.call(fn));
    expect(error).toBeInstanceOf(DependencyUnhealthy);
    expect(error).toMatchObject({
      state: 'forced_open',
      healthState: 'unhealthy',
      retryAfterMs: 4_200,
      message: 'payments is unhealthy (circuit forced open); retry in 4.2s',
    });
    clock.t = start + 29_999;
    expect(await caught(() => breaker.call(fn))).toMatchObject({ retryAfterMs: 1 });
    expect(fn).not.toHaveBeenCalled();

    const snapshot = await breaker.snapshot();
    expect(snapshot).toMatchObject({
      state: 'open',
      circuitState: 'forced_open',
      forced: 'open',
      openUntil: start + 30_000,
      retryAfterMs: 1,
    });
    await box.close();
  });

  it('expires into a probe: the first call after forMs is the trial and closes on success', async () => {
    const { box, clock, transitions } = await makeBox();
    const breaker = box.breaker('payments');
    await breaker.forceOpen({ forMs: 5_000 });
    clock.advance(5_000);
    await expect(breaker.call(() => 'healthy')).resolves.toBe('healthy');
    expect(breaker.state).toBe('closed');
    expect(transitions.map((t) => [t.from, t.to, t.reason])).toEqual([
      ['closed', 'forced_open', 'forced_open'],
      ['forced_open', 'half_open', 'probe_started'],
      ['half_open', 'closed', 'probe_succeeded'],
    ]);
    expect((await breaker.snapshot()).forced).toBeNull();
    await box.close();
  });

  it('a failed probe after the override expires re-opens the breaker normally', async () => {
    const { box, clock } = await makeBox();
    const breaker = box.breaker('payments');
    await breaker.forceOpen({ forMs: 5_000 });
    clock.advance(5_000);
    await failCalls(breaker, 1);
    const snapshot = await breaker.snapshot();
    expect(snapshot).toMatchObject({ circuitState: 'open', forced: null, reason: 'probe_failed' });
    expect(snapshot.retryAfterMs).toBeGreaterThan(0);
    await box.close();
  });

  it('forcing open again replaces the expiry, with no second transition (issue 7 item 6)', async () => {
    const { box, clock, transitions } = await makeBox();
    const breaker = box.breaker('payments');
    const start = clock.t;
    await breaker.forceOpen({ forMs: 1_000 });
    await breaker.forceOpen({ forMs: 10_000 });
    expect(transitions).toHaveLength(1);
    const snapshot = await breaker.snapshot();
    expect(snapshot).toMatchObject({ epoch: 1, openUntil: start + 10_000, retryAfterMs: 10_000 });
    clock.advance(1_000);
    expect(await caught(() => breaker.call(() => 'x'))).toMatchObject({ state: 'forced_open' });
    // Forced again with no forMs: open until cleared, still the same override.
    await breaker.forceOpen();
    expect(transitions).toHaveLength(1);
    expect(await breaker.snapshot()).toMatchObject({ epoch: 1, openUntil: null });
    clock.advance(100_000);
    expect(await caught(() => breaker.call(() => 'x'))).toMatchObject({ state: 'forced_open' });
    await box.close();
  });

  it.each([{ ttlMs: 5 }, { forMs: 1_000, until: 5 }, 5, 'soon', null])(
    'refuses forceOpen(%j): unknown keys and non-objects, changing nothing',
    async (input) => {
      const { box, transitions } = await makeBox();
      const breaker = box.breaker('payments');
      const error = await caught(() =>
        breaker.forceOpen(input as unknown as { readonly forMs?: number }),
      );
      expect(error).toBeInstanceOf(InvalidBreakerOptions);
      const key = typeof input === 'object' && input !== null ? Object.keys(input).at(-1) : '';
      expect((error as InvalidBreakerOptions).option).toBe(key === '' ? 'options' : key);
      expect(breaker.state).toBe('closed');
      expect(transitions).toHaveLength(0);
      await box.close();
    },
  );

  it('accepts the longest allowed override, 7 days', async () => {
    const { box } = await makeBox();
    const breaker = box.breaker('payments');
    await breaker.forceOpen({ forMs: 7 * 86_400_000 });
    expect((await breaker.snapshot()).retryAfterMs).toBe(7 * 86_400_000);
    await box.close();
  });

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 7 * 86_400_000 + 1, '1000', null])(
    'refuses forMs %s with InvalidBreakerOptions and changes nothing',
    async (forMs) => {
      const { box, transitions } = await makeBox();
      const breaker = box.breaker('payments');
      const error = await caught(() => breaker.forceOpen({ forMs: forMs as number }));
      expectInvalid(error, 'forMs', forMs);
      expect(breaker.state).toBe('closed');
      expect(transitions).toHaveLength(0);
      await box.close();
    },
  );
});

describe('forceOpen() with no forMs', () => {
  it('stays open however long until reset, with baseMs as the retry hint', async () => {
    const { box, clock } = await makeBox();
    const breaker = box.breaker('payments', { openBackoff: { baseMs: 2_000 } });
    await breaker.forceOpen();
    clock.advance(365 * 86_400_000);
    const fn = vi.fn(() => 'live');
    expect(await caught(() => breaker.call(fn))).toMatchObject({
      state: 'forced_open',
      retryAfterMs: 2_000,
    });
    expect(fn).not.toHaveBeenCalled();
    expect(await breaker.snapshot()).toMatchObject({ openUntil: null, retryAfterMs: 0 });
    await breaker.reset();
    await expect(breaker.call(fn)).resolves.toBe('live');
    await box.close();
  });

  it('stays open until forceClosed', async () => {
    const { box, transitions } = await makeBox();
    const breaker = box.breaker('payments');
    await breaker.forceOpen();
    expect(transitions[0]).toMatchObject({ openUntil: null, retryAfterMs: 0 });
    await breaker.forceClosed();
    await expect(breaker.call(() => 'live')).resolves.toBe('live');
    expect((await breaker.snapshot()).circuitState).toBe('forced_closed');
    await box.close();
  });
});

describe('forceClosed()', () => {
  it('never trips, whatever fails', async () => {
    const { box, transitions } = await makeBox();
    const breaker = box.breaker('payments', { minimumCalls: 1 });
    await breaker.forceClosed();
    const fn = vi.fn(() => Promise.reject(new Error('down')));
    for (let i = 0; i < 100; i++) await caught(() => breaker.call(fn));
    expect(fn).toHaveBeenCalledTimes(100);
    expect(breaker.state).toBe('closed');
    expect(await breaker.snapshot()).toMatchObject({
      circuitState: 'forced_closed',
      forced: 'closed',
      window: { calls: 0 },
    });
    expect(transitions).toHaveLength(1);
    await box.close();
  });

  it('lets calls through at once when the breaker was open', async () => {
    const { box } = await makeBox();
    const breaker = box.breaker('payments', { minimumCalls: 1 });
    await failCalls(breaker, 1);
    expect(breaker.state).toBe('open');
    await breaker.forceClosed();
    await expect(breaker.call(() => 'live')).resolves.toBe('live');
    await box.close();
  });

  it('forceClosed twice makes one transition', async () => {
    const { box, transitions } = await makeBox();
    const breaker = box.breaker('payments');
    await breaker.forceClosed();
    await breaker.forceClosed();
    expect(transitions).toHaveLength(1);
    await box.close();
  });

  it('reset after forceClosed lets the breaker trip again', async () => {
    const { box } = await makeBox();
    const breaker = box.breaker('payments', { minimumCalls: 1 });
    await breaker.forceClosed();
    await failCalls(breaker, 3);
    await breaker.reset();
    expect((await breaker.snapshot()).circuitState).toBe('closed');
    await failCalls(breaker, 1);
    expect(breaker.state).toBe('open');
    await box.close();
  });
});

describe('reset()', () => {
  it('clears the window', async () => {
    const { box } = await makeBox();
    const breaker = box.breaker('payments', { minimumCalls: 3 });
    await failCalls(breaker, 2);
    await breaker.reset();
    expect((await breaker.snapshot()).window.calls).toBe(0);
    await failCalls(breaker, 2);
    expect(breaker.state).toBe('closed');
    await failCalls(breaker, 1);
    expect(breaker.state).toBe('open');
    await box.close();
  });

  it('clears the backoff', async () => {
    const { box, clock, transitions } = await makeBox();
    const breaker = box.breaker('payments', {
      minimumCalls: 1,
      openBackoff: { baseMs: 1_000, jitter: 0 },
    });
    await failCalls(breaker, 1);
    clock.advance(1_000);
    await failCalls(breaker, 1); // failed probe: step 1, 2000 ms
    expect(await breaker.snapshot()).toMatchObject({ backoffStep: 1, retryAfterMs: 2_000 });
    await breaker.reset();
    expect(await breaker.snapshot()).toMatchObject({
      state: 'closed',
      backoffStep: 0,
      openUntil: null,
    });
    expect(transitions.at(-1)).toMatchObject({ from: 'open', to: 'closed', reason: 'reset' });
    await failCalls(breaker, 1);
    expect(transitions.at(-1)).toMatchObject({ to: 'open', retryAfterMs: 1_000 });
    await box.close();
  });

  it('refuses the result of a trial that was in flight when it ran (it no longer holds the probe)', async () => {
    const { box, clock, transitions } = await makeBox();
    const breaker = box.breaker('payments', { minimumCalls: 1 });
    await failCalls(breaker, 1);
    clock.advance(1_000);
    const trial = deferred<string>();
    const result = breaker.call(() => trial.promise);
    await settle();
    expect(breaker.state).toBe('half_open');
    await breaker.reset();
    expect(breaker.state).toBe('closed');
    trial.reject(new Error('late failure'));
    await caught(() => result);
    await settle();
    expect(breaker.state).toBe('closed');
    expect(transitions.map((t) => t.to)).toEqual(['open', 'half_open', 'closed']);
    await succeedCalls(breaker, 1);
    await box.close();
  });

  it("forceOpen during a trial: the trial's later success does not close the breaker", async () => {
    const { box, clock } = await makeBox();
    const breaker = box.breaker('payments', { minimumCalls: 1 });
    await failCalls(breaker, 1);
    clock.advance(1_000);
    const trial = deferred<string>();
    const result = breaker.call(() => trial.promise);
    await settle();
    await breaker.forceOpen();
    trial.resolve('late success');
    await expect(result).resolves.toBe('late success');
    await settle();
    expect((await breaker.snapshot()).circuitState).toBe('forced_open');
    await box.close();
  });
});
