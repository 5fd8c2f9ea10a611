/**
 * Redis is killed (SIGKILL) under load and comes back EMPTY on the same port:
 * calls go on meanwhile (local mode), and the replicas rebuild the shared
 * state from what they know: a breaker open before the crash is open in Redis
 * again, with its deadline, and a replica that joins afterwards sees it open.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, stopAllRedis, waitUntil } from '../harness/index.js';
import type { RedisProcess } from '../harness/index.js';
import {
  Replica,
  readEvents,
  startFleet,
  stopAllReplicas,
  waitForState,
} from '../integration/replica/fleet.js';
import {
  breakerStats,
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

const NAMESPACE = 'frestart';
const BREAKERS = { steady: LONG_OPEN, held: LONG_OPEN, later: LONG_OPEN };
/**
 * No sweep in this suite: what a replica learns of a breaker it does not call
 * comes through its subscriber (and its own script replies) only.
 */
const NO_SWEEP = { refreshIntervalMs: 600_000 };
const LOADED = ['steady', 'held'];

let server: RedisProcess;
let redis: Redis;
let fleet: Replica[];
let a: Replica;

beforeAll(async () => {
  server = await startRedis();
  redis = server.client();
  fleet = await startFleet(
    ['replica-a', 'replica-b', 'replica-c'].map((id) =>
      replicaConfig(server.url, NAMESPACE, id, BREAKERS, NO_SWEEP),
    ),
  );
  a = fleet[0];
}, 60_000);

afterAll(async () => {
  await Promise.allSettled(fleet.map((replica) => replica.stop()));
  await stopAllReplicas();
  await stopAllRedis();
});

describe('Redis killed and restarted empty', () => {
  it('calls go on meanwhile; the open breaker is rebuilt and a new replica sees it open', async () => {
    const tripped = await a.send({
      type: 'calls',
      breaker: 'held',
      count: 20,
      concurrency: 2,
      outcome: 'fail',
    });
    expect(tripped.failed).toBeGreaterThanOrEqual(10);
    await waitForState(fleet, 'held', 'open');
    const before = await readRecord(redis, NAMESPACE, 'held');
    expect(before).toMatchObject({ st: 'open', rs: 'failure_rate' });

    await startLoad(fleet, LOADED);
    await sleep(200);
    await loadStats(fleet, true);
    await server.kill();
    const killedAt = Date.now();
    await waitForMode(fleet, 'local', GO_LOCAL_TIMEOUT_MS);
    await sleep(Math.max(0, killedAt + 800 - Date.now()));
    const down = await loadStats(fleet, true);
    down.forEach((stats, i) => {
      expectUnhurt(
        stats,
        { breakers: LOADED, healthy: ['steady'], minCalls: 20 },
        `replica ${fleet[i].id} while Redis is down`,
      );
      // No state lost: the breaker open before the crash stays open on every replica.
      const held = breakerStats(stats, 'held', fleet[i].id);
      expect(held.byState).toEqual({ open: held.calls });
    });

    await server.restart();
    await waitForMode(fleet, 'shared', RECOVER_TIMEOUT_MS);
    const rebuilt = await waitUntil(
      async () => {
        const found = await readRecord(redis, NAMESPACE, 'held');
        return found.st === 'open' ? found : undefined;
      },
      { timeoutMs: RECOVER_TIMEOUT_MS, description: 'the open breaker rebuilt in Redis' },
    );
    // A new record (a new incarnation) continuing the epoch, with the old deadline.
    expect(rebuilt.inc).not.toBe(before.inc);
    expect(rebuilt.rs).toBe('failure_rate');
    expect(Number(rebuilt.ep)).toBe(Number(before.ep) + 1);
    expect(Math.abs(Number(rebuilt.ou) - Number(before.ou))).toBeLessThan(1_000);
    const events = await readEvents(redis, NAMESPACE, 'held');
    expect(events.map(({ from, to }) => `${from}>${to}`)).toEqual(['closed>open']);
    // The closed breaker's record is back too, closed, and counting the fleet's calls again.
    await waitUntil(
      async () => {
        const steady = await readRecord(redis, NAMESPACE, 'steady');
        const window = await redis.hlen(`${NAMESPACE}:{steady}:window`);
        return steady.st === 'closed' && window > 0;
      },
      { timeoutMs: RECOVER_TIMEOUT_MS, description: 'steady rebuilt and counting' },
    );

    const joined = await Replica.start(
      replicaConfig(server.url, NAMESPACE, 'replica-d', BREAKERS, NO_SWEEP),
    );
    fleet.push(joined);
    expect(await joined.state('held')).toBe('open');
    const seen = await joined.send({ type: 'snapshot', breaker: 'held' });
    expect(seen).toMatchObject({ state: 'open', mode: 'shared', epoch: Number(rebuilt.ep) });
    const refused = await joined.send({
      type: 'calls',
      breaker: 'held',
      count: 5,
      concurrency: 1,
      outcome: 'ok',
    });
    expect(refused).toMatchObject({ ran: 0, rejected: 5, byState: { open: 5 } });
    for (const replica of fleet) {
      const snapshot = await replica.send({ type: 'snapshot', breaker: 'held' });
      expect(snapshot, replica.id).toMatchObject({ state: 'open', epoch: Number(rebuilt.ep) });
    }

    // The subscribers are back too: an override made now reaches every replica.
    await joined.send({ type: 'force', breaker: 'later', mode: 'open', forMs: 60_000 });
    await waitForState(fleet, 'later', 'open', RECOVER_TIMEOUT_MS);

    await sleep(300);
    const after = await loadStats(fleet.slice(0, 3), false);
    after.forEach((stats, i) => {
      expectUnhurt(
        stats,
        { breakers: LOADED, healthy: ['steady'], minCalls: 10 },
        `replica ${fleet[i].id} after the restart`,
      );
    });
  });
});
