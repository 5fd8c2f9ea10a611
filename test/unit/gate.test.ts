import { describe, expect, it, vi } from 'vitest';
import { CallTimeout } from '../../src/errors/call-timeout.js';
import { DependencyUnhealthy } from '../../src/errors/dependency-unhealthy.js';
import { InvalidBreakerOptions } from '../../src/errors/invalid-breaker-options.js';
import { caught, collectingLogger, failCalls, makeBox, succeedCalls } from './helpers.js';

describe('box.gate', () => {
  it('never runs the guarded function while a critical dependency is open, and does once it closes', async () => {
    const { box, clock } = await makeBox();
    const payments = box.breaker('payments', { minimumCalls: 1 });
    const terminate = vi.fn(() => 'done');
    await failCalls(payments, 1);
    const error = await caught(() => box.gate.guard('terminate_session', terminate));
    expect(error).toBeInstanceOf(DependencyUnhealthy);
    expect(error).toMatchObject({
      dependency: 'payments',
      state: 'open',
      healthState: 'unhealthy',
      operation: 'terminate_session',
      retryAfterMs: 1_000,
      message: 'System unhealthy: payments is open; retry in 1.0s (refused terminate_session)',
    });
    expect(terminate).not.toHaveBeenCalled();
    clock.advance(1_000);
    await succeedCalls(payments, 1); // the trial closes it
    expect(payments.state).toBe('closed');
    await expect(box.gate.guard('terminate_session', terminate)).resolves.toBe('done');
    expect(terminate).toHaveBeenCalledTimes(1);
    await box.close();
  });

  it('refuses an operation triggered by a timeout before any breaker has opened', async () => {
    const { box } = await makeBox();
    box.breaker('sessions');
    const terminate = vi.fn();
    const cause = new CallTimeout('sessions', 2_000);
    const error = await caught(() => box.gate.guard('terminate_session', terminate, { cause }));
    expect(error).toBeInstanceOf(DependencyUnhealthy);
    expect(error).toMatchObject({
      dependency: 'sessions',
      state: 'unknown_outcome',
      operation: 'terminate_session',
      cause,
    });
    expect((error as Error).message).toMatch(
      /^System unhealthy: sessions is of unknown state \(the triggering error was a timeout/,
    );
    expect(terminate).not.toHaveBeenCalled();
    await box.close();
  });

  it.each([
    ['an abort', new DOMException('aborted', 'AbortError')],
    ['a fetch socket error', new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } })],
    ['a refusal', DependencyUnhealthy.refusal({ dependency: 'x', retryAfterMs: 5, state: 'open' })],
    ['a connection refused', Object.assign(new Error('connect'), { code: 'ECONNREFUSED' })],
  ])('refuses when the cause is %s', async (_label, cause) => {
    const { box } = await makeBox();
    expect(() => {
      box.gate.check('delete_topic', { cause });
    }).toThrow(DependencyUnhealthy);
    await box.close();
  });

  it('lets a real answer from the other side through', async () => {
    const { box } = await makeBox();
    const cause = Object.assign(new Error('session not found'), { status: 404 });
    await expect(box.gate.guard('terminate_session', () => 1, { cause })).resolves.toBe(1);
    await box.close();
  });

  it('refuses while a critical breaker is half-open', async () => {
    const { box, clock } = await makeBox();
    const payments = box.breaker('payments', { minimumCalls: 1 });
    await failCalls(payments, 1);
    clock.advance(1_000);
    let release: () => void = () => undefined;
    const trial = payments.call(() => new Promise<void>((resolve) => (release = resolve)));
    await Promise.resolve();
    await Promise.resolve();
    expect(payments.state).toBe('half_open');
    expect(
      await caught(() => {
        box.gate.check('close_account');
      }),
    ).toMatchObject({
      state: 'half_open',
      healthState: 'degraded',
    });
    release();
    await trial;
    await box.close();
  });

  it('ignores non-critical dependencies unless named', async () => {
    const { box } = await makeBox();
    const search = box.breaker('search', { minimumCalls: 1, critical: false });
    await failCalls(search, 1);
    expect(() => {
      box.gate.check('reindex');
    }).not.toThrow();
    expect(() => {
      box.gate.check('reindex', { dependencies: ['search'] });
    }).toThrow(DependencyUnhealthy);
    await box.close();
  });

  it('refuses while a critical check is unhealthy, naming it', async () => {
    const { box } = await makeBox();
    box.addCheck('kafka', () => Promise.reject(new Error('no brokers')), { intervalMs: 5_000 });
    await box.health();
    const error = await caught(() => {
      box.gate.check('delete_topic');
    });
    expect(error).toMatchObject({ dependency: 'kafka', state: 'unhealthy' });
    expect((error as Error).message).toContain(
      'System unhealthy: kafka is unhealthy (check failed',
    );
    await box.close();
  });

  it('refuses an unknown dependency name and a bad operation', async () => {
    const { box } = await makeBox();
    expect(
      await caught(() => {
        box.gate.check('x', { dependencies: ['nope'] });
      }),
    ).toBeInstanceOf(InvalidBreakerOptions);
    expect(
      await caught(() => {
        box.gate.check('');
      }),
    ).toBeInstanceOf(InvalidBreakerOptions);
    expect(await caught(() => box.gate.guard('x', 'run' as never))).toBeInstanceOf(
      InvalidBreakerOptions,
    );
    await box.close();
  });

  it('logs each refusal at WARN with the operation, and counts it', async () => {
    const { logger, lines } = collectingLogger();
    const { box } = await makeBox({ logger });
    const cause = new CallTimeout('sessions', 10);
    await caught(() => {
      box.gate.check('terminate_session', { cause });
    });
    await caught(() => {
      box.gate.check('terminate_session', { cause });
    });
    expect(box.gate.refusals.get('terminate_session')).toBe(2);
    const warnings = lines.filter((l) => l.level === 40 && l.component === 'gate');
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatchObject({ operation: 'terminate_session', dependency: 'sessions' });
    await box.close();
  });
});
