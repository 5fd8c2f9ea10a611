/**
 * Several boxes in one process share breakers on a Redis Cluster (three
 * masters, three replicas): a trip and an operator override reach every box,
 * the records spread over every master, SCAN finds them on every master, and
 * the box takes a given `Cluster` as a template without closing it.
 */
import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BreakerBox } from '../../src/index.js';
import { breakerKeys } from '../../src/redis/keys.js';
import { scanKeys } from '../../src/redis/scan-keys.js';
import { stopAllRedis, waitUntil } from '../harness/index.js';
import type { RedisCluster } from '../harness/index.js';
import { LONG_OPEN, clusterBox, failCalls, startTestCluster, waitFor } from './support.js';

const NAMESPACE = 'clview';
const NAMES = Array.from({ length: 48 }, (_, i) => `dep-${String(i)}`);

let cluster: RedisCluster;
let client: Cluster;
let boxes: BreakerBox[];

beforeAll(async () => {
  cluster = await startTestCluster();
  client = cluster.client();
  boxes = await Promise.all(
    ['a', 'b', 'c'].map((id) => clusterBox(cluster, NAMESPACE, `view-${id}`)),
  );
  for (const box of boxes) for (const name of NAMES) box.breaker(name, LONG_OPEN);
}, 90_000);

afterAll(async () => {
  await Promise.allSettled(boxes.map((box) => box.close()));
  await stopAllRedis();
});

function box(i: number): BreakerBox {
  const found = boxes.at(i);
  if (found === undefined) throw new Error(`no box ${String(i)}`);
  return found;
}

describe('shared breakers on a Redis Cluster', () => {
  it('a trip on one box opens the breaker on every box, for breakers on every master', async () => {
    const tripped = NAMES.slice(0, 12);
    for (const name of tripped) await failCalls(box(0), name, LONG_OPEN, 10);
    await waitFor(
      () =>
        boxes.every((each) =>
          tripped.every((name) => each.breaker(name, LONG_OPEN).state === 'open'),
        ),
      'every box to see the tripped breakers open',
    );
    for (const name of NAMES.slice(12))
      expect(box(2).breaker(name, LONG_OPEN).state).toBe('closed');
    expect(boxes.map((each) => each.mode)).toEqual(['shared', 'shared', 'shared']);
  });

  it('an operator override on one box reaches the others', async () => {
    const name = NAMES.at(20) ?? '';
    await box(1).breaker(name, LONG_OPEN).forceOpen();
    await waitUntil(
      async () =>
        (await Promise.all(boxes.map((each) => each.breaker(name, LONG_OPEN).snapshot()))).every(
          (snapshot) => snapshot.forced === 'open',
        ),
      { timeoutMs: 15_000, description: 'every box to see the override' },
    );
    await waitFor(
      () => box(2).breaker(name, LONG_OPEN).state === 'open',
      'box c to refuse calls of the forced breaker',
    );
  });

  it('spreads the records over all three masters', async () => {
    // A record is written with a breaker's first flushed outcome.
    for (const name of NAMES)
      await box(2)
        .breaker(name, LONG_OPEN)
        .call(() => Promise.resolve(1))
        .catch(() => undefined);
    await waitUntil(
      async () => (await scanKeys(client, `${NAMESPACE}:{*}:state`)).keys.length === NAMES.length,
      {
        timeoutMs: 15_000,
        description: 'every breaker to have a record',
      },
    );
    const masters = await cluster.masters();
    expect(masters).toHaveLength(3);
    const perMaster = await Promise.all(
      masters.map(async (master) => {
        const [, keys] = await master
          .client()
          .scan('0', 'MATCH', `${NAMESPACE}:{*}:state`, 'COUNT', 10_000);
        return keys.length;
      }),
    );
    expect(perMaster.reduce((sum, n) => sum + n, 0)).toBe(NAMES.length);
    for (const count of perMaster) expect(count).toBeGreaterThan(0);
  });

  it('lists the namespace for the dashboard from every master: names, records, replicas', async () => {
    const fleet = box(1).fleet;
    if (fleet === undefined) throw new Error('a Redis box has a fleet reader');
    await waitUntil(
      async () => {
        const listed = await fleet.list();
        return listed.breakers.length === NAMES.length && listed.replicaKeys.length >= 3;
      },
      { timeoutMs: 20_000, description: 'every breaker and replica to be listed' },
    );
    const listed = await fleet.list();
    expect([...listed.breakers].sort()).toEqual([...NAMES].sort());
    const records = await fleet.records(listed.breakers);
    expect(records).toHaveLength(NAMES.length);
    expect(
      records.filter((record) => record.snapshot.state === 'open').length,
    ).toBeGreaterThanOrEqual(12);
    const presences = await fleet.presences(listed.replicaKeys);
    expect(presences.length).toBeGreaterThanOrEqual(3);
  });

  it('keeps every key of one breaker on one node (one hash tag)', async () => {
    const keys = breakerKeys(NAMESPACE, NAMES.at(0) ?? '');
    const slots = await Promise.all(
      [keys.state, keys.window, keys.events, keys.probe].map((key) =>
        client.cluster('KEYSLOT', key),
      ),
    );
    expect(new Set(slots).size).toBe(1);
  });

  it('takes a Cluster instance as a template and never closes it', async () => {
    const template = cluster.client({ lazyConnect: true });
    const fromInstance = await clusterBox(cluster, NAMESPACE, 'view-instance', { redis: template });
    const name = NAMES.at(0) ?? '';
    await waitFor(
      () => fromInstance.breaker(name, LONG_OPEN).state === 'open',
      'the box made from a Cluster instance to read the shared record',
    );
    await fromInstance.close();
    expect(template.status).not.toBe('end');
  });
});
