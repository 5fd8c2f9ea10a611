import type { Logger } from 'pino';
import { Breaker } from '../breaker/breaker.js';
import type { BreakerHost } from '../breaker/breaker-host.js';
import type { BreakerOptions } from '../breaker/breaker-options.js';
import { firstDifference } from '../breaker/options-equality.js';
import type { ResolvedBreakerOptions } from '../breaker/resolve-breaker-options.js';
import { resolveBreakerOptions } from '../breaker/resolve-breaker-options.js';
import { BreakerBoxClosed } from '../errors/breakerbox-closed.js';
import { BreakerInUse } from '../errors/breaker-in-use.js';
import { InvalidBreakerOptions } from '../errors/invalid-breaker-options.js';
import type { BreakerBoxEvents, TransitionEvent } from '../events/box-events.js';
import type { Listener, Unsubscribe } from '../events/typed-events.js';
import { TypedEvents } from '../events/typed-events.js';
import type { BreakerStore } from '../store/breaker-store.js';
import type { StoreMode } from '../store/circuit-driver.js';
import type { FleetReader } from '../store/fleet-reader.js';
import type { Clock, RandomSource } from '../util/clock.js';
import { validateName } from '../util/names.js';
import type { Queue, Worker } from 'bullmq';
import type { ResolvedBoxOptions } from './box-options.js';
import type {
  Backpressure,
  BindQueueOptions,
  BindWorkerOptions,
  Binding,
  BoxFeatures,
  SafetyGate,
  FeatureHost,
  JobsService,
} from './box-features.js';
import type {
  ComponentHealth,
  HealthChangeEvent,
  HealthCheck,
  HealthCheckOptions,
  HealthReport,
  RecordedDependency,
  RecordedDependencyOptions,
} from './health-types.js';
import { IdleRetirement } from './idle-retirement.js';
import { orderedShutdown } from './ordered-shutdown.js';

const resolvedByInput = new WeakMap<object, ResolvedBreakerOptions>();
let defaultResolved: ResolvedBreakerOptions | undefined;

function resolveCached(options: object | undefined): ResolvedBreakerOptions {
  if (options === undefined) return (defaultResolved ??= resolveBreakerOptions(undefined));
  let resolved = resolvedByInput.get(options);
  if (resolved === undefined)
    resolvedByInput.set(options, (resolved = resolveBreakerOptions(options)));
  return resolved;
}

/**
 * A set of breakers sharing one store (memory or Redis), one logger and one
 * replica id. Create it with `createBreakerBox()`.
 */
export class BreakerBox implements BreakerHost, FeatureHost {
  /** This replica's id. */
  readonly replicaId: string;
  /** The key prefix in Redis. */
  readonly namespace: string;
  /** @internal */
  readonly clock: Clock;
  /** @internal */
  readonly random: RandomSource;
  /** The box's logger. */
  readonly logger: Logger;
  private readonly breakersByName = new Map<string, Breaker<unknown>>();
  private readonly events: TypedEvents<BreakerBoxEvents>;
  private closing: Promise<void> | undefined;
  private refusing = false;
  private inFlight = 0;
  private onDrained: (() => void) | undefined;
  private readonly features: BoxFeatures;
  private readonly idleRetirement: IdleRetirement | undefined;

  /** @internal Use `createBreakerBox()`; `features` builds health, gate and the rest around this box. */
  constructor(
    private readonly options: ResolvedBoxOptions,
    /** @internal */
    readonly store: BreakerStore,
    features: (box: BreakerBox) => BoxFeatures,
  ) {
    this.replicaId = options.replicaId;
    this.namespace = options.namespace;
    this.clock = options.clock;
    this.random = options.random;
    this.logger = options.logger;
    this.events = new TypedEvents((error, event) => {
      this.logger.error({ err: error, event }, 'a breakerbox event listener threw');
    });
    store.setModeListener((event) => {
      this.emitMode(event);
    });
    this.features = features(this);
    this.idleRetirement =
      options.retireIdleAfterMs > 0
        ? new IdleRetirement(
            {
              clock: this.clock,
              logger: this.logger,
              breakerValues: () => this.breakersByName.values(),
              isHeld: (name) => this.features.jobs.holds(name),
              retireIdle: (breaker) => {
                void this.forget(breaker);
              },
            },
            options.retireIdleAfterMs,
          )
        : undefined;
  }

  /**
   * The safety gate: `box.gate.guard('terminate_session', fn, { cause })`
   * refuses destructive work while a critical (or named) dependency is in doubt.
   */
  get gate(): SafetyGate {
    return this.features.gate;
  }

