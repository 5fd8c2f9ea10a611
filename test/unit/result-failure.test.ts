import { describe, expect, it, vi } from 'vitest';
import type { BreakerOptions } from '../../src/breaker/breaker-options.js';
import { caught, collectingLogger, expectInvalid, makeBox } from './helpers.js';

interface Reply {
  readonly status: number;
}
const reply = (status: number) => (): Promise<Reply> => Promise.resolve({ status });
const serverError = (result: unknown): boolean => (result as Reply).status >= 500;

describe('isResultFailure: a resolved value can be a failure (issue 7 item 8)', () => {
  it('counts a 503 as a failure, and the caller still gets the value', async () => {
    const { box, transitions } = await makeBox();
    const breaker = box.breaker('payments', { isResultFailure: serverError, minimumCalls: 4 });
    await expect(breaker.call(reply(200))).resolves.toEqual({ status: 200 });
    for (let i = 0; i < 2; i++)
      await expect(breaker.call(reply(503))).resolves.toEqual({ status: 503 });
    const snapshot = await breaker.snapshot();
    expect(snapshot.window).toMatchObject({ calls: 3, failures: 2 });
    expect(snapshot.lastError).toContain('isResultFailure');
    await expect(breaker.call(reply(503))).resolves.toEqual({ status: 503 });
    expect(breaker.state).toBe('open');
    expect(transitions).toMatchObject([{ to: 'open', reason: 'failure_rate' }]);
    expect((await breaker.snapshot()).trippedBy).toMatchObject({ calls: 4, failures: 3 });
    await box.close();
  });

  it('is not served by the fallback: the caller gets the value it asked for', async () => {
    const { box } = await makeBox();
    const breaker = box.breaker('payments', {
      isResultFailure: serverError,
      fallback: () => ({ status: 0 }),
      minimumCalls: 10,
    });
    await expect(breaker.call(reply(503))).resolves.toEqual({ status: 503 });
    await box.close();
  });

  it('is asked about every resolved value, never about thrown errors', async () => {
    const { box } = await makeBox();
    const isResultFailure = vi.fn(() => false);
    const breaker = box.breaker('payments', { isResultFailure, minimumCalls: 10 });
    await breaker.call(() => 'fine');
    await breaker.call(() => Promise.reject(new Error('down'))).catch(() => undefined);
    expect(isResultFailure).toHaveBeenCalledTimes(1);
    expect(isResultFailure).toHaveBeenCalledWith('fine');
    expect((await breaker.snapshot()).window).toMatchObject({ calls: 2, failures: 1 });
    await box.close();
  });

  it('a classifier that throws counts the call as a failure and is logged; the caller gets the value', async () => {
    const { logger, lines } = collectingLogger();
    const { box } = await makeBox({ logger });
    const breaker = box.breaker('payments', {
      isResultFailure: () => {
        throw new Error('classifier bug');
      },
      minimumCalls: 10,
    });
    await expect(breaker.call(() => 'value')).resolves.toBe('value');
    expect((await breaker.snapshot()).window).toMatchObject({ calls: 1, failures: 1 });
    expect(
      lines.some((line) => line.level === 40 && String(line.msg).includes('isResultFailure threw')),
    ).toBe(true);
    await box.close();
  });

  it('decides a half-open trial: a 503 re-opens the breaker, a 200 closes it', async () => {
    const { box, clock } = await makeBox();
    const breaker = box.breaker('payments', {
      isResultFailure: serverError,
      minimumCalls: 1,
      openBackoff: { baseMs: 1_000, jitter: 0 },
    });
    await breaker.call(reply(503));
    expect(breaker.state).toBe('open');
    clock.advance(1_000);
    await expect(breaker.call(reply(503))).resolves.toEqual({ status: 503 });
    expect((await breaker.snapshot()).reason).toBe('probe_failed');
    clock.advance(2_000);
    await expect(breaker.call(reply(200))).resolves.toEqual({ status: 200 });
    expect(breaker.state).toBe('closed');
    await box.close();
  });

  it.each(['() => true', 1, true, null, {}, []])('refuses isResultFailure = %j', async (value) => {
    const { box } = await makeBox();
    const error = await caught(() =>
      box.breaker('payments', { isResultFailure: value } as unknown as BreakerOptions),
    );
    expectInvalid(error, 'isResultFailure', value);
    await box.close();
  });
});
