/**
 * Probe jobs across three replica processes on a spawned redis-server: a
 * breaker opened by failures and then left with no traffic at all heals on
 * its own through probe jobs, one job per opening whichever replicas race;
 * the sweeper re-creates a probe job removed by hand; and a replica killed in
 * the middle of a probe job is taken over by another replica.
 */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startRedis, stopAllRedis, waitUntil } from '../harness/index.js';
import type { RedisProcess } from '../harness/index.js';
import { addedProbeJobs, openings, sharedState, waitForFleetState } from './job-streams.js';
import { JobsReplica, startJobsFleet, stopJobsFleet } from './replica/jobs-fleet.js';
import type { JobsReplicaConfig } from './replica/jobs-replica.js';

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

function configs(namespace: string, extra: Partial<JobsReplicaConfig> = {}): JobsReplicaConfig[] {
  return ['a', 'b', 'c'].map((id) => ({
    redis: server.url,
    namespace,
    replicaId: `${namespace}-${id}`,
    baseMs: 300,
    maxMs: 1_200,
    jobs: { sweepIntervalMs: 500, sweepGraceMs: 300 },
    ...extra,
  }));
}

describe('probe jobs', () => {
  it('heal a breaker with no traffic, one probe job per opening with 3 replicas racing', async () => {
    const ns = 'pj1';
    const fleet = await startJobsFleet(configs(ns));
    await Promise.all(fleet.map((replica) => replica.send({ type: 'trip' })));
    await waitForFleetState(fleet, 'open');
    // Down: probes run on their own and keep it open (backoff 300, 600, 1200…).
    await waitUntil(async () => Number(await redis.get(`${ns}:test:probes`)) >= 3, {
      timeoutMs: 10_000,
      description: 'three probes while the dependency is down',
    });
    expect(
      await Promise.all(fleet.map((replica) => replica.send({ type: 'state' }))),
    ).not.toContain('closed');
    const recoveredAt = Date.now();
    await redis.set(`${ns}:test:up`, '1');
    await waitForFleetState(fleet, 'closed', 10_000);
    const healMs = Date.now() - recoveredAt;
    // Within about one backoff step (the cap, 1,200 ms) plus the fleet's propagation.
    expect(healMs).toBeLessThan(1_200 + 1_000);
    const added = await addedProbeJobs(redis, ns, 'dep');
    const opened = await openings(redis, ns, 'dep');
    expect(opened.length).toBeGreaterThanOrEqual(3);
    expect(new Set(added).size).toBe(added.length);
    expect(added.sort()).toEqual(opened.map((epoch) => `probe.dep.${String(epoch)}`).sort());
  });

  it('the sweeper re-creates a probe job removed by hand', async () => {
    const ns = 'pj2';
    const fleet = await startJobsFleet(configs(ns, { baseMs: 1_000, maxMs: 1_000 }));
    await redis.set(`${ns}:test:up`, '1');
    const [first] = fleet;
    await first.send({ type: 'trip' });
    await waitForFleetState(fleet, 'open');
    const [epoch] = await openings(redis, ns, 'dep');
    const id = `probe.dep.${String(epoch)}`;
    const queue = new Queue('breakerbox-probes', {
      connection: server.client({ maxRetriesPerRequest: null }),
      prefix: `{${ns}}`,
    });
    await waitUntil(async () => (await queue.getJob(id)) !== undefined, {
      timeoutMs: 5_000,
      description: 'the probe job',
    });
    await queue.remove(id);
    expect(await queue.getJob(id)).toBeUndefined();
    await waitForFleetState(fleet, 'closed', 10_000);
    // Added once by the opener and once by the sweeper.
    expect((await addedProbeJobs(redis, ns, 'dep')).filter((added) => added === id)).toHaveLength(
      2,
    );
    await queue.close();
  });

  it('a replica killed in the middle of a probe job: another replica closes the breaker', async () => {
    const ns = 'pj3';
    const [slow] = configs(ns, { probeDelayMs: 60_000, halfOpenMs: 1_000 });
    const victim = await JobsReplica.start(slow);
    await redis.set(`${ns}:test:up`, '1');
    await victim.send({ type: 'trip' });
    await waitUntil(async () => Number(await redis.get(`${ns}:test:probes`)) >= 1, {
      timeoutMs: 10_000,
      description: 'the probe job to start on the victim',
    });
    await victim.kill();
    const [, other] = configs(ns, { halfOpenMs: 1_000 });
    expect(await sharedState(redis, ns, 'dep')).toBe('half_open');
    await JobsReplica.start(other);
    await waitUntil(async () => (await sharedState(redis, ns, 'dep')) === 'closed', {
      timeoutMs: 15_000,
      description: 'the survivor to close the breaker',
    });
    expect(Number(await redis.get(`${ns}:test:probes`))).toBe(2);
  });
});
