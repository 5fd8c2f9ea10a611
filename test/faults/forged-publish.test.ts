/**
 * A message on the transitions channel can make a replica more careful at
 * once, never less careful on its own: a forged PUBLISH that loosens (to
 * closed / forced closed, a huge epoch jump, an unknown incarnation) is
 * checked against the record in Redis first; a forged tightening one is
 * undone by the next read of the record, and an operator's override always wins.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBreakerBox } from '../../src/index.js';
import type { Breaker, BreakerBox } from '../../src/index.js';
import type { RedisProcess } from '../harness/index.js';
import { startRedis, stopAllRedis, waitUntil } from '../harness/index.js';

const logger = pino({ level: 'silent' });
let server: RedisProcess;
let admin: Redis;
let boxes: BreakerBox[];

beforeAll(async () => {
  server = await startRedis();
  admin = server.client();
  const options = { redis: server.url, namespace: 'forge', logger, refreshIntervalMs: 200 };
  boxes = await Promise.all(
    ['a', 'b'].map((replicaId) => createBreakerBox({ ...options, replicaId })),
  );
});

afterAll(async () => {
  await Promise.all(boxes.map((box) => box.close()));
  admin.disconnect();
  await stopAllRedis();
});

/** The record as Redis has it, as the message a script would publish. */
async function forge(name: string, changes: Record<string, unknown>): Promise<void> {
  const record = await admin.hgetall(`forge:{${name}}:state`);
  const snapshot = {
    state: record.st,
    epoch: Number(record.ep),
    openUntil: Number(record.ou),
    backoffStep: Number(record.bs),
    probeToken: '',
    probeLeaseUntil: 0,
    changedAt: Number(record.ca),
    reason: record.rs,
    lastError: '',
    lastErrorAt: 0,
    incarnation: record.inc,
    now: Date.now(),
    window: { calls: 0, failures: 0, slowCalls: 0, badReplicas: 0, replicas: {} },
    ...changes,
  };
  await admin.publish('forge:transitions', JSON.stringify({ n: name, r: 'mallory', s: snapshot }));
}

async function both(name: string): Promise<Breaker[]> {
  const pair = boxes.map((box) => box.breaker(name));
  await Promise.all(pair.map((breaker) => breaker.snapshot()));
  return pair;
}

describe('forged messages on the transitions channel', () => {
  it.each([
    {
      what: 'to forced_closed, next epoch',
      changes: (ep: number) => ({ state: 'forced_closed', reason: 'forced_closed', epoch: ep + 1 }),
    },
    {
      what: 'to closed, huge epoch',
      changes: (ep: number) => ({ state: 'closed', reason: 'reset', epoch: ep + 1_000_000 }),
    },
    {
      what: 'to closed, unknown incarnation',
      changes: () => ({ state: 'closed', reason: 'reset', epoch: 1, incarnation: 'evil' }),
    },
  ])('a loosening one ($what) is not adopted', async ({ changes }) => {
    const name = `loosen-${String(Math.random()).slice(2, 8)}`;
    const pair = await both(name);
    await pair[0].forceOpen();
    await waitUntil(() => Promise.resolve(pair[1].state === 'open'), {
      timeoutMs: 3_000,
      description: 'forced open on b',
    });
    const epoch = Number(await admin.hget(`forge:{${name}}:state`, 'ep'));
    await forge(name, changes(epoch));
    for (let i = 0; i < 10; i++) {
      expect(pair.map((b) => b.state)).toEqual(['open', 'open']);
      await sleep(30);
    }
  });

  it('a tightening one is adopted at once, and undone by the record in Redis', async () => {
    const pair = await both('tighten');
    await pair[0].forceOpen();
    await pair[0].reset();
    await waitUntil(() => Promise.resolve(pair[1].state === 'closed'), {
      timeoutMs: 3_000,
      description: 'closed on b',
    });
    const epoch = Number(await admin.hget('forge:{tighten}:state', 'ep'));
    await forge('tighten', { state: 'forced_open', reason: 'forced_open', epoch: epoch + 1 });
    await waitUntil(() => Promise.resolve(pair[1].state === 'open'), {
      timeoutMs: 2_000,
      description: 'adopted at once',
    });
    await waitUntil(() => Promise.resolve(pair.every((b) => b.state === 'closed')), {
      timeoutMs: 3_000,
      description: 'undone by the next read of the record',
    });
  });

  it('an operator re-forcing after a forged message wins on every replica', async () => {
    const pair = await both('operator');
    await pair[0].forceOpen();
    const epoch = Number(await admin.hget('forge:{operator}:state', 'ep'));
    await forge('operator', { state: 'forced_closed', reason: 'forced_closed', epoch: epoch + 5 });
    await sleep(100);
    await pair[0].forceOpen();
    await waitUntil(() => Promise.resolve(pair.every((b) => b.state === 'open')), {
      timeoutMs: 3_000,
      description: 'forced open everywhere',
    });
  });
});
