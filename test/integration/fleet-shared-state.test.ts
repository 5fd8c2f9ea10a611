/**
 * Three replica processes share one spawned Redis: a trip, an operator
 * override and the transition events reach every replica, and
 * `minimumReplicas` needs failures from that many replicas.
 */
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, stopAllRedis, waitUntil } from '../harness/index.js';
import type { TransitionEvent } from '../../src/index.js';
import {
  CONVERGE_TIMEOUT_MS,
  fleetDiagnostics,
  readEvents,
  startFleet,
  stopAllReplicas,
  waitForState,
} from './replica/fleet.js';
import type { Replica } from './replica/fleet.js';
import type { JsonBreakerOptions, ReplicaConfig } from './replica/protocol.js';

const NAMESPACE = 'itshared';
/** Open for a minute: no probe can close it while a test looks. */
const LONG_OPEN: JsonBreakerOptions = {
  failureRateThreshold: 0.5,
  minimumCalls: 10,
  windowMs: 10_000,
  openBackoff: { baseMs: 60_000, maxMs: 60_000, jitter: 0 },
};
const BREAKERS: Record<string, JsonBreakerOptions> = {
  trip: LONG_OPEN,
  announce: LONG_OPEN,
  force: LONG_OPEN,
  quorum: { ...LONG_OPEN, minimumReplicas: 2, windowMs: 60_000 },
  sluggish: { ...LONG_OPEN, minimumCalls: 5, slowCallRateThreshold: 0.5, slowCallDurationMs: 50 },
};

let redis: Redis;
let fleet: Replica[];
let a: Replica;
let b: Replica;
let c: Replica;

beforeAll(async () => {
  const server = await startRedis();
  redis = server.client();
  const config = (replicaId: string): ReplicaConfig => ({
    redis: server.url,
    namespace: NAMESPACE,
    replicaId,
    flushIntervalMs: 25,
    refreshIntervalMs: 200,
    breakers: BREAKERS,
  });
  fleet = await startFleet([config('replica-a'), config('replica-b'), config('replica-c')]);
  [a, b, c] = fleet as [Replica, Replica, Replica];
}, 60_000);

afterAll(async () => {
  // Ordered shutdown first (each box drains and closes); whatever is left is killed.
  await Promise.allSettled(fleet.map((replica) => replica.stop()));
  await stopAllReplicas();
  await stopAllRedis();
});

/** Polls until every replica has received a transition event matching `match`; returns them by replica. */
async function waitForEvent(
  replicas: readonly Replica[],
  match: (event: TransitionEvent) => boolean,
  description: string,
): Promise<TransitionEvent[]> {
  let seen: TransitionEvent[][] = [];
  return waitUntil(
    async () => {
      seen = await Promise.all(replicas.map((replica) => replica.send({ type: 'events' })));
      const found = seen.map((events) => events.find(match));
      return found.every((event) => event !== undefined) ? found : undefined;
    },
    {
      timeoutMs: CONVERGE_TIMEOUT_MS,
      intervalMs: 25,
      description,
      details: () => `${JSON.stringify(seen)}\n${fleetDiagnostics(replicas)}`,
    },
  );
}

