/**
 * A hung Redis (SIGSTOP: connections stay open, nothing answers), seen by one
 * replica (this process) running steady traffic: one call every `everyMs`
 * around a dependency that answers on the next turn of the event loop.
 *
 * `latency`: after a first outage (not judged, so that the code of local mode
 * has run once), `cycles` times: the latency of each call for `segmentMs` with
 * Redis healthy, then `segmentMs` with it stopped (the switch to local mode
 * included), then Redis resumed; healthy and stopped calls pooled. `modes`: `trials` times, the time from SIGSTOP to local mode, then,
 * after a breaker tripped locally, from SIGCONT to shared mode (which follows
 * the reconciliation of every breaker), and whether the shared record then
 * holds the local trip.
 */
import type { Breaker, BreakerBox } from '../../src/index.js';
import type { RedisProcess } from '../../test/harness/index.js';
import { param, runCase } from '../lib/case-runner.js';
import type { CaseOutput, CaseParams } from '../lib/protocol.js';
import { benchRedis, createRedisBox } from '../lib/redis.js';
import { percentiles, quantile } from '../lib/stats.js';
import type { TimedCall } from '../lib/steady-load.js';
import { modeReached, SteadyLoad } from '../lib/steady-load.js';
import { sleep } from '../lib/timing.js';

const MODE_TIMEOUT_MS = 10_000;

async function latency(params: CaseParams): Promise<CaseOutput> {
  const cycles = param(params, 'cycles', 3);
  const segmentMs = param(params, 'segmentMs', 1_000);
  const everyMs = param(params, 'everyMs', 1);
  const server = await benchRedis();
  const roundTrip = await pingRoundTrip(server);
  const box = await createRedisBox(server.url);
  const load = new SteadyLoad(box, box.breaker('dependency'), everyMs);
  await sleep(1_000);
  // A first outage, not judged: the code of local mode runs (and is compiled) once.
  const firstFrom = performance.now();
  await outage(box, server, 300);
  const first = percentiles(load.between(firstFrom, performance.now()).map((c) => c.ms));
  await sleep(1_000);

  // Healthy and stopped segments alternate, so that the machine's drift touches both alike.
  const healthy: TimedCall[] = [];
  const paused: TimedCall[] = [];
  const pausedLocal: TimedCall[] = [];
  const transition: TimedCall[] = [];
  const healthySeconds: number[] = [];
  const toLocalMs: number[] = [];
  for (let cycle = 0; cycle < cycles; cycle++) {
    const healthyFrom = performance.now();
    await sleep(segmentMs);
    const pausedAt = performance.now();
    const { localAt, resumedAt } = await outage(box, server, segmentMs);
    const calls = load.between(healthyFrom, pausedAt);
    healthy.push(...calls);
    healthySeconds.push(
      quantile(
        calls.map((c) => c.ms),
        0.99,
      ),
    );
    paused.push(...load.between(pausedAt, resumedAt));
    pausedLocal.push(...load.between(localAt, resumedAt));
    transition.push(...load.between(pausedAt, localAt));
    toLocalMs.push(localAt - pausedAt);
    await sleep(200);
  }
  await load.stop();
  await box.close();

  const failed = [...healthy, ...paused].filter((c) => !c.ok).length;
  if (failed > 0) throw new Error(`${failed} calls failed`);
  const h = percentiles(healthy.map((c) => c.ms));
  const p = percentiles(paused.map((c) => c.ms));
  const pl = percentiles(pausedLocal.map((c) => c.ms));
  const tr = percentiles(transition.map((c) => c.ms));
  return {
    samples: paused.map((c) => c.ms),
    info: {
      cycles,
      healthyCalls: healthy.length,
      healthyP50Ms: h.p50,
      healthyP99Ms: h.p99,
      healthyMaxMs: h.max,
      pausedCalls: paused.length,
      pausedP50Ms: p.p50,
      pausedP99Ms: p.p99,
      pausedMaxMs: p.max,
      localP50Ms: pl.p50,
      localP99Ms: pl.p99,
      localMaxMs: pl.max,
      transitionCalls: transition.length,
      transitionP50Ms: tr.p50,
      transitionP99Ms: tr.p99,
      transitionMaxMs: tr.max,
      toLocalMaxMs: Math.max(...toLocalMs),
      addedP50Ms: p.p50 - h.p50,
      addedP99Ms: p.p99 - h.p99,
      firstOutageP50Ms: first.p50,
      firstOutageP99Ms: first.p99,
      firstOutageMaxMs: first.max,
      roundTripP50Ms: roundTrip,
      healthySecondP99MinMs: Math.min(...healthySeconds),
      healthySecondP99MaxMs: Math.max(...healthySeconds),
    },
  };
}

