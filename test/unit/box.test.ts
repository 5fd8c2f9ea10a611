import { hostname } from 'node:os';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { BreakerOptions } from '../../src/breaker/breaker-options.js';
import { createBreakerBox } from '../../src/create-breaker-box.js';
import { BreakerBox } from '../../src/box/breaker-box.js';
import { BreakerBoxClosed } from '../../src/errors/breakerbox-closed.js';
import { caught, collectingLogger, deferred, expectInvalid, makeBox, settle } from './helpers.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('box.breaker(name, options)', () => {
  it('returns the same breaker for the same name', async () => {
    const { box } = await makeBox();
    const options = { minimumCalls: 7 };
    const first = box.breaker('payments', options);
    expect(box.breaker('payments', options)).toBe(first);
    expect(box.breaker('payments')).toBe(first);
    expect(box.breaker('payments', { minimumCalls: 7 })).toBe(first);
    expect(box.breaker('orders')).not.toBe(first);
    expect(box.breakers()).toEqual([first, box.breaker('orders')]);
    expect(first.name).toBe('payments');
    await box.close();
  });

  it('compares functions by identity: the same function again is the same options', async () => {
    const { box } = await makeBox();
    const isFailure = (): boolean => true;
    const first = box.breaker('payments', { isFailure });
    expect(box.breaker('payments', { isFailure })).toBe(first);
    await box.close();
  });

  const isFailureA = (): boolean => true;
  const isFailureB = (): boolean => true;
  const fallbackA = (): string => 'a';
  const fallbackB = (): string => 'b';
  const probeA = (): Promise<void> => Promise.resolve();
  const probeB = (): Promise<void> => Promise.resolve();

  it.each<{
    first: BreakerOptions<unknown>;
    second: BreakerOptions<unknown>;
    option: string;
    value: unknown;
  }>([
    {
      first: { failureRateThreshold: 0.5 },
      second: { failureRateThreshold: 0.6 },
      option: 'failureRateThreshold',
      value: 0.6,
    },
    {
      first: {},
      second: { slowCallRateThreshold: 0.9 },
      option: 'slowCallRateThreshold',
      value: 0.9,
    },
    {
      first: {},
      second: { slowCallDurationMs: 5 },
      option: 'slowCallDurationMs',
      value: 5,
    },
    { first: {}, second: { minimumCalls: 3 }, option: 'minimumCalls', value: 3 },
    { first: {}, second: { windowType: 'count' }, option: 'windowType', value: 'count' },
    { first: {}, second: { windowMs: 5_000 }, option: 'windowMs', value: 5_000 },
    { first: {}, second: { windowBuckets: 5 }, option: 'windowBuckets', value: 5 },
    {
      first: { windowType: 'count' },
      second: { windowType: 'count', windowSize: 10 },
      option: 'windowSize',
      value: 10,
    },
    { first: { timeoutMs: 100 }, second: {}, option: 'timeoutMs', value: undefined },
    {
      first: {},
      second: { openBackoff: { baseMs: 2_000 } },
      option: 'openBackoff.baseMs',
      value: 2_000,
    },
    {
      first: {},
      second: { openBackoff: { maxMs: 2_000 } },
      option: 'openBackoff.maxMs',
      value: 2_000,
    },
    {
      first: {},
      second: { openBackoff: { multiplier: 3 } },
      option: 'openBackoff.multiplier',
      value: 3,
    },
    {
      first: {},
      second: { openBackoff: { jitter: 0 } },
      option: 'openBackoff.jitter',
      value: 0,
    },
    {
      first: { isFailure: isFailureA },
      second: { isFailure: isFailureB },
      option: 'isFailure',
      value: isFailureB,
    },
    {
      first: {},
      second: { halfOpen: { permittedCalls: 2 } },
      option: 'halfOpen.permittedCalls',
      value: 2,
    },
    {
      first: { halfOpen: { permittedCalls: 2 } },
      second: { halfOpen: { permittedCalls: 2, successThreshold: 2 } },
      option: 'halfOpen.successThreshold',
      value: 2,
    },
    {
      first: {},
      second: { halfOpen: { maxDurationMs: 1_000 } },
      option: 'halfOpen.maxDurationMs',
      value: 1_000,
    },
    { first: {}, second: { minimumReplicas: 2 }, option: 'minimumReplicas', value: 2 },
    {
      first: { fallback: fallbackA },
      second: { fallback: fallbackB },
      option: 'fallback',
      value: fallbackB,
    },
    { first: {}, second: { critical: false }, option: 'critical', value: false },
    { first: { probe: probeA }, second: { probe: probeB }, option: 'probe', value: probeB },
  ])(
    'different $option for the same name is InvalidBreakerOptions naming $option',
    async ({ first, second, option, value }) => {
      const { box } = await makeBox();
      const breaker = box.breaker('payments', first);
      const error = await caught(() => box.breaker('payments', second));
      expectInvalid(error, option, value);
      expect((error as Error).message).toContain(
        'differs from the options breaker "payments" was created with',
      );
      expect(box.breaker('payments')).toBe(breaker);
      await box.close();
    },
  );
});

