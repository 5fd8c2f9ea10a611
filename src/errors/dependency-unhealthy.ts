import { BreakerBoxError } from './breakerbox-error.js';

/** The breaker state that caused a rejection, as the caller sees it. */
export type RejectingState = 'open' | 'half_open' | 'forced_open';

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
  /** The breaker state that refused the call. */
  readonly state: RejectingState;
  /** `unhealthy` while open, `degraded` while a trial call is testing recovery. */
  readonly healthState: HealthState;

  constructor(details: DependencyUnhealthyDetails) {
    const healthState: HealthState = details.state === 'half_open' ? 'degraded' : 'unhealthy';
    super(
      `${details.dependency} is ${healthState} (${describeState(details.state)}); retry in ${formatRetry(details.retryAfterMs)}`,
    );
    this.dependency = details.dependency;
    this.retryAfterMs = details.retryAfterMs;
    this.state = details.state;
    this.healthState = healthState;
  }
}

function describeState(state: RejectingState): string {
  switch (state) {
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