describe('a shared breaker across three replica processes', () => {
  it('opens on every replica when one replica sees the failures', async () => {
    await waitForState(fleet, 'trip', 'closed');
    const failing = await a.send({
      type: 'calls',
      breaker: 'trip',
      count: 20,
      concurrency: 4,
      outcome: 'fail',
    });
    expect(failing.failed).toBeGreaterThanOrEqual(10);
    expect(failing.otherErrors).toEqual([]);

    await waitForState(fleet, 'trip', 'open');
    const snapshot = await c.send({ type: 'snapshot', breaker: 'trip' });
    expect(snapshot).toMatchObject({
      state: 'open',
      circuitState: 'open',
      reason: 'failure_rate',
      mode: 'shared',
    });
    expect(snapshot.lastError).toContain('dependency failed on replica-a');

    // The replicas that saw no failure refuse at once, without running the function.
    for (const replica of [b, c]) {
      const refused = await replica.send({
        type: 'calls',
        breaker: 'trip',
        count: 10,
        concurrency: 10,
        outcome: 'ok',
      });
      expect(refused).toMatchObject({ ran: 0, ok: 0, rejected: 10, byState: { open: 10 } });
    }
  });

  it('fires the transition event on every replica, naming the replica that made it', async () => {
    await b.send({
      type: 'calls',
      breaker: 'announce',
      count: 20,
      concurrency: 4,
      outcome: 'fail',
    });
    const opened = await waitForEvent(
      fleet,
      (event) => event.breaker === 'announce' && event.to === 'open',
      'every replica to receive the announce opening',
    );
    const epoch = (await a.send({ type: 'snapshot', breaker: 'announce' })).epoch;
    for (const event of opened) {
      expect(event).toMatchObject({
        breaker: 'announce',
        from: 'closed',
        to: 'open',
        reason: 'failure_rate',
        replicaId: 'replica-b',
        epoch,
      });
      expect(event.openUntil).not.toBeNull();
    }
    // The same transition is the same instant and deadline on every replica.
    expect(new Set(opened.map((event) => `${event.at}/${String(event.openUntil)}`)).size).toBe(1);
    // Each replica heard of it once.
    for (const replica of fleet) {
      const events = await replica.send({ type: 'events' });
      expect(events.filter((event) => event.breaker === 'announce')).toHaveLength(1);
    }
  });

  it('carries forceOpen, forceClosed and reset from one replica to all', async () => {
    await a.send({ type: 'force', breaker: 'force', mode: 'open' });
    await waitForState(fleet, 'force', 'open');
    const forced = await waitForEvent(
      fleet,
      (event) => event.breaker === 'force' && event.to === 'forced_open',
      'every replica to receive forced_open',
    );
    for (const event of forced)
      expect(event).toMatchObject({ replicaId: 'replica-a', reason: 'forced_open' });
    for (const replica of [b, c]) {
      const refused = await replica.send({
        type: 'calls',
        breaker: 'force',
        count: 5,
        concurrency: 5,
        outcome: 'ok',
      });
      expect(refused).toMatchObject({ ran: 0, rejected: 5, byState: { forced_open: 5 } });
    }
    expect(await c.send({ type: 'snapshot', breaker: 'force' })).toMatchObject({
      state: 'open',
      circuitState: 'forced_open',
      forced: 'open',
      openUntil: null,
    });

    await b.send({ type: 'force', breaker: 'force', mode: 'closed' });
    await waitForState(fleet, 'force', 'closed');
    const closed = await waitForEvent(
      fleet,
      (event) => event.breaker === 'force' && event.to === 'forced_closed',
      'every replica to receive forced_closed',
    );
    for (const event of closed)
      expect(event).toMatchObject({ replicaId: 'replica-b', from: 'forced_open' });
    // Forced closed: every call runs, and failures do not trip it.
    const failing = await c.send({
      type: 'calls',
      breaker: 'force',
      count: 30,
      concurrency: 5,
      outcome: 'fail',
    });
    expect(failing).toMatchObject({ ran: 30, failed: 30, rejected: 0 });
    for (const replica of fleet) {
      expect(
        await replica.send({
          type: 'calls',
          breaker: 'force',
          count: 3,
          concurrency: 3,
          outcome: 'ok',
        }),
      ).toMatchObject({
        ran: 3,
        ok: 3,
      });
    }
    expect(await a.send({ type: 'snapshot', breaker: 'force' })).toMatchObject({
      circuitState: 'forced_closed',
      forced: 'closed',
    });

    await c.send({ type: 'force', breaker: 'force', mode: 'reset' });
    const reset = await waitForEvent(
      fleet,
      (event) => event.breaker === 'force' && event.reason === 'reset',
      'every replica to receive the reset',
    );
    for (const event of reset)
      expect(event).toMatchObject({ replicaId: 'replica-c', from: 'forced_closed', to: 'closed' });
    await waitForState(fleet, 'force', 'closed');
    expect(await b.send({ type: 'snapshot', breaker: 'force' })).toMatchObject({
      circuitState: 'closed',
      forced: null,
      backoffStep: 0,
      window: { calls: 0 },
    });
    // Reset is plain closed again: failures trip it.
    await a.send({ type: 'calls', breaker: 'force', count: 20, concurrency: 4, outcome: 'fail' });
    await waitForState(fleet, 'force', 'open');
  });

  it('opens on every replica when one replica sees slow calls', async () => {
    const slow = await c.send({
      type: 'calls',
      breaker: 'sluggish',
      count: 10,
      concurrency: 10,
      outcome: 'slow',
      slowMs: 120,
    });
    expect(slow).toMatchObject({ ran: 10, ok: 10, failed: 0 });
    await waitForState(fleet, 'sluggish', 'open');
    expect(await a.send({ type: 'snapshot', breaker: 'sluggish' })).toMatchObject({
      state: 'open',
      reason: 'slow_call_rate',
    });
    const refused = await b.send({
      type: 'calls',
      breaker: 'sluggish',
      count: 5,
      concurrency: 5,
      outcome: 'ok',
    });
    expect(refused).toMatchObject({ ran: 0, rejected: 5, byState: { open: 5 } });
  });

  it('with minimumReplicas 2, trips only once a second replica reports failures', async () => {
    const alone = await a.send({
      type: 'calls',
      breaker: 'quorum',
      count: 30,
      concurrency: 5,
      outcome: 'fail',
    });
    expect(alone).toMatchObject({ ran: 30, failed: 30, rejected: 0 });
    // Every one of replica-a's failures reached the shared window, and it is still closed.
    const counted = await waitUntil(
      async () => {
        const snapshot = await b.send({ type: 'snapshot', breaker: 'quorum' });
        return snapshot.window.failures >= 30 ? snapshot : undefined;
      },
      {
        timeoutMs: CONVERGE_TIMEOUT_MS,
        intervalMs: 25,
        description: "replica-a's failures in the shared window",
      },
    );
    expect(counted).toMatchObject({
      state: 'closed',
      window: { calls: 30, failures: 30, replicas: { 'replica-a': { failures: 30 } } },
    });
    expect(Object.keys(counted.window.replicas)).toEqual(['replica-a']);
    expect(await Promise.all(fleet.map((replica) => replica.state('quorum')))).toEqual([
      'closed',
      'closed',
      'closed',
    ]);
    // replica-a keeps failing alone: still closed, every call still runs.
    const more = await a.send({
      type: 'calls',
      breaker: 'quorum',
      count: 10,
      concurrency: 5,
      outcome: 'fail',
    });
    expect(more).toMatchObject({ ran: 10, rejected: 0 });

    const second = await c.send({
      type: 'calls',
      breaker: 'quorum',
      count: 2,
      concurrency: 1,
      outcome: 'fail',
    });
    expect(second.failed).toBeGreaterThanOrEqual(1);
    await waitForState(fleet, 'quorum', 'open');
    const snapshot = await a.send({ type: 'snapshot', breaker: 'quorum' });
    expect(snapshot).toMatchObject({ state: 'open', reason: 'failure_rate' });
    const opening = (await readEvents(redis, NAMESPACE, 'quorum')).filter(
      (event) => event.to === 'open',
    );
    expect(opening).toHaveLength(1);
    expect(opening[0]).toMatchObject({
      from: 'closed',
      reason: 'failure_rate',
      replica: 'replica-c',
    });
  });
});
