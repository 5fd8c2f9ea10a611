/**
 * A replica whose pub/sub connection is killed (CLIENT KILL) reconnects,
 * resubscribes and re-reads the records, so transitions made while it was
 * gone or after it came back still reach it. The replica under test never
 * sweeps (refreshIntervalMs 600 s), so only the resubscription can heal it.
 */
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, stopAllRedis, waitUntil } from '../harness/index.js';
import type { RedisProcess } from '../harness/index.js';
import {
  clientsNamed,
  CONVERGE_TIMEOUT_MS,
  fleetDiagnostics,
  startFleet,
  stopAllReplicas,
  waitForState,
} from './replica/fleet.js';
import type { Replica } from './replica/fleet.js';
import type { JsonBreakerOptions, ReplicaConfig } from './replica/protocol.js';
import { SelectiveProxy } from './replica/selective-proxy.js';

const NAMESPACE = 'itheal';
const OPTIONS: JsonBreakerOptions = {
  failureRateThreshold: 0.5,
  minimumCalls: 10,
  windowMs: 10_000,
  openBackoff: { baseMs: 60_000, maxMs: 60_000, jitter: 0 },
};
const BREAKERS = { killed: OPTIONS, racing: OPTIONS };
const SUBSCRIBER = 'breakerbox-sub:replica-a';

let server: RedisProcess;
let redis: Redis;
let proxy: SelectiveProxy;
let fleet: Replica[];
let a: Replica;
let b: Replica;
let c: Replica;

beforeAll(async () => {
  server = await startRedis();
  redis = server.client();
  proxy = await SelectiveProxy.start(server.port);
  const config = (replicaId: string, overrides: Partial<ReplicaConfig> = {}): ReplicaConfig => ({
    redis: server.url,
    namespace: NAMESPACE,
    replicaId,
    flushIntervalMs: 25,
    refreshIntervalMs: 200,
    breakers: BREAKERS,
    ...overrides,
  });
  fleet = await startFleet([
    config('replica-a', { redis: proxy.url, refreshIntervalMs: 600_000 }),
    config('replica-b'),
    config('replica-c'),
  ]);
  [a, b, c] = fleet as [Replica, Replica, Replica];
}, 60_000);

afterAll(async () => {
  await stopAllReplicas();
  await proxy.close();
  await stopAllRedis();
});

/** Kills replica-a's subscriber connection; returns its client id. */
async function killSubscriber(): Promise<string> {
  const subscribers = await clientsNamed(redis, SUBSCRIBER);
  expect(subscribers).toHaveLength(1);
  const id = subscribers.at(0)?.id;
  if (id === undefined) throw new Error(`no client named ${SUBSCRIBER}`);
  expect(await redis.call('CLIENT', 'KILL', 'ID', id)).toBe(1);
  return id;
}

/** Waits until replica-a has a subscriber connection again (a new one); returns it. */
async function awaitNewSubscriber(oldId: string): Promise<Record<string, string>> {
  return waitUntil(
    async () => {
      const subscribers = await clientsNamed(redis, SUBSCRIBER);
      return subscribers.length === 1 && subscribers[0]?.id !== oldId ? subscribers[0] : undefined;
    },
    {
      timeoutMs: CONVERGE_TIMEOUT_MS,
      intervalMs: 25,
      description: 'replica-a to reconnect its subscriber',
    },
  );
}

describe('a killed subscriber connection', () => {
  it('is healed: transitions made while it was gone and after it came back reach the replica', async () => {
    await waitForState(fleet, 'killed', 'closed');
    const oldId = await killSubscriber();
    // Made right away, most likely before replica-a has resubscribed.
    await b.send({ type: 'calls', breaker: 'killed', count: 20, concurrency: 4, outcome: 'fail' });
    await waitForState(fleet, 'killed', 'open');

    await awaitNewSubscriber(oldId);
    // Made after it came back: it arrives through the new subscription.
    await c.send({ type: 'force', breaker: 'killed', mode: 'reset' });
    await waitForState(fleet, 'killed', 'closed');
    const events = await a.send({ type: 'events' });
    expect(events.filter((event) => event.breaker === 'killed').map((event) => event.to)).toEqual([
      'open',
      'closed',
    ]);
    expect(
      events.find((event) => event.breaker === 'killed' && event.reason === 'reset'),
    ).toMatchObject({
      replicaId: 'replica-c',
    });
  });

  it('re-reads the records only once its subscription is back in force', async () => {
    await waitForState(fleet, 'racing', 'closed');
    // The subscriber reconnects at once, but its SUBSCRIBE is slow to reach Redis.
    proxy.holdSubscribes();
    try {
      const oldId = await killSubscriber();
      await awaitNewSubscriber(oldId);
      await waitUntil(() => Promise.resolve(proxy.heldUpstreamChunks('subscriber') > 0), {
        timeoutMs: CONVERGE_TIMEOUT_MS,
        intervalMs: 10,
        description: "replica-a's SUBSCRIBE to reach the proxy",
      });
      // The trip is published while replica-a is connected but not yet subscribed.
      await b.send({
        type: 'calls',
        breaker: 'racing',
        count: 20,
        concurrency: 4,
        outcome: 'fail',
      });
      await waitForState([b, c], 'racing', 'open');
      proxy.passSubscribes();
      // replica-a never sweeps: only a re-read after the resubscription can tell it.
      await waitForState([a], 'racing', 'open');
    } catch (error) {
      throw new Error(`${String(error)}\n${fleetDiagnostics(fleet)}`, { cause: error });
    } finally {
      proxy.passSubscribes();
    }
  });
});
