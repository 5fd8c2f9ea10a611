import { afterEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import type { Breaker } from '../../src/breaker/breaker.js';
import { CallTimeout } from '../../src/errors/call-timeout.js';
import { DependencyUnhealthy } from '../../src/errors/dependency-unhealthy.js';
import { caught, makeBox } from './helpers.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('fallback', () => {
  it('is served on rejection and receives the DependencyUnhealthy', async () => {
    const { box } = await makeBox();
    const fallback = vi.fn((_error: unknown) => 'cached');
    const breaker = box.breaker('payments', { minimumCalls: 1, fallback });
    await breaker.call(() => Promise.reject(new Error('down')));
    expect(breaker.state).toBe('open');
    fallback.mockClear();

    const fn = vi.fn(() => 'live');
    await expect(breaker.call(fn)).resolves.toBe('cached');
    expect(fn).not.toHaveBeenCalled();
    expect(fallback).toHaveBeenCalledTimes(1);
    const [error] = fallback.mock.calls[0];
    expect(error).toBeInstanceOf(DependencyUnhealthy);
    expect(error).toMatchObject({ dependency: 'payments', state: 'open', retryAfterMs: 1_000 });
    await box.close();
  });

  it('is served on a failure, receives the error, and the failure still counts', async () => {
    const { box } = await makeBox();
    const fallback = vi.fn((_error: unknown) => 'cached');
    const breaker = box.breaker('payments', { minimumCalls: 2, fallback });
    const failure = new Error('503');
    await expect(breaker.call(() => Promise.reject(failure))).resolves.toBe('cached');
    expect(fallback).toHaveBeenCalledWith(failure);
    expect((await breaker.snapshot()).window).toMatchObject({ calls: 1, failures: 1 });
    await breaker.call(() => Promise.reject(failure));
    expect(breaker.state).toBe('open');
    await box.close();
  });

  it('is served on a timeout', async () => {
    vi.useFakeTimers();
    const { box } = await makeBox();
    const fallback = vi.fn((_error: unknown) => 'cached');
    const breaker = box.breaker('payments', { timeoutMs: 10, fallback });
    const result = breaker.call(() => new Promise<string>(() => undefined));
    await vi.advanceTimersByTimeAsync(10);
    await expect(result).resolves.toBe('cached');
    expect(fallback.mock.calls[0][0]).toBeInstanceOf(CallTimeout);
    await box.close();
  });

  it.each([
    { kind: 'ignored', verdict: 'ignore' as const },
    { kind: 'success-classified', verdict: false },
  ])('is not served on an $kind error: the error is rethrown', async ({ verdict }) => {
    const { box } = await makeBox();
    const fallback = vi.fn((_error: unknown) => 'cached');
    const breaker = box.breaker('payments', { isFailure: () => verdict, fallback });
    const thrown = new Error('not a dependency failure');
    expect(await caught(() => breaker.call(() => Promise.reject(thrown)))).toBe(thrown);
    expect(fallback).not.toHaveBeenCalled();
    await box.close();
  });

  it('is not served on success', async () => {
    const { box } = await makeBox();
    const fallback = vi.fn((_error: unknown) => 'cached');
    const breaker = box.breaker('payments', { fallback });
    await expect(breaker.call(() => 'live')).resolves.toBe('live');
    expect(fallback).not.toHaveBeenCalled();
    await box.close();
  });

  it('may be async', async () => {
    const { box } = await makeBox();
    const breaker = box.breaker('payments', {
      fallback: () => Promise.resolve({ from: 'cache' }),
    });
    await expect(breaker.call(() => Promise.reject(new Error('x')))).resolves.toEqual({
      from: 'cache',
    });
    await box.close();
  });

  it("is served to callers refused while half-open, with state 'half_open'", async () => {
    const { box, clock } = await makeBox();
    const fallback = vi.fn((_error: unknown) => 'cached');
    const breaker = box.breaker('payments', { minimumCalls: 1, fallback });
    await breaker.call(() => Promise.reject(new Error('x')));
    clock.advance(1_000);
    let release!: (value: string) => void;
    const trial = breaker.call(
      () =>
        new Promise<string>((resolve) => {
          release = resolve;
        }),
    );
    fallback.mockClear();
    await expect(breaker.call(() => 'live')).resolves.toBe('cached');
    expect(fallback.mock.calls[0][0]).toMatchObject({ state: 'half_open' });
    release('trial ok');
    await expect(trial).resolves.toBe('trial ok');
    await box.close();
  });

  it('a fallback that throws rejects the call with its error', async () => {
    const { box } = await makeBox();
    const fallbackError = new Error('no cache either');
    const breaker = box.breaker('payments', {
      fallback: (): string => {
        throw fallbackError;
      },
    });
    expect(await caught(() => breaker.call(() => Promise.reject(new Error('x'))))).toBe(
      fallbackError,
    );
    await box.close();
  });

  it('types the result as T | F, and as T without a fallback', async () => {
    const { box } = await makeBox();
    const withFallback = box.breaker('with', { fallback: () => 'cached' });
    expectTypeOf(withFallback).toEqualTypeOf<Breaker<string>>();
    const a = await withFallback.call(() => 1);
    expectTypeOf(a).toEqualTypeOf<number | string>();
    expect(a).toBe(1);

    const without = box.breaker('without', { minimumCalls: 5 });
    const b = await without.call(() => Promise.resolve(2));
    expectTypeOf(b).toEqualTypeOf<number>();
    expect(b).toBe(2);
    await box.close();
  });
});
