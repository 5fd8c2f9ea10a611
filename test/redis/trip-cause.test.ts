import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBreakerBox } from '../../src/index.js';
import type { RedisProcess } from '../harness/index.js';
import { startRedis, stopAllRedis, waitUntil } from '../harness/index.js';

const logger = pino({ level: 'silent' });

describe('trippedBy through the Redis store (issue 7 item 7)', () => {
  let server: RedisProcess;

  beforeAll(async () => {
    server = await startRedis();
  });

  afterAll(async () => {
    await stopAllRedis();
  });

  it('the shared snapshot keeps the rule and the sums that opened the breaker, until it closes', async () => {
    const box = await createBreakerBox({ redis: server.url, namespace: 'cause', logger });
    const breaker = box.breaker('payments', {
      windowType: 'count',
      windowSize: 10,
      minimumCalls: 4,
    });
    await breaker.call(() => 'ok');
    for (let i = 0; i < 3; i++)
      await breaker.call(() => Promise.reject(new Error('down'))).catch(() => undefined);
    await waitUntil(() => Promise.resolve(breaker.state === 'open'), {
      timeoutMs: 5_000,
      description: 'the breaker opened',
    });
    const snapshot = await breaker.snapshot();
    expect(snapshot.mode).toBe('shared');
    expect(snapshot.window.calls).toBe(0);
    expect(snapshot.trippedBy).toEqual({
      rule: 'failure_rate',
      calls: 4,
      failures: 3,
      slowCalls: 0,
      failureRate: 0.75,
      slowCallRate: 0,
    });
    await breaker.reset();
    expect((await breaker.snapshot()).trippedBy).toBeNull();
    await box.close();
  });
});
