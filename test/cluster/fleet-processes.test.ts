/**
 * Three replica processes on a Redis Cluster (three masters, three
 * replicas): a trip and an override reach every process, and half-open is
 * single-flight across the fleet: round after round, 20 callers per process
 * fire when the open period is over and exactly one call in the whole fleet
 * runs (its function waits until every other caller has been refused, so
 * "exactly one" does not depend on timing).
 */
import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopAllRedis } from '../harness/index.js';
import type { RedisCluster } from '../harness/index.js';
import type { BreakerSnapshot } from '../../src/index.js';
import {
  readEvents,
  startFleet,
  stopAllReplicas,
  waitForRedisTime,
  waitForState,
} from '../integration/replica/fleet.js';
import type { Replica } from '../integration/replica/fleet.js';
import type { JsonBreakerOptions } from '../integration/replica/protocol.js';
import { startTestCluster } from './support.js';

const NAMESPACE = 'clfleet';
const ROUNDS = 6;
const CALLERS = 20;
const BASE_MS = 200;
const LONG_OPEN: JsonBreakerOptions = {
  failureRateThreshold: 0.5,
  minimumCalls: 5,
  windowMs: 10_000,
  openBackoff: { baseMs: 60_000, maxMs: 60_000, jitter: 0 },
};
const FLIGHT: JsonBreakerOptions = {
  ...LONG_OPEN,
  openBackoff: { baseMs: BASE_MS, maxMs: BASE_MS, multiplier: 1, jitter: 0 },
  halfOpen: { maxDurationMs: 20_000 },
};

let cluster: RedisCluster;
let client: Cluster;
let fleet: Replica[];

beforeAll(async () => {
  cluster = await startTestCluster();
  client = cluster.client();
  fleet = await startFleet(
    ['a', 'b', 'c'].map((id) => ({
      redis: { cluster: cluster.startupNodes },
      namespace: NAMESPACE,
      replicaId: `cluster-${id}`,
      flushIntervalMs: 25,
      refreshIntervalMs: 200,
      breakers: { trip: LONG_OPEN, force: LONG_OPEN, flight: FLIGHT },
    })),
  );
}, 90_000);

afterAll(async () => {
  await Promise.allSettled(fleet.map((replica) => replica.stop()));
  await stopAllReplicas();
  await stopAllRedis();
});

function replica(i: number): Replica {
  const found = fleet.at(i);
  if (found === undefined) throw new Error(`no replica ${String(i)}`);
  return found;
}

describe('replica processes sharing breakers on a Redis Cluster', () => {
  it('a trip on one process opens the breaker in every process', async () => {
    await waitForState(fleet, 'trip', 'closed');
    await replica(0).send({
      type: 'calls',
      breaker: 'trip',
      count: 20,
      concurrency: 4,
      outcome: 'fail',
    });
    await waitForState(fleet, 'trip', 'open');
    const refused = await replica(2).send({
      type: 'calls',
      breaker: 'trip',
      count: 5,
      concurrency: 5,
      outcome: 'ok',
    });
    expect(refused).toMatchObject({ ran: 0, rejected: 5 });
  });

  it('an override from one process reaches every process', async () => {
    await replica(1).send({ type: 'force', breaker: 'force', mode: 'open' });
    await waitForState(fleet, 'force', 'open');
  });

  it(`half-open lets exactly one of ${String(3 * CALLERS)} callers through, ${String(ROUNDS)} rounds`, async () => {
    const snapshot = (): Promise<BreakerSnapshot> =>
      replica(0).send({ type: 'snapshot', breaker: 'flight' });
    for (let round = 0; round < ROUNDS; round++) {
      await replica(round % 3).send({
        type: 'calls',
        breaker: 'flight',
        count: 10,
        concurrency: 2,
        outcome: 'fail',
      });
      await waitForState(fleet, 'flight', 'open');
      const record = await snapshot();
      await waitForRedisTime(client, (record.openUntil ?? 0) + 100);
      const results = await Promise.all(
        fleet.map((each) =>
          each.send({
            type: 'probeRound',
            breaker: 'flight',
            callers: CALLERS,
            hold: true,
            outcome: 'ok',
          }),
        ),
      );
      const entered = results.reduce((sum, result) => sum + result.entered, 0);
      expect(entered, `round ${String(round)}: ${JSON.stringify(results)}`).toBe(1);
      await Promise.all(
        fleet.map((each, i) =>
          each.send({ type: 'release', round: results.at(i)?.round ?? -1, outcome: 'ok' }),
        ),
      );
      await waitForState(fleet, 'flight', 'closed');
    }
    const events = await readEvents(client, NAMESPACE, 'flight');
    expect(events.filter((event) => event.reason === 'probe_started')).toHaveLength(ROUNDS);
  }, 120_000);
});
