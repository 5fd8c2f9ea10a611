import { Queue, Worker } from 'bullmq';
import type { RedisClient } from '../redis/connection-option.js';
import type { Logger } from 'pino';
import type {
  Backpressure,
  Binding,
  BindQueueOptions,
  BindWorkerOptions,
  BoundWorkerStatus,
  FeatureHost,
  JobsService,
} from '../box/box-features.js';
import type { Breaker } from '../breaker/breaker.js';
import { InvalidBreakerOptions } from '../errors/invalid-breaker-options.js';
import { JobsUnavailable } from '../errors/jobs-unavailable.js';
import type { TransitionEvent } from '../events/box-events.js';
import type { Unsubscribe } from '../events/typed-events.js';
import type { RedisConnectionOption } from '../redis/connection-option.js';
import { BackpressureTracker } from './backpressure-tracker.js';
import { findDependencies, parseBindQueueOptions, parseBindWorkerOptions } from './bind-options.js';
import { createJobsConnection, jobsPrefix } from './jobs-connection.js';
import type { ResolvedJobsOptions } from './jobs-options.js';
import { ProbeJobs } from './probe-jobs.js';
import { QueueBinding } from './queue-binding.js';
import { WorkerBinding } from './worker-binding.js';

/**
 * The box's BullMQ feature. Lazy: nothing connects until a breaker with a
 * `probe` is created (probe queue, worker, sweeper) or a queue is bound; a box
 * with neither adds no Redis traffic. Worker bindings and backpressure need
 * no Redis at all.
 */
export class JobsFeature implements JobsService {
  private readonly log: Logger;
  private readonly prefix: string;
  private readonly trackers = new Map<string, BackpressureTracker>();
  private readonly bindings = new Set<WorkerBinding | QueueBinding>();
  private readonly queueBindings = new Set<QueueBinding>();
  private readonly unsubscribe: Unsubscribe;
  private connection: RedisClient | undefined;
  private probes: ProbeJobs | undefined;
  private probesStarted: Promise<void> | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly host: FeatureHost,
    private readonly redis: RedisConnectionOption | undefined,
    private readonly options: ResolvedJobsOptions,
  ) {
    this.log = host.logger.child({ component: 'jobs' });
    this.prefix = jobsPrefix(host.namespace);
    this.unsubscribe = host.on('transition', (event) => {
      this.onTransition(event);
    });
  }

  /** The probe jobs, once started (tests and benchmarks look at their queue). */
  get probeJobs(): ProbeJobs | undefined {
    return this.probes;
  }

  /** Resolves when the probe queue, worker and sweeper are running (undefined before any probe breaker). */
  get probesReady(): Promise<void> | undefined {
    return this.probesStarted;
  }

  breakerAdded(breaker: Breaker<unknown>): void {
    if (breaker.options.probe === undefined || this.redis === undefined) return;
    if (this.probes !== undefined || this.closing !== undefined) return;
    const connection = this.ownConnection();
    const probes = new ProbeJobs(this.host, connection, this.prefix, this.options);
    this.probes = probes;
    this.probesStarted = probes.start(connection, this.prefix).catch((error: unknown) => {
      this.log.warn(
        { err: error },
        'could not start the probe worker; breakers heal through traffic',
      );
    });
  }

  holds(name: string): boolean {
    if (this.trackers.has(name)) return true;
    for (const binding of this.queueBindings) if (binding.follows(name)) return true;
    return false;
  }

  boundWorkers(): readonly BoundWorkerStatus[] {
    const statuses: BoundWorkerStatus[] = [];
    for (const binding of this.bindings) {
      const status = binding instanceof WorkerBinding ? binding.status() : undefined;
      if (status !== undefined) statuses.push(status);
    }
    return statuses;
  }

  bindWorker(worker: Worker, input: BindWorkerOptions): Binding {
    if (!(worker instanceof Worker))
      throw new InvalidBreakerOptions('worker', worker, 'must be a BullMQ Worker');
    const options = parseBindWorkerOptions(input);
    const trackers = findDependencies(options.dependencies, (name) =>
      this.host.findBreaker(name),
    ).map((breaker) => this.tracker(breaker));
    const binding = new WorkerBinding(worker, trackers, options, this.log);
    this.bindings.add(binding);
    return binding;
  }

  bindQueue(queue: Queue, input: BindQueueOptions): Binding {
    if (!(queue instanceof Queue))
      throw new InvalidBreakerOptions('queue', queue, 'must be a BullMQ Queue');
    const options = parseBindQueueOptions(input);
    const dependencies = findDependencies(options.dependencies, (name) =>
      this.host.findBreaker(name),
    );
    if (this.redis === undefined)
      throw new JobsUnavailable(
        'bindQueue',
        'a fleet-wide queue binding needs the box to have Redis',
      );
    const binding = new QueueBinding(
      queue,
      dependencies,
      options,
      this.ownConnection(),
      this.prefix,
      this.log,
    );
    binding.ready.catch((error: unknown) => {
      this.log.warn({ err: error, queue: queue.name }, 'could not start a queue binding');
    });
    this.bindings.add(binding);
    this.queueBindings.add(binding);
    return binding;
  }

  backpressure(dependency: string): Backpressure {
    const breaker = this.host.findBreaker(dependency);
    if (breaker === undefined)
      throw new InvalidBreakerOptions(
        'dependency',
        dependency,
        'names no breaker of this box (create it with box.breaker() first)',
      );
    return this.tracker(breaker);
  }

  close(): Promise<void> {
    return (this.closing ??= this.shutdown());
  }

  private onTransition(event: TransitionEvent): void {
    this.trackers.get(event.breaker)?.update();
    this.probes?.onTransition(event);
    for (const binding of this.queueBindings) binding.onTransition(event);
  }

  private tracker(breaker: Breaker<unknown>): BackpressureTracker {
    let tracker = this.trackers.get(breaker.name);
    if (tracker === undefined) {
      tracker = new BackpressureTracker(breaker, this.host.clock, this.log);
      this.trackers.set(breaker.name, tracker);
    }
    return tracker;
  }

  private ownConnection(): RedisClient {
    if (this.redis === undefined) throw new JobsUnavailable('BullMQ', 'the box has no Redis');
    return (this.connection ??= createJobsConnection(this.redis, this.host.replicaId));
  }

  /** Stop taking jobs, wait (bounded) for probe jobs under way, then quit the connection. */
  private async shutdown(): Promise<void> {
    this.unsubscribe();
    await Promise.allSettled([...this.bindings].map((binding) => binding.close()));
    await this.probesStarted;
    await this.probes?.close(this.options.closeTimeoutMs);
    for (const tracker of this.trackers.values()) tracker.close();
    const connection = this.connection;
    if (connection !== undefined) {
      await connection.quit().catch(() => {
        connection.disconnect();
      });
    }
  }
}
