import type { ComponentHealth, HealthStatus } from '../box/health-types.js';
import type { Breaker } from '../breaker/breaker.js';
import { openDurationMs } from '../engine/backoff.js';
import { errorMessage } from '../util/error-message.js';

/** A breaker's status: closed → healthy, half-open → degraded, open or forced open → unhealthy. */
export function breakerStatus(breaker: Breaker<unknown>): HealthStatus {
  switch (breaker.view.state) {
    case 'closed':
    case 'forced_closed':
      return 'healthy';
    case 'half_open':
      return 'degraded';
    default:
      return 'unhealthy';
  }
}

/** A breaker as a health component, from this replica's view (no I/O). */
export function breakerComponent(breaker: Breaker<unknown>, now: number): ComponentHealth {
  const view = breaker.view;
  const options = breaker.options;
  const stats = breaker.stats;
  const status = breakerStatus(breaker);
  const isOpen = view.state === 'open' || view.state === 'forced_open';
  const openUntil = isOpen && view.openUntil > 0 ? view.openUntil : null;
  const hintMs = options.circuit.openBackoff.baseMs;
  let retryAfterMs = 0;
  let message: string | null = null;
  if (view.state === 'half_open') {
    retryAfterMs = Math.min(hintMs, Math.max(0, view.probeLeaseUntil - now));
    message = 'circuit half-open: a trial call is testing recovery';
  } else if (isOpen) {
    retryAfterMs = openUntil === null ? hintMs : Math.max(0, openUntil - now);
    if (openUntil !== null && retryAfterMs === 0) retryAfterMs = hintMs;
    message =
      view.state === 'forced_open'
        ? 'circuit forced open by an operator'
        : openUntil !== null && now >= openUntil
          ? 'circuit open: a probe is due'
          : 'circuit open';
  } else if (view.state === 'forced_closed') {
    message = 'circuit forced closed by an operator';
  }
  return {
    name: breaker.name,
    kind: 'breaker',
    status,
    circuit: view.state,
    critical: options.critical,
    message,
    lastError: stats.lastError === undefined ? null : errorMessage(stats.lastError),
    lastSuccess: stats.lastSuccessAt === 0 ? null : stats.lastSuccessAt,
    openUntil,
    backoffMs: isOpen
      ? openDurationMs({ ...options.circuit.openBackoff, jitter: 0 }, view.backoffStep, 0.5)
      : null,
    latencyMs: null,
    retryAfterMs,
  };
}
