import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBreakerBox } from '../../src/index.js';
import type { RedisProcess } from '../harness/index.js';
import { startRedis, stopAllRedis, waitUntil } from '../harness/index.js';

const logger = pino({ level: 'silent' });

async function commandCalls(server: RedisProcess, command: string): Promise<number> {
  const client = server.client();
  const info = await client.info('commandstats');
  client.disconnect();
  const match = new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(info);
  return Number(match?.[1] ?? 0);
}

describe('the Redis store', () => {
  let server: RedisProcess;

  beforeAll(async () => {
    server = await startRedis();
  });

  afterAll(async () => {
    await stopAllRedis();
  });

  it('decides calls with no round trip and reports them in one script call per flush', async () => {
    const box = await createBreakerBox({
      redis: server.url,
      namespace: 'batch',
      logger,
      flushIntervalMs: 50,
    });
    const breaker = box.breaker('payments');
    await breaker.snapshot();
    const before = (await commandCalls(server, 'evalsha')) + (await commandCalls(server, 'eval'));
    const started = Date.now();
    for (let i = 0; i < 20_000; i++) await breaker.call(() => i);
    const elapsedMs = Date.now() - started;
    await box.close();
    const after = (await commandCalls(server, 'evalsha')) + (await commandCalls(server, 'eval'));
    // One record per flush interval elapsed (plus the final flush), never one per call.
    expect(after - before).toBeLessThanOrEqual(Math.ceil(elapsedMs / 50) + 3);
    expect(after - before).toBeGreaterThanOrEqual(1);
  });

  it('sends one record per breaker per flush interval under steady load, whatever the call rate', async () => {
    const box = await createBreakerBox({
      redis: server.url,
      namespace: 'cadence',
      logger,
      flushIntervalMs: 50,
    });
    const breaker = box.breaker('payments');
    await breaker.snapshot();
    const before = await commandCalls(server, 'evalsha');
    const started = Date.now();
    while (Date.now() - started < 1_000) {
      for (let i = 0; i < 200; i++) await breaker.call(() => i);
      await new Promise((resolve) => setImmediate(resolve));
    }
    const elapsedMs = Date.now() - started;
    const sent = (await commandCalls(server, 'evalsha')) - before;
    await box.close();
    // A flush fires every 50 ms with calls pending at each one: about 20, never one per call or per yield.
    expect(sent).toBeLessThanOrEqual(Math.ceil(elapsedMs / 50) + 3);
    expect(sent).toBeGreaterThanOrEqual(5);
  });

  it('counts every outcome once in the shared window', async () => {
    const box = await createBreakerBox({
      redis: server.url,
      namespace: 'counts',
      replicaId: 'r1',
      logger,
      flushIntervalMs: 20,
    });
    const breaker = box.breaker('payments', { minimumCalls: 1_000 });
    for (let i = 0; i < 500; i++) await breaker.call(() => i);
    for (let i = 0; i < 7; i++)
      await breaker.call(() => Promise.reject(new Error('down'))).catch(() => undefined);
    await waitUntil(async () => (await breaker.snapshot()).window.calls === 507, {
      timeoutMs: 5_000,
      description: 'all outcomes flushed',
    });
    const snapshot = await breaker.snapshot();
    expect(snapshot.window).toMatchObject({
      calls: 507,
      failures: 7,
      replicas: { r1: { calls: 507, failures: 7 } },
    });
    expect(snapshot.lastError).toBe('Error: down');
    expect(snapshot.mode).toBe('shared');
    await box.close();
  });

  it('turns the shared openUntil into this replica\u2019s clock (it never trusts its own clock for it)', async () => {
    const skewMs = 3_600_000;
    const box = await createBreakerBox({
      redis: server.url,
      namespace: 'skew',
      logger,
      clock: { now: () => Date.now() - skewMs },
    });
    const breaker = box.breaker('payments');
    await breaker.forceOpen({ forMs: 2_000 });
    const rejection = await breaker.call(() => 1).catch((error: unknown) => error);
    expect(rejection).toMatchObject({ code: 'DEPENDENCY_UNHEALTHY', state: 'forced_open' });
    const retryAfterMs = (rejection as { retryAfterMs: number }).retryAfterMs;
    expect(retryAfterMs).toBeGreaterThan(1_000);
    expect(retryAfterMs).toBeLessThanOrEqual(2_000);
    await box.close();
  });

  it('uses a given ioredis instance as a template and never closes it', async () => {
    const mine = server.client();
    const box = await createBreakerBox({ redis: mine, namespace: 'instance', logger });
    await box.breaker('payments').forceOpen();
    await box.close();
    expect(await mine.ping()).toBe('PONG');
    expect(await mine.hget('instance:{payments}:state', 'st')).toBe('forced_open');
  });
});

describe('the Redis store with thousands of breakers', () => {
  afterAll(async () => {
    await stopAllRedis();
  });

  it('creates, reads and flushes 3,000 breakers in chunks, never outrunning the command timeout', async () => {
    const server = await startRedis();
    const box = await createBreakerBox({
      redis: server.url,
      namespace: 'many',
      logger,
      flushIntervalMs: 50,
      commandTimeoutMs: 250,
    });
    const modes: string[] = [];
    box.on('mode', (event) => modes.push(event.to));
    const breakers = Array.from({ length: 3_000 }, (_, i) => box.breaker(`dep-${String(i)}`));
    for (const breaker of breakers) await breaker.call(() => 'ok');
    await waitUntil(async () => (await breakers[2_999].snapshot()).window.calls === 1, {
      timeoutMs: 10_000,
      description: 'the last breaker flushed',
    });
    const sample = await Promise.all([0, 1_000, 2_000].map(async (i) => breakers[i].snapshot()));
    expect(sample.map((s) => s.window.calls)).toEqual([1, 1, 1]);
    expect(modes).toEqual([]);
    expect(box.mode).toBe('shared');
    await box.close();
  }, 60_000);
});
