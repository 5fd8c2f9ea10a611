import { DelayedError, Queue, Worker } from 'bullmq';
import type { Job } from 'bullmq';
import type { RedisClient } from '../redis/connection-option.js';
import type { Logger } from 'pino';
import type { FeatureHost } from '../box/box-features.js';
import type { TransitionEvent } from '../events/box-events.js';
import type { ResolvedJobsOptions } from './jobs-options.js';
import { probeJobId, PROBE_QUEUE, SWEEP_SCHEDULER } from './job-ids.js';
import { sweepForLostProbes } from './sweeper.js';

/** The data of a probe job. */
export interface ProbeJobData {
  readonly breaker: string;
  readonly epoch: number;
}

/** Seconds an idle worker of ours blocks per poll (BullMQ's default is 5): fewer idle commands. */
export const IDLE_POLL_SECONDS = 30;

/** How long a busy (locked) or early probe job waits before it looks again, at least. */
const MIN_RETRY_MS = 200;

/**
 * Probe jobs: when this replica opens a breaker that has a `probe`, it
 * enqueues one delayed job (id from name and epoch, so racing replicas make
 * one); any replica's probe worker runs it under the fleet-wide probe lock.
 * A failed probe re-opens the breaker, and the replica that re-opened it
 * enqueues the next job. A job scheduler runs the sweeper, which re-enqueues
 * the probe of an open breaker past due whose job was lost.
 */
export class ProbeJobs {
  readonly queue: Queue<ProbeJobData>;
  private worker: Worker<ProbeJobData> | undefined;
  private readonly log: Logger;

  constructor(
    private readonly host: FeatureHost,
    connection: RedisClient,
    prefix: string,
    private readonly options: ResolvedJobsOptions,
  ) {
    this.log = host.logger.child({ component: 'probe-jobs' });
    this.queue = new Queue<ProbeJobData>(PROBE_QUEUE, { connection, prefix });
    this.queue.on('error', (error) => {
      this.log.warn({ err: error }, 'probe queue error');
    });
  }

  /** Starts the worker (if this replica runs one) and upserts the sweeper's scheduler. */
  async start(connection: RedisClient, prefix: string): Promise<void> {
    await this.queue.upsertJobScheduler(
      SWEEP_SCHEDULER,
      { every: this.options.sweepIntervalMs },
      { name: SWEEP_SCHEDULER, opts: { removeOnComplete: true, removeOnFail: true } },
    );
    if (!this.options.probeWorker) return;
    this.worker = new Worker<ProbeJobData>(PROBE_QUEUE, (job, token) => this.process(job, token), {
      connection,
      prefix,
      concurrency: this.options.probeConcurrency,
      autorun: true,
    });
    this.worker.on('error', (error) => {
      this.log.warn({ err: error }, 'probe worker error');
    });
  }

  /** Enqueues the probe of an opening this replica made. */
  onTransition(event: TransitionEvent): void {
    if (event.to !== 'open' && event.to !== 'forced_open') return;
    if (event.replicaId !== this.host.replicaId || event.openUntil === null) return;
    const breaker = this.host.findBreaker(event.breaker);
    if (breaker?.options.probe === undefined) return;
    void this.enqueue(event.breaker, event.epoch, event.retryAfterMs).catch((error: unknown) => {
      this.log.warn({ err: error, breaker: event.breaker }, 'could not enqueue a probe job');
    });
  }

  /** Adds the probe job of (breaker, epoch); a duplicate id is ignored by BullMQ. */
  async enqueue(breaker: string, epoch: number, delayMs: number): Promise<void> {
    await this.queue.add(
      'probe',
      { breaker, epoch },
      {
        jobId: probeJobId(breaker, epoch),
        delay: Math.max(0, Math.ceil(delayMs)),
        attempts: 5,
        backoff: { type: 'exponential', delay: 500 },
        removeOnComplete: true,
        removeOnFail: true,
      },
    );
  }

  /** Stops taking jobs; waits for probe jobs under way up to `timeoutMs`. */
  async close(timeoutMs: number): Promise<void> {
    const worker = this.worker;
    if (worker !== undefined) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => {
        timer = setTimeout(resolve, timeoutMs, 'late');
      });
      const closed = worker.close();
      if ((await Promise.race([closed, late])) === 'late') {
        this.log.warn({ timeoutMs }, 'close: probe jobs still running; closing without them');
        await worker.close(true);
      }
      clearTimeout(timer);
    }
    await this.queue.close();
  }

  private async process(job: Job<ProbeJobData>, token: string | undefined): Promise<string> {
    if (job.name === SWEEP_SCHEDULER) {
      const enqueued = await sweepForLostProbes(this.host, this, this.options.sweepGraceMs);
      return `enqueued ${enqueued}`;
    }
    const { breaker: name, epoch } = job.data;
    const breaker = this.host.findBreaker(name);
    // Another replica may know it: the job's retries (with backoff) give them a turn.
    if (breaker === undefined) throw new Error(`no breaker ${name} on this replica`);
    const view = breaker.view;
    if (view.epoch > epoch && view.state === 'open') return 'stale';
    const outcome = await breaker.runProbeJob();
    if (outcome !== 'busy' && outcome !== 'not_due') return outcome;
    if (token === undefined) return outcome;
    const after = breaker.view;
    const now = this.host.clock.now();
    const at = outcome === 'busy' ? after.probeLeaseUntil : after.openUntil;
    await job.moveToDelayed(Date.now() + Math.max(MIN_RETRY_MS, at - now), token);
    throw new DelayedError();
  }
}
