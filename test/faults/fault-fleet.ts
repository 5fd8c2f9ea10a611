/**
 * Shared pieces of the fault suites: short box timings, replica configs, and
 * waits and assertions over the replicas' modes and load-loop stats. The
 * replica program and fleet helper are the integration suite's
 * (test/integration/replica/).
 */
import type { Redis } from 'ioredis';
import { expect } from 'vitest';
import { waitUntil } from '../harness/index.js';
import type { StoreMode } from '../../src/index.js';
import { fleetDiagnostics } from '../integration/replica/fleet.js';
import type { Replica } from '../integration/replica/fleet.js';
import type {
  JsonBreakerOptions,
  LoadBreakerStats,
  LoadStats,
  ReplicaConfig,
} from '../integration/replica/protocol.js';

/** Box timings of every fault suite: short, so outages are noticed and healed quickly. */
export const TIMINGS = {
  commandTimeoutMs: 250,
  flushIntervalMs: 50,
  refreshIntervalMs: 200,
} as const;

/**
 * The one bound on speed the suites assert: no call waits on Redis longer
 * than the command timeout. Calls on the closed and open paths do no I/O at
 * all (they take microseconds); only the caller that finds a probe due asks
 * Redis for the probe lock, and must give up after one command timeout. The
 * margin absorbs a GC pause or a late timer on a busy machine, and stays
 * below one command timeout so that waiting twice is caught. It is a
 * correctness bound, not a benchmark.
 */
export const NO_WAIT_BOUND_MS = TIMINGS.commandTimeoutMs + 200;

/** How often each replica's load loop calls each of its breakers. */
export const LOAD_INTERVAL_MS = 3;

/** Deadline for the fleet to notice an outage (a command timeout plus a flush, with room). */
export const GO_LOCAL_TIMEOUT_MS = 5_000;

/**
 * Deadline for the fleet to come back once Redis answers again. Generous: after
 * a crash ioredis reconnects with a backoff of up to 2 s, and the machine is busy.
 */
export const RECOVER_TIMEOUT_MS = 10_000;

/** Open for a long time: no probe can close it while a test looks. */
export const LONG_OPEN: JsonBreakerOptions = {
  failureRateThreshold: 0.5,
  minimumCalls: 10,
  windowType: 'count',
  windowSize: 20,
  openBackoff: { baseMs: 30_000, maxMs: 30_000, jitter: 0 },
};

/** A replica config with the suites' timings. */
export function replicaConfig(
  redis: ReplicaConfig['redis'],
  namespace: string,
  replicaId: string,
  breakers: Readonly<Record<string, JsonBreakerOptions>>,
  extra: Partial<ReplicaConfig> = {},
): ReplicaConfig {
  return { redis, namespace, replicaId, breakers, ...TIMINGS, ...extra };
}

/** Waits until every replica's box is in `mode`. */
export async function waitForMode(
  replicas: readonly Replica[],
  mode: StoreMode,
  timeoutMs: number,
): Promise<void> {
  let last: StoreMode[] = [];
  await waitUntil(
    async () => {
      last = await Promise.all(replicas.map((replica) => replica.mode()));
      return last.every((seen) => seen === mode);
    },
    {
      timeoutMs,
      intervalMs: 25,
      description: `every replica in mode ${mode}`,
      details: () =>
        `modes: ${JSON.stringify(Object.fromEntries(replicas.map((r, i) => [r.id, last[i]])))}\n${fleetDiagnostics(replicas)}`,
    },
  );
}

/** Every replica's load-loop stats, in order; `reset` starts a new phase on each. */
export function loadStats(replicas: readonly Replica[], reset: boolean): Promise<LoadStats[]> {
  return Promise.all(replicas.map((replica) => replica.send({ type: 'loadStats', reset })));
}

/** Starts the same load loop on every replica. */
export async function startLoad(
  replicas: readonly Replica[],
  breakers: readonly string[],
): Promise<void> {
  await Promise.all(
    replicas.map((replica) =>
      replica.send({ type: 'startLoad', breakers, intervalMs: LOAD_INTERVAL_MS }),
    ),
  );
}

/**
 * The phase's calls went on (at least `minCalls` per breaker), none waited on
 * Redis, none failed with anything but the breaker's or the function's own
 * errors, and `healthy` breakers (the dependency fine) refused none.
 */
export function expectUnhurt(
  stats: LoadStats,
  options: { breakers: readonly string[]; healthy: readonly string[]; minCalls: number },
  label: string,
): void {
  for (const name of options.breakers) {
    const counts = breakerStats(stats, name, label);
    expect(counts.calls, `${label}: calls to ${name} went on`).toBeGreaterThanOrEqual(
      options.minCalls,
    );
    expect(counts.otherErrors, `${label}: unexpected errors on ${name}`).toEqual([]);
    expect(counts.otherErrorCount, `${label}: unexpected errors on ${name}`).toBe(0);
  }
  for (const name of options.healthy) {
    const counts = breakerStats(stats, name, label);
    expect(counts.rejected, `${label}: ${name} refused calls (${JSON.stringify(counts)})`).toBe(0);
    expect(counts.failed, `${label}: ${name} failed calls`).toBe(0);
    expect(counts.ok, `${label}: ${name} ok calls`).toBe(counts.calls);
  }
  expect(
    stats.latency.maxMs,
    `${label}: slowest call (p99 ${stats.latency.p99Ms.toFixed(2)} ms of ${stats.latency.count})`,
  ).toBeLessThan(NO_WAIT_BOUND_MS);
}

/** One breaker's share of a load phase; fails the test if the loop never called it. */
export function breakerStats(stats: LoadStats, name: string, label: string): LoadBreakerStats {
  const counts = Object.entries(stats.byBreaker).find(([breaker]) => breaker === name)?.[1];
  if (counts === undefined) throw new Error(`${label}: no load on ${name}`);
  return counts;
}

/** A breaker's record (the `state` hash) in Redis; empty when there is none. */
export function readRecord(
  redis: Redis,
  namespace: string,
  breaker: string,
): Promise<Record<string, string>> {
  return redis.hgetall(`${namespace}:{${breaker}}:state`);
}
