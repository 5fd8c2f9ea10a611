/**
 * Trip propagation: `replicas` replica processes share one breaker. In each
 * trial replica 0 (A) makes `minimumCalls` failing calls; its unflushed
 * failures would trip the breaker, so it flushes at once and the record
 * script trips it and publishes the transition. Every replica stamps the
 * moment its box emits the opening (its view is open then: a call made right
 * after is checked to be refused) on the common clock. A trial's figure is
 * the last replica's stamp minus A's (A's stamp is when its trip reply
 * arrived). Replica 0 resets the breaker between trials and every replica
 * must see it closed before the next one.
 */
import { param, runCase } from '../lib/case-runner.js';
import type { CaseOutput, CaseParams } from '../lib/protocol.js';
import { benchRedis } from '../lib/redis.js';
import { percentiles } from '../lib/stats.js';
import { sleep } from '../lib/timing.js';
import { Fleet } from '../replica/fleet.js';
import type { TransitionSeen } from '../replica/protocol.js';

const BREAKER = 'dependency';
const MINIMUM_CALLS = 5;

async function propagation(params: CaseParams): Promise<CaseOutput> {
  const replicas = param(params, 'replicas', 8);
  const trials = param(params, 'trials', 100);
  const warmupTrials = param(params, 'warmupTrials', 5);
  const pauseMs = param(params, 'pauseMs', 20);
  const server = await benchRedis();
  const fleet = await Fleet.start(replicas, (index) => ({
    redisUrl: server.url,
    replicaId: `replica-${index}`,
    namespace: 'propagation',
    breakers: {
      [BREAKER]: {
        minimumCalls: MINIMUM_CALLS,
        failureRateThreshold: 0.5,
        // Open long enough that no probe starts during a trial.
        openBackoff: { baseMs: 60_000, jitter: 0 },
      },
    },
  }));
  const [a] = fleet.replicas;
  // Every replica's first read of the (missing) record must be over (see redis-single-flight.ts).
  await sleep(1_000);

  const trialMs: number[] = [];
  const perReplicaMs: number[] = [];
  let refusedEverywhere = 0;
  let epoch = 0;
  for (let trial = 0; trial < warmupTrials + trials; trial++) {
    if (trial > 0) {
      epoch = (await a.send({ op: 'reset', breaker: BREAKER })).epoch;
      const closedEpoch = epoch;
      await fleet.until(BREAKER, (seen) => seen?.to === 'closed' && seen.epoch >= closedEpoch);
    }
    await sleep(pauseMs);
    const openings = new Map<number, TransitionSeen>();
    const allOpen = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        unsubscribe();
        reject(new Error(`trial ${trial}: ${openings.size} of ${replicas} replicas saw it open`));
      }, 5_000);
      const unsubscribe = fleet.onTransition((replica, seen) => {
        if (seen.breaker !== BREAKER || seen.to !== 'open' || seen.epoch <= epoch) return;
        openings.set(replica.index, seen);
        if (openings.size < replicas) return;
        clearTimeout(timer);
        unsubscribe();
        resolve();
      });
    });
    const failed = await a.send({ op: 'fail', breaker: BREAKER, calls: MINIMUM_CALLS });
    if (failed.failed !== MINIMUM_CALLS) throw new Error(`trial ${trial}: A's calls were refused`);
    await allOpen;
    const start = openings.get(0)?.at ?? Number.NaN;
    const others = [...openings]
      .filter(([index]) => index !== 0)
      .map(([, seen]) => seen.at - start);
    if (trial < warmupTrials) continue;
    trialMs.push(Math.max(...others));
    perReplicaMs.push(...others);
    if ([...openings.values()].every((seen) => seen.refuses)) refusedEverywhere++;
  }
  const modeChanges = fleet.modeChanges;
  await fleet.stop();

  const trial = percentiles(trialMs);
  const each = percentiles(perReplicaMs);
  return {
    samples: trialMs,
    info: {
      replicas,
      trials,
      p50Ms: trial.p50,
      p99Ms: trial.p99,
      maxMs: trial.max,
      minMs: Math.min(...trialMs),
      replicaP50Ms: each.p50,
      replicaP99Ms: each.p99,
      refusedEverywhere,
      modeChanges,
    },
  };
}

runCase({ fleet: propagation });
