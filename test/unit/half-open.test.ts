import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Breaker } from '../../src/breaker/breaker.js';
import type { BreakerOptions } from '../../src/breaker/breaker-options.js';
import { CallTimeout } from '../../src/errors/call-timeout.js';
import { DependencyUnhealthy } from '../../src/errors/dependency-unhealthy.js';
import type { Deferred } from './helpers.js';
import { caught, deferred, failCalls, makeBox, settle } from './helpers.js';

afterEach(() => {
  vi.useRealTimers();
});

interface Burst {
  /** Calls whose function ran, in order, each with its pending result. */
  readonly ran: Deferred<string>[];
  readonly results: Promise<PromiseSettledResult<string>[]>;
}

/** Fires `n` calls at once; each call that runs waits on its own deferred. */
function burst(breaker: Breaker<unknown>, n: number): Burst {
  const ran: Deferred<string>[] = [];
  const calls: Promise<unknown>[] = [];
  for (let i = 0; i < n; i++) {
    calls.push(
      breaker.call(() => {
        const d = deferred<string>();
        ran.push(d);
        return d.promise;
      }),
    );
  }
  return { ran, results: Promise.allSettled(calls) as Promise<PromiseSettledResult<string>[]> };
}

function rejections(results: PromiseSettledResult<string>[]): unknown[] {
  return results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
}

async function openedBox(options: BreakerOptions = {}) {
  const t = await makeBox();
  const breaker = t.box.breaker('payments', {
    minimumCalls: 1,
    openBackoff: { baseMs: 1_000, maxMs: 60_000, multiplier: 2, jitter: 0 },
    ...options,
  });
  await failCalls(breaker, 1);
  expect(breaker.state).toBe('open');
  return { ...t, breaker };
}

describe('single-flight half-open under 1,000 concurrent callers', () => {
  it("exactly one runs the function; 999 reject with state 'half_open'; success closes", async () => {
    const { box, clock, breaker, transitions } = await openedBox();
    clock.advance(1_000);
    const { ran, results } = burst(breaker, 1_000);
    await settle();
    expect(ran).toHaveLength(1);
    expect(breaker.state).toBe('half_open');
    ran[0].resolve('recovered');
    const settled = await results;
    expect(settled.filter((r) => r.status === 'fulfilled')).toEqual([
      { status: 'fulfilled', value: 'recovered' },
    ]);
    const refused = rejections(settled);
    expect(refused).toHaveLength(999);
    for (const error of refused) {
      expect(error).toBeInstanceOf(DependencyUnhealthy);
      expect(error).toMatchObject({
        dependency: 'payments',
        state: 'half_open',
        healthState: 'degraded',
        retryAfterMs: 1_000,
      });
    }
    expect((refused[0] as Error).message).toBe(
      'payments is degraded (circuit half-open, recovery trial in progress); retry in 1.0s',
    );
    expect(breaker.state).toBe('closed');
    expect(transitions.map((t) => [t.from, t.to, t.reason])).toEqual([
      ['closed', 'open', 'failure_rate'],
      ['open', 'half_open', 'probe_started'],
      ['half_open', 'closed', 'probe_succeeded'],
    ]);
    await box.close();
  });

  it('a failed trial re-opens with the next backoff step', async () => {
    const { box, clock, breaker, transitions } = await openedBox();
    clock.advance(1_000);
    const { ran, results } = burst(breaker, 1_000);
    await settle();
    expect(ran).toHaveLength(1);
    ran[0].reject(new Error('still down'));
    const settled = await results;
    const refused = rejections(settled);
    expect(refused.filter((e) => e instanceof DependencyUnhealthy)).toHaveLength(999);
    expect(refused.filter((e) => (e as Error).message === 'still down')).toHaveLength(1);
    expect(breaker.state).toBe('open');
    expect(transitions.at(-1)).toMatchObject({
      from: 'half_open',
      to: 'open',
      reason: 'probe_failed',
      retryAfterMs: 2_000,
    });
    const next = await caught(() => breaker.call(() => 'x'));
    expect(next).toMatchObject({ state: 'open', retryAfterMs: 2_000 });
    await box.close();
  });

  it('before openUntil nobody probes: every caller is refused with state open', async () => {
    const { box, clock, breaker } = await openedBox();
    clock.advance(999);
    const { ran, results } = burst(breaker, 100);
    const settled = await results;
    expect(ran).toHaveLength(0);
    for (const error of rejections(settled)) {
      expect(error).toMatchObject({ state: 'open', retryAfterMs: 1 });
    }
    expect(breaker.state).toBe('open');
    await box.close();
  });
});

