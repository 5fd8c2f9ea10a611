/**
 * Breakers named from data: `replicas` replica processes (bench/replica/,
 * `--expose-gc`) each create the same `breakers` breakers on one box (the
 * Redis store, default options but `windowMs` 2 s so that idle windows expire
 * within the case), then:
 *
 * 1. populate: heap per breaker (settled heap growth / breakers, each replica);
 * 2. active: every replica calls every breaker once, spread over `activeMs`
 *    (flushes carry one record per dirty breaker); record and read commands
 *    per second, CPU, event-loop delay; Redis `MEMORY USAGE` of a sample of
 *    records (state + window + events keys) right after;
 * 3. idle: once the windows expired (2 windows + 1 s), `MEMORY USAGE` again,
 *    then `idleMs` of nothing: idle CPU, event-loop delay while the spread
 *    refresh sweep runs (every breaker re-read once per 60 refresh intervals),
 *    read commands per second;
 * 4. retire: every replica retires every breaker; heap after, and the share of
 *    the populate growth returned.
 *
 * The figure (one sample per replica) is the idle CPU in % of one core.
 */
import type { Redis } from 'ioredis';
import { param, runCase } from '../lib/case-runner.js';
import type { CaseOutput, CaseParams } from '../lib/protocol.js';
import { benchRedis, commandCounts, commandDelta } from '../lib/redis.js';
import { median } from '../lib/stats.js';
import { sleep } from '../lib/timing.js';
import { Fleet } from '../replica/fleet.js';
import type { Observation } from '../replica/protocol.js';

const PREFIX = 'tenant-';
const NAMESPACE = 'scale';
const WINDOW_MS = 2_000;
const MEMORY_SAMPLE = 500;

/** Mean `MEMORY USAGE` (bytes) of a breaker's keys over a sample of breakers, each key over those that have it. */
async function recordBytes(
  admin: Redis,
  breakers: number,
): Promise<{ state: number; window: number; events: number; withWindow: number }> {
  const step = Math.max(1, Math.floor(breakers / MEMORY_SAMPLE));
  const totals = { state: 0, window: 0, events: 0 };
  const counts = { state: 0, window: 0, events: 0 };
  for (let i = 0; i < breakers; i += step) {
    for (const suffix of ['state', 'window', 'events'] as const) {
      const key = `${NAMESPACE}:{${PREFIX}${i}}:${suffix}`;
      const bytes = await admin.memory('USAGE', key, 'SAMPLES', 0);
      if (typeof bytes !== 'number') continue;
      totals[suffix] += bytes;
      counts[suffix]++;
    }
  }
  const mean = (key: keyof typeof totals): number =>
    counts[key] === 0 ? 0 : totals[key] / counts[key];
  return {
    state: mean('state'),
    window: mean('window'),
    events: mean('events'),
    withWindow: counts.window / Math.max(1, counts.state),
  };
}

