import { DelayedError, Queue, Worker } from 'bullmq';
import type { Job } from 'bullmq';
import type { RedisClient } from '../redis/connection-option.js';
import type { Logger } from 'pino';
import type { BackpressureLevel, Binding, BindQueueOptions } from '../box/box-features.js';
import type { Breaker } from '../breaker/breaker.js';
import type { BreakerSnapshot } from '../breaker/breaker-snapshot.js';
import type { TransitionEvent } from '../events/box-events.js';
import { backpressureJobId, controlQueueName } from './job-ids.js';
import { worstLevel } from './level.js';
import { IDLE_POLL_SECONDS } from './probe-jobs.js';

/** The data of a backpressure job: the transition it stands for. */
export interface BackpressureJobData {
  readonly breaker: string;
  readonly epoch: number;
}

/** What a backpressure job did to the queue. */
export type QueueAction = 'paused' | 'resumed' | 'degraded' | 'stale';

/** Level of a shared record (times on the Redis clock, as `at`). */
function levelOfSnapshot(snapshot: BreakerSnapshot): BackpressureLevel {
  if (snapshot.state === 'closed') return 'normal';
  if (snapshot.state === 'half_open') return 'reduced';
  return snapshot.openUntil === null || snapshot.at < snapshot.openUntil ? 'paused' : 'reduced';
}

/**
 * A BullMQ queue paused fleet-wide with its dependencies. Every transition of
 * a dependency enqueues one backpressure job per (breaker, epoch) on a
 * control queue (the id dedupes the replicas racing to add it); a control
 * worker on any binding replica applies it. The control queue's global
 * concurrency is 1, so jobs apply one at a time fleet-wide, and each reads the
 * shared records first: a job older than its breaker's record does nothing,
 * so a stale epoch never undoes a newer one.
 */
export class QueueBinding implements Binding {
  readonly ready: Promise<void>;
  private readonly control: Queue<BackpressureJobData>;
  private readonly worker: Worker<BackpressureJobData>;
  private readonly names: ReadonlySet<string>;
  private closed = false;

  constructor(
    private readonly queue: Queue,
    private readonly dependencies: readonly Breaker<unknown>[],
    private readonly options: BindQueueOptions,
    connection: RedisClient,
    prefix: string,
    private readonly logger: Logger,
  ) {
    this.names = new Set(dependencies.map((breaker) => breaker.name));
    const name = controlQueueName(queue.name);
    this.control = new Queue<BackpressureJobData>(name, { connection, prefix });
    this.control.on('error', (error) => {
      logger.warn({ err: error, queue: queue.name }, 'backpressure queue error');
    });
    this.worker = new Worker<BackpressureJobData>(name, (job, token) => this.process(job, token), {
      connection,
      prefix,
      concurrency: 1,
      drainDelay: IDLE_POLL_SECONDS,
    });
    this.worker.on('error', (error) => {
      logger.warn({ err: error, queue: queue.name }, 'backpressure worker error');
    });
    this.ready = this.start();
  }

  /** True while this binding (not closed) follows breaker `name`. */
  follows(name: string): boolean {
    return !this.closed && this.names.has(name);
  }

  /** Enqueues the backpressure job of a dependency's transition. */
  onTransition(event: TransitionEvent): void {
    if (this.closed || !this.names.has(event.breaker)) return;
    void this.enqueue(event.breaker, event.epoch).catch((error: unknown) => {
      this.logger.warn(
        { err: error, breaker: event.breaker },
        'could not enqueue a backpressure job',
      );
    });
  }

  /** Adds the job of (breaker, epoch): once, whichever replicas try (`due`: the one at `openUntil`). */
  async enqueue(breaker: string, epoch: number, dueInMs?: number): Promise<void> {
    const id = backpressureJobId(breaker, epoch);
    await this.control.add(
      'backpressure',
      { breaker, epoch },
      {
        jobId: dueInMs === undefined ? id : `${id}.due`,
        delay: dueInMs === undefined ? 0 : Math.max(0, Math.ceil(dueInMs)),
        attempts: 5,
        backoff: { type: 'exponential', delay: 200 },
        // Kept a while so that a late replica's add of the same epoch is still a duplicate.
        removeOnComplete: { age: 3_600, count: 1_000 },
        removeOnFail: { age: 3_600, count: 1_000 },
      },
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.worker.close();
    await this.control.close();
  }

  private async start(): Promise<void> {
    await this.control.setGlobalConcurrency(1);
    await Promise.all(
      this.dependencies.map((breaker) => this.enqueue(breaker.name, breaker.view.epoch)),
    );
  }

  private async process(
    job: Job<BackpressureJobData>,
    token: string | undefined,
  ): Promise<QueueAction> {
    const snapshots = await Promise.all(this.dependencies.map((breaker) => breaker.snapshot()));
    const own = snapshots.find((snapshot) => snapshot.name === job.data.breaker);
    if (own === undefined || own.epoch > job.data.epoch) return 'stale';
    if (own.epoch < job.data.epoch && token !== undefined) {
      // This replica's store is behind the transition (local mode): look again soon.
      await job.moveToDelayed(Date.now() + 500, token);
      throw new DelayedError();
    }
    const level = snapshots.reduce<BackpressureLevel>(
      (worst, snapshot) => worstLevel(worst, levelOfSnapshot(snapshot)),
      'normal',
    );
    // An open breaker becomes due with no transition: look again then, so that a
    // breaker healed only by this queue's own traffic gets that traffic.
    if (own.openUntil !== null && own.openUntil > own.at)
      await this.enqueue(own.name, own.epoch, own.openUntil - own.at);
    return this.apply(level);
  }

  private async apply(level: BackpressureLevel): Promise<QueueAction> {
    const queue = this.queue;
    const degraded = this.options.whileDegraded;
    if (level === 'paused') {
      await queue.pause();
      this.logger.info({ queue: queue.name }, 'queue paused fleet-wide');
      return 'paused';
    }
    if (level === 'reduced' && degraded !== undefined) {
      if (degraded.rateLimit !== undefined)
        await queue.setGlobalRateLimit(degraded.rateLimit.max, degraded.rateLimit.durationMs);
      if (degraded.concurrency !== undefined)
        await queue.setGlobalConcurrency(degraded.concurrency);
    } else if (degraded !== undefined) {
      if (degraded.rateLimit !== undefined) await queue.removeGlobalRateLimit();
      if (degraded.concurrency !== undefined) await queue.removeGlobalConcurrency();
    }
    await queue.resume();
    this.logger.info({ queue: queue.name, level }, 'queue resumed fleet-wide');
    return level === 'reduced' && degraded !== undefined ? 'degraded' : 'resumed';
  }
}
