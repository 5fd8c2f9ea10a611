import type {
  ComponentHealth,
  HealthCheck,
  HealthCheckOptions,
  HealthReport,
  RecordedDependency,
  RecordedDependencyOptions,
} from './health-types.js';
import type { Queue, Worker } from 'bullmq';
import type { Breaker } from '../breaker/breaker.js';
import type { TransitionEvent } from '../events/box-events.js';
import type { Listener, Unsubscribe } from '../events/typed-events.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from 'pino';
import type { StoreMode } from '../store/circuit-driver.js';

/**
 * How much work a dependency can take now: `normal` (closed), `reduced`
 * (half-open, or open and due for a probe), `paused` (open).
 */
export type BackpressureLevel = 'normal' | 'reduced' | 'paused';

/** A change of a dependency's backpressure level. */
export interface BackpressureChange {
  readonly dependency: string;
  readonly from: BackpressureLevel;
  readonly to: BackpressureLevel;
}

/** Priority of a piece of work for {@link Backpressure.admit}. */
export type WorkPriority = 'low' | 'normal' | 'high';

/** A loop started by {@link Backpressure.every}. */
export interface BackpressureLoop {
  /** Stops the loop; an iteration under way finishes. */
  stop(): void;
}

/** Options of {@link Backpressure.every}. */
export interface EveryOptions {
  /** The interval is multiplied by this while `reduced`. Default 4. */
  readonly reducedFactor?: number;
  /** Called with an iteration's error (the loop goes on). Default: logged at warn. */
  readonly onError?: (error: unknown) => void;
}

/**
 * One dependency's backpressure for loops that are not BullMQ workers (a
 * cache refresh, a poller, a heavy read): its level, decided from this
 * replica's view of the breaker with no Redis traffic, and helpers.
 */
export interface Backpressure {
  /** The dependency (breaker) name. */
  readonly dependency: string;
  /** The level now. */
  readonly level: BackpressureLevel;
  /** True while `paused`: skip the iteration. */
  readonly paused: boolean;
  /** Listens to level changes; returns a function that removes the listener. */
  onChange(listener: Listener<BackpressureChange>): Unsubscribe;
  /** `baseMs` stretched by the level: `baseMs` normal, `baseMs·reducedFactor` reduced, `Infinity` paused. */
  intervalMs(baseMs: number, reducedFactor?: number): number;
  /** Whether to do work of this priority now: `low` only at `normal`, `normal` unless `paused`, `high` always. */
  admit(priority: WorkPriority): boolean;
  /**
   * Runs `fn` every `baseMs` (after each run ends) at `normal`, stretched while
   * `reduced`, and not at all while `paused`; it resumes at its normal pace once
   * the dependency is healthy again.
   */
  every(baseMs: number, fn: () => unknown, options?: EveryOptions): BackpressureLoop;
}

/** The box's `jobs` option: BullMQ probe jobs and bindings. */
export interface JobsOptions {
  /** Run a probe worker on this replica (with Redis). Default true. */
  readonly probeWorker?: boolean;
  /** Probe jobs this replica runs at once. Default 4. */
  readonly probeConcurrency?: number;
  /** How often the sweeper looks for open breakers whose probe job was lost, in ms. Default 30,000. */
  readonly sweepIntervalMs?: number;
  /** How long past due a breaker must be before the sweeper re-enqueues its probe, in ms. Default 2,000. */
  readonly sweepGraceMs?: number;
  /** How long `close()` waits for probe jobs under way, in ms. Default 5,000. */
  readonly closeTimeoutMs?: number;
}

/** Options of `box.bindWorker()`. */
export interface BindWorkerOptions {
  /** Breaker names the worker's jobs call; each must already exist (`box.breaker()`). */
  readonly dependencies: readonly string[];
  /** `pause` (default): pause while any is `paused`. `slow`: also lower the concurrency while any is `reduced`. */
  readonly mode?: 'pause' | 'slow';
  /** Pause without waiting for the jobs under way (`worker.pause(true)`). Default false. */
  readonly doNotWaitActive?: boolean;
  /** `slow` mode: the concurrency while `reduced`. Default 1. */
  readonly reducedConcurrency?: number;
}

/** What `bindQueue` sets on the queue, fleet-wide, while a dependency is `reduced`. */
export interface DegradedQueueSettings {
  /** `queue.setGlobalRateLimit(max, durationMs)`. */
  readonly rateLimit?: { readonly max: number; readonly durationMs: number };
  /** `queue.setGlobalConcurrency(n)`. */
  readonly concurrency?: number;
}

