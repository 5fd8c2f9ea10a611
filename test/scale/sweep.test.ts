/**
 * The refresh sweep is spread: each refresh interval reads the breakers that
 * are not closed plus the next 1/60th of all of them, in pipelines, so that
 * 3,000 idle breakers cost ~50 reads per interval, never one burst of 3,000,
 * and every breaker is still re-read within about 60 intervals.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBreakerBox } from '../../src/index.js';
import { RedisDriver } from '../../src/store/redis-driver.js';
import { RedisStore } from '../../src/store/redis-store.js';
import type { RedisProcess } from '../harness/index.js';
import { startRedis, stopAllRedis, waitUntil } from '../harness/index.js';

const COUNT = 3_000;
const INTERVAL = 50;
const SLICE = Math.ceil(COUNT / 60);

let server: RedisProcess;

beforeAll(async () => {
  server = await startRedis();
});

afterAll(async () => {
  await stopAllRedis();
});

describe('the refresh sweep', () => {
  it('reads 1/60th of the idle breakers per interval, and each of them within a cycle', async () => {
    const box = await createBreakerBox({
      redis: server.url,
      namespace: 'sweep',
      logger: false,
      refreshIntervalMs: INTERVAL,
    });
    const store = box.store;
    if (!(store instanceof RedisStore)) throw new Error('expected a Redis store');
    const breakers = Array.from({ length: COUNT }, (_, i) => box.breaker(`tenant-${i}`));
    const drivers = breakers.map((breaker) => {
      const driver = breaker['driver'];
      if (!(driver instanceof RedisDriver)) throw new Error('expected a Redis driver');
      return driver;
    });
    // First reads: every new breaker, in pipelines of at most 256.
    await waitUntil(() => Promise.resolve(drivers.every((d) => d.lastSyncAt > 0)), {
      timeoutMs: 20_000,
      description: 'first reads',
    });
    expect(store.sweep.stats.largestBurst).toBeLessThanOrEqual(256);

    const settledAt = Date.now();
    store.sweep.stats.reads = 0;
    store.sweep.stats.largestBurst = 0;
    await waitUntil(() => Promise.resolve(drivers.every((d) => d.lastSyncAt > settledAt)), {
      timeoutMs: 30_000,
      intervalMs: 20,
      description: 'every breaker re-read once',
    });
    const elapsed = Date.now() - settledAt;
    // No burst: one slice per interval, never all of them at once.
    expect(store.sweep.stats.largestBurst).toBeGreaterThan(0);
    expect(store.sweep.stats.largestBurst).toBeLessThanOrEqual(SLICE);
    // Reads follow the intervals elapsed (timers on a loaded machine only make fewer).
    expect(store.sweep.stats.reads).toBeLessThanOrEqual((elapsed / INTERVAL + 2) * SLICE);
    await box.close();
  }, 60_000);

  it('re-reads a breaker that is not closed every interval', async () => {
    const box = await createBreakerBox({
      redis: server.url,
      namespace: 'sweep-open',
      logger: false,
      refreshIntervalMs: INTERVAL,
    });
    const idle = Array.from({ length: 600 }, (_, i) => box.breaker(`idle-${i}`));
    const open = box.breaker('forced');
    await open.forceOpen();
    const driver = open['driver'];
    if (!(driver instanceof RedisDriver)) throw new Error('expected a Redis driver');
    await Promise.all(idle.map((breaker) => breaker.snapshot()));
    const syncs: number[] = [];
    let last = driver.lastSyncAt;
    await waitUntil(
      () => {
        if (driver.lastSyncAt !== last) syncs.push((last = driver.lastSyncAt));
        return Promise.resolve(syncs.length >= 5);
      },
      { timeoutMs: 20_000, intervalMs: 5, description: 'five re-reads of the open breaker' },
    );
    await box.close();
  });
});
