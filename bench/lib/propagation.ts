/**
 * Trip propagation over a fleet of replica processes (the loop of
 * cases/redis-propagation.ts and cases/redis-cluster.ts): in each trial
 * replica 0 (A) makes `minimumCalls` failing calls, its urgent flush trips the
 * breaker and the script publishes the transition; every replica stamps the
 * moment its box emits the opening on the common clock. A trial's figure is
 * the last replica's stamp minus A's. A resets the breaker between trials and
 * every replica must see it closed before the next one.
 */
import type { CaseOutput } from './protocol.js';
import { percentiles } from './stats.js';
import { sleep } from './timing.js';
import { Fleet } from '../replica/fleet.js';
import type { ReplicaConfig, TransitionSeen } from '../replica/protocol.js';

/** The breaker every replica shares. */
export const PROPAGATION_BREAKER = 'dependency';
const MINIMUM_CALLS = 5;

/** How many trials, and where the replicas' Redis is. */
export interface PropagationRun {
  readonly replicas: number;
  readonly trials: number;
  readonly warmupTrials: number;
  readonly pauseMs: number;
  /** Where each replica connects (a URL, or also cluster startup nodes). */
  readonly redis: Pick<ReplicaConfig, 'redisUrl' | 'clusterNodes' | 'connectTimeoutMs'>;
  readonly namespace: string;
}

/** Runs the trials and answers the case's output (samples: each trial's last replica, ms). */
export async function measurePropagation(run: PropagationRun): Promise<CaseOutput> {
  const { replicas, trials, warmupTrials, pauseMs } = run;
  const fleet = await Fleet.start(replicas, (index) => ({
    ...run.redis,
    replicaId: `replica-${index}`,
    namespace: run.namespace,
    breakers: {
      [PROPAGATION_BREAKER]: {
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
      epoch = (await a.send({ op: 'reset', breaker: PROPAGATION_BREAKER })).epoch;
      const closedEpoch = epoch;
      await fleet.until(
        PROPAGATION_BREAKER,
        (seen) => seen?.to === 'closed' && seen.epoch >= closedEpoch,
      );
    }
    await sleep(pauseMs);
    const openings = new Map<number, TransitionSeen>();
    const allOpen = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        unsubscribe();
        reject(new Error(`trial ${trial}: ${openings.size} of ${replicas} replicas saw it open`));
      }, 5_000);
      const unsubscribe = fleet.onTransition((replica, seen) => {
        if (seen.breaker !== PROPAGATION_BREAKER || seen.to !== 'open' || seen.epoch <= epoch) {
          return;
        }
        openings.set(replica.index, seen);
        if (openings.size < replicas) return;
        clearTimeout(timer);
        unsubscribe();
        resolve();
      });
    });
    const failed = await a.send({ op: 'fail', breaker: PROPAGATION_BREAKER, calls: MINIMUM_CALLS });
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
