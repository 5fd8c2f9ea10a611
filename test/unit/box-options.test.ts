import { describe, expect, it } from 'vitest';
import type { BreakerBoxOptions } from '../../src/box/box-options.js';
import { createBreakerBox } from '../../src/create-breaker-box.js';
import { caught, expectInvalid, silentLogger } from './helpers.js';

interface BadBoxCase {
  readonly label: string;
  readonly option: string;
  readonly value: unknown;
  readonly input?: unknown;
}

const noop = (): void => undefined;
const notQuiteALogger = { info: noop, warn: noop, error: noop, debug: noop };
const loggerWithChildProperty = { ...notQuiteALogger, child: 'nope' };

const BAD_BOX_OPTIONS: readonly BadBoxCase[] = [
  { label: 'namespace with an opening brace', option: 'namespace', value: 'orders{' },
  { label: 'namespace with a closing brace', option: 'namespace', value: 'orders}' },
  { label: 'namespace with a colon', option: 'namespace', value: 'orders:eu' },
  { label: 'namespace with a space', option: 'namespace', value: 'my orders' },
  { label: 'namespace empty', option: 'namespace', value: '' },
  { label: 'namespace of 129 characters', option: 'namespace', value: 'n'.repeat(129) },
  { label: 'namespace not a string', option: 'namespace', value: 5 },
  { label: 'replicaId with a space', option: 'replicaId', value: 'orders 7f9c' },
  { label: 'replicaId with a brace', option: 'replicaId', value: 'orders-{7f9c}' },
  { label: 'replicaId with a closing brace', option: 'replicaId', value: 'orders}' },
  { label: 'replicaId empty', option: 'replicaId', value: '' },
  { label: 'replicaId with a newline', option: 'replicaId', value: 'a\nb' },
  { label: 'replicaId of 129 characters', option: 'replicaId', value: 'r'.repeat(129) },
  { label: 'replicaId not a string', option: 'replicaId', value: 7 },
  { label: 'flushIntervalMs 0', option: 'flushIntervalMs', value: 0 },
  { label: 'flushIntervalMs NaN', option: 'flushIntervalMs', value: Number.NaN },
  { label: 'flushIntervalMs Infinity', option: 'flushIntervalMs', value: Infinity },
  { label: 'flushIntervalMs 4 (below 5)', option: 'flushIntervalMs', value: 4 },
  { label: 'flushIntervalMs 60001', option: 'flushIntervalMs', value: 60_001 },
  { label: 'flushIntervalMs 1.5', option: 'flushIntervalMs', value: 1.5 },
  { label: 'flushIntervalMs a string', option: 'flushIntervalMs', value: '100' },
  { label: 'commandTimeoutMs negative', option: 'commandTimeoutMs', value: -1 },
  { label: 'commandTimeoutMs 0', option: 'commandTimeoutMs', value: 0 },
  { label: 'commandTimeoutMs NaN', option: 'commandTimeoutMs', value: Number.NaN },
  { label: 'commandTimeoutMs Infinity', option: 'commandTimeoutMs', value: Infinity },
  { label: 'commandTimeoutMs 60001', option: 'commandTimeoutMs', value: 60_001 },
  { label: 'drainTimeoutMs negative', option: 'drainTimeoutMs', value: -1 },
  { label: 'drainTimeoutMs NaN', option: 'drainTimeoutMs', value: Number.NaN },
  { label: 'logger an empty object', option: 'logger', value: {} },
  { label: 'logger console (no child)', option: 'logger', value: console },
  { label: 'logger without child', option: 'logger', value: notQuiteALogger },
  { label: 'logger with a non-function child', option: 'logger', value: loggerWithChildProperty },
  { label: 'logger a level name', option: 'logger', value: 'info' },
  { label: 'logger null', option: 'logger', value: null },
  { label: 'logger true', option: 'logger', value: true },
  { label: 'clock a function', option: 'clock', value: () => 0 },
  { label: 'clock without now()', option: 'clock', value: {} },
  { label: 'clock with a numeric now', option: 'clock', value: { now: 5 } },
  { label: 'random a number', option: 'random', value: 0.5 },
  { label: 'unknown key', option: 'redisUrl', value: 'redis://x' },
  { label: 'unknown key (logLevel)', option: 'logLevel', value: 'debug' },
];

describe('bad box options (createBreakerBox rejects with InvalidBreakerOptions)', () => {
  it.each(BAD_BOX_OPTIONS)('$label', async ({ option, value }) => {
    const input = { logger: silentLogger(), [option]: value } as BreakerBoxOptions;
    const error = await caught(() => createBreakerBox(input));
    expectInvalid(error, option, value);
  });

  it.each([5, 'redis://localhost', true, []])('options = %j', async (value) => {
    const error = await caught(() => createBreakerBox(value as BreakerBoxOptions));
    expectInvalid(error, 'options', value);
  });

  it('rejects (never throws synchronously), so callers can await it', async () => {
    const result = createBreakerBox({ flushIntervalMs: 0 });
    expect(result).toBeInstanceOf(Promise);
    await expect(result).rejects.toMatchObject({ code: 'INVALID_BREAKER_OPTIONS' });
  });
});

describe('good box options', () => {
  it('accepts the boundaries', async () => {
    const box = await createBreakerBox({
      namespace: 'a'.repeat(128),
      replicaId: 'host:1|~',
      logger: silentLogger(),
      flushIntervalMs: 5,
      commandTimeoutMs: 1,
      drainTimeoutMs: 0,
      clock: { now: () => 1 },
      random: () => 0,
    });
    expect(box.namespace).toBe('a'.repeat(128));
    expect(box.replicaId).toBe('host:1|~');
    await box.close();
  });

  it('logger: false logs nothing, and the box works', async () => {
    const box = await createBreakerBox({ logger: false });
    expect(box.logger.level).toBe('silent');
    expect(box.logger.isLevelEnabled('fatal')).toBe(false);
    const breaker = box.breaker('payments', { minimumCalls: 1 });
    await caught(() => breaker.call(() => Promise.reject(new Error('down'))));
    expect(breaker.state).toBe('open');
    await box.close();
  });

  it('takes undefined for every option, as if omitted (exactOptionalPropertyTypes)', async () => {
    const box = await createBreakerBox({
      redis: undefined,
      namespace: undefined,
      logger: undefined,
      flushIntervalMs: undefined,
    });
    expect(box.mode).toBe('memory');
    expect(box.namespace).toBe('breakerbox');
    await box.close();
  });
});