  /**
   * Health of every component (breakers, Redis, checks, recorded dependencies)
   * and their aggregate. Active checks whose cached result is stale run first,
   * each bounded by its timeout.
   */
  health(): Promise<HealthReport> {
    return this.features.health.report();
  }

  /** Every health component as last known, without running checks (metrics read this). */
  healthComponents(): readonly ComponentHealth[] {
    return this.features.health.components(this.clock.now());
  }

  /**
   * Registers an active health check for a dependency not called through a
   * breaker; it runs on an interval, under a timeout, and its result is cached.
   * Returns a function that removes it.
   * @throws InvalidBreakerOptions for a bad or taken name, or bad options
   */
  addCheck(name: string, check: HealthCheck, options?: HealthCheckOptions): () => void {
    return this.features.health.addCheck(name, check, options);
  }

  /**
   * A dependency whose health the application feeds (`setState`,
   * `recordSuccess`, `recordFailure`); the same name returns the same record.
   * @throws InvalidBreakerOptions for a bad name or one a breaker or check has
   */
  dependency(name: string, options?: RecordedDependencyOptions): RecordedDependency {
    return this.features.health.dependency(name, options);
  }

  /** Where state lives now: `memory` (no Redis), `shared` (Redis) or `local` (Redis unreachable). */
  get mode(): StoreMode {
    return this.store.mode;
  }

  /**
   * @internal Every breaker of the namespace, created here or not, for
   * operators' views (the dashboard, admin routes); undefined without Redis.
   */
  get fleet(): FleetReader | undefined {
    return this.store.fleet;
  }

  /** True once calls are refused: from `close()` on, after its grace delay. */
  get isClosed(): boolean {
    return this.refusing;
  }

  /** True from the moment `close()` is called (readiness answers 503 from then on). */
  get isClosing(): boolean {
    return this.closing !== undefined;
  }

  /**
   * The breaker of dependency `name`, created on first use. The same name
   * returns the same breaker; giving different options for it is an error.
   * @throws InvalidBreakerOptions for a bad name or options, or options that differ from the first ones
   * @throws BreakerBoxClosed after `close()`
   */
  breaker<F = never>(name: string, options?: BreakerOptions<F>): Breaker<F> {
    if (this.isClosed) throw new BreakerBoxClosed(`create breaker ${name}`);
    validateName(name);
    const resolved = resolveCached(options);
    const existing = this.breakersByName.get(name);
    if (existing !== undefined) {
      const difference =
        options === undefined ? undefined : firstDifference(existing.options, resolved);
      if (difference !== undefined) {
        throw new InvalidBreakerOptions(
          difference.path,
          difference.value,
          `differs from the options breaker "${name}" was created with (pass the same options, or none to look it up)`,
        );
      }
      return existing as Breaker<F>;
    }
    const breaker = new Breaker<F>(name, resolved, this, options?.fallback);
    this.breakersByName.set(name, breaker);
    this.features.jobs.breakerAdded(breaker);
    return breaker;
  }

  /**
   * Retires the breaker of `name` on this replica: flushes what it counted,
   * releases its probe lock, and frees everything the box keeps of it (its
   * entry, timers, health component, metrics series). The shared record stays
   * in Redis (it expires with `recordIdleTtlMs`). The retired object throws
   * `BreakerRetired` from then on; `box.breaker(name)` creates a fresh one.
   * Resolves false when there is no such breaker.
   * @throws BreakerInUse while its calls are in flight, or a worker/queue binding or backpressure handle follows it
   */
  retire(name: string): Promise<boolean> {
    const breaker = this.breakersByName.get(name);
    if (breaker === undefined) return Promise.resolve(false);
    if (breaker.callsInFlight > 0) return Promise.reject(new BreakerInUse(name, 'calls_in_flight'));
    if (this.features.jobs.holds(name)) return Promise.reject(new BreakerInUse(name, 'bound'));
    return this.forget(breaker).then(() => true);
  }

  /** Breakers retired for idleness so far (0 without `retireIdleAfterMs`). */
  get idleRetiredCount(): number {
    return this.idleRetirement?.retiredCount ?? 0;
  }

  /** @internal Runs idle retirement once now (tests with a fake clock). */
  retireIdleNow(): Promise<void> {
    return this.idleRetirement?.look() ?? Promise.resolve();
  }

  /** Forgets a breaker everywhere the box and its features keep it, then lets its store go. */
  private forget(breaker: Breaker<unknown>): Promise<void> {
    if (this.breakersByName.get(breaker.name) === breaker) this.breakersByName.delete(breaker.name);
    this.features.health.breakerRetired?.(breaker.name);
    this.features.jobs.breakerRetired?.(breaker.name);
    return breaker.markRetired().catch((error: unknown) => {
      this.logger.warn({ err: error, breaker: breaker.name }, 'retiring a breaker failed');
    });
  }

