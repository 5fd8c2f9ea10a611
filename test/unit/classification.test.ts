import { describe, expect, it, vi } from 'vitest';
import type { ErrorClassification } from '../../src/breaker/breaker-options.js';
import { DependencyUnhealthy } from '../../src/errors/dependency-unhealthy.js';
import { caught, collectingLogger, failCalls, makeBox } from './helpers.js';

class NotFound extends Error {}
class Cancelled extends Error {}

/** Rejects with any value, Error or not (what a breaker must cope with). */
const rejectWith = (value: unknown): Promise<never> => Promise.reject(value);

const classify = (error: unknown): ErrorClassification =>
  error instanceof NotFound ? false : error instanceof Cancelled ? 'ignore' : true;

describe('isFailure', () => {
  it.each([
    { verdict: true, calls: 1, failures: 1 },
    { verdict: false, calls: 1, failures: 0 },
    { verdict: 'ignore', calls: 0, failures: 0 },
  ] as const)(
    'verdict $verdict: counted as $calls call(s) with $failures failure(s), error rethrown',
    async ({ verdict, calls, failures }) => {
      const { box } = await makeBox();
      const isFailure = vi.fn((_error: unknown): ErrorClassification => verdict);
      const breaker = box.breaker('payments', { isFailure, minimumCalls: 2 });
      const thrown = new Error('from the dependency');
      const error = await caught(() => breaker.call(() => Promise.reject(thrown)));
      expect(error).toBe(thrown);
      expect(isFailure).toHaveBeenCalledTimes(1);
      expect(isFailure).toHaveBeenCalledWith(thrown);
      const snapshot = await breaker.snapshot();
      expect(snapshot.window).toMatchObject({ calls, failures });
      expect(snapshot.lastError).toBe(failures > 0 ? 'Error: from the dependency' : null);
      await box.close();
    },
  );

  it('is not asked about successful calls', async () => {
    const { box } = await makeBox();
    const isFailure = vi.fn(classify);
    const breaker = box.breaker('payments', { isFailure });
    await breaker.call(() => 'fine');
    expect(isFailure).not.toHaveBeenCalled();
    expect((await breaker.snapshot()).window.calls).toBe(1);
    await box.close();
  });

  it('classifies per error: a 404-like error is a success, a cancellation is ignored', async () => {
    const { box } = await makeBox();
    const breaker = box.breaker('payments', { isFailure: classify, minimumCalls: 3 });
    for (let i = 0; i < 5; i++) {
      await caught(() => breaker.call(() => Promise.reject(new NotFound('no such order'))));
      await caught(() => breaker.call(() => Promise.reject(new Cancelled('cancelled'))));
    }
    expect(breaker.state).toBe('closed');
    expect((await breaker.snapshot()).window).toMatchObject({ calls: 5, failures: 0 });
    await caught(() => breaker.call(() => Promise.reject(new Error('500'))));
    expect((await breaker.snapshot()).window).toMatchObject({ calls: 6, failures: 1 });
    await box.close();
  });

  it('classifies thrown non-Error values too', async () => {
    const { box } = await makeBox();
    const isFailure = vi.fn((error: unknown): ErrorClassification => error !== 'benign');
    const breaker = box.breaker('payments', { isFailure, minimumCalls: 100 });
    expect(await caught(() => breaker.call(() => rejectWith('benign')))).toBe('benign');
    expect(await caught(() => breaker.call(() => rejectWith(7)))).toBe(7);
    expect((await breaker.snapshot()).window).toMatchObject({ calls: 2, failures: 1 });
    await box.close();
  });

  it('when isFailure throws, the call counts as a failure, the original error is rethrown, and a warning is logged', async () => {
    const { logger, lines } = collectingLogger();
    const { box } = await makeBox({ logger });
    const breaker = box.breaker('payments', {
      minimumCalls: 1,
      isFailure: () => {
        throw new Error('classifier bug');
      },
    });
    const original = new Error('dependency error');
    expect(await caught(() => breaker.call(() => Promise.reject(original)))).toBe(original);
    expect(breaker.state).toBe('open');
    const warning = lines.find((l) => l.msg === 'isFailure threw; counting the call as a failure');
    expect(warning).toMatchObject({ level: 40, breaker: 'payments' });
    expect(warning?.err).toMatchObject({ message: 'classifier bug' });
    await box.close();
  });

  it('without isFailure every error is a failure', async () => {
    const { box } = await makeBox();
    const breaker = box.breaker('payments', { minimumCalls: 2 });
    await caught(() => breaker.call(() => Promise.reject(new NotFound('404'))));
    await caught(() => breaker.call(() => Promise.reject(new Cancelled('x'))));
    expect(breaker.state).toBe('open');
    await box.close();
  });
});

describe('isFailure in the half-open trial', () => {
  it('a success-classified error passes the trial and closes the breaker', async () => {
    const { box, clock } = await makeBox();
    const breaker = box.breaker('payments', { isFailure: classify, minimumCalls: 1 });
    await failCalls(breaker, 1);
    clock.advance(1_000);
    await caught(() => breaker.call(() => Promise.reject(new NotFound('404'))));
    expect(breaker.state).toBe('closed');
    await box.close();
  });

  it('an ignored error gives the trial slot back: the next call is the trial', async () => {
    const { box, clock, transitions } = await makeBox();
    const breaker = box.breaker('payments', { isFailure: classify, minimumCalls: 1 });
    await failCalls(breaker, 1);
    clock.advance(1_000);
    await caught(() => breaker.call(() => Promise.reject(new Cancelled('user left'))));
    expect(breaker.state).toBe('half_open');
    await expect(breaker.call(() => 'recovered')).resolves.toBe('recovered');
    expect(breaker.state).toBe('closed');
    expect(transitions.map((t) => t.to)).toEqual(['open', 'half_open', 'closed']);
    await box.close();
  });

  it('a failure-classified error fails the trial', async () => {
    const { box, clock } = await makeBox();
    const breaker = box.breaker('payments', { isFailure: classify, minimumCalls: 1 });
    await failCalls(breaker, 1);
    clock.advance(1_000);
    await caught(() => breaker.call(() => Promise.reject(new Error('still down'))));
    expect(breaker.state).toBe('open');
    const error = await caught(() => breaker.call(() => 'x'));
    expect(error).toBeInstanceOf(DependencyUnhealthy);
    await box.close();
  });
});
