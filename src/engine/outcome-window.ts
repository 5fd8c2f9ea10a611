import type { Outcome, OutcomeCounts, WindowCounts, WindowTotals } from './types.js';

/** A window's sums plus the number of replicas that reported a failure or slow call in it. */
export interface EvaluatedTotals extends WindowTotals {
  /** Distinct replicas with at least one failed or slow call in the window. */
  readonly badReplicas: number;
}

/**
 * A sliding window of call outcomes, resilience4j style: one interface, a
 * time-bucketed and a count-based implementation. Outcomes are attributed to
 * the replica that reported them, so a quorum of replicas can be required.
 */
export interface OutcomeWindow {
  /** Counts one call's outcome (the in-process hot path: no allocation once warm). */
  addOne(replica: string, outcome: Outcome, now: number): void;
  /** Adds a replica's batch of outcomes. */
  add(replica: string, counts: OutcomeCounts, now: number): void;
  /**
   * Sums over the window as of `now`, without the per-replica shares and
   * without allocating (a live object, valid until the next call): the cheap
   * first look before a full {@link totals}.
   */
  sums(now: number): WindowCounts;
  /** Sums over the window as of `now`. */
  totals(now: number): EvaluatedTotals;
  /** Forgets everything. */
  clear(): void;
}
