/**
 * The refresh sweep on a Redis Cluster: breakers spread over every master are
 * first read and then re-read in pipelines grouped per node (one pipeline
 * over several masters is refused by ioredis), with the box shared throughout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisDriver } from '../../src/store/redis-driver.js';
import { RedisStore } from '../../src/store/redis-store.js';
import { stopAllRedis, waitUntil } from '../harness/index.js';
import type { RedisCluster } from '../harness/index.js';
import { clusterBox, slotOf, startTestCluster } from './support.js';

let cluster: RedisCluster;

beforeAll(async () => {
  cluster = await startTestCluster();
}, 90_000);

afterAll(async () => {
  await stopAllRedis();
});

describe('the refresh sweep on a Redis Cluster', () => {
  it('reads breakers on every master, grouped per node, and stays shared', async () => {
    const box = await clusterBox(cluster, 'csweep', 'sweeper', { refreshIntervalMs: 20 });
    const modes: string[] = [];
    box.on('mode', (event) => modes.push(event.to));
    const store = box.store;
    if (!(store instanceof RedisStore)) throw new Error('expected a Redis store');
    const names = Array.from({ length: 120 }, (_, i) => `tenant-${String(i)}`);
    const masters = new Set(
      await Promise.all(
        names.map(async (name) => (await cluster.masterOfSlot(slotOf('csweep', name))).port),
      ),
    );
    expect(masters.size).toBe(3);
    const drivers = names.map((name) => {
      const driver = box.breaker(name)['driver'];
      if (!(driver instanceof RedisDriver)) throw new Error('expected a Redis driver');
      return driver;
    });
    await waitUntil(() => Promise.resolve(drivers.every((d) => d.lastSyncAt > 0)), {
      timeoutMs: 30_000,
      description: 'first reads of 120 breakers on three masters',
    });
    const settledAt = Date.now();
    await waitUntil(() => Promise.resolve(drivers.every((d) => d.lastSyncAt > settledAt)), {
      timeoutMs: 30_000,
      description: 'every breaker re-read by the spread sweep',
    });
    expect(store.sweep.stats.reads).toBeGreaterThanOrEqual(240);
    expect(box.mode).toBe('shared');
    expect(modes).toEqual([]);
    await box.close();
  }, 90_000);
});