describe('halfOpen: { permittedCalls: 3, successThreshold: 2 }', () => {
  const halfOpen = { permittedCalls: 3, successThreshold: 2 };

  it('lets exactly 3 trial calls through, and closes after 2 successes', async () => {
    const { box, clock, breaker } = await openedBox({ halfOpen });
    clock.advance(1_000);
    const first = burst(breaker, 1_000);
    await settle();
    expect(first.ran).toHaveLength(1); // the prober; the others arrived while the grant was pending
    const second = burst(breaker, 1_000);
    await settle();
    expect(second.ran).toHaveLength(2);
    const third = burst(breaker, 1_000);
    await settle();
    expect(third.ran).toHaveLength(0);
    expect(rejections(await third.results)).toHaveLength(1_000);

    first.ran[0].resolve('a');
    await settle();
    expect(breaker.state).toBe('half_open');
    second.ran[0].resolve('b');
    await settle();
    expect(breaker.state).toBe('closed');
    second.ran[1].resolve('c');
    expect(rejections(await first.results)).toHaveLength(999);
    expect(rejections(await second.results)).toHaveLength(998);
    expect(breaker.state).toBe('closed');
    await box.close();
  });

  it('one failed trial re-opens at once; later trial results change nothing', async () => {
    const { box, clock, breaker, transitions } = await openedBox({ halfOpen });
    clock.advance(1_000);
    const first = burst(breaker, 1);
    await settle();
    const second = burst(breaker, 2);
    await settle();
    expect(first.ran.length + second.ran.length).toBe(3);
    first.ran[0].resolve('ok');
    second.ran[0].reject(new Error('down'));
    await settle();
    expect(breaker.state).toBe('open');
    second.ran[1].resolve('late ok');
    await Promise.all([first.results, second.results]);
    await settle();
    expect(breaker.state).toBe('open');
    expect(transitions.at(-1)).toMatchObject({ to: 'open', reason: 'probe_failed' });
    await box.close();
  });
});

describe('a slow trial', () => {
  it('fails the probe when the slow-call rule is on, though the caller gets its value', async () => {
    const { box, clock, breaker, transitions } = await openedBox({
      slowCallRateThreshold: 0.5,
      slowCallDurationMs: 100,
    });
    clock.advance(1_000);
    const value = await breaker.call(() => {
      clock.advance(100);
      return 'slow but fine';
    });
    expect(value).toBe('slow but fine');
    expect(breaker.state).toBe('open');
    expect(transitions.at(-1)).toMatchObject({ reason: 'probe_failed' });
    await box.close();
  });

  it('passes the probe one ms under slowCallDurationMs', async () => {
    const { box, clock, breaker } = await openedBox({
      slowCallRateThreshold: 0.5,
      slowCallDurationMs: 100,
    });
    clock.advance(1_000);
    await breaker.call(() => {
      clock.advance(99);
      return 'fast enough';
    });
    expect(breaker.state).toBe('closed');
    await box.close();
  });

  it('passes the probe however slow when the slow-call rule is off', async () => {
    const { box, clock, breaker } = await openedBox({ slowCallDurationMs: 1 });
    clock.advance(1_000);
    await breaker.call(() => {
      clock.advance(10_000);
      return 'slow';
    });
    expect(breaker.state).toBe('closed');
    await box.close();
  });
});

describe('the probe option', () => {
  it('runs the probe as the trial; the caller is refused; success closes', async () => {
    const probeResult = deferred<unknown>();
    const probe = vi.fn((_signal: AbortSignal) => probeResult.promise);
    const { box, clock, breaker, transitions } = await openedBox({ probe });
    clock.advance(1_000);
    const fn = vi.fn(() => 'live');
    const { results } = burst(breaker, 1_000);
    const error = await caught(() => breaker.call(fn));
    expect(error).toMatchObject({ state: 'half_open' });
    const settled = await results;
    expect(rejections(settled)).toHaveLength(1_000);
    expect(fn).not.toHaveBeenCalled();
    expect(probe).toHaveBeenCalledTimes(1);
    expect(probe.mock.calls[0][0]).toBeInstanceOf(AbortSignal);
    expect(breaker.state).toBe('half_open');

    probeResult.resolve('pong');
    await settle();
    expect(breaker.state).toBe('closed');
    expect(transitions.at(-1)).toMatchObject({ to: 'closed', reason: 'probe_succeeded' });
    await expect(breaker.call(fn)).resolves.toBe('live');
    expect(probe).toHaveBeenCalledTimes(1);
    await box.close();
  });

  it('a failing probe re-opens with the next backoff step', async () => {
    const probe = vi.fn(() => Promise.reject(new Error('ping failed')));
    const { box, clock, breaker, transitions } = await openedBox({ probe });
    clock.advance(1_000);
    await caught(() => breaker.call(() => 'x'));
    await settle();
    expect(breaker.state).toBe('open');
    expect(transitions.at(-1)).toMatchObject({ reason: 'probe_failed', retryAfterMs: 2_000 });
    expect((await breaker.snapshot()).lastError).toBe('Error: ping failed');
    await box.close();
  });
});

