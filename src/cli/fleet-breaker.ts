import type { BreakerSnapshot } from '../breaker/breaker-snapshot.js';

/** A breaker as the CLI shows it: the shared record and window, as its replicas read them. */
export type FleetBreaker = Omit<BreakerSnapshot, 'critical'> & {
  /** `recorded`: the window was summed with the config its replicas recorded with; `default`: none was recorded yet. */
  readonly windowConfig: 'recorded' | 'default';
};

/** A snapshot as the CLI shows it: without `critical`, which only the breaker's replicas know. */
export function fleetBreaker(
  snapshot: BreakerSnapshot,
  windowConfig: FleetBreaker['windowConfig'],
): FleetBreaker {
  const s = snapshot;
  return {
    name: s.name,
    state: s.state,
    circuitState: s.circuitState,
    forced: s.forced,
    epoch: s.epoch,
    openUntil: s.openUntil,
    retryAfterMs: s.retryAfterMs,
    backoffStep: s.backoffStep,
    probe: s.probe,
    window: s.window,
    lastError: s.lastError,
    lastErrorAt: s.lastErrorAt,
    changedAt: s.changedAt,
    reason: s.reason,
    mode: s.mode,
    at: s.at,
    windowConfig,
  };
}