/**
 * The p50 of a PING's round trip to `server` from this process: the least a
 * call that waited on Redis would add to its latency.
 */
async function pingRoundTrip(server: RedisProcess): Promise<number> {
  const client = server.client();
  const times: number[] = [];
  for (let i = 0; i < 300; i++) {
    const start = performance.now();
    await client.ping();
    if (i >= 100) times.push(performance.now() - start);
  }
  client.disconnect();
  return quantile(times, 0.5);
}

/**
 * Stops Redis until the box is local and `stoppedMs` have passed since the
 * stop, then resumes it and waits until the box is shared again.
 */
async function outage(
  box: BreakerBox,
  server: RedisProcess,
  stoppedMs: number,
): Promise<{ localAt: number; resumedAt: number }> {
  const local = modeReached(box, 'local', MODE_TIMEOUT_MS);
  const pausedAt = performance.now();
  server.pause();
  const localAt = await local;
  await sleep(Math.max(0, stoppedMs - (localAt - pausedAt)));
  const shared = modeReached(box, 'shared', MODE_TIMEOUT_MS);
  const resumedAt = performance.now();
  server.resume();
  await shared;
  return { localAt, resumedAt };
}

async function modes(params: CaseParams): Promise<CaseOutput> {
  const trials = param(params, 'trials', 10);
  const everyMs = param(params, 'everyMs', 1);
  const localMs = param(params, 'localMs', 200);
  const minimumCalls = 5;
  const server = await benchRedis();
  const box = await createRedisBox(server.url);
  const load = new SteadyLoad(box, box.breaker('dependency'), everyMs);
  const carried: Breaker = box.breaker('carried', {
    minimumCalls,
    openBackoff: { baseMs: 60_000, jitter: 0 },
  });
  const failing = (): Promise<void> => Promise.reject(new Error('dependency failed'));
  await sleep(1_000);

  const toLocalMs: number[] = [];
  const toSharedMs: number[] = [];
  let trippedLocally = 0;
  let reconciled = 0;
  for (let trial = 0; trial < trials; trial++) {
    // A different phase against the flush timer each time.
    await sleep(200 + ((trial * 37) % 100));
    const local = modeReached(box, 'local', MODE_TIMEOUT_MS);
    const stoppedAt = performance.now();
    server.pause();
    toLocalMs.push((await local) - stoppedAt);

    for (let i = 0; i < minimumCalls; i++) await carried.call(failing).catch(() => undefined);
    if (carried.state === 'open') trippedLocally++;
    await sleep(localMs);

    const shared = modeReached(box, 'shared', MODE_TIMEOUT_MS);
    const resumedAt = performance.now();
    server.resume();
    toSharedMs.push((await shared) - resumedAt);
    const snapshot = await carried.snapshot();
    if (snapshot.mode === 'shared' && snapshot.state === 'open') reconciled++;
    await carried.reset();
  }
  const failed = load.calls.filter((c) => !c.ok).length;
  await load.stop();
  await box.close();
  if (failed > 0) throw new Error(`${failed} calls of the steady traffic failed`);

  const local = percentiles(toLocalMs);
  const shared = percentiles(toSharedMs);
  return {
    samples: toLocalMs,
    info: {
      trials,
      toLocalP50Ms: local.p50,
      toLocalMaxMs: local.max,
      toLocalMinMs: Math.min(...toLocalMs),
      toSharedP50Ms: shared.p50,
      toSharedMaxMs: shared.max,
      toSharedMinMs: Math.min(...toSharedMs),
      trippedLocally,
      reconciled,
      commandTimeoutMs: 250,
      flushIntervalMs: 100,
    },
  };
}

runCase({ latency, modes });