describe('probe lease (halfOpen.maxDurationMs)', () => {
  it('an expired lease lets a new prober take over and the old prober result is refused', async () => {
    const { box, clock, breaker, transitions } = await openedBox({
      halfOpen: { maxDurationMs: 5_000 },
    });
    clock.advance(1_000);
    const old = burst(breaker, 1);
    await settle();
    expect(old.ran).toHaveLength(1);

    clock.advance(4_999);
    const early = await caught(() => breaker.call(() => 'x'));
    expect(early).toMatchObject({ state: 'half_open', retryAfterMs: 1 });

    clock.advance(1);
    const takeover = burst(breaker, 1);
    await settle();
    expect(takeover.ran).toHaveLength(1);
    expect(transitions.at(-1)).toMatchObject({
      from: 'half_open',
      to: 'half_open',
      reason: 'probe_lease_expired',
    });

    old.ran[0].resolve('old prober says ok');
    await old.results;
    await settle();
    expect(breaker.state).toBe('half_open');

    takeover.ran[0].reject(new Error('new prober says down'));
    await takeover.results;
    await settle();
    expect(breaker.state).toBe('open');
    expect(transitions.map((t) => t.reason)).toEqual([
      'failure_rate',
      'probe_started',
      'probe_lease_expired',
      'probe_failed',
    ]);
    await box.close();
  });

  it("the old prober's failure after a takeover does not re-open", async () => {
    const { box, clock, breaker } = await openedBox({ halfOpen: { maxDurationMs: 5_000 } });
    clock.advance(1_000);
    const old = burst(breaker, 1);
    await settle();
    clock.advance(5_000);
    const takeover = burst(breaker, 1);
    await settle();
    old.ran[0].reject(new Error('old failure'));
    await old.results;
    await settle();
    expect(breaker.state).toBe('half_open');
    takeover.ran[0].resolve('fine');
    await takeover.results;
    expect(breaker.state).toBe('closed');
    await box.close();
  });

  it('a trial with no timeoutMs is bounded by the lease and fails with CallTimeout', async () => {
    vi.useFakeTimers();
    const { box, clock, breaker, transitions } = await openedBox({
      halfOpen: { maxDurationMs: 5_000 },
    });
    clock.advance(1_000);
    let signal: AbortSignal | undefined;
    const result = caught(() =>
      breaker.call((s) => {
        signal = s;
        return new Promise<string>(() => undefined);
      }),
    );
    await vi.advanceTimersByTimeAsync(4_999);
    expect(signal?.aborted).toBe(false);
    // Deadlines round up to a 10 ms slot: never early, at most one slot late.
    await vi.advanceTimersByTimeAsync(11);
    const error = await result;
    expect(error).toBeInstanceOf(CallTimeout);
    expect(error).toMatchObject({ timeoutMs: 5_000 });
    expect(signal?.reason).toBeInstanceOf(CallTimeout);
    expect(transitions.at(-1)).toMatchObject({ to: 'open', reason: 'probe_failed' });
    await box.close();
  });

  it('a trial uses timeoutMs when it is set', async () => {
    vi.useFakeTimers();
    const { box, clock, breaker } = await openedBox({ timeoutMs: 100 });
    clock.advance(1_000);
    const result = caught(() => breaker.call(() => new Promise<string>(() => undefined)));
    await vi.advanceTimersByTimeAsync(110);
    expect(await result).toMatchObject({ code: 'CALL_TIMEOUT', timeoutMs: 100 });
    expect(breaker.state).toBe('open');
    await box.close();
  });
});
