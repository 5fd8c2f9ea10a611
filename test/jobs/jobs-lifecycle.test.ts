/**
 * The jobs feature's connections and keys on a spawned redis-server: nothing
 * is opened for a box without probe breakers or bound queues; the probe queue's
 * keys all carry the `{<namespace>}` hash tag; `close()` waits for a probe job
 * under way (bounded) and quits the connection; bad `jobs` options are refused.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, stopAllRedis, waitUntil } from '../harness/index.js';
import type { RedisProcess } from '../harness/index.js';
import { createBreakerBox, InvalidBreakerOptions } from '../../src/index.js';
import { silentLogger } from '../unit/helpers.js';

let server: RedisProcess;
let redis: Redis;

beforeAll(async () => {
  server = await startRedis();
  redis = server.client();
});

afterAll(async () => {
  await stopAllRedis();
});

async function jobsClients(replicaId: string): Promise<number> {
  const list = (await redis.call('CLIENT', 'LIST')) as string;
  return list.split('\n').filter((line) => line.includes(`name=breakerbox-jobs:${replicaId}`))
    .length;
}

describe('jobs feature lifecycle', () => {
  it('opens nothing without probe breakers, hash-tags its keys, and closes in order', async () => {
    const box = await createBreakerBox({
      redis: server.url,
      namespace: 'life',
      replicaId: 'life-1',
      logger: silentLogger(),
      jobs: { closeTimeoutMs: 5_000 },
    });
    box.breaker('plain');
    await sleep(300);
    expect(await jobsClients('life-1')).toBe(0);
    let finishedProbe = false;
    const slow = box.breaker('slow', {
      openBackoff: { baseMs: 100, maxMs: 100 },
      probe: async () => {
        await sleep(800);
        finishedProbe = true;
      },
    });
    await waitUntil(async () => (await jobsClients('life-1')) > 0, {
      timeoutMs: 10_000,
      description: 'the jobs connection',
    });
    await slow.forceOpen({ forMs: 100 });
    // The probe job starts (half-open), then close() waits for it.
    await waitUntil(async () => (await redis.hget('life:{slow}:state', 'st')) === 'half_open', {
      timeoutMs: 10_000,
      intervalMs: 10,
      description: 'the probe job to start',
    });
    const keys = await redis.keys('*breakerbox-probes*');
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(key.startsWith('{life}:breakerbox-probes:')).toBe(true);
    await box.close();
    expect(finishedProbe).toBe(true);
    expect(await redis.hget('life:{slow}:state', 'st')).toBe('closed');
    await waitUntil(async () => (await jobsClients('life-1')) === 0, {
      timeoutMs: 5_000,
      description: 'the jobs connection to be closed',
    });
  });

  it('refuses bad jobs options with the option named', async () => {
    await expect(createBreakerBox({ jobs: { probeConcurrency: 0 } })).rejects.toThrow(
      /jobs\.probeConcurrency/,
    );
    await expect(
      createBreakerBox({ jobs: { sweepIntervalMs: 'often' as unknown as number } }),
    ).rejects.toThrow(InvalidBreakerOptions);
    await expect(
      createBreakerBox({ jobs: { nope: true } as unknown as { probeWorker: boolean } }),
    ).rejects.toThrow(/jobs\.nope/);
  });
});

describe('bindQueue in one process', () => {
  it('resumes the queue when an open breaker becomes due, with no transition', async () => {
    const box = await createBreakerBox({
      redis: server.url,
      namespace: 'due',
      replicaId: 'due-1',
      logger: silentLogger(),
    });
    const queue = new Queue('due-work', {
      connection: server.client({ maxRetriesPerRequest: null }),
    });
    try {
      const dep = box.breaker('dep');
      await box.bindQueue(queue, { dependencies: ['dep'] }).ready;
      await dep.forceOpen({ forMs: 1_500 });
      await waitUntil(() => queue.isPaused(), {
        timeoutMs: 5_000,
        intervalMs: 10,
        description: 'paused while open',
      });
      // Due (no probe, no traffic, no transition): the queue runs again so its jobs can be the trial.
      await waitUntil(async () => !(await queue.isPaused()), {
        timeoutMs: 10_000,
        intervalMs: 20,
        description: 'resumed once due',
      });
      expect(dep.state).toBe('open');
    } finally {
      await queue.close();
      await box.close();
    }
  });
});