  /** The breaker of `name` if it was created, without creating it. */
  findBreaker(name: string): Breaker<unknown> | undefined {
    return this.breakersByName.get(name);
  }

  /**
   * Pauses a BullMQ worker on this replica while any of `dependencies` is
   * open, and resumes it when they heal (`mode: 'slow'` also lowers its
   * concurrency while half-open). Decided from this replica's views: no Redis
   * traffic per job. See docs/jobs.md.
   * @throws InvalidBreakerOptions for an unknown dependency or a bad option
   * @throws BreakerBoxClosed after `close()`
   */
  bindWorker(worker: Worker, options: BindWorkerOptions): Binding {
    return this.jobs('bindWorker').bindWorker(worker, options);
  }

  /**
   * Pauses a BullMQ queue fleet-wide (once per breaker epoch, through a
   * deduplicated backpressure job) while any of `dependencies` is open, and
   * resumes it when they heal. Needs Redis.
   * @throws InvalidBreakerOptions for an unknown dependency or a bad option
   * @throws JobsUnavailable with no Redis
   */
  bindQueue(queue: Queue, options: BindQueueOptions): Binding {
    return this.jobs('bindQueue').bindQueue(queue, options);
  }

  /**
   * The backpressure level of dependency `name` and helpers for loops that are
   * not BullMQ workers (stretch an interval, skip while paused, shed work).
   * @throws InvalidBreakerOptions for an unknown dependency
   */
  backpressure(name: string): Backpressure {
    return this.jobs('backpressure').backpressure(name);
  }

  private jobs(operation: string): JobsService {
    if (this.isClosed) throw new BreakerBoxClosed(operation);
    return this.features.jobs;
  }

  /** Every breaker created so far. */
  breakers(): readonly Breaker<unknown>[] {
    return [...this.breakersByName.values()];
  }

  /**
   * Listens to an event (`transition`, `mode`, `health`); returns a function that removes the listener.
   * A listener that throws is logged and never disturbs the breaker.
   */
  on<K extends keyof BreakerBoxEvents>(
    event: K,
    listener: Listener<BreakerBoxEvents[K]>,
  ): Unsubscribe {
    return this.events.on(event, listener);
  }

  /** Removes a listener added with {@link BreakerBox.on}. */
  off<K extends keyof BreakerBoxEvents>(event: K, listener: Listener<BreakerBoxEvents[K]>): void {
    this.events.off(event, listener);
  }

  /**
   * Ordered drain, each stage logged: readiness turns 503 at once; after
   * `shutdownGraceMs` new calls are refused (`BreakerBoxClosed`) and active
   * checks stop; calls in flight are awaited (up to `drainTimeoutMs`); then
   * pending outcomes are flushed, probe locks released, the subscription
   * ended and connections quit; `shutdown complete` last. Safe to call more than once.
   */
  close(): Promise<void> {
    return (this.closing ??= this.shutdown());
  }

  /** @internal */
  enter(): void {
    this.inFlight++;
  }

  /** @internal */
  leave(): void {
    if (--this.inFlight === 0 && this.onDrained !== undefined) this.onDrained();
  }

  /** @internal */
  emitTransition(event: TransitionEvent): void {
    this.events.emit('transition', event);
  }

  /** @internal Publishes a change of store mode. */
  emitMode(event: BreakerBoxEvents['mode']): void {
    this.events.emit('mode', event);
  }

  /** @internal Publishes a change of health status. */
  emitHealth(event: HealthChangeEvent): void {
    this.events.emit('health', event);
  }

  private async shutdown(): Promise<void> {
    await orderedShutdown({
      logger: this.logger,
      store: this.store,
      features: [this.features.health, this.features.gate, this.features.jobs],
      graceMs: this.options.shutdownGraceMs,
      refuseCalls: () => {
        this.refusing = true;
        this.idleRetirement?.stop();
      },
      drain: () => this.drain(),
      afterDrain: () => {
        for (const breaker of this.breakersByName.values()) breaker.releaseTimers();
      },
      inFlight: () => this.inFlight,
    });
    this.events.clear();
  }

  private drain(): Promise<boolean> {
    if (this.inFlight === 0) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.onDrained = undefined;
        resolve(false);
      }, this.options.drainTimeoutMs);
      timer.unref();
      this.onDrained = () => {
        clearTimeout(timer);
        this.onDrained = undefined;
        resolve(true);
      };
    });
  }
}
