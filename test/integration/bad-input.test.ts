/**
 * createBreakerBox with a Redis that cannot be used: nothing listening on the
 * port (RedisUnavailable, promptly) and a `redis` option that is not a Redis
 * URL at all (InvalidBreakerOptions naming `redis`).
 */
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { getFreePort, startRedis, stopAllRedis } from '../harness/index.js';
import { createBreakerBox, InvalidBreakerOptions, RedisUnavailable } from '../../src/index.js';
import type { BreakerBoxOptions } from '../../src/index.js';

const logger = pino({ level: 'silent' });

afterAll(async () => {
  await stopAllRedis();
});

/** The error `createBreakerBox` rejects with (fails the test if it resolves). */
async function rejectionOf(options: BreakerBoxOptions): Promise<unknown> {
  try {
    const box = await createBreakerBox(options);
    await box.close();
  } catch (error) {
    return error;
  }
  throw new Error(`createBreakerBox(${JSON.stringify(options.redis)}) resolved`);
}

describe('createBreakerBox with a Redis it cannot use', () => {
  it('rejects with RedisUnavailable when nothing listens on the port, within the connect timeout', async () => {
    const port = await getFreePort();
    const started = Date.now();
    const error = await rejectionOf({
      redis: `redis://127.0.0.1:${port}`,
      logger,
      connectTimeoutMs: 1_000,
      replicaId: 'unreachable',
    });
    const elapsed = Date.now() - started;
    expect(error).toBeInstanceOf(RedisUnavailable);
    expect(error).toMatchObject({
      name: 'RedisUnavailable',
      code: 'REDIS_UNAVAILABLE',
      target: `redis://127.0.0.1:${port}`,
    });
    expect((error as Error).message).toContain(`127.0.0.1:${port}`);
    // It does not retry forever: a refused connection fails the first attempt
    // (a generous bound, far above the 1 s connect timeout, for a busy machine).
    expect(elapsed).toBeLessThan(10_000);
  });

  it('rejects with RedisUnavailable when Redis accepts the connection but never answers (hung)', async () => {
    const server = await startRedis();
    server.pause();
    try {
      const started = Date.now();
      const error = await rejectionOf({ redis: server.url, logger, connectTimeoutMs: 500 });
      expect(error).toBeInstanceOf(RedisUnavailable);
      expect((error as Error).message).toContain('no answer within 500ms');
      // Bounded by the connect timeout, not by ioredis's ready check or retries
      // (a generous margin for a busy machine).
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      server.resume();
    }
  });

  it.each([
    ['not a url', 'not a url'],
    ['an http URL', 'http://x'],
    ['a number', 42],
    ['an array', ['redis://127.0.0.1:1']],
  ])('rejects %s with InvalidBreakerOptions naming redis', async (_label, redis) => {
    const error = await rejectionOf({ redis: redis as BreakerBoxOptions['redis'], logger });
    expect(error).toBeInstanceOf(InvalidBreakerOptions);
    expect(error).toMatchObject({ code: 'INVALID_BREAKER_OPTIONS', option: 'redis', value: redis });
    expect((error as Error).message).toMatch(/^invalid option redis: /);
  });
});
