import type { Worker } from 'bullmq';
import type { Logger } from 'pino';
import type {
  BackpressureLevel,
  Binding,
  BindWorkerOptions,
  BoundWorkerStatus,
} from '../box/box-features.js';
import type { Unsubscribe } from '../events/typed-events.js';
import type { BackpressureTracker } from './backpressure-tracker.js';
import { worstLevel } from './level.js';

/**
 * A BullMQ worker following its dependencies on this replica: paused while
 * any is `paused`, resumed when none is; in `slow` mode its concurrency is
 * lowered while any is `reduced`. Decisions come from the trackers (this
 * replica's breaker views): nothing per job, no Redis traffic.
 */
export class WorkerBinding implements Binding {
  readonly ready: Promise<void>;
  private readonly unsubscribes: Unsubscribe[];
  private readonly normalConcurrency: number;
  private applying: Promise<void> = Promise.resolve();
  private closed = false;
  private pausedByUs = false;

  constructor(
    private readonly worker: Worker,
    private readonly trackers: readonly BackpressureTracker[],
    private readonly options: BindWorkerOptions,
    private readonly logger: Logger,
  ) {
    this.normalConcurrency = worker.concurrency;
    this.unsubscribes = trackers.map((tracker) =>
      tracker.onChange(() => {
        void this.reapply();
      }),
    );
    this.ready = this.reapply();
  }

  /** The worst level of the dependencies now. */
  get level(): BackpressureLevel {
    return this.trackers.reduce<BackpressureLevel>(
      (worst, tracker) => worstLevel(worst, tracker.level),
      'normal',
    );
  }

  /** The worker as it is now; undefined once unbound. */
  status(): BoundWorkerStatus | undefined {
    if (this.closed) return undefined;
    return {
      queue: this.worker.name,
      dependencies: this.options.dependencies,
      paused: this.worker.isPaused(),
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const unsubscribe of this.unsubscribes) unsubscribe();
    await this.applying;
  }

  private reapply(): Promise<void> {
    // One decision at a time, always from the latest level.
    this.applying = this.applying.then(
      () => this.apply(),
      () => this.apply(),
    );
    return this.applying;
  }

  private async apply(): Promise<void> {
    if (this.closed || this.worker.closing !== undefined) return;
    const level = this.level;
    const slow = this.options.mode === 'slow';
    try {
      if (level === 'paused') {
        if (!this.worker.isPaused()) {
          this.pausedByUs = true;
          this.logger.info({ queue: this.worker.name, level }, 'pausing worker');
          await this.worker.pause(this.options.doNotWaitActive === true);
        }
        return;
      }
      const concurrency =
        slow && level === 'reduced'
          ? Math.min(this.normalConcurrency, this.options.reducedConcurrency ?? 1)
          : this.normalConcurrency;
      if (this.worker.concurrency !== concurrency) this.worker.concurrency = concurrency;
      if (this.pausedByUs && this.worker.isPaused()) {
        this.logger.info({ queue: this.worker.name, level }, 'resuming worker');
        await this.worker.resume();
      }
      this.pausedByUs = false;
    } catch (error) {
      this.logger.warn(
        { err: error, queue: this.worker.name },
        'could not apply backpressure to a worker',
      );
    }
  }
}
