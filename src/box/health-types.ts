import type { CircuitState } from '../engine/types.js';

/** How a dependency (or the whole replica) looks: the three states load balancers read. */
export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy';

/** Where a component's status comes from. */
export type ComponentKind = 'breaker' | 'check' | 'recorded' | 'redis';

/** One dependency in a health report. */
export interface ComponentHealth {
  readonly name: string;
  readonly kind: ComponentKind;
  readonly status: HealthStatus;
  /** A breaker's full circuit state (forced states included); null for other kinds. */
  readonly circuit: CircuitState | null;
  /** Whether it counts for the aggregate status and the safety gate. */
  readonly critical: boolean;
  /** A line for people: why it has this status. */
  readonly message: string | null;
  /** The last error's message, if any. */
  readonly lastError: string | null;
  /** When it last succeeded (ms since the Unix epoch); null if never. */
  readonly lastSuccess: number | null;
  /** When an open breaker may be probed (ms since the Unix epoch); null otherwise. */
  readonly openUntil: number | null;
  /** How long the current opening lasts, in ms (breakers); null otherwise. */
  readonly backoffMs: number | null;
  /** How long the last active check took, in ms; null for other kinds. */
  readonly latencyMs: number | null;
  /** Milliseconds until it may recover (the gate's Retry-After); 0 when healthy or unknown. */
  readonly retryAfterMs: number;
}

/** What `box.health()` answers. */
export interface HealthReport {
  readonly status: HealthStatus;
  readonly components: readonly ComponentHealth[];
  /** The application's version (the `health.version` option). */
  readonly version: string;
  readonly uptimeSeconds: number;
  /** When the report was made, ISO 8601. */
  readonly timestamp: string;
  /** How long building the report took (active checks included), in ms. */
  readonly totalLatencyMs: number;
}

/** A change of a component's status, or of the aggregate (`component` null). */
export interface HealthChangeEvent {
  /** The component that changed; null when the aggregate did. */
  readonly component: string | null;
  readonly from: HealthStatus;
  readonly to: HealthStatus;
  /** ms until it may recover (0 when unknown or healthy). */
  readonly retryAfterMs: number;
  readonly message: string | null;
  readonly at: number;
}

/** An active check: resolves when the dependency is fine; the signal aborts at its timeout. */
export type HealthCheck = (signal: AbortSignal) => Promise<unknown>;

/** Options of an active check. */
export interface HealthCheckOptions {
  /** Counts for the aggregate and the gate. Default true. */
  readonly critical?: boolean;
  /** A check that has not settled by then is unhealthy, in ms. Default 2,000. */
  readonly timeoutMs?: number;
  /** How often it runs, and how long its result is served from cache, in ms. Default 10,000. */
  readonly intervalMs?: number;
}

/** Options of a dependency the application reports on itself. */
export interface RecordedDependencyOptions {
  /** Counts for the aggregate and the gate. Default true. */
  readonly critical?: boolean;
  /** The status before anything is recorded. Default `healthy`. */
  readonly initial?: HealthStatus;
}

/** A dependency whose health the application feeds (a socket, a transport, a pool). */
export interface RecordedDependency {
  readonly name: string;
  /** Sets its status, with a line for people. */
  setState(status: HealthStatus, message?: string): void;
  /** It answered: healthy, with the latency if known. */
  recordSuccess(latencyMs?: number): void;
  /** It failed: unhealthy, with the error. */
  recordFailure(error: unknown): void;
}