describe('box.close()', () => {
  it('refuses call, breaker(), forceOpen, forceClosed, reset and snapshot with BreakerBoxClosed', async () => {
    const { box } = await makeBox();
    const breaker = box.breaker('payments');
    await box.close();
    expect(box.isClosed).toBe(true);
    const fn = vi.fn(() => 'x');
    const attempts: [string, () => unknown][] = [
      ['call', () => breaker.call(fn)],
      ['breaker()', () => box.breaker('payments')],
      ['breaker() new', () => box.breaker('other')],
      ['forceOpen', () => breaker.forceOpen({ forMs: 10 })],
      ['forceClosed', () => breaker.forceClosed()],
      ['reset', () => breaker.reset()],
      ['snapshot', () => breaker.snapshot()],
    ];
    for (const [what, attempt] of attempts) {
      const error = await caught(attempt);
      expect(error, what).toBeInstanceOf(BreakerBoxClosed);
      expect((error as BreakerBoxClosed).code, what).toBe('BREAKERBOX_CLOSED');
    }
    expect(fn).not.toHaveBeenCalled();
    expect(breaker.state).toBe('closed');
  });

  it('waits for calls in flight, then resolves; the call completes normally', async () => {
    const { box } = await makeBox();
    const breaker = box.breaker('payments');
    const pending = deferred<string>();
    const call = breaker.call(() => pending.promise);
    let closed = false;
    const closing = box.close().then(() => {
      closed = true;
    });
    await settle();
    expect(closed).toBe(false);
    expect(await caught(() => breaker.call(() => 'late'))).toBeInstanceOf(BreakerBoxClosed);
    pending.resolve('done');
    await expect(call).resolves.toBe('done');
    await closing;
    expect(closed).toBe(true);
  });

  it('waits for a half-open trial in flight too', async () => {
    const { box, clock } = await makeBox();
    const breaker = box.breaker('payments', { minimumCalls: 1 });
    await caught(() => breaker.call(() => Promise.reject(new Error('x'))));
    clock.advance(1_000);
    const pending = deferred<string>();
    const trial = breaker.call(() => pending.promise);
    await settle();
    let closed = false;
    const closing = box.close().then(() => {
      closed = true;
    });
    await settle();
    expect(closed).toBe(false);
    pending.resolve('ok');
    await trial;
    await closing;
    expect(closed).toBe(true);
  });

  it('gives up waiting after drainTimeoutMs and logs a warning', async () => {
    vi.useFakeTimers();
    const { logger, lines } = collectingLogger();
    const { box } = await makeBox({ logger, drainTimeoutMs: 50 });
    const breaker = box.breaker('payments');
    void breaker.call(() => new Promise<string>(() => undefined));
    let closed = false;
    const closing = box.close().then(() => {
      closed = true;
    });
    await vi.advanceTimersByTimeAsync(49);
    expect(closed).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await closing;
    expect(closed).toBe(true);
    expect(lines.find((l) => l.level === 40)).toMatchObject({
      msg: 'shutdown: calls still in flight after drainTimeoutMs',
      inFlight: 1,
    });
  });

  it('is safe to call more than once', async () => {
    const { box } = await makeBox();
    const first = box.close();
    expect(box.close()).toBe(first);
    await first;
    await expect(box.close()).resolves.toBeUndefined();
  });

  it('drops listeners: nothing is emitted after close', async () => {
    const { box } = await makeBox();
    const listener = vi.fn();
    box.on('transition', listener);
    await box.close();
    box.emitTransition({
      breaker: 'x',
      from: 'closed',
      to: 'open',
      epoch: 1,
      reason: 'failure_rate',
      retryAfterMs: 0,
      replicaId: 'r',
      at: 0,
      openUntil: null,
    });
    expect(listener).not.toHaveBeenCalled();
  });
});

describe('createBreakerBox()', () => {
  it('with no options: memory mode, default namespace and replica id', async () => {
    const box = await createBreakerBox();
    expect(box).toBeInstanceOf(BreakerBox);
    expect(box.mode).toBe('memory');
    expect(box.namespace).toBe('breakerbox');
    expect(box.replicaId).toBe(`${hostname()}:${process.pid}`);
    await expect(box.breaker('payments').call(() => 1)).resolves.toBe(1);
    await box.close();
  });

  it('keeps the given namespace, replica id and logger', async () => {
    const { logger } = collectingLogger();
    const box = await createBreakerBox({ namespace: 'orders', replicaId: 'orders-7f9c', logger });
    expect(box.namespace).toBe('orders');
    expect(box.replicaId).toBe('orders-7f9c');
    expect(box.logger).toBe(logger);
    await box.close();
  });

  it('two boxes in one process do not share breakers (each is its own memory store)', async () => {
    const a = await makeBox();
    const b = await makeBox();
    const pa = a.box.breaker('payments', { minimumCalls: 1 });
    const pb = b.box.breaker('payments', { minimumCalls: 1 });
    await caught(() => pa.call(() => Promise.reject(new Error('x'))));
    expect(pa.state).toBe('open');
    expect(pb.state).toBe('closed');
    await a.box.close();
    await b.box.close();
  });
});
