import type {
  BreakerState,
  CircuitState,
  TransitionReason,
  TripCause,
  TripRule,
  WindowTotals,
} from '../engine/types.js';
import { toBreakerState } from '../engine/types.js';
import type { DriverSnapshot, StoreMode } from '../store/circuit-driver.js';

/** A breaker's full record, as its store (Redis: the fleet) has it. */
export interface BreakerSnapshot {
  readonly name: string;
  /** closed / open / half_open. */
  readonly state: BreakerState;
  /** The full state, forced states included. */
  readonly circuitState: CircuitState;
  /** The operator override in force, if any. */
  readonly forced: 'open' | 'closed' | null;
  /** Increases by one per transition. */
  readonly epoch: number;
  /** When an open breaker may be probed (or a forced opening ends); null if none. */
  readonly openUntil: number | null;
  /** ms until then (0 if not open). */
  readonly retryAfterMs: number;
  /** Failed probes since the breaker last closed. */
  readonly backoffStep: number;
  /** The probe in progress, if any. */
  readonly probe: { readonly leaseUntil: number } | null;
  /** The sliding window's sums, with each replica's share, and its rates. */
  readonly window: WindowTotals & { readonly failureRate: number; readonly slowCallRate: number };
  readonly lastError: string | null;
  readonly lastErrorAt: number | null;
  /** When the last transition happened; null if never. */
  readonly changedAt: number | null;
  readonly reason: TransitionReason | null;
  /**
   * What opened the breaker — the rule and the window's sums and rates at
   * that moment — kept from the trip until it next closes (the window itself
   * is cleared when it opens). Null while closed, and when an operator opened it.
   */
  readonly trippedBy: TripCauseSnapshot | null;
  /** Where this snapshot was read from. */
  readonly mode: StoreMode;
  /** Whether this dependency counts for the safety gate and health. */
  readonly critical: boolean;
  /** When the snapshot was taken. */
  readonly at: number;
}

/** What tripped a breaker, as {@link BreakerSnapshot.trippedBy} shows it. */
export interface TripCauseSnapshot {
  /** The rule that opened it. */
  readonly rule: TripRule;
  /** Calls in the window when it opened. */
  readonly calls: number;
  /** Failed calls among them. */
  readonly failures: number;
  /** Slow calls among them. */
  readonly slowCalls: number;
  /** failures / calls. */
  readonly failureRate: number;
  /** slowCalls / calls. */
  readonly slowCallRate: number;
}

/** Builds the public snapshot from a driver's. */
export function toBreakerSnapshot(
  name: string,
  critical: boolean,
  s: DriverSnapshot,
): BreakerSnapshot {
  const { record, window } = s;
  const isOpen = record.state === 'open' || record.state === 'forced_open';
  const openUntil = isOpen && record.openUntil > 0 ? record.openUntil : null;
  return {
    name,
    state: toBreakerState(record.state),
    circuitState: record.state,
    forced:
      record.state === 'forced_open' ? 'open' : record.state === 'forced_closed' ? 'closed' : null,
    epoch: record.epoch,
    openUntil,
    retryAfterMs: openUntil === null ? 0 : Math.max(0, openUntil - s.at),
    backoffStep: record.backoffStep,
    probe: record.state === 'half_open' ? { leaseUntil: record.probeLeaseUntil } : null,
    window: {
      ...window,
      failureRate: window.calls === 0 ? 0 : window.failures / window.calls,
      slowCallRate: window.calls === 0 ? 0 : window.slowCalls / window.calls,
    },
    lastError: s.lastError,
    lastErrorAt: s.lastErrorAt,
    changedAt: record.changedAt === 0 ? null : record.changedAt,
    reason: record.reason === '' ? null : record.reason,
    trippedBy: tripCauseSnapshot(record.trippedBy),
    mode: s.mode,
    critical,
    at: s.at,
  };
}

function tripCauseSnapshot(cause: TripCause | null): TripCauseSnapshot | null {
  if (cause === null) return null;
  const { rule, calls, failures, slowCalls } = cause;
  return {
    rule,
    calls,
    failures,
    slowCalls,
    failureRate: calls === 0 ? 0 : failures / calls,
    slowCallRate: calls === 0 ? 0 : slowCalls / calls,
  };
}
