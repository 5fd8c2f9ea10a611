/**
 * box.bindQueue across two replica processes on a spawned redis-server: a
 * transition enqueues one backpressure job per (breaker, epoch) whichever
 * replicas race; the queue is paused fleet-wide once per opening and resumed
 * on close; a stale backpressure job does not resume a queue that a newer
 * opening paused.
 */
import { Queue } from 'bullmq';
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startRedis, stopAllRedis, waitUntil } from '../harness/index.js';
import type { RedisProcess } from '../harness/index.js';
import { openings, sharedState, streamEntries } from './job-streams.js';
import { startJobsFleet, stopJobsFleet } from './replica/jobs-fleet.js';

// Replica processes start slowly on a busy machine.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 });

let server: RedisProcess;
let redis: Redis;

beforeAll(async () => {
  server = await startRedis();
  redis = server.client();
});

afterEach(async () => {
  await stopJobsFleet();
});

afterAll(async () => {
  await stopAllRedis();
});

async function until(condition: () => Promise<boolean>, description: string, timeoutMs = 10_000) {
  await waitUntil(condition, { timeoutMs, intervalMs: 20, description });
}

describe('bindQueue across two replica processes', () => {
  it('pauses once per opening, resumes on close, and ignores a stale epoch', async () => {
    const ns = 'bq';
    const fleet = await startJobsFleet(
      ['a', 'b'].map((id) => ({
        redis: server.url,
        namespace: ns,
        replicaId: `${ns}-${id}`,
        baseMs: 1_500,
        maxMs: 1_500,
        boundQueue: 'work',
      })),
    );
    const work = new Queue('work', {
      connection: server.client({ maxRetriesPerRequest: null }),
      prefix: `{${ns}-user}`,
    });
    const control = new Queue('breakerbox-bp.work', {
      connection: server.client({ maxRetriesPerRequest: null }),
      prefix: `{${ns}}`,
    });
    const returned = async (id: string): Promise<unknown> => {
      const job: Job | undefined = await control.getJob(id);
      return (await job?.getState()) === 'completed' ? job?.returnvalue : undefined;
    };
    try {
      expect(await work.isPaused()).toBe(false);
      // Both replicas trip it (and both enqueue the backpressure job of the opening).
      await Promise.all(fleet.map((replica) => replica.send({ type: 'trip' })));
      await until(async () => (await sharedState(redis, ns, 'dep')) === 'open', 'opened');
      const [firstOpen = -1] = await openings(redis, ns, 'dep');
      await until(() => work.isPaused(), 'the queue paused fleet-wide');
      await until(async () => (await returned(`bp.dep.${String(firstOpen)}`)) === 'paused', 'job');
      // Heal: the probe job closes it, the closing's job resumes the queue.
      await redis.set(`${ns}:test:up`, '1');
      await until(async () => (await sharedState(redis, ns, 'dep')) === 'closed', 'closed');
      const closedEpoch = Number(await redis.hget(`${ns}:{dep}:state`, 'ep'));
      await until(async () => !(await work.isPaused()), 'the queue resumed');
      await until(
        async () => (await returned(`bp.dep.${String(closedEpoch)}`)) === 'resumed',
        "the closing's job",
      );
      // One job per (breaker, epoch), however many replicas added it.
      const events = await streamEntries(redis, `{${ns}}:breakerbox-bp.work:events`);
      const added = events.filter((e) => e.event === 'added').map((e) => e.jobId);
      expect(new Set(added).size).toBe(added.length);
      expect(added).toContain(`bp.dep.${String(firstOpen)}`);
      expect(events.filter((e) => e.event === 'duplicated').length).toBeGreaterThan(0);
      // A newer opening pauses it again; a stale job (the closing's epoch) must not resume it.
      await redis.set(`${ns}:test:up`, '0');
      await fleet[0]?.send({ type: 'trip' });
      await until(() => work.isPaused(), 'paused by the newer opening');
      await control.add('backpressure', { breaker: 'dep', epoch: closedEpoch }, { jobId: 'stale' });
      await until(async () => (await returned('stale')) === 'stale', 'the stale job to finish');
      expect(await work.isPaused()).toBe(true);
    } finally {
      await work.close();
      await control.close();
    }
  });
});
