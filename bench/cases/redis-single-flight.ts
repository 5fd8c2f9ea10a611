/**
 * Single-flight half-open across a fleet: `replicas` replica processes share
 * one breaker. Each round, replica 0 forces it open for `forMs`; once every
 * replica has seen that, all of them start `callers` concurrent calls at the
 * same instant, `marginMs` after the expiry (a probe is due everywhere). The
 * protected function counts its runs and holds `holdMs`, so that the trial
 * is still running when the last replica fires; the round ends when every
 * replica sees the breaker closed again. A double probe is a round in which
 * the function ran more than once in the whole fleet (any run counts, even
 * one by a replica that fired late and found the breaker closed: `firedClosed`
 * says whether that happened).
 */
import { param, runCase } from '../lib/case-runner.js';
import type { CaseOutput, CaseParams } from '../lib/protocol.js';
import { benchRedis } from '../lib/redis.js';
import { percentiles } from '../lib/stats.js';
import { sleep } from '../lib/timing.js';
import { Fleet } from '../replica/fleet.js';

const BREAKER = 'dependency';

async function singleFlight(params: CaseParams): Promise<CaseOutput> {
  const replicas = param(params, 'replicas', 8);
  const rounds = param(params, 'rounds', 1_000);
  const warmupRounds = param(params, 'warmupRounds', 5);
  const callers = param(params, 'callers', 50);
  const forMs = param(params, 'forMs', 10);
  const marginMs = param(params, 'marginMs', 5);
  const holdMs = param(params, 'holdMs', 25);
  const server = await benchRedis();
  const fleet = await Fleet.start(replicas, (index) => ({
    redisUrl: server.url,
    replicaId: `replica-${index}`,
    namespace: 'single-flight',
    breakers: {
      [BREAKER]: {
        openBackoff: { baseMs: 20, maxMs: 20, jitter: 0 },
        halfOpen: { maxDurationMs: 5_000 },
      },
    },
  }));
  const [a] = fleet.replicas;

  // Every replica's first read of the (missing) record must be over before the
  // first round: a late reply of that read can undo a newer state it adopted
  // (see bench/README.md, "Known issues the Redis cases meet").
  await sleep(1_000);
  const warmupRuns: number[] = [];
  const runsPerRound: number[] = [];
  const spreadMs: number[] = [];
  let trialRuns = 0;
  let rejected = 0;
  let otherErrors = 0;
  let notClosed = 0;
  const firedIn: Partial<Record<string, number>> = {};
  const started = performance.now();
  for (let round = 0; round < warmupRounds + rounds; round++) {
    const opened = await a.send({ op: 'force-open', breaker: BREAKER, forMs });
    await fleet.until(BREAKER, (seen) => seen?.to === 'forced_open' && seen.epoch >= opened.epoch);
    const at = opened.at + forMs + marginMs;
    const fired = await Promise.all(
      fleet.replicas.map((r) =>
        r.send({ op: 'fire', breaker: BREAKER, at, callers, holdMs, closeTimeoutMs: 2_000 }),
      ),
    );
    const runs = fired.reduce((sum, f) => sum + f.runs, 0);
    if (round < warmupRounds) {
      warmupRuns.push(runs);
      continue;
    }
    runsPerRound.push(runs);
    const firedAts = fired.map((f) => f.firedAt);
    spreadMs.push(Math.max(...firedAts) - Math.min(...firedAts));
    for (const f of fired) {
      trialRuns += f.trialRuns;
      rejected += f.rejected;
      otherErrors += f.otherErrors;
      if (!f.closedAgain) notClosed++;
      firedIn[f.stateAtFire] = (firedIn[f.stateAtFire] ?? 0) + 1;
    }
  }
  const seconds = (performance.now() - started) / 1_000;
  const modeChanges = fleet.modeChanges;
  await fleet.stop();

  const spread = percentiles(spreadMs);
  const runs = runsPerRound.reduce((sum, n) => sum + n, 0);
  return {
    samples: runsPerRound,
    info: {
      rounds,
      replicas,
      callers,
      doubleProbes: runsPerRound.filter((n) => n > 1).length,
      roundsWithoutProbe: runsPerRound.filter((n) => n === 0).length,
      runs,
      trialRuns,
      rejected,
      otherErrors,
      notClosed,
      // Replicas that fired while their view was open (a probe due), half-open
      // (another replica's trial running) or closed (late: the trial was over).
      firedOpen: firedIn.open ?? 0,
      firedHalfOpen: firedIn.half_open ?? 0,
      firedClosed: firedIn.closed ?? 0,
      spreadP50Ms: spread.p50,
      spreadMaxMs: spread.max,
      seconds,
      warmupRounds,
      warmupDoubleProbes: warmupRuns.filter((n) => n > 1).length,
      modeChanges,
    },
  };
}

runCase({ fleet: singleFlight });
