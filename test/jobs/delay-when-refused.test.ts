/**
 * delayWhenRefused with a real BullMQ worker on a spawned redis-server: a job
 * that meets an open breaker is moved to delayed for about the refusal's
 * retryAfter with attemptsMade unchanged (attempts: 1, so a failure would have
 * been final), and completes once the breaker lets calls through.
 */
import { Queue, QueueEvents, Worker } from 'bullmq';
import type { Job } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, stopAllRedis, waitUntil } from '../harness/index.js';
import type { RedisProcess } from '../harness/index.js';
import { createBreakerBox, delayWhenRefused, InvalidBreakerOptions } from '../../src/index.js';
import type { BreakerBox } from '../../src/index.js';
import { silentLogger } from '../unit/helpers.js';

let server: RedisProcess;
let box: BreakerBox | undefined;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  server = await startRedis();
});

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  await box?.close();
  box = undefined;
});

afterAll(async () => {
  await stopAllRedis();
});

function connection() {
  return server.client({ maxRetriesPerRequest: null });
}

describe('delayWhenRefused', () => {
  it('delays a refused job until retryAfter without spending an attempt, then completes it', async () => {
    box = await createBreakerBox({ logger: silentLogger() });
    const dep = box.breaker('payments');
    const queue = new Queue('charges', { connection: connection() });
    closers.push(() => queue.close());
    const delays: number[] = [];
    const worker = new Worker(
      'charges',
      delayWhenRefused(
        (job: Job<{ amount: number }>) =>
          dep.call(() => Promise.resolve(`charged ${String(job.data.amount)}`)),
        {
          onDelayed: (_job, delayMs) => {
            delays.push(delayMs);
          },
        },
      ),
      { connection: connection() },
    );
    closers.push(() => worker.close());
    await dep.forceOpen({ forMs: 1_500 });
    const job = await queue.add('charge', { amount: 42 }, { attempts: 1 });
    await waitUntil(async () => (await job.getState()) === 'delayed', {
      timeoutMs: 5_000,
      intervalMs: 10,
      description: 'the job to be delayed',
    });
    const delayed = await queue.getJob(job.id ?? '');
    expect(delayed?.attemptsMade).toBe(0);
    expect(delays).toHaveLength(1);
    // About retryAfter (at most 1,500 ms, plus up to 10% jitter).
    expect(delays[0]).toBeGreaterThan(1_000);
    expect(delays[0]).toBeLessThanOrEqual(1_650);
    expect(delayed?.delay).toBe(delays[0]);
    await waitUntil(async () => (await job.getState()) === 'completed', {
      timeoutMs: 10_000,
      intervalMs: 20,
      description: 'the job to complete after the breaker lets calls through',
    });
    const done = await queue.getJob(job.id ?? '');
    expect(done?.returnvalue).toBe('charged 42');
    expect(done?.attemptsMade).toBe(1);
    expect(dep.state).toBe('closed');
  });

  it('fails a job as usual for any other error', async () => {
    const queue = new Queue('other', { connection: connection() });
    closers.push(() => queue.close());
    const events = new QueueEvents('other', { connection: connection() });
    closers.push(() => events.close());
    await events.waitUntilReady();
    const worker = new Worker(
      'other',
      delayWhenRefused(() => Promise.reject(new Error('bad payload'))),
      { connection: connection() },
    );
    closers.push(() => worker.close());
    const job = await queue.add('x', {}, { attempts: 1 });
    await expect(job.waitUntilFinished(events, 10_000)).rejects.toThrow('bad payload');
    expect(await job.getState()).toBe('failed');
  });

  it('refuses bad options', () => {
    const processor = () => Promise.resolve();
    expect(() => delayWhenRefused(processor, { minDelayMs: -1 })).toThrow(InvalidBreakerOptions);
    expect(() => delayWhenRefused(processor, { jitter: 2 })).toThrow(InvalidBreakerOptions);
  });
});