async function sequentially<T>(steps: readonly (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = [];
  for (const step of steps) results.push(await step());
  return results;
}

const sum = (observations: readonly Observation[], key: keyof Observation): number =>
  observations.reduce((total, o) => total + o[key], 0);
const most = (observations: readonly Observation[], key: keyof Observation): number =>
  Math.max(...observations.map((o) => o[key]));
const perSecond = (observations: readonly Observation[], key: keyof Observation): number =>
  observations.reduce((total, o) => total + (o[key] * 1_000) / o.ms, 0) / observations.length;

async function scale(params: CaseParams): Promise<CaseOutput> {
  const replicas = param(params, 'replicas', 4);
  const breakers = param(params, 'breakers', 10_000);
  const activeMs = param(params, 'activeMs', 10_000);
  const idleMs = param(params, 'idleMs', 10_000);
  const server = await benchRedis();
  const admin = server.client();
  const fleet = await Fleet.start(replicas, (index) => ({
    redisUrl: server.url,
    replicaId: `replica-${index}`,
    namespace: NAMESPACE,
    // This machine is shared and overloaded at times: a command timeout of
    // 250 ms sends a box with 100,000 breakers to local mode and back (each
    // time reconciling every breaker), which measures the machine, not the sweep.
    commandTimeoutMs: 2_000,
    nodeFlags: ['--expose-gc'],
    breakers: {},
  }));
  // One replica after the other, as a fleet rolls out.
  const populated = await sequentially(
    fleet.replicas.map(
      (r) => () =>
        r.send(
          { op: 'populate', prefix: PREFIX, count: breakers, options: { windowMs: WINDOW_MS } },
          600_000,
        ),
    ),
  );
  const heapPerBreaker = median(populated.map((p) => (p.heapAfter - p.heapBefore) / breakers));

  const beforeActive = await commandCounts(admin);
  const active = await Promise.all(
    fleet.replicas.map((r) => r.send({ op: 'spread', durationMs: activeMs }, activeMs + 600_000)),
  );
  await sleep(300);
  const activeCommands = commandDelta(beforeActive, await commandCounts(admin));
  const activeSeconds = median(active.map((o) => o.ms)) / 1_000;
  const activeBytes = await recordBytes(admin, breakers);
  await sleep(2 * WINDOW_MS + 1_000);
  const idleBytes = await recordBytes(admin, breakers);
  const memory = await admin.info('memory');
  const usedMemory = Number(/^used_memory:(\d+)/m.exec(memory)?.[1] ?? 0);

  const beforeIdle = await commandCounts(admin);
  const idle = await Promise.all(
    fleet.replicas.map((r) => r.send({ op: 'observe', durationMs: idleMs }, idleMs + 60_000)),
  );
  const idleCommands = commandDelta(beforeIdle, await commandCounts(admin));
  const idleSeconds = median(idle.map((o) => o.ms)) / 1_000;

  const retired = await Promise.all(
    fleet.replicas.map((r) => r.send({ op: 'retire-all' }, 600_000)),
  );
  const heapAfterRetire = median(retired.map((r) => r.heapAfter));
  const returned = median(
    retired.map((r, i) => {
      const p = populated[i];
      return (p.heapAfter - r.heapAfter) / (p.heapAfter - p.heapBefore);
    }),
  );
  const modeChanges = fleet.modeChanges;
  await fleet.stop();
  admin.disconnect();

  return {
    samples: idle.map((o) => o.cpuPercent),
    info: {
      replicas,
      breakers,
      readyMs: median(populated.map((p) => p.readyMs)),
      heapPerBreaker,
      // Active: a record with its window (every replica's buckets); idle: the record once its window expired.
      activeRedisBytesPerBreaker: activeBytes.state + activeBytes.window + activeBytes.events,
      activeStateBytes: activeBytes.state,
      activeWindowBytes: activeBytes.window,
      activeShareWithWindow: activeBytes.withWindow,
      idleRedisBytesPerBreaker: idleBytes.state + idleBytes.window + idleBytes.events,
      idleShareWithWindow: idleBytes.withWindow,
      redisUsedMemoryPerBreaker: usedMemory / breakers,
      activeCpuPercent: median(active.map((o) => o.cpuPercent)),
      activeRecordsPerSecondPerReplica: perSecond(active, 'records'),
      activeReadsPerSecondPerReplica: perSecond(active, 'reads'),
      activeEvalshaPerSecond: (activeCommands.byCommand.evalsha ?? 0) / activeSeconds,
      activeLoopP99Ms: most(active, 'loopP99Ms'),
      activeLoopMaxMs: most(active, 'loopMaxMs'),
      idleCpuPercent: median(idle.map((o) => o.cpuPercent)),
      idleRecordsPerSecondPerReplica: perSecond(idle, 'records'),
      idleReadsPerSecondPerReplica: perSecond(idle, 'reads'),
      idleEvalshaPerSecond: (idleCommands.byCommand.evalsha ?? 0) / idleSeconds,
      sweepLoopP99Ms: most(idle, 'loopP99Ms'),
      sweepLoopMaxMs: most(idle, 'loopMaxMs'),
      largestReadBurst: most(idle, 'largestReadBurst'),
      longestSweepSliceMs: most(idle, 'longestSweepSliceMs'),
      calls: sum(active, 'calls'),
      retireMs: median(retired.map((r) => r.ms)),
      heapAfterRetire,
      heapReturnedFraction: returned,
      storeSizeAfterRetire: Math.max(...retired.map((r) => r.storeSize)),
      modeChanges,
    },
  };
}

runCase({ fleet: scale });
