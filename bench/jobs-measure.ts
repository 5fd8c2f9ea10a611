/**
 * Measures the BullMQ feature (issue 9) and writes docs/jobs-measurements.md:
 *
 * 1. recovery → closed with no traffic (probe-driven), against the backoff in force;
 * 2. probe jobs per opening over 100 openings with 3 replicas racing;
 * 3. Redis commands per minute that the probe worker, the sweeper and the
 *    bindings add to an idle box and per idle breaker, against a box without them.
 *
 * Run: `npx tsx bench/jobs-measure.ts` (about 6 minutes; `--no-write` prints only).
 * Every redis-server and replica is spawned here (test/harness), never 6379.
 */
import { writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { createBreakerBox } from '../src/index.js';
import type { BreakerBox } from '../src/index.js';
import { startRedis, stopAllRedis, waitUntil } from '../test/harness/index.js';
import type { RedisProcess } from '../test/harness/index.js';
import { addedProbeJobs, openings, sharedState } from '../test/jobs/job-streams.js';
import { startJobsFleet, stopJobsFleet } from '../test/jobs/replica/jobs-fleet.js';
import { commandCounts } from './lib/redis.js';

/** Replicas start slowly on a machine shared by many processes. */
const START_TIMEOUT_MS = 180_000;
const IDLE_WINDOW_MS = Number(process.env.JOBS_IDLE_WINDOW_MS ?? 30_000);
const lines: string[] = [];
function out(line = ''): void {
  lines.push(line);
  console.log(line);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function until(condition: () => Promise<boolean>, description: string, timeoutMs = 30_000) {
  await waitUntil(condition, { timeoutMs, intervalMs: 5, description });
}

/** 1. Recovery → closed, probe-driven, for a few backoffs. */
async function recovery(server: RedisProcess, redis: Redis): Promise<void> {
  out('## Recovery to closed with no traffic (probe jobs only)');
  out();
  out('3 replicas; the breaker is opened by failures, then no call at all. The dependency');
  out('recovers at a random moment of an open period; time from recovery to the shared');
  out('record closed. "backoff" is the open period in force when it recovered.');
  out();
  out('| backoff (ms) | trials | median (ms) | max (ms) | max / backoff |');
  out('|---:|---:|---:|---:|---:|');
  for (const backoffMs of [500, 2_000]) {
    const ns = `rec${String(backoffMs)}`;
    const fleet = await startJobsFleet(
      ['a', 'b', 'c'].map((id) => ({
        redis: server.url,
        namespace: ns,
        replicaId: `${ns}-${id}`,
        baseMs: backoffMs,
        maxMs: backoffMs,
      })),
      START_TIMEOUT_MS,
    );
    const times: number[] = [];
    for (let trial = 0; trial < 6; trial++) {
      await redis.set(`${ns}:test:up`, '0');
      await Promise.all(fleet.map((replica) => replica.send({ type: 'trip' })));
      await until(async () => (await sharedState(redis, ns, 'dep')) === 'open', 'open');
      await sleep(backoffMs * (1 + Math.random()));
      const recoveredAt = Date.now();
      await redis.set(`${ns}:test:up`, '1');
      await until(async () => (await sharedState(redis, ns, 'dep')) === 'closed', 'closed');
      times.push(Date.now() - recoveredAt);
      await sleep(200);
    }
    const max = Math.max(...times);
    out(
      `| ${String(backoffMs)} | ${String(times.length)} | ${String(median(times))} | ${String(max)} | ${(max / backoffMs).toFixed(2)} |`,
    );
    await stopJobsFleet();
  }
  out();
}

/** 2. Probe jobs per opening over 100 openings, 3 replicas racing to trip. */
async function perOpening(server: RedisProcess, redis: Redis): Promise<void> {
  const ns = 'per';
  const fleet = await startJobsFleet(
    ['a', 'b', 'c'].map((id) => ({
      redis: server.url,
      namespace: ns,
      replicaId: `${ns}-${id}`,
      baseMs: 100,
      maxMs: 100,
    })),
    START_TIMEOUT_MS,
  );
  // Rounds: all three replicas trip it at once, two probes fail (re-openings), then one heals it.
  for (;;) {
    const opened = await openings(redis, ns, 'dep');
    if (opened.length >= 100) break;
    await redis.set(`${ns}:test:up`, '0');
    await Promise.all(fleet.map((replica) => replica.send({ type: 'trip' })));
    await until(async () => (await sharedState(redis, ns, 'dep')) === 'open', 'open');
    const before = Number(await redis.get(`${ns}:test:probes`));
    await until(async () => Number(await redis.get(`${ns}:test:probes`)) >= before + 2, 'probes');
    await redis.set(`${ns}:test:up`, '1');
    await until(async () => (await sharedState(redis, ns, 'dep')) === 'closed', 'closed');
  }
  await sleep(500);
  const opened = await openings(redis, ns, 'dep');
  const added = await addedProbeJobs(redis, ns, 'dep');
  const probes = Number(await redis.get(`${ns}:test:probes`));
  await stopJobsFleet();
  out('## Probe jobs per opening');
  out();
  out('3 replicas, baseMs 100. Each round all three trip the breaker at once (racing');
  out('openers), two probes fail (two re-openings by the prober), the third heals it.');
  out();
  out('| openings | probe jobs added | jobs per opening | probe runs | runs per opening |');
  out('|---:|---:|---:|---:|---:|');
  out(
    `| ${String(opened.length)} | ${String(added.length)} | ${(added.length / opened.length).toFixed(2)} | ${String(probes)} | ${(probes / opened.length).toFixed(2)} |`,
  );
  out();
}

interface IdleScenario {
  readonly label: string;
  readonly breakers: number;
  readonly probe: boolean;
  readonly bind?: boolean;
}

/** 3. Commands per minute of one idle box (in this process) on a fresh server. */
async function idleCommands(scenario: IdleScenario): Promise<{ perMin: number; top: string }> {
  const server = await startRedis();
  const redis = server.client();
  const box: BreakerBox = await createBreakerBox({
    redis: server.url,
    namespace: 'idle',
    logger: pino({ level: 'silent' }),
  });
  const extra: { close(): Promise<void> }[] = [];
  for (let i = 0; i < scenario.breakers; i++) {
    box.breaker(`dep-${String(i)}`, scenario.probe ? { probe: () => Promise.resolve() } : {});
  }
  if (scenario.bind === true) {
    const worker = new Worker('user-work', () => Promise.resolve(), {
      connection: server.client({ maxRetriesPerRequest: null }),
    });
    const queue = new Queue('user-work', {
      connection: server.client({ maxRetriesPerRequest: null }),
    });
    await box.bindWorker(worker, { dependencies: ['dep-0'] }).ready;
    await box.bindQueue(queue, { dependencies: ['dep-0'] }).ready;
    extra.push(worker, queue);
  }
  await sleep(3_000);
  const before = await commandCounts(redis);
  await sleep(IDLE_WINDOW_MS);
  const after = await commandCounts(redis);
  const diff = Object.entries(after)
    .filter(([name]) => name !== 'info')
    .map(([name, calls]) => [name, calls - (before[name] ?? 0)] as const)
    .filter(([, calls]) => calls > 0)
    .sort((a, b) => b[1] - a[1]);
  const total = diff.reduce((sum, [, calls]) => sum + calls, 0);
  const scale = 60_000 / IDLE_WINDOW_MS;
  for (const closer of extra) await closer.close();
  await box.close();
  await stopAllRedis();
  return {
    perMin: total * scale,
    top: diff
      .slice(0, 5)
      .map(([name, calls]) => `${name} ${String(Math.round(calls * scale))}`)
      .join(', '),
  };
}

async function idle(): Promise<void> {
  const scenarios: IdleScenario[] = [
    { label: 'no BullMQ: 1 breaker without probe', breakers: 1, probe: false },
    { label: 'no BullMQ: 100 breakers without probe', breakers: 100, probe: false },
    { label: 'probe worker + sweeper: 1 breaker with probe', breakers: 1, probe: true },
    { label: 'probe worker + sweeper: 100 breakers with probe', breakers: 100, probe: true },
    {
      label: '+ bindWorker + bindQueue (1 breaker with probe)',
      breakers: 1,
      probe: true,
      bind: true,
    },
  ];
  const results: { perMin: number; top: string }[] = [];
  for (const scenario of scenarios) results.push(await idleCommands(scenario));
  out('## Redis commands per minute, idle');
  out();
  out(`One box in one process on a fresh redis-server, idle (no call), counted with`);
  out(`\`INFO commandstats\` over ${String(IDLE_WINDOW_MS / 1000)} s (Lua scripts' inner commands`);
  out('included, the INFO calls themselves excluded), scaled to a minute. Default options');
  out(
    "(sweep every 30 s; breakerbox's workers block 30 s per idle poll, the bound user worker 5 s, BullMQ's default).",
  );
  out();
  out('| scenario | commands/min | top commands/min |');
  out('|---|---:|---|');
  scenarios.forEach((scenario, i) => {
    const result = results[i] ?? { perMin: Number.NaN, top: '' };
    out(`| ${scenario.label} | ${result.perMin.toFixed(0)} | ${result.top} |`);
  });
  const [none1 = 0, none100 = 0, probe1 = 0, probe100 = 0, bound = 0] = results.map(
    (result) => result.perMin,
  );
  out();
  out(
    `- Added per idle box by the probe worker and sweeper: ${(probe1 - none1).toFixed(0)} commands/min.`,
  );
  out(
    `- Added per idle breaker (with a probe) by them: ${((probe100 - probe1 - (none100 - none1)) / 99).toFixed(2)} commands/min.`,
  );
  out(
    `- Added by one bindWorker + one bindQueue: ${(bound - probe1).toFixed(0)} commands/min (the bound worker's own polling included).`,
  );
  out();
}

async function main(): Promise<void> {
  const write = !process.argv.includes('--no-write');
  out('# BullMQ jobs: measurements');
  out();
  out(`Written by \`npx tsx bench/jobs-measure.ts\` on ${new Date().toISOString().slice(0, 10)}`);
  out(`(Node ${process.version}, 2 shared cores; figures from a busy machine).`);
  out();
  const server = await startRedis();
  const redis = server.client();
  await recovery(server, redis);
  await perOpening(server, redis);
  await stopAllRedis();
  await idle();
  if (write)
    writeFileSync(
      new URL('../docs/jobs-measurements.md', import.meta.url),
      `${lines.join('\n')}\n`,
    );
}

main().then(
  () => process.exit(0),
  async (error: unknown) => {
    console.error(error);
    await stopJobsFleet();
    await stopAllRedis();
    process.exit(1);
  },
);
