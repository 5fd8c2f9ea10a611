/**
 * Failover on a Redis Cluster (three masters, three replicas): one master is
 * killed, the boxes decide locally while its slots are down, the replica
 * takes over, and the boxes reconcile with nothing lost (a tripped and a
 * forced-open breaker on the dead master's slots stay open, and a breaker
 * that tripped while local is open in Redis after). Then the whole cluster
 * stops answering (every node paused) and the boxes fall back and reconcile.
 */
import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BreakerBox } from '../../src/index.js';
import { breakerKeys } from '../../src/redis/keys.js';
import { stopAllRedis, waitUntil } from '../harness/index.js';
import type { RedisCluster, RedisProcess } from '../harness/index.js';
import { LONG_OPEN, clusterBox, failCalls, slotOf, startTestCluster, waitFor } from './support.js';

const NAMESPACE = 'clfail';

let cluster: RedisCluster;
let client: Cluster;
let a: BreakerBox;
let b: BreakerBox;

beforeAll(async () => {
  cluster = await startTestCluster();
  client = cluster.client();
  [a, b] = await Promise.all([
    clusterBox(cluster, NAMESPACE, 'fail-a'),
    clusterBox(cluster, NAMESPACE, 'fail-b'),
  ]);
}, 90_000);

afterAll(async () => {
  await Promise.allSettled([a.close(), b.close()]);
  await stopAllRedis();
});

/** Four breaker names whose records live on the same master as the first. */
async function namesOnOneMaster(
  prefix: string,
): Promise<{ names: string[]; master: RedisProcess }> {
  const first = `${prefix}-0`;
  const master = await cluster.masterOfSlot(slotOf(NAMESPACE, first));
  const names = [first];
  for (let i = 1; names.length < 4; i++) {
    const name = `${prefix}-${String(i)}`;
    if ((await cluster.masterOfSlot(slotOf(NAMESPACE, name))) === master) names.push(name);
  }
  return { names, master };
}

async function recordState(name: string): Promise<string | null> {
  return client.hget(breakerKeys(NAMESPACE, name).state, 'st');
}

describe('a master of the cluster dies', () => {
  it('serves locally meanwhile, fails over, and reconciles with nothing lost', async () => {
    const { names, master } = await namesOnOneMaster('fo');
    const [tripped, forced, quiet, lateTrip] = names as [string, string, string, string];
    const slot = slotOf(NAMESPACE, tripped);
    for (const name of names) for (const box of [a, b]) box.breaker(name, LONG_OPEN);
    await failCalls(a, tripped, LONG_OPEN, 10);
    await b.breaker(forced, LONG_OPEN).forceOpen();
    await b.breaker(quiet, LONG_OPEN).call(() => Promise.resolve('ok'));
    await waitFor(
      () =>
        [a, b].every(
          (box) =>
            box.breaker(tripped, LONG_OPEN).state === 'open' &&
            box.breaker(forced, LONG_OPEN).state === 'open',
        ),
      'both boxes to see the tripped and the forced breaker open',
    );

    const killedAt = Date.now();
    const dead = await cluster.killMasterOfSlot(slot);
    expect(dead).toBe(master);
    await waitFor(() => a.mode === 'local' && b.mode === 'local', 'both boxes to go local', 30_000);
    const localAfterMs = Date.now() - killedAt;

    // Meanwhile: open stays open, the override holds, a closed breaker serves, a local trip protects.
    for (const box of [a, b]) {
      expect(box.breaker(tripped, LONG_OPEN).state).toBe('open');
      expect(box.breaker(forced, LONG_OPEN).state).toBe('open');
      await expect(
        box.breaker(quiet, LONG_OPEN).call(() => Promise.resolve('served')),
      ).resolves.toBe('served');
    }
    await failCalls(a, lateTrip, LONG_OPEN, 10);
    expect(a.breaker(lateTrip, LONG_OPEN).state).toBe('open');

    await cluster.waitForFailover(slot, dead);
    const failedOverAfterMs = Date.now() - killedAt;
    await waitFor(
      () => a.mode === 'shared' && b.mode === 'shared',
      'both boxes to reconcile',
      60_000,
    );
    const sharedAfterMs = Date.now() - killedAt;
    console.info(
      `cluster failover: local after ${String(localAfterMs)} ms, failed over after ${String(failedOverAfterMs)} ms, shared again after ${String(sharedAfterMs)} ms`,
    );

    expect(await recordState(tripped)).toBe('open');
    expect(await recordState(forced)).toBe('forced_open');
    expect(await recordState(lateTrip)).toBe('open');
    await waitFor(
      () => b.breaker(lateTrip, LONG_OPEN).state === 'open',
      'box b to adopt the trip made locally on a',
    );
    const snapshot = await b.breaker(forced, LONG_OPEN).snapshot();
    expect(snapshot).toMatchObject({ forced: 'open', mode: 'shared' });
    await expect(b.breaker(quiet, LONG_OPEN).call(() => Promise.resolve('again'))).resolves.toBe(
      'again',
    );
  }, 120_000);
});

describe('the whole cluster stops answering', () => {
  it('falls back to local decisions and reconciles when it answers again', async () => {
    const name = 'unreachable-trip';
    for (const box of [a, b]) box.breaker(name, LONG_OPEN);
    await b.breaker(name, LONG_OPEN).call(() => Promise.resolve(1));
    await waitFor(() => a.mode === 'shared' && b.mode === 'shared', 'both boxes shared', 60_000);
    const live = cluster.nodes.filter((node) => node.isRunning);
    for (const node of live) node.pause();
    try {
      await waitFor(() => a.mode === 'local' && b.mode === 'local', 'both boxes to go local');
      await failCalls(a, name, LONG_OPEN, 10);
      expect(a.breaker(name, LONG_OPEN).state).toBe('open');
      expect(b.breaker(name, LONG_OPEN).state).toBe('closed');
    } finally {
      for (const node of live) node.resume();
    }
    await waitFor(
      () => a.mode === 'shared' && b.mode === 'shared',
      'both boxes to reconcile',
      60_000,
    );
    await waitUntil(async () => (await recordState(name)) === 'open', {
      timeoutMs: 20_000,
      description: 'the trip made while the cluster was silent to reach Redis',
    });
    await waitFor(
      () => b.breaker(name, LONG_OPEN).state === 'open',
      'box b to adopt the reconciled trip',
    );
  }, 120_000);
});
