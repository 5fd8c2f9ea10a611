import type { CircuitRecord, ForceMode, ProbeRefusal } from '../engine/circuit.js';
import type { CircuitTransition, Outcome, WindowTotals } from '../engine/types.js';

/**
 * What a breaker's hot path reads: the circuit as this replica last saw it,
 * with times on this process's clock. Replaced (never mutated) on change.
 */
export type CircuitView = Pick<
  CircuitRecord,
  'state' | 'epoch' | 'openUntil' | 'backoffStep' | 'probeToken' | 'probeLeaseUntil'
>;

/** Whether a probe was granted, and if not, why. */
export type ProbeGrant =
  | { readonly granted: true; readonly token: string }
  | { readonly granted: false; readonly refusal: ProbeRefusal };

/** Where the box's breakers keep their state. */
export type StoreMode = 'memory' | 'shared' | 'local';

/** The full record of one circuit as a store reports it (times on the store's clock: Redis TIME when shared). */
export interface DriverSnapshot {
  readonly record: CircuitRecord;
  readonly window: WindowTotals;
  readonly lastError: string | null;
  readonly lastErrorAt: number | null;
  readonly mode: StoreMode;
  /** The time the snapshot was taken. */
  readonly at: number;
}

/**
 * Called by a driver for every transition it observes, local or fleet-wide;
 * `replicaId` names the replica that made it when another one did.
 */
export type TransitionListener = (transition: CircuitTransition, replicaId?: string) => void;

/**
 * One breaker's connection to its store. The in-memory driver decides on the
 * spot; the Redis driver keeps a cached view and reports outcomes in batches.
 * `recordOutcome` is on the hot path and never does I/O.
 */
export interface CircuitDriver {
  /** The view the hot path decides from. */
  readonly view: CircuitView;
  /** Counts one finished call (never does I/O). */
  recordOutcome(outcome: Outcome, now: number, error: unknown): void;
  /** Asks for the half-open trial; a grant carries the fencing token. */
  beginProbe(): Promise<ProbeGrant>;
  /** Reports the trial's result; a stale token's result is refused (returns false). */
  endProbe(token: string, success: boolean, error: unknown): Promise<boolean>;
  /** Operator override. */
  force(mode: ForceMode, forMs: number): Promise<void>;
  /** The store's full record. */
  snapshot(): Promise<DriverSnapshot>;
  /**
   * True when the store holds nothing of this breaker's that retiring it
   * would lose: no outcomes waiting for a flush, no probe lock, no local
   * engine (Redis unreachable), no read under way.
   */
  readonly settled: boolean;
  /** Lets go of the store: flushes what it counted, releases its probe locks, and forgets it. */
  retire(): Promise<void>;
}

/** Everything a driver needs from its breaker. */
export interface DriverContext {
  readonly name: string;
  readonly onTransition: TransitionListener;
}
