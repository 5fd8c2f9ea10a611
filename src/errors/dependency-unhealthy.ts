import { BreakerBoxError } from './breakerbox-error.js';

/** The breaker state that caused a rejection, as the caller sees it. */
export type RejectingState = 'open' | 'half_open' | 'forced_open';

/**
 * Why the safety gate refused, beyond a breaker's state: a health component
 * (an active check, a recorded dependency, Redis) that is `unhealthy` or
 * `degraded`, or a triggering error whose outcome is unknown (a timeout, an
 * abort, a refusal, a connection error).
 */
export type GateRefusalState = 'unhealthy' | 'degraded' | 'unknown_outcome';

/** How bad the dependency looks from this replica. */
export type HealthState = 'degraded' | 'unhealthy';

/** What a {@link DependencyUnhealthy} is built from. */
export interface DependencyUnhealthyDetails {
  /** The breaker (dependency) name. */
  readonly dependency: string;
  /** Milliseconds until a call may be let through again (0 when unknown or now). */
  readonly retryAfterMs: number;
  /** The state that refused the call. */
  readonly state: RejectingState;
}

/** What a {@link DependencyUnhealthy} from the safety gate is built from. */
export interface GateRefusalDetails {
  /** The component in doubt. */
  readonly dependency: string;
  readonly retryAfterMs: number;
  readonly state: RejectingState | GateRefusalState;
  readonly healthState: HealthState;
  /** The operation refused. */
  readonly operation: string;
  /** The state as a person reads it: `open`, `half-open`, `unhealthy (check timed out)`. */
  readonly described: string;
  /** The error that triggered the operation, when it was the reason. */
  readonly cause?: unknown;
}

/**
 * Thrown when a call is refused because its dependency's breaker is open,
 * forced open, or half-open with the trial slot taken (here or on another replica).
 *
 * The message is meant for people: `payments is unhealthy (circuit open); retry in 4.2s`.
 */
export class DependencyUnhealthy extends BreakerBoxError {
  readonly code = 'DEPENDENCY_UNHEALTHY' as const;
  /** The breaker (dependency) name. */
  readonly dependency: string;
  /** Milliseconds until the breaker may let a call through. */
  readonly retryAfterMs: number;
  /** The breaker state that refused the call (the gate: also a component's status, or `unknown_outcome`). */
  readonly state: RejectingState | GateRefusalState;
  /** `unhealthy` while open, `degraded` while a trial call is testing recovery. */
  readonly healthState: HealthState;
  /** The operation the safety gate refused; undefined for a refused call. */
  readonly operation: string | undefined;

  constructor(details: DependencyUnhealthyDetails) {
    const healthState = healthStateOf(details.state);
    super(messageOf(details.dependency, healthState, details.state, details.retryAfterMs));
    this.dependency = details.dependency;
    this.retryAfterMs = details.retryAfterMs;
    this.state = details.state;
    this.healthState = healthState;
    this.operation = undefined;
  }

  /**
   * @internal The refusal of the safety gate: `System unhealthy: payments is
   * open; retry in 4.2s (refused terminate_session)`.
   */
  static gateRefusal(details: GateRefusalDetails): DependencyUnhealthy {
    const error = new DependencyUnhealthy({
      dependency: details.dependency,
      retryAfterMs: details.retryAfterMs,
      state: 'open',
    }) as Mutable<DependencyUnhealthy>;
    error.state = details.state;
    error.healthState = details.healthState;
    error.operation = details.operation;
    if (details.cause !== undefined) error.cause = details.cause;
    error.message = `System unhealthy: ${details.dependency} is ${details.described}; retry in ${formatRetry(details.retryAfterMs)} (refused ${details.operation})`;
    const frames = (error.stack ?? '').split('\n').slice(1);
    error.stack = [`${error.name}: ${error.message}`, ...frames].join('\n');
    return error;
  }

  /**
   * @internal The refusal `breaker.call()` rejects with: the same class, fields
   * and message, built from the prototype without running the `Error`
   * constructor, whose stack capture costs more than all the rest of a refusal
   * (and would always point into `breaker.call`). `instanceof`, `code`,
   * `message` and `stack` (the first line only) behave as for any instance;
   * only `util.types.isNativeError()` tells it apart. Each call gets its own.
   */
  static refusal(details: DependencyUnhealthyDetails): DependencyUnhealthy {
    const error = Object.create(DependencyUnhealthy.prototype) as Mutable<DependencyUnhealthy>;
    error.code = 'DEPENDENCY_UNHEALTHY';
    error.dependency = details.dependency;
    error.retryAfterMs = details.retryAfterMs;
    error.state = details.state;
    error.healthState = healthStateOf(details.state);
    error.operation = undefined;
    return error;
  }
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

// A refusal has no own `message` or `stack`: these read them from its fields,
// formatting the message only when someone looks.
Object.defineProperties(DependencyUnhealthy.prototype, {
  name: { value: 'DependencyUnhealthy', writable: true, configurable: true },
  message: {
    configurable: true,
    get(this: DependencyUnhealthy): string {
      return messageOf(this.dependency, this.healthState, this.state, this.retryAfterMs);
    },
  },
  stack: {
    configurable: true,
    get(this: DependencyUnhealthy): string {
      return `${this.name}: ${this.message}`;
    },
  },
});

function healthStateOf(state: RejectingState | GateRefusalState): HealthState {
  return state === 'half_open' || state === 'degraded' ? 'degraded' : 'unhealthy';
}

function messageOf(
  dependency: string,
  health: HealthState,
  state: RejectingState | GateRefusalState,
  retryAfterMs: number,
): string {
  return `${dependency} is ${health} (${describeState(state)}); retry in ${formatRetry(retryAfterMs)}`;
}

function describeState(state: RejectingState | GateRefusalState): string {
  switch (state) {
    case 'unhealthy':
    case 'degraded':
      return 'health check';
    case 'unknown_outcome':
      return 'outcome of the last call unknown';
    case 'open':
      return 'circuit open';
    case 'forced_open':
      return 'circuit forced open';
    case 'half_open':
      return 'circuit half-open, recovery trial in progress';
  }
}

/** Formats milliseconds the way a person reads a retry hint: `850ms`, `4.2s`, `3m05s`. */
export function formatRetry(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.ceil(ms))}ms`;
  if (ms < 60_000) return `${(Math.ceil(ms / 100) / 10).toFixed(1)}s`;
  const totalSeconds = Math.ceil(ms / 1000);
  const minutes = Math.floor(totalSeconds / 60);
  const seconds = totalSeconds % 60;
  return `${minutes}m${String(seconds).padStart(2, '0')}s`;
}

/** Type guard for {@link DependencyUnhealthy}. */
export function isDependencyUnhealthy(value: unknown): value is DependencyUnhealthy {
  return value instanceof DependencyUnhealthy;
}
