/**
 * box.bindQueue's `whileDegraded` on real BullMQ and a spawned redis-server,
 * in one process: the global rate limit and global concurrency are set on the
 * queue (read back through BullMQ's own getters) while the bound breaker is
 * `reduced` (due, then half-open with its probe under way), and removed again
 * once it closes; bad `whileDegraded` values are refused with a typed error.
 */
import { Queue } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createBreakerBox, InvalidBreakerOptions } from '../../src/index.js';
import type { BindQueueOptions, BreakerBox } from '../../src/index.js';
import { startRedis, stopAllRedis, waitUntil } from '../harness/index.js';
import type { RedisProcess } from '../harness/index.js';
import { silentLogger } from '../unit/helpers.js';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

let server: RedisProcess;
let box: BreakerBox | undefined;
let queue: Queue | undefined;

beforeAll(async () => {
  server = await startRedis();
});

afterEach(async () => {
  await box?.close();
  await queue?.close();
  box = undefined;
  queue = undefined;
});

afterAll(async () => {
  await stopAllRedis();
});

async function until(condition: () => Promise<boolean>, description: string, timeoutMs = 15_000) {
  await waitUntil(condition, { timeoutMs, intervalMs: 20, description });
}

async function redisBox(namespace: string): Promise<BreakerBox> {
  box = await createBreakerBox({
    redis: server.url,
    namespace,
    replicaId: `${namespace}-1`,
    flushIntervalMs: 25,
    refreshIntervalMs: 100,
    connectTimeoutMs: 10_000,
    logger: silentLogger(),
  });
  return box;
}

function userQueue(namespace: string): Queue {
  queue = new Queue('work', {
    connection: server.client({ maxRetriesPerRequest: null }),
    prefix: `{${namespace}-user}`,
  });
  return queue;
}

describe('bindQueue whileDegraded', () => {
  it('sets the global rate limit and concurrency while reduced and removes them at normal', async () => {
    const ns = 'bqd';
    const b = await redisBox(ns);
    // The probe hangs until the test settles it, so the breaker stays half-open.
    let settleProbe: (up: boolean) => void = () => undefined;
    let probes = 0;
    const dep = b.breaker('dep', {
      failureRateThreshold: 0.5,
      minimumCalls: 3,
      windowMs: 60_000,
      openBackoff: { baseMs: 1_500, maxMs: 1_500, multiplier: 2, jitter: 0 },
      halfOpen: { maxDurationMs: 30_000 },
      probe: async () => {
        probes += 1;
        const up = await new Promise<boolean>((resolve) => {
          settleProbe = resolve;
        });
        if (!up) throw new Error('dependency down');
      },
    });
    const work = userQueue(ns);
    await b.bindQueue(work, {
      dependencies: ['dep'],
      whileDegraded: { rateLimit: { max: 7, durationMs: 1_000 }, concurrency: 3 },
    }).ready;
    // Closed: no limit, the queue runs.
    await until(async () => (await work.getGlobalConcurrency()) === null, 'no limit at start');
    expect(await work.getGlobalRateLimit()).toBeNull();
    expect(await work.isPaused()).toBe(false);

    // Open: paused fleet-wide, still no limit (paused is not reduced).
    await Promise.all(
      Array.from({ length: 5 }, () =>
        dep.call(() => Promise.reject(new Error('boom'))).catch(() => undefined),
      ),
    );
    // The failures reach the shared record on the next flush.
    await until(() => Promise.resolve(dep.state === 'open'), 'opened');
    await until(() => work.isPaused(), 'the queue paused while open');
    expect(await work.getGlobalConcurrency()).toBeNull();
    expect(await work.getGlobalRateLimit()).toBeNull();

    // Due, then half-open with the probe hanging: reduced, so the limits are set and the queue runs.
    await until(
      async () =>
        (await work.getGlobalConcurrency()) === 3 && (await work.getGlobalRateLimit()) !== null,
      'the limits set while reduced',
    );
    expect(await work.getGlobalRateLimit()).toEqual({ max: 7, duration: 1_000 });
    expect(await work.isPaused()).toBe(false);
    await until(() => Promise.resolve(probes > 0 && dep.state === 'half_open'), 'half-open');
    // Still reduced while the probe is under way: the limits stay.
    expect(await work.getGlobalConcurrency()).toBe(3);
    expect(await work.getGlobalRateLimit()).toEqual({ max: 7, duration: 1_000 });

    // The probe succeeds: closed, normal, the limits are removed.
    settleProbe(true);
    await until(() => Promise.resolve(dep.state === 'closed'), 'closed');
    await until(
      async () =>
        (await work.getGlobalConcurrency()) === null && (await work.getGlobalRateLimit()) === null,
      'the limits removed at normal',
    );
    expect(await work.isPaused()).toBe(false);
  });

  it('refuses a bad whileDegraded with InvalidBreakerOptions naming the option', async () => {
    const b = await redisBox('bqd-bad');
    b.breaker('dep');
    const work = userQueue('bqd-bad');
    const bad: [unknown, string][] = [
      [{ concurrency: 0 }, 'whileDegraded.concurrency'],
      [{ concurrency: 1.5 }, 'whileDegraded.concurrency'],
      [{ rateLimit: { max: 0, durationMs: 1_000 } }, 'whileDegraded.rateLimit.max'],
      [{ rateLimit: { max: 5 } }, 'whileDegraded.rateLimit.durationMs'],
      [{ rateLimit: { max: 5, durationMs: -1 } }, 'whileDegraded.rateLimit.durationMs'],
      [{ limit: 3 }, 'whileDegraded.limit'],
      ['fast', 'whileDegraded'],
    ];
    for (const [whileDegraded, option] of bad) {
      let thrown: unknown;
      try {
        // Deliberately bad input, as plain JavaScript could pass it.
        b.bindQueue(work, {
          dependencies: ['dep'],
          whileDegraded,
        } as unknown as BindQueueOptions);
      } catch (error) {
        thrown = error;
      }
      expect(thrown, JSON.stringify(whileDegraded)).toBeInstanceOf(InvalidBreakerOptions);
      const error = thrown as InvalidBreakerOptions;
      expect(error.code).toBe('INVALID_BREAKER_OPTIONS');
      expect(error.option).toBe(option);
    }
    // Nothing was set on the queue by a refused binding.
    expect(await work.getGlobalConcurrency()).toBeNull();
    expect(await work.getGlobalRateLimit()).toBeNull();
  });
});
