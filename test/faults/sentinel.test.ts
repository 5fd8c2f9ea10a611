/**
 * Redis behind Sentinel (one master, one replica, three sentinels): the
 * replicas connect through the sentinels, serve locally while the master is
 * killed and the sentinels fail over, then work against the new master with
 * the shared state preserved.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSentinelGroup, stopAllRedis, waitUntil } from '../harness/index.js';
import type { SentinelGroup } from '../harness/index.js';
import { startFleet, stopAllReplicas, waitForState } from '../integration/replica/fleet.js';
import type { Replica } from '../integration/replica/fleet.js';
import {
  breakerStats,
  expectUnhurt,
  GO_LOCAL_TIMEOUT_MS,
  loadStats,
  LONG_OPEN,
  RECOVER_TIMEOUT_MS,
  replicaConfig,
  startLoad,
  waitForMode,
} from './fault-fleet.js';

const NAMESPACE = 'fsentinel';
const BREAKERS = { steady: LONG_OPEN, forced: LONG_OPEN, later: LONG_OPEN };
const LOADED = ['steady', 'forced'];

let group: SentinelGroup;
let fleet: Replica[];

beforeAll(async () => {
  group = await startSentinelGroup();
  fleet = await startFleet(
    ['replica-a', 'replica-b', 'replica-c'].map((id) =>
      // No sweep: only the subscriber can tell a replica of a breaker it does not call.
      replicaConfig(group.sentinelOptions, NAMESPACE, id, BREAKERS, {
        refreshIntervalMs: 600_000,
      }),
    ),
  );
}, 60_000);

afterAll(async () => {
  await Promise.allSettled(fleet.map((replica) => replica.stop()));
  await stopAllReplicas();
  await stopAllRedis();
});

describe('Redis behind Sentinel', () => {
  it('serves locally during a failover, then shares again on the new master with the state kept', async () => {
    const [a, b] = fleet as [Replica, Replica];
    // Boxes work through the sentinels: an override on one replica reaches the others.
    await a.send({ type: 'force', breaker: 'forced', mode: 'open', forMs: 120_000 });
    await waitForState(fleet, 'forced', 'open');
    const forcedBefore = await b.send({ type: 'snapshot', breaker: 'forced' });
    expect(forcedBefore).toMatchObject({ circuitState: 'forced_open', mode: 'shared' });
    const master = group.client();
    // The override is on the replica Redis too before the master dies.
    expect(await master.call('WAIT', '1', '2000')).toBe(1);
    master.disconnect();

    await startLoad(fleet, LOADED);
    await sleep(200);
    await loadStats(fleet, true);
    await group.killMaster();
    await waitForMode(fleet, 'local', GO_LOCAL_TIMEOUT_MS);
    const promoted = await group.waitForFailover();
    expect(promoted.port).toBe(group.replica.port);
    const during = await loadStats(fleet, true);
    during.forEach((stats, i) => {
      expectUnhurt(
        stats,
        { breakers: LOADED, healthy: ['steady'], minCalls: 20 },
        `replica ${fleet[i].id} during the failover`,
      );
      const forced = breakerStats(stats, 'forced', fleet[i].id);
      expect(forced.byState).toEqual({ forced_open: forced.calls });
    });

    await waitForMode(fleet, 'shared', RECOVER_TIMEOUT_MS);
    const newMaster = group.replica.client();
    const record = await newMaster.hgetall(`${NAMESPACE}:{forced}:state`);
    expect(record).toMatchObject({ st: 'forced_open', ep: String(forcedBefore.epoch) });
    for (const replica of fleet) {
      const snapshot = await replica.send({ type: 'snapshot', breaker: 'forced' });
      expect(snapshot, replica.id).toMatchObject({
        circuitState: 'forced_open',
        mode: 'shared',
        epoch: forcedBefore.epoch,
        openUntil: forcedBefore.openUntil,
      });
    }
    // Shared again: outcomes reach the new master's window (emptied here to tell).
    await newMaster.del(`${NAMESPACE}:{steady}:window`);
    await waitUntil(async () => (await newMaster.hlen(`${NAMESPACE}:{steady}:window`)) > 0, {
      timeoutMs: RECOVER_TIMEOUT_MS,
      description: 'the fleet to count calls on the new master',
    });
    // The subscribers followed the failover: an override made now reaches every replica.
    await b.send({ type: 'force', breaker: 'later', mode: 'open', forMs: 60_000 });
    await waitForState(fleet, 'later', 'open', RECOVER_TIMEOUT_MS);
    await sleep(300);
    const after = await loadStats(fleet, true);
    after.forEach((stats, i) => {
      expectUnhurt(
        stats,
        { breakers: LOADED, healthy: ['steady'], minCalls: 10 },
        `replica ${fleet[i].id} on the new master`,
      );
    });
  });
});
