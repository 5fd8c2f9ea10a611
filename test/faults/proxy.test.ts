/**
 * A TCP proxy between the replicas and Redis: a blackhole (nothing delivered,
 * sockets open) behaves like a hang, a reset (every connection RST) like a
 * crash. Either way the replicas decide locally without waiting, and once the
 * proxy forwards again they return to shared mode with their lone decisions
 * reconciled into Redis.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, startTcpProxy, stopAllRedis, waitUntil } from '../harness/index.js';
import type { TcpProxy } from '../harness/index.js';
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

const NAMESPACE = 'fproxy';
const BREAKERS = { steady: LONG_OPEN, forced: LONG_OPEN, dep: LONG_OPEN };
const LOADED = ['steady', 'dep'];

let proxy: TcpProxy;
let redis: Redis;
let fleet: Replica[];
let a: Replica;
let b: Replica;

beforeAll(async () => {
  const server = await startRedis();
  redis = server.client();
  proxy = await startTcpProxy({ targetHost: server.host, targetPort: server.port });
  fleet = await startFleet(
    ['replica-a', 'replica-b', 'replica-c'].map((id) =>
      replicaConfig(proxy.url, NAMESPACE, id, BREAKERS),
    ),
  );
  [a, b] = fleet as [Replica, Replica];
  await startLoad(fleet, LOADED);
}, 60_000);

afterAll(async () => {
  proxy.forward();
  await Promise.allSettled(fleet.map((replica) => replica.stop()));
  await stopAllReplicas();
  await stopAllRedis();
});

/** Waits until `breaker`'s record in Redis is in `state`; returns it. */
function waitForRecord(breaker: string, state: string): Promise<Record<string, string>> {
  return waitUntil(
    async () => {
      const record = await readRecord(redis, NAMESPACE, breaker);
      return record.st === state ? record : undefined;
    },
    { timeoutMs: RECOVER_TIMEOUT_MS, description: `${breaker} ${state} in Redis` },
  );
}

/** Lets the fleet run cut off for a while, then checks that no call was hurt meanwhile. */
async function expectCallsGoOn(what: string, healthy: (i: number) => string[]): Promise<void> {
  await loadStats(fleet, true);
  await sleep(700);
  const stats = await loadStats(fleet, true);
  stats.forEach((phase, i) => {
    expectUnhurt(
      phase,
      { breakers: LOADED, healthy: healthy(i), minCalls: 20 },
      `replica ${fleet[i].id} ${what}`,
    );
  });
}

describe('a proxy between the replicas and Redis', () => {
  it('blackhole: a hang; a forceOpen made meanwhile is carried once it forwards again', async () => {
    await waitForMode(fleet, 'shared', GO_LOCAL_TIMEOUT_MS);
    proxy.blackhole();
    await waitForMode(fleet, 'local', GO_LOCAL_TIMEOUT_MS);
    await expectCallsGoOn('behind a blackhole', () => LOADED);

    await a.send({ type: 'force', breaker: 'forced', mode: 'open', forMs: 30_000 });
    const local = await a.send({ type: 'snapshot', breaker: 'forced' });
    expect(local).toMatchObject({ circuitState: 'forced_open', mode: 'local' });
    expect(await b.state('forced')).toBe('closed');
    expect(await readRecord(redis, NAMESPACE, 'forced')).not.toMatchObject({ st: 'forced_open' });

    proxy.forward();
    await waitForMode(fleet, 'shared', RECOVER_TIMEOUT_MS);
    const record = await waitForRecord('forced', 'forced_open');
    // Carried with replica-a's expiry (on the Redis clock), not a new one.
    expect(Math.abs(Number(record.ou) - (local.openUntil ?? 0))).toBeLessThan(1_000);
    await waitForState(fleet, 'forced', 'open', RECOVER_TIMEOUT_MS);
    for (const replica of fleet) {
      const shared = await replica.send({ type: 'snapshot', breaker: 'forced' });
      expect(shared, replica.id).toMatchObject({
        circuitState: 'forced_open',
        forced: 'open',
        mode: 'shared',
        epoch: Number(record.ep),
      });
    }
  });

  it('reset: a crash; a local trip made meanwhile reaches the fleet once it forwards again', async () => {
    await waitForMode(fleet, 'shared', GO_LOCAL_TIMEOUT_MS);
    proxy.reset();
    await waitForMode(fleet, 'local', GO_LOCAL_TIMEOUT_MS);
    await expectCallsGoOn('while every connection is reset', () => LOADED);

    await b.send({ type: 'loadOutcome', breaker: 'dep', outcome: 'fail' });
    await waitForState([b], 'dep', 'open');
    expect(await a.state('dep')).toBe('closed');
    await expectCallsGoOn("after replica-b's local trip", (i) => (i === 1 ? ['steady'] : LOADED));
    expect(await readRecord(redis, NAMESPACE, 'dep')).toMatchObject({ st: 'closed' });

    proxy.forward();
    await waitForMode(fleet, 'shared', RECOVER_TIMEOUT_MS);
    const record = await waitForRecord('dep', 'open');
    expect(record.rs).toBe('failure_rate');
    await waitForState(fleet, 'dep', 'open', RECOVER_TIMEOUT_MS);
    const epochs = await Promise.all(
      fleet.map(
        async (replica) => (await replica.send({ type: 'snapshot', breaker: 'dep' })).epoch,
      ),
    );
    expect(epochs).toEqual(fleet.map(() => Number(record.ep)));
    await sleep(300);
    const after = await loadStats(fleet, true);
    after.forEach((stats, i) => {
      expectUnhurt(
        stats,
        { breakers: LOADED, healthy: ['steady'], minCalls: 10 },
        `replica ${fleet[i].id} after the proxy forwards again`,
      );
    });
  });
});
