/**
 * A record Redis lost (FLUSHALL, an allkeys-* eviction, a failover to an empty
 * replica) is never read as "closed" by a replica whose view is open: the
 * replicas rebuild it from what they know (logged at WARN), and the time from
 * FLUSHALL to the record back in Redis is measured. A Redis whose
 * maxmemory-policy can evict our keys is reported at connect.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBreakerBox } from '../../src/index.js';
import type { RedisProcess } from '../harness/index.js';
import { startRedis, stopAllRedis, waitUntil } from '../harness/index.js';
import { captureLogs, LEVEL } from '../support/log-capture.js';

let server: RedisProcess;
let admin: Redis;

beforeAll(async () => {
  server = await startRedis();
  admin = server.client();
});

afterAll(async () => {
  admin.disconnect();
  await stopAllRedis();
});

const LONG_OPEN = {
  minimumCalls: 5,
  windowType: 'count',
  windowSize: 50,
  openBackoff: { baseMs: 60_000, maxMs: 60_000, jitter: 0 },
} as const;

describe('a record Redis lost', () => {
  it('is rebuilt open / forced open by the replicas, never adopted as closed', async () => {
    const a = captureLogs();
    const b = captureLogs();
    const options = {
      redis: server.url,
      namespace: 'lost',
      flushIntervalMs: 20,
      refreshIntervalMs: 100,
    };
    const boxA = await createBreakerBox({ ...options, replicaId: 'a', logger: a.logger });
    const boxB = await createBreakerBox({ ...options, replicaId: 'b', logger: b.logger });
    const tripped = [boxA.breaker('tripped', LONG_OPEN), boxB.breaker('tripped', LONG_OPEN)];
    const forced = [boxA.breaker('forced', LONG_OPEN), boxB.breaker('forced', LONG_OPEN)];
    await Promise.all([...tripped, ...forced].map((breaker) => breaker.snapshot()));
    for (let i = 0; i < 10; i++) {
      await tripped[0].call(() => Promise.reject(new Error('down'))).catch(() => undefined);
    }
    await forced[0].forceOpen();
    await waitUntil(
      () =>
        Promise.resolve(
          tripped.every((x) => x.state === 'open') && forced.every((x) => x.state === 'open'),
        ),
      { timeoutMs: 5_000, description: 'open everywhere' },
    );
    const states: string[] = [];
    boxB.on('transition', (event) => {
      states.push(`${event.breaker}:${event.to}`);
    });

    await admin.flushall();
    const flushedAt = performance.now();
    const back = await waitUntil(
      async () => {
        const [t, f] = await Promise.all([
          admin.hget('lost:{tripped}:state', 'st'),
          admin.hget('lost:{forced}:state', 'st'),
        ]);
        return t === 'open' && f === 'forced_open' ? performance.now() - flushedAt : undefined;
      },
      { timeoutMs: 5_000, intervalMs: 5, description: 'both records rebuilt' },
    );
    process.stdout.write(`lost record rebuilt ${back.toFixed(0)} ms after FLUSHALL\n`);
    // Keep watching a while: no replica ever saw them closed.
    for (let i = 0; i < 10; i++) {
      for (const breaker of tripped) expect(breaker.state).toBe('open');
      for (const breaker of forced) expect(breaker.state).toBe('open');
      await sleep(30);
    }
    expect(states.filter((s) => s.endsWith('closed'))).toEqual([]);
    // What tripped it survives the rebuild too.
    expect((await tripped[1].snapshot()).trippedBy?.rule).toBe('failure_rate');
    const warned = [...a.lines, ...b.lines].filter((line) => line.level === LEVEL.warn);
    expect(warned.map((line) => line.msg).join('\n')).toMatch(/lost/);
    await Promise.all([boxA.close(), boxB.close()]);
  });
});

describe('maxmemory-policy', () => {
  it('warns at connect when Redis may evict our keys, not when it may not', async () => {
    await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
    const evicting = captureLogs();
    const box = await createBreakerBox({
      redis: server.url,
      namespace: 'policy',
      logger: evicting.logger,
    });
    await box.close();
    const warned = evicting.lines.filter((line) => line.level === LEVEL.warn);
    expect(JSON.stringify(warned)).toMatch(/allkeys-lru/);

    await admin.config('SET', 'maxmemory-policy', 'noeviction');
    const safe = captureLogs();
    const other = await createBreakerBox({
      redis: server.url,
      namespace: 'policy',
      logger: safe.logger,
    });
    await other.close();
    expect(safe.lines.filter((line) => line.level >= LEVEL.warn)).toEqual([]);
  });
});