/** Options of `box.bindQueue()`. */
export interface BindQueueOptions {
  /** Breaker names the queue's jobs call; each must already exist. */
  readonly dependencies: readonly string[];
  /** Fleet-wide limits while `reduced` (removed again at `normal`). Default: none (the queue runs). */
  readonly whileDegraded?: DegradedQueueSettings;
}

/** A worker or queue bound to dependencies. */
export interface Binding {
  /** Resolves once the binding is in force (its first decision applied). */
  readonly ready: Promise<void>;
  /** Stops following the dependencies (leaves the worker or queue as it is). */
  close(): Promise<void>;
}

/** A worker bound with `box.bindWorker()`, as it is now. */
export interface BoundWorkerStatus {
  /** The worker's queue name. */
  readonly queue: string;
  readonly dependencies: readonly string[];
  /** Whether the worker is paused (by its binding or otherwise). */
  readonly paused: boolean;
}

/** The BullMQ feature of a box: probe jobs, worker and queue bindings, backpressure. */
export interface JobsService extends BoxFeature {
  /** Every worker bound on this replica and not unbound, with whether it is paused now. */
  boundWorkers(): readonly BoundWorkerStatus[];
  /** Called by the box for every breaker it creates. */
  breakerAdded(breaker: Breaker<unknown>): void;
  /** True while a worker or queue binding, or a backpressure handle, follows breaker `name`. */
  holds(name: string): boolean;
  bindWorker(worker: Worker, options: BindWorkerOptions): Binding;
  bindQueue(queue: Queue, options: BindQueueOptions): Binding;
  backpressure(dependency: string): Backpressure;
  /** Stops taking jobs, waits for probe jobs under way (bounded), closes the connections. */
  close(): Promise<void>;
}

/** What the box's features may use of it. */
export interface FeatureHost {
  readonly replicaId: string;
  readonly namespace: string;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly mode: StoreMode;
  readonly isClosed: boolean;
  on(event: 'transition', listener: Listener<TransitionEvent>): Unsubscribe;
  /** The breaker of `name` if this replica has created it. */
  findBreaker(name: string): Breaker<unknown> | undefined;
  breakers(): readonly Breaker<unknown>[];
}

/**
 * A part of the box built outside it (health, gate, jobs…). The box calls the
 * hooks of every feature in a fixed order during `close()`.
 */
export interface BoxFeature {
  /** `close()` began: stop background work (timers, checks) at once. */
  beginClose?(): void;
  /** Calls in flight are done (or timed out): release what the feature holds before the store closes. */
  close?(): Promise<void>;
  /** Breaker `name` was retired: forget what the feature keeps of it. */
  breakerRetired?(name: string): void;
}

/** The health registry a box delegates `health()` and dependency registration to. */
export interface HealthService extends BoxFeature {
  /** Every component and the aggregate; active checks whose cached result is stale are run. */
  report(): Promise<HealthReport>;
  /** Every component as last known, without running any check (the gate and metrics read this). */
  components(now: number): readonly ComponentHealth[];
  /**
   * The components that are not healthy, as {@link HealthService.components}
   * would give them: what periodic readers need (the aggregate follows from
   * them alone), without a component built for every healthy breaker.
   */
  notHealthy(now: number): readonly ComponentHealth[];
  /** Registers an active check; returns a function that removes it. */
  addCheck(name: string, check: HealthCheck, options?: HealthCheckOptions): () => void;
  /** Registers (or returns) a dependency the application reports on. */
  dependency(name: string, options?: RecordedDependencyOptions): RecordedDependency;
}

/** Options of {@link SafetyGate.check} and {@link SafetyGate.guard}. */
export interface GateOptions {
  /** Components that must be healthy too, critical or not. */
  readonly dependencies?: readonly string[];
  /** The error that led to this operation: an unknown outcome (timeout, abort, refusal, connection error) refuses it. */
  readonly cause?: unknown;
}

/** Refuses destructive work while the dependencies it relies on are in doubt. */
export interface SafetyGate extends BoxFeature {
  /** @throws DependencyUnhealthy when the operation must not run now */
  check(operation: string, options?: GateOptions): void;
  /** Runs `fn` only if {@link SafetyGate.check} lets the operation through. */
  guard<T>(operation: string, fn: () => T | PromiseLike<T>, options?: GateOptions): Promise<T>;
  /** Refusals so far, by operation. */
  readonly refusals: ReadonlyMap<string, number>;
}

/** The features a box is built with (the composition root constructs them). */
export interface BoxFeatures {
  readonly health: HealthService;
  readonly gate: SafetyGate;
  /** BullMQ probe jobs, bindings and backpressure. */
  readonly jobs: JobsService;
}
