/**
 * A replica for the BullMQ tests, as a real Node process: a box on a shared
 * Redis with one breaker `dep` whose `probe` reads the dependency's health
 * from a Redis key the test sets (`<ns>:test:up`) and counts its runs
 * (`<ns>:test:probes`), optionally a BullMQ worker bound to `dep`, and
 * optionally a bound queue. Driven over IPC by jobs-fleet.ts.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { createBreakerBox } from '../../../src/index.js';
import type { JobsOptions } from '../../../src/index.js';

/** The replica's configuration (JSON in BREAKERBOX_JOBS_REPLICA). */
export interface JobsReplicaConfig {
  readonly redis: string;
  readonly namespace: string;
  readonly replicaId: string;
  readonly baseMs: number;
  readonly maxMs: number;
  readonly jobs?: JobsOptions;
  /** Bind a worker of this queue to `dep`. */
  readonly workerQueue?: string;
  /** Bind this queue to `dep` (fleet-wide). */
  readonly boundQueue?: string;
  /** The probe waits this long after counting itself (a probe to kill mid-way). */
  readonly probeDelayMs?: number;
  /** The probe lease (`halfOpen.maxDurationMs`). */
  readonly halfOpenMs?: number;
}

/** A command from the parent. */
export type JobsCommand =
  | { readonly type: 'trip' }
  | { readonly type: 'state' }
  | { readonly type: 'workerPaused' }
  | { readonly type: 'exit' };

const config = JSON.parse(process.env.BREAKERBOX_JOBS_REPLICA ?? 'null') as JobsReplicaConfig;
const ns = config.namespace;
const control = new Redis(config.redis);
const box = await createBreakerBox({
  redis: config.redis,
  namespace: ns,
  replicaId: config.replicaId,
  flushIntervalMs: 25,
  refreshIntervalMs: 200,
  // A busy machine: starting three replicas at once can take a while.
  connectTimeoutMs: 10_000,
  logger: pino({ level: 'warn' }, pino.destination(2)),
  ...(config.jobs === undefined ? {} : { jobs: config.jobs }),
});
const dep = box.breaker('dep', {
  failureRateThreshold: 0.5,
  minimumCalls: 3,
  windowMs: 60_000,
  openBackoff: { baseMs: config.baseMs, maxMs: config.maxMs, multiplier: 2, jitter: 0 },
  ...(config.halfOpenMs === undefined ? {} : { halfOpen: { maxDurationMs: config.halfOpenMs } }),
  probe: async () => {
    await control.incr(`${ns}:test:probes`);
    if (config.probeDelayMs !== undefined) await sleep(config.probeDelayMs);
    if ((await control.get(`${ns}:test:up`)) !== '1') throw new Error('dependency down');
  },
});

let worker: Worker | undefined;
if (config.workerQueue !== undefined) {
  worker = new Worker(config.workerQueue, () => Promise.resolve('done'), {
    connection: new Redis(config.redis, { maxRetriesPerRequest: null }),
    prefix: `{${ns}-user}`,
  });
  worker.on('error', () => undefined);
  await box.bindWorker(worker, { dependencies: ['dep'] }).ready;
}
if (config.boundQueue !== undefined) {
  const queue = new Queue(config.boundQueue, {
    connection: new Redis(config.redis, { maxRetriesPerRequest: null }),
    prefix: `{${ns}-user}`,
  });
  await box.bindQueue(queue, { dependencies: ['dep'] }).ready;
}

async function run(command: JobsCommand): Promise<unknown> {
  switch (command.type) {
    case 'trip': {
      const calls = Array.from({ length: 5 }, () =>
        dep.call(() => Promise.reject(new Error('boom'))).catch(() => undefined),
      );
      await Promise.all(calls);
      return dep.state;
    }
    case 'state':
      return dep.state;
    case 'workerPaused':
      return worker?.isPaused() ?? null;
    case 'exit':
      await worker?.close();
      await box.close();
      control.disconnect();
      setImmediate(() => process.exit(0));
      return 'bye';
  }
}

process.on('message', (message: { id: number; command: JobsCommand }) => {
  run(message.command).then(
    (result) => process.send?.({ id: message.id, result }),
    (error: unknown) => process.send?.({ id: message.id, error: String(error) }),
  );
});
process.send?.({ ready: true });
