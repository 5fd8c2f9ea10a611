/**
 * Probe jobs on a Redis Cluster: a breaker tripped and then left with no
 * traffic heals through BullMQ probe jobs run by the boxes, and every key of
 * the box's queues carries the namespace's hash tag (one slot).
 */
import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BreakerBox, BreakerOptions } from '../../src/index.js';
import { scanKeys } from '../../src/redis/scan-keys.js';
import { stopAllRedis } from '../harness/index.js';
import type { RedisCluster } from '../harness/index.js';
import { clusterBox, failCalls, startTestCluster, waitFor } from './support.js';

const NAMESPACE = 'clprobe';

let cluster: RedisCluster;
let client: Cluster;
let boxes: BreakerBox[];

beforeAll(async () => {
  cluster = await startTestCluster();
  client = cluster.client();
  boxes = await Promise.all(
    ['a', 'b'].map((id) =>
      clusterBox(cluster, NAMESPACE, `probe-${id}`, {
        jobs: { sweepIntervalMs: 500, sweepGraceMs: 300 },
      }),
    ),
  );
}, 90_000);

afterAll(async () => {
  await Promise.allSettled(boxes.map((box) => box.close()));
  await stopAllRedis();
});

describe('probe jobs on a Redis Cluster', () => {
  it('heal a quiet breaker, with every queue key in the namespace slot', async () => {
    let healthy = false;
    let probes = 0;
    const options: BreakerOptions = {
      failureRateThreshold: 0.5,
      minimumCalls: 5,
      windowMs: 30_000,
      openBackoff: { baseMs: 300, maxMs: 600, jitter: 0 },
      probe: () => {
        probes++;
        return healthy ? Promise.resolve() : Promise.reject(new Error('still down'));
      },
    };
    const [a, b] = boxes as [BreakerBox, BreakerBox];
    b.breaker('quiet', options);
    await failCalls(a, 'quiet', options, 10);
    await waitFor(() => b.breaker('quiet', options).state === 'open', 'box b to see it open');
    await waitFor(() => probes >= 2, 'probe jobs to run while it is down');
    expect(a.breaker('quiet', options).state).not.toBe('closed');
    healthy = true;
    await waitFor(
      () => boxes.every((box) => box.breaker('quiet', options).state === 'closed'),
      'probe jobs to close it with no traffic',
    );

    const queueKeys = (await scanKeys(client, `{${NAMESPACE}}:*`)).keys;
    expect(queueKeys.length).toBeGreaterThan(0);
    const slots = new Set(
      await Promise.all(queueKeys.map((key) => client.cluster('KEYSLOT', key))),
    );
    expect(slots.size).toBe(1);
  }, 90_000);
});
