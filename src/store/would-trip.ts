import { tripReason } from '../engine/circuit.js';
import type { CircuitConfig } from '../engine/types.js';
import type { SharedSnapshot } from '../redis/script-reply.js';
import type { PendingOutcomes } from './pending-outcomes.js';

const NO_REPLICAS = Object.freeze({});

/**
 * Whether this replica's unflushed outcomes, added to the fleet's last known
 * window, would trip the breaker: then they are flushed at once instead of
 * at the next interval. An estimate (the known window may be a flush old);
 * the record script decides.
 */
export function wouldTrip(
  config: CircuitConfig,
  window: SharedSnapshot['window'] | undefined,
  pending: PendingOutcomes,
  replicaId: string,
): boolean {
  const mine = window?.replicas[replicaId];
  const alreadyBad = mine !== undefined && (mine.failures > 0 || mine.slowCalls > 0);
  const reason = tripReason(config, {
    calls: (window?.calls ?? 0) + pending.calls,
    failures: (window?.failures ?? 0) + pending.failures + pending.slowFailures,
    slowCalls: (window?.slowCalls ?? 0) + pending.slowSuccesses + pending.slowFailures,
    badReplicas: (window?.badReplicas ?? 0) + (pending.hasBadOutcome && !alreadyBad ? 1 : 0),
    replicas: NO_REPLICAS,
  });
  return reason !== undefined;
}
