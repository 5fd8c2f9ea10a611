/**
 * The per-node grouping the flush pipelines use, and the PING of every
 * master, against a real cluster: each group's keys are served by one node,
 * a pipeline per group succeeds, and a paused master fails the PING.
 */
import calculateSlot from 'cluster-key-slot';
import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { breakerKeys } from '../../src/redis/keys.js';
import { groupByNode, pingAll } from '../../src/redis/node-groups.js';
import { stopAllRedis, waitUntil } from '../harness/index.js';
import type { RedisCluster } from '../harness/index.js';
import { startTestCluster } from './support.js';

let cluster: RedisCluster;
let client: Cluster;

beforeAll(async () => {
  cluster = await startTestCluster();
  client = cluster.client();
  await waitUntil(() => Promise.resolve(client.status === 'ready'), {
    timeoutMs: 20_000,
    description: 'the cluster client to be ready',
  });
}, 90_000);

afterAll(async () => {
  await stopAllRedis();
});

describe('groupByNode and pingAll on a Redis Cluster', () => {
  it('groups keys by the master serving them, one pipeline per group', async () => {
    const keys = Array.from(
      { length: 60 },
      (_, i) => breakerKeys('groups', `g-${String(i)}`).state,
    );
    const groups = groupByNode(client, keys, (key) => key);
    expect(groups).toHaveLength(3);
    expect(groups.flat().sort()).toEqual([...keys].sort());
    for (const group of groups) {
      const masters = await Promise.all(
        group.map(async (key) => (await cluster.masterOfSlot(calculateSlot(key))).port),
      );
      expect(new Set(masters).size).toBe(1);
      const pipeline = client.pipeline();
      for (const key of group) pipeline.hset(key, 'st', 'closed');
      const results = await pipeline.exec();
      expect(results?.every(([error]) => error === null)).toBe(true);
    }
  });

  it('a pipeline over every master is what ioredis refuses', async () => {
    const keys = Array.from(
      { length: 60 },
      (_, i) => breakerKeys('groups', `g-${String(i)}`).state,
    );
    const pipeline = client.pipeline();
    for (const key of keys) pipeline.hget(key, 'st');
    await expect(pipeline.exec()).rejects.toThrow(/same slots allocation group|same slot/i);
  });

  it('pingAll fails while one master does not answer', async () => {
    await pingAll(client);
    const master = (await cluster.masters()).at(0);
    if (master === undefined) throw new Error('no master');
    const timed = cluster.client({ redisOptions: { commandTimeout: 300 } });
    await waitUntil(() => Promise.resolve(timed.status === 'ready'), {
      timeoutMs: 20_000,
      description: 'the timed client to be ready',
    });
    master.pause();
    try {
      await expect(pingAll(timed)).rejects.toThrow();
    } finally {
      master.resume();
    }
    await waitUntil(() => pingAll(timed).then(() => true), {
      timeoutMs: 20_000,
      description: 'every master to answer again',
    });
  });
});
