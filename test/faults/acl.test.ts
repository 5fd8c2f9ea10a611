/**
 * Redis that answers but refuses our work (an ACL that denies our keys or a
 * command we need, a key of the wrong type) must not leave the fleet
 * unprotected: the box moves to local mode, keeps tripping, logs the real
 * Redis error at ERROR once per cause (not once per call), and the minimal ACL
 * documented in docs/redis-requirements.md is enough for everything.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBreakerBox } from '../../src/index.js';
import type { BreakerBox } from '../../src/index.js';
import type { RedisProcess } from '../harness/index.js';
import { startRedis, stopAllRedis, waitUntil } from '../harness/index.js';
import { captureLogs, LEVEL } from '../support/log-capture.js';

const DOCS = new URL('../../docs/redis-requirements.md', import.meta.url);

/** The `ACL SETUSER` rules of the documented minimal ACL, read from the docs' code block. */
function documentedAcl(namespace: string): string[] {
  const text = readFileSync(DOCS, 'utf8');
  const match = /```acl\n(ACL SETUSER[^\n]*)\n```/.exec(text);
  if (match?.[1] === undefined) throw new Error('no ```acl block in docs/redis-requirements.md');
  return match[1]
    .split(/\s+/)
    .slice(3)
    .map((rule) => rule.replaceAll('breakerbox:', `${namespace}:`));
}

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

async function boxAs(
  user: string,
  namespace: string,
  logger = captureLogs().logger,
): Promise<BreakerBox> {
  return createBreakerBox({
    redis: `redis://${user}:pw@127.0.0.1:${String(server.port)}`,
    namespace,
    logger,
    flushIntervalMs: 20,
    refreshIntervalMs: 200,
  });
}

const failing = (): Promise<never> => Promise.reject(new Error('dependency down'));
const TRIP = {
  minimumCalls: 5,
  windowType: 'count',
  windowSize: 50,
  openBackoff: { baseMs: 300, maxMs: 300, jitter: 0 },
} as const;

describe('the documented minimal ACL', () => {
  it('is enough: trips, probes, forces and reconciles in shared mode', async () => {
    await admin.call('ACL', 'SETUSER', 'minimal', 'reset', 'on', '>pw', ...documentedAcl('acl-ok'));
    const { logger, lines } = captureLogs();
    const box = await boxAs('minimal', 'acl-ok', logger);
    const breaker = box.breaker('payments', TRIP);
    await breaker.snapshot();
    for (let i = 0; i < 10; i++) await breaker.call(failing).catch(() => undefined);
    await waitUntil(async () => (await admin.hget('acl-ok:{payments}:state', 'st')) === 'open', {
      timeoutMs: 5_000,
      description: 'tripped in Redis',
    });
    await sleep(350);
    await breaker.call(() => Promise.resolve('ok'));
    expect(await admin.hget('acl-ok:{payments}:state', 'st')).toBe('closed');
    await breaker.forceOpen();
    await breaker.reset();
    expect(box.mode).toBe('shared');
    await box.close();
    const problems = lines.filter((line) => line.level >= LEVEL.warn);
    expect(problems.map((line) => line.msg)).toEqual([]);
  });
});

describe('an ACL too restricted for our work', () => {
  it('denied keys: local mode, still trips, one ERROR naming NOPERM', async () => {
    await admin.call('ACL', 'SETUSER', 'nokeys', 'reset', 'on', '>pw', '~other:*', '&*', '+@all');
    const { logger, lines } = captureLogs();
    const box = await boxAs('nokeys', 'acl-denied', logger);
    const breaker = box.breaker('payments', TRIP);
    let ran = 0;
    for (let i = 0; i < 300; i++) {
      await breaker
        .call(() => {
          ran++;
          return failing();
        })
        .catch(() => undefined);
      if (i % 20 === 0) await sleep(25);
    }
    expect(box.mode).toBe('local');
    expect(breaker.state).toBe('open');
    expect(ran).toBeLessThan(100);
    const errors = lines.filter((line) => line.level === LEVEL.error);
    expect(errors).toHaveLength(1);
    expect(JSON.stringify(errors[0])).toMatch(/NOPERM/);
    await box.close();
  });

  it('a denied command of the probe lock: the open breaker still probes and heals', async () => {
    await admin.call(
      'ACL',
      'SETUSER',
      'noset',
      'reset',
      'on',
      '>pw',
      ...documentedAcl('acl-noset'),
      '-set',
    );
    const { logger, lines } = captureLogs();
    const box = await boxAs('noset', 'acl-noset', logger);
    const breaker = box.breaker('payments', TRIP);
    await breaker.snapshot();
    for (let i = 0; i < 10; i++) await breaker.call(failing).catch(() => undefined);
    await waitUntil(() => Promise.resolve(breaker.state === 'open'), {
      timeoutMs: 5_000,
      description: 'tripped',
    });
    await sleep(350);
    await breaker.call(() => Promise.resolve('ok')).catch(() => undefined);
    await waitUntil(
      async () => {
        await breaker.call(() => Promise.resolve('ok')).catch(() => undefined);
        return breaker.state === 'closed';
      },
      { timeoutMs: 5_000, description: 'healed by a probe' },
    );
    expect(box.mode).toBe('local');
    const errors = lines.filter((line) => line.level === LEVEL.error);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ cause: 'NOPERM' });
    expect(JSON.stringify(errors[0])).toMatch(/can't run this command/);
    await box.close();
  });

  it('a key of the wrong type (WRONGTYPE): local mode, still trips, logged at ERROR', async () => {
    await admin.set('acl-wrongtype:{payments}:state', 'not a hash');
    const { logger, lines } = captureLogs();
    const box = await createBreakerBox({
      redis: server.url,
      namespace: 'acl-wrongtype',
      logger,
      flushIntervalMs: 20,
    });
    const breaker = box.breaker('payments', TRIP);
    for (let i = 0; i < 50; i++) {
      await breaker.call(failing).catch(() => undefined);
      if (i % 10 === 0) await sleep(30);
    }
    expect(box.mode).toBe('local');
    expect(breaker.state).toBe('open');
    const errors = lines.filter((line) => line.level === LEVEL.error);
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(errors)).toMatch(/WRONGTYPE/);
    await box.close();
  });
});
