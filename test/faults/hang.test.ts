/**
 * Redis hangs (SIGSTOP) under load from three replica processes: calls go on
 * without waiting on Redis, every replica decides locally, a breaker trips
 * locally on the one replica that sees its dependency fail, and once Redis
 * answers again (SIGCONT) that trip reaches the whole fleet and every replica
 * is back in shared mode.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, stopAllRedis, waitUntil } from '../harness/index.js';
import type { RedisProcess } from '../harness/index.js';
import { startFleet, stopAllReplicas, waitForState } from '../integration/replica/fleet.js';
import type { Replica } from '../integration/replica/fleet.js';
import {
  expectUnhurt,
  GO_LOCAL_TIMEOUT_MS,
  loadStats,
  LONG_OPEN,
  readRecord,
  RECOVER_TIMEOUT_MS,
  replicaConfig,
  startLoad,
  waitForMode,
} from './fault-fleet.js';

const NAMESPACE = 'fhang';
/** Tripped before the hang, its probe falls due just as Redis stops answering. */
const DUE = { ...LONG_OPEN, openBackoff: { baseMs: 2_000, maxMs: 2_000, jitter: 0 } };
const BREAKERS = { steady: LONG_OPEN, dep: LONG_OPEN, due: DUE };
const HEALTHY = ['steady', 'dep'];
const LOADED = [...HEALTHY, 'due'];

let server: RedisProcess;
let redis: Redis;
let fleet: Replica[];
let a: Replica;
let b: Replica;
let c: Replica;

beforeAll(async () => {
  server = await startRedis();
  redis = server.client();
  fleet = await startFleet(
    ['replica-a', 'replica-b', 'replica-c'].map((id) =>
      replicaConfig(server.url, NAMESPACE, id, BREAKERS),
    ),
  );
  [a, b, c] = fleet as [Replica, Replica, Replica];
}, 60_000);

afterAll(async () => {
  if (server.isPaused) server.resume();
  await Promise.allSettled(fleet.map((replica) => replica.stop()));
  await stopAllReplicas();
  await stopAllRedis();
});

describe('Redis hung (SIGSTOP) under load', () => {
  it('calls go on without waiting, a local trip is carried to the fleet on SIGCONT', async () => {
    await c.send({ type: 'calls', breaker: 'due', count: 20, concurrency: 1, outcome: 'fail' });
    await waitForState(fleet, 'due', 'open');
    const due = await readRecord(redis, NAMESPACE, 'due');
    await startLoad(fleet, LOADED);
    await sleep(300);
    await waitForMode(fleet, 'shared', GO_LOCAL_TIMEOUT_MS);
    const before = await readRecord(redis, NAMESPACE, 'dep');
    expect(before).toMatchObject({ st: 'closed' });
    await loadStats(fleet, true);

    // Hang Redis just before `due` may be probed: the replica that finds the
    // probe due may ask Redis for the probe lock before it knows Redis hangs.
    await sleep(Math.max(0, Number(due.ou) - 100 - Date.now()));
    server.pause();
    const pausedAt = Date.now();
    await waitForMode(fleet, 'local', GO_LOCAL_TIMEOUT_MS);
    // Stay hung a while with every replica local, so calls are measured there.
    await sleep(Math.max(0, pausedAt + 1_000 - Date.now()));
    const hung = await loadStats(fleet, true);
    hung.forEach((stats, i) => {
      expectUnhurt(
        stats,
        { breakers: LOADED, healthy: HEALTHY, minCalls: 20 },
        `replica ${fleet[i].id} while Redis hangs`,
      );
    });

    // The dependency fails on replica-a only: it trips there, locally, while Redis still hangs.
    await a.send({ type: 'loadOutcome', breaker: 'dep', outcome: 'fail' });
    await waitForState([a], 'dep', 'open');
    const local = await a.send({ type: 'snapshot', breaker: 'dep' });
    expect(local).toMatchObject({ state: 'open', mode: 'local', reason: 'failure_rate' });
    expect(server.isPaused).toBe(true);
    await sleep(200);
    const tripped = await loadStats(fleet, true);
    for (const replica of [b, c]) {
      expect(await replica.state('dep')).toBe('closed');
      expect(await replica.mode()).toBe('local');
    }
    tripped.forEach((stats, i) => {
      expectUnhurt(
        stats,
        { breakers: LOADED, healthy: i === 0 ? ['steady'] : HEALTHY, minCalls: 10 },
        `replica ${fleet[i].id} after replica-a's local trip`,
      );
    });
    expect(tripped[0]?.byBreaker.dep?.byState).toEqual({
      open: tripped[0]?.byBreaker.dep?.rejected,
    });
    expect(tripped[0]?.byBreaker.dep?.rejected).toBeGreaterThan(0);

    server.resume();
    await waitForMode(fleet, 'shared', RECOVER_TIMEOUT_MS);
    await waitForState(fleet, 'dep', 'open', RECOVER_TIMEOUT_MS);
    const record = await waitUntil(
      async () => {
        const found = await readRecord(redis, NAMESPACE, 'dep');
        return found.st === 'open' ? found : undefined;
      },
      { timeoutMs: RECOVER_TIMEOUT_MS, description: 'the carried trip in Redis' },
    );
    expect(record).toMatchObject({ rs: 'failure_rate', inc: before.inc });
    expect(Number(record.ep)).toBe(Number(before.ep) + 1);
    expect(Number(record.ou) - Number(record.ca)).toBeGreaterThan(20_000);
    // The replicas that saw no failure refuse it now, without running the function.
    for (const replica of [b, c]) {
      const refused = await replica.send({
        type: 'calls',
        breaker: 'dep',
        count: 5,
        concurrency: 1,
        outcome: 'ok',
      });
      expect(refused).toMatchObject({ ran: 0, rejected: 5, byState: { open: 5 } });
    }

    await sleep(300);
    const after = await loadStats(fleet, false);
    after.forEach((stats, i) => {
      expectUnhurt(
        stats,
        { breakers: LOADED, healthy: ['steady'], minCalls: 10 },
        `replica ${fleet[i].id} after SIGCONT`,
      );
    });
    // `due` healed on each replica alone during the hang; the shared record stayed
    // open (a lone heal is not carried), and the fleet's own probe closes it now.
    await waitForState(fleet, 'due', 'closed', RECOVER_TIMEOUT_MS);
    expect(await readRecord(redis, NAMESPACE, 'due')).toMatchObject({
      st: 'closed',
      rs: 'probe_succeeded',
    });
    for (const replica of fleet) {
      const modes = await replica.send({ type: 'modeEvents' });
      expect(modes.map(({ from, to }) => `${from}>${to}`)).toEqual([
        'shared>local',
        'local>shared',
      ]);
      const logs = await replica.send({ type: 'logs' });
      expect(logs.some((line) => line.level === 40 && line.msg.includes('decide locally'))).toBe(
        true,
      );
    }
  });
});
