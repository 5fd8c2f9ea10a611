import type { RejectingState } from '../errors/dependency-unhealthy.js';
import { DependencyUnhealthy } from '../errors/dependency-unhealthy.js';
import type { CircuitView } from '../store/circuit-driver.js';

/**
 * Builds the {@link DependencyUnhealthy} for a refused call: `half_open` with a
 * short retry hint while a trial is (or is being) run, else the open state and
 * the time left until openUntil. Built without a stack capture (see
 * `DependencyUnhealthy.refusal`).
 */
export function rejectionFor(
  dependency: string,
  view: CircuitView,
  now: number,
  retryHintMs: number,
): DependencyUnhealthy {
  let state: RejectingState;
  let retryAfterMs: number;
  if (view.state === 'half_open') {
    state = 'half_open';
    retryAfterMs = Math.min(retryHintMs, Math.max(0, view.probeLeaseUntil - now));
  } else if (view.openUntil > 0 && now >= view.openUntil) {
    // Due for a probe that this replica or another is taking: a trial is under way.
    state = 'half_open';
    retryAfterMs = retryHintMs;
  } else {
    state = view.state === 'forced_open' ? 'forced_open' : 'open';
    retryAfterMs = view.openUntil === 0 ? retryHintMs : Math.max(0, view.openUntil - now);
  }
  return DependencyUnhealthy.refusal({ dependency, retryAfterMs, state });
}
