import type {
  ComponentHealth,
  HealthCheck,
  HealthCheckOptions,
  HealthReport,
  RecordedDependency,
  RecordedDependencyOptions,
} from './health-types.js';

/**
 * A part of the box built outside it (health, gate, jobs…). The box calls the
 * hooks of every feature in a fixed order during `close()`.
 */
export interface BoxFeature {
  /** `close()` began: stop background work (timers, checks) at once. */
  beginClose?(): void;
  /** Calls in flight are done (or timed out): release what the feature holds before the store closes. */
  close?(): Promise<void>;
}

/** The health registry a box delegates `health()` and dependency registration to. */
export interface HealthService extends BoxFeature {
  /** Every component and the aggregate; active checks whose cached result is stale are run. */
  report(): Promise<HealthReport>;
  /** Every component as last known, without running any check (the gate and metrics read this). */
  components(now: number): readonly ComponentHealth[];
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
}
