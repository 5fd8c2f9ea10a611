/**
 * box.bindWorker with a real BullMQ worker on a spawned redis-server. The box
 * itself has no Redis (memory store): the binding decides from the breaker's
 * view alone. Then two replica processes sharing a breaker in Redis: the
 * worker bound on each pauses within 1 s of the opening and resumes within
 * 1 s of the closing.
 */
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startRedis, stopAllRedis, waitUntil } from '../harness/index.js';
import type { RedisProcess } from '../harness/index.js';
import { createBreakerBox, InvalidBreakerOptions, JobsUnavailable } from '../../src/index.js';
import type { BreakerBox } from '../../src/index.js';
import { silentLogger } from '../unit/helpers.js';
import { sharedState } from './job-streams.js';
import { startJobsFleet, stopJobsFleet } from './replica/jobs-fleet.js';
import type { JobsReplica } from './replica/jobs-fleet.js';

// Replica processes start slowly on a busy machine.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 });

let server: RedisProcess;
let redis: Redis;
let box: BreakerBox | undefined;
const workers: Worker[] = [];

beforeAll(async () => {
  server = await startRedis();
  redis = server.client();
});

afterEach(async () => {
  await Promise.all(workers.splice(0).map((worker) => worker.close()));
  await box?.close();
  box = undefined;
  await stopJobsFleet();
});

afterAll(async () => {
  await stopAllRedis();
});

function worker(name: string, concurrency = 4): Worker {
  const created = new Worker(name, () => Promise.resolve('ok'), {
    connection: server.client({ maxRetriesPerRequest: null }),
    concurrency,
  });
  workers.push(created);
  return created;
}

async function until(condition: () => boolean, description: string, timeoutMs = 2_000) {
  await waitUntil(() => Promise.resolve(condition()), { timeoutMs, intervalMs: 10, description });
}

describe('bindWorker on one replica (memory store)', () => {
  it('pauses while open, resumes when due and when closed', async () => {
    box = await createBreakerBox({ logger: silentLogger() });
    const dep = box.breaker('dep');
    const bound = worker('w1');
    await box.bindWorker(bound, { dependencies: ['dep'] }).ready;
    expect(bound.isPaused()).toBe(false);
    await dep.forceOpen({ forMs: 400 });
    await until(() => bound.isPaused(), 'paused');
    expect(box.backpressure('dep').level).toBe('paused');
    // Past openUntil the breaker needs traffic to heal: the worker runs again.
    await until(() => !bound.isPaused(), 'resumed when due');
    expect(box.backpressure('dep').level).toBe('reduced');
    await dep.forceOpen();
    await until(() => bound.isPaused(), 'paused again');
    await dep.reset();
    await until(() => !bound.isPaused(), 'resumed on close');
  });

  it("mode 'slow' lowers the concurrency while reduced and restores it at normal", async () => {
    box = await createBreakerBox({ logger: silentLogger() });
    const dep = box.breaker('dep');
    const bound = worker('w2', 8);
    await box.bindWorker(bound, { dependencies: ['dep'], mode: 'slow', reducedConcurrency: 2 })
      .ready;
    await dep.forceOpen({ forMs: 300 });
    await until(() => bound.isPaused(), 'paused while open');
    await until(() => !bound.isPaused() && bound.concurrency === 2, 'slowed when due');
    await dep.reset();
    await until(() => bound.concurrency === 8, 'full concurrency again');
  });

  it('refuses bad input with typed errors', async () => {
    box = await createBreakerBox({ logger: silentLogger() });
    box.breaker('dep');
    const bound = worker('w3');
    expect(() => box?.bindWorker(bound, { dependencies: ['nope'] })).toThrow(InvalidBreakerOptions);
    expect(() => box?.bindWorker(bound, { dependencies: [] })).toThrow(InvalidBreakerOptions);
    expect(() => box?.bindWorker(bound, { dependencies: ['dep'], mode: 'fast' as 'slow' })).toThrow(
      /mode/,
    );
    const notAWorker: unknown = { pause: () => undefined };
    expect(() => box?.bindWorker(notAWorker as Worker, { dependencies: ['dep'] })).toThrow(
      InvalidBreakerOptions,
    );
    expect(() => box?.backpressure('nope')).toThrow(InvalidBreakerOptions);
    const queue = new Queue('q', { connection: server.client({ maxRetriesPerRequest: null }) });
    expect(() => box?.bindQueue(queue, { dependencies: ['dep'] })).toThrow(JobsUnavailable);
    await queue.close();
  });
});

describe('bindWorker across two replica processes', () => {
  it('pauses every bound worker within 1 s of the opening and resumes within 1 s of the closing', async () => {
    const ns = 'bw';
    const fleet: JobsReplica[] = await startJobsFleet(
      ['a', 'b'].map((id) => ({
        redis: server.url,
        namespace: ns,
        replicaId: `${ns}-${id}`,
        baseMs: 2_500,
        maxMs: 2_500,
        workerQueue: 'work',
      })),
    );
    const paused = () =>
      Promise.all(fleet.map((replica) => replica.send({ type: 'workerPaused' })));
    expect(await paused()).toEqual([false, false]);
    await fleet[0]?.send({ type: 'trip' });
    await waitUntil(async () => (await sharedState(redis, ns, 'dep')) === 'open', {
      timeoutMs: 5_000,
      intervalMs: 10,
      description: 'the breaker to open',
    });
    const openedAt = Date.now();
    await waitUntil(async () => (await paused()).every((value) => value === true), {
      timeoutMs: 5_000,
      intervalMs: 10,
      description: 'every worker paused',
    });
    expect(Date.now() - openedAt).toBeLessThan(1_000);
    await redis.set(`${ns}:test:up`, '1');
    await waitUntil(async () => (await sharedState(redis, ns, 'dep')) === 'closed', {
      timeoutMs: 10_000,
      intervalMs: 10,
      description: 'the probe job to close the breaker',
    });
    const closedAt = Date.now();
    await waitUntil(async () => (await paused()).every((value) => value === false), {
      timeoutMs: 5_000,
      intervalMs: 10,
      description: 'every worker resumed',
    });
    expect(Date.now() - closedAt).toBeLessThan(1_000);
  });
});
