/**
 * `recordIdleTtlMs` on a real redis-server (test/harness): closed records get
 * the idle TTL, open ones live until due plus the TTL, forced ones never
 * expire; replicas that still hold a breaker whose record expired recreate it
 * with no transition and no WARN log.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBreakerBox } from '../../src/index.js';
import type { TransitionEvent } from '../../src/index.js';
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

const TTL = 60_000;
const COUNT_WINDOW = { windowType: 'count', windowSize: 20, minimumCalls: 4 } as const;
const fail = (): Promise<never> => Promise.reject(new Error('down'));

async function flushed(namespace: string, name: string): Promise<void> {
  await waitUntil(async () => (await admin.exists(`${namespace}:{${name}}:state`)) === 1, {
    timeoutMs: 5_000,
    description: `${name} record written`,
  });
}

describe('record idle TTL', () => {
  it('a closed record expires after the idle TTL; an open one lives until due plus the TTL; forced ones never expire', async () => {
    const ns = 'ttl';
    const box = await createBreakerBox({
      redis: server.url,
      namespace: ns,
      logger: false,
      flushIntervalMs: 20,
      recordIdleTtlMs: TTL,
    });
    const closed = box.breaker('closed', COUNT_WINDOW);
    await closed.call(() => 1);
    await flushed(ns, 'closed');
    const closedTtl = await admin.pttl(`${ns}:{closed}:state`);
    expect(closedTtl).toBeGreaterThan(0);
    expect(closedTtl).toBeLessThanOrEqual(TTL);
    expect(await admin.pttl(`${ns}:{closed}:window`)).toBeGreaterThan(0);

    const open = box.breaker('open', {
      ...COUNT_WINDOW,
      openBackoff: { baseMs: 600_000, maxMs: 600_000, jitter: 0 },
    });
    for (let i = 0; i < 4; i++) await open.call(fail).catch(() => undefined);
    await waitUntil(() => Promise.resolve(open.state === 'open'), {
      timeoutMs: 5_000,
      description: 'tripped',
    });
    const openTtl = await admin.pttl(`${ns}:{open}:state`);
    expect(openTtl).toBeGreaterThan(600_000 + TTL - 10_000);
    expect(openTtl).toBeLessThanOrEqual(600_000 + TTL);
    expect(await admin.pttl(`${ns}:{open}:events`)).toBeGreaterThan(600_000);

    const forcedFor = box.breaker('forced-for');
    await forcedFor.forceOpen({ forMs: 300_000 });
    expect(await admin.pttl(`${ns}:{forced-for}:state`)).toBeGreaterThan(300_000 + TTL - 10_000);

    const forced = box.breaker('forced');
    await forced.call(() => 1);
    await flushed(ns, 'forced');
    expect(await admin.pttl(`${ns}:{forced}:state`)).toBeGreaterThan(0);
    await forced.forceOpen();
    expect(await admin.pttl(`${ns}:{forced}:state`)).toBe(-1);
    expect(await admin.pttl(`${ns}:{forced}:events`)).toBe(-1);
    await forced.forceClosed();
    expect(await admin.pttl(`${ns}:{forced}:state`)).toBe(-1);
    await forced.reset();
    expect(await admin.pttl(`${ns}:{forced}:state`)).toBeGreaterThan(0);

    // Reads never renew the TTL (or the refresh sweep would keep every record alive).
    await admin.pexpire(`${ns}:{closed}:state`, 5_000);
    await closed.snapshot();
    expect(await admin.pttl(`${ns}:{closed}:state`)).toBeLessThanOrEqual(5_000);
    await box.close();
  });

  it('without the option records never expire, and a writer without it never lets an open record expire', async () => {
    const ns = 'nottl';
    const plain = await createBreakerBox({
      redis: server.url,
      namespace: ns,
      logger: false,
      flushIntervalMs: 20,
    });
    const breaker = plain.breaker('kept');
    await breaker.call(() => 1);
    await flushed(ns, 'kept');
    expect(await admin.pttl(`${ns}:{kept}:state`)).toBe(-1);
    // A closed record with a TTL (set by a replica with the option) forced open by one without it.
    await admin.pexpire(`${ns}:{kept}:state`, 60_000);
    await breaker.forceOpen({ forMs: 1_000 });
    expect(await admin.pttl(`${ns}:{kept}:state`)).toBe(-1);
    await plain.close();
  });
});

describe('a record that expired while idle', () => {
  it('is recreated by the replicas that hold the breaker: no transition, no WARN', async () => {
    const ns = 'expired';
    const logs = [captureLogs(), captureLogs()];
    const options = {
      redis: server.url,
      namespace: ns,
      flushIntervalMs: 20,
      refreshIntervalMs: 100,
      recordIdleTtlMs: 1_000,
    };
    const boxes = await Promise.all(
      logs.map((log, i) =>
        createBreakerBox({ ...options, replicaId: `r${i}`, logger: log.logger }),
      ),
    );
    const transitions: TransitionEvent[] = [];
    for (const box of boxes) box.on('transition', (event) => transitions.push(event));
    const shortOpen = {
      ...COUNT_WINDOW,
      openBackoff: { baseMs: 200, maxMs: 200, jitter: 0 },
    };
    const closed = boxes.map((box) => box.breaker('quiet', COUNT_WINDOW));
    const open = boxes.map((box) => box.breaker('tripped', shortOpen));
    await Promise.all([...closed, ...open].map((breaker) => breaker.snapshot()));
    await closed[0]?.call(() => 1);
    for (let i = 0; i < 4; i++) await open[0]?.call(fail).catch(() => undefined);
    await waitUntil(() => Promise.resolve(open.every((b) => b.state === 'open')), {
      timeoutMs: 5_000,
      description: 'open on both replicas',
    });
    await flushed(ns, 'quiet');
    const seenBefore = transitions.length;
    const openIncarnation = await admin.hget(`${ns}:{tripped}:state`, 'inc');

    // Both records expire (closed: 1 s idle; open: 200 ms due + 1 s). The
    // replicas' sweeps read them missing meanwhile.
    await waitUntil(
      async () =>
        (await admin.exists(`${ns}:{quiet}:state`)) === 0 &&
        (await admin.hget(`${ns}:{tripped}:state`, 'inc')) !== openIncarnation,
      { timeoutMs: 10_000, intervalMs: 20, description: 'records expired' },
    );
    // The open one is recreated open by a replica that still holds it open.
    await waitUntil(async () => (await admin.hget(`${ns}:{tripped}:state`, 'st')) === 'open', {
      timeoutMs: 5_000,
      description: 'open record recreated',
    });
    // The closed one comes back with the next flush, with its outcomes.
    await closed[1]?.call(() => 1);
    await flushed(ns, 'quiet');
    await sleep(300);
    expect(closed.map((b) => b.state)).toEqual(['closed', 'closed']);
    expect(open.map((b) => b.state)).toEqual(['open', 'open']);
    expect(transitions.slice(seenBefore)).toEqual([]);
    const warned = logs.flatMap((log) => log.lines.filter((line) => line.level >= LEVEL.warn));
    expect(warned).toEqual([]);
    expect(logs.flatMap((log) => log.lines.map((line) => line.msg)).join('\n')).toMatch(
      /expired while idle/,
    );
    await Promise.all(boxes.map((box) => box.close()));
  });
});
