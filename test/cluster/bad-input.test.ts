/**
 * The `redis` option's Cluster shape: a malformed node list is refused with
 * InvalidBreakerOptions naming the option, and a cluster nobody answers for
 * is RedisUnavailable within the connect timeout.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createBreakerBox, InvalidBreakerOptions, RedisUnavailable } from '../../src/index.js';
import type { BreakerBoxOptions } from '../../src/index.js';
import { getFreePort } from '../harness/index.js';

const logger = pino({ level: 'silent' });

async function rejectionOf(redis: unknown): Promise<unknown> {
  try {
    const box = await createBreakerBox({
      redis: redis as BreakerBoxOptions['redis'],
      logger,
      connectTimeoutMs: 1_000,
      replicaId: 'bad-cluster',
    });
    await box.close();
  } catch (error) {
    return error;
  }
  throw new Error(`createBreakerBox(${JSON.stringify(redis)}) resolved`);
}

describe('createBreakerBox({ redis: { cluster } }) with bad input', () => {
  it.each([
    [{ cluster: [] }, 'redis.cluster'],
    [{ cluster: 'localhost:7000' }, 'redis.cluster'],
    [{ cluster: [{ host: '127.0.0.1', port: 70_000 }] }, 'redis.cluster.0.port'],
    [{ cluster: [{ host: '127.0.0.1', port: 7000, tls: true }] }, 'redis.cluster.0.tls'],
    [{ cluster: [7000], clusterOptions: 'fast' }, 'redis.clusterOptions'],
    [{ cluster: [7000], nodes: [] }, 'redis.nodes'],
  ])('refuses %j naming %s', async (redis, option) => {
    const error = await rejectionOf(redis);
    expect(error).toBeInstanceOf(InvalidBreakerOptions);
    expect((error as InvalidBreakerOptions).option).toBe(option);
  });

  it('answers RedisUnavailable when no startup node answers', async () => {
    const port = await getFreePort();
    const error = await rejectionOf({ cluster: [{ host: '127.0.0.1', port }] });
    expect(error).toBeInstanceOf(RedisUnavailable);
    expect((error as Error).message).toContain(`cluster 127.0.0.1:${String(port)}`);
  });
});
