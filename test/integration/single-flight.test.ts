/**
 * Half-open single flight across three replica processes: round after round,
 * 30 callers per replica fire at once when the open period is over, and
 * exactly one call in the whole fleet runs (the trial). Its function waits
 * until every other caller in the fleet has been refused, so "exactly one"
 * does not depend on timing. Probes alternate fail, fail, succeed, so both
 * ends of a probe and the backoff growth are covered.
 */
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, stopAllRedis, waitUntil } from '../harness/index.js';
import type { BreakerSnapshot } from '../../src/index.js';
import {
  CONVERGE_TIMEOUT_MS,
  fleetDiagnostics,
  readEvents,
  startFleet,
  stopAllReplicas,
  waitForRedisTime,
  waitForState,
} from './replica/fleet.js';
import type { Replica } from './replica/fleet.js';
import type { JsonBreakerOptions } from './replica/protocol.js';

const NAMESPACE = 'itflight';
const BREAKER = 'flight';
const ROUNDS = 20;
const CALLERS = 30;
const BASE_MS = 200;
const OPTIONS: JsonBreakerOptions = {
  failureRateThreshold: 0.5,
  minimumCalls: 5,
  windowMs: 10_000,
  openBackoff: { baseMs: BASE_MS, maxMs: 1_600, multiplier: 2, jitter: 0 },
  // The trial is held until every caller has been refused: the lease must outlast that.
  halfOpen: { maxDurationMs: 20_000 },
};

let redis: Redis;
let fleet: Replica[];

beforeAll(async () => {
  const server = await startRedis();
  redis = server.client();
  fleet = await startFleet(
    ['replica-a', 'replica-b', 'replica-c'].map((replicaId) => ({
      redis: server.url,
      namespace: NAMESPACE,
      replicaId,
      flushIntervalMs: 25,
      refreshIntervalMs: 200,
      breakers: { [BREAKER]: OPTIONS },
    })),
  );
}, 60_000);

afterAll(async () => {
  await stopAllReplicas();
  await stopAllRedis();
});

async function snapshot(): Promise<BreakerSnapshot> {
  const first = fleet.at(0);
  if (first === undefined) throw new Error('no fleet');
  return first.send({ type: 'snapshot', breaker: BREAKER });
}

async function totalRuns(): Promise<number> {
  const runs = await Promise.all(fleet.map((replica) => replica.send({ type: 'ran' })));
  return runs.reduce((sum, n) => sum + n, 0);
}

describe('half-open single flight across the fleet', () => {
  it(`lets exactly one of ${3 * CALLERS} simultaneous callers through, ${ROUNDS} rounds in a row`, async () => {
    const probers: string[] = [];
    let expectedStep = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const succeed = round % 3 === 2;
      let record = await snapshot();
      if (record.state === 'closed') {
        // Trip it from one replica (a different one each time).
        const tripper = fleet.at(round % fleet.length);
        if (tripper === undefined) throw new Error('no tripper');
        await tripper.send({
          type: 'calls',
          breaker: BREAKER,
          count: 10,
          concurrency: 2,
          outcome: 'fail',
        });
        expectedStep = 0;
      }
      await waitForState(fleet, BREAKER, 'open');
      record = await snapshot();
      expect(record.state, `round ${round}`).toBe('open');
      expect(record.backoffStep, `round ${round}`).toBe(expectedStep);
      // jitter 0: the open period is exactly base * 2^step.
      expect(record.openUntil, `round ${round}`).not.toBeNull();
      expect((record.openUntil ?? 0) - (record.changedAt ?? 0), `round ${round}`).toBe(
        BASE_MS * 2 ** expectedStep,
      );

      // Past openUntil on the Redis clock (plus a margin for each replica's clock-offset estimate).
      await waitForRedisTime(redis, (record.openUntil ?? 0) + 100);
      const runsBefore = await totalRuns();
      const results = await Promise.all(
        fleet.map((replica) =>
          replica.send({
            type: 'probeRound',
            breaker: BREAKER,
            callers: CALLERS,
            hold: true,
            outcome: 'ok',
          }),
        ),
      );
      const entered = results.reduce((sum, result) => sum + result.entered, 0);
      const rejected = results.reduce((sum, result) => sum + result.rejected, 0);
      expect(entered, `round ${round}: ${JSON.stringify(results)}`).toBe(1);
      expect(rejected, `round ${round}: ${JSON.stringify(results)}`).toBe(
        fleet.length * CALLERS - 1,
      );
      for (const result of results) {
        expect(result.otherErrors, `round ${round}`).toEqual([]);
        // Refused callers are told a trial is under way (or, on a replica that has not heard yet, that it is open).
        for (const state of Object.keys(result.byState))
          expect(['half_open', 'open']).toContain(state);
      }
      const proberIndex = results.findIndex((result) => result.entered === 1);
      const prober = fleet.at(proberIndex);
      const held = results.at(proberIndex);
      if (proberIndex === -1 || prober === undefined || held === undefined) {
        throw new Error(`round ${round}: no prober`);
      }
      probers.push(prober.id);
      expect(await snapshot(), `round ${round}`).toMatchObject({
        state: 'half_open',
        reason: 'probe_started',
      });

      const released = await Promise.all(
        fleet.map((replica, i) =>
          replica.send({
            type: 'release',
            round: results.at(i)?.round ?? -1,
            outcome: succeed ? 'ok' : 'fail',
          }),
        ),
      );
      expect(released[proberIndex], `round ${round}`).toEqual(
        succeed ? { ok: 1, failed: 0 } : { ok: 0, failed: 1 },
      );
      expect(held.round).toBeGreaterThan(0);

      if (succeed) {
        await waitForState(fleet, BREAKER, 'closed');
        expect(await snapshot(), `round ${round}`).toMatchObject({
          state: 'closed',
          reason: 'probe_succeeded',
          backoffStep: 0,
          window: { calls: 0 },
        });
      } else {
        expectedStep++;
        const reopened = await waitUntil(
          async () => {
            const s = await snapshot();
            return s.state === 'open' ? s : undefined;
          },
          {
            timeoutMs: CONVERGE_TIMEOUT_MS,
            intervalMs: 25,
            description: 'the failed probe to re-open the breaker',
            details: () => fleetDiagnostics(fleet),
          },
        );
        expect(reopened, `round ${round}`).toMatchObject({
          reason: 'probe_failed',
          backoffStep: expectedStep,
        });
      }
      // Nothing else ran in the fleet during the round: only the trial.
      expect((await totalRuns()) - runsBefore, `round ${round}`).toBe(1);
    }

    // The events stream tells the same story: one probe_started per round, each
    // followed by that prober's verdict.
    const events = await readEvents(redis, NAMESPACE, BREAKER);
    const probes = events.filter((event) => event.reason === 'probe_started');
    const verdicts = events.filter(
      (event) => event.reason === 'probe_succeeded' || event.reason === 'probe_failed',
    );
    expect(probes).toHaveLength(ROUNDS);
    expect(verdicts).toHaveLength(ROUNDS);
    expect(probes.map((event) => event.replica)).toEqual(probers);
    expect(verdicts.map((event) => event.replica)).toEqual(probers);
    expect(events.some((event) => event.reason === 'probe_lease_expired')).toBe(false);
  }, 120_000);
});
