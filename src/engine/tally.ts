import type { OutcomeCounts, WindowCounts, WindowTotals } from './types.js';
import { Outcome } from './types.js';

/** Mutable calls / failures / slow-calls counters, shared by the windows. */
export class Tally implements WindowCounts {
  calls = 0;
  failures = 0;
  slowCalls = 0;

  /** Counts one outcome. */
  addOne(outcome: Outcome): void {
    this.calls++;
    if ((outcome & Outcome.Failure) !== 0) this.failures++;
    if ((outcome & Outcome.SlowSuccess) !== 0) this.slowCalls++;
  }

  /** Adds a batch of outcomes. */
  addCounts(counts: OutcomeCounts): void {
    this.calls += callsIn(counts);
    this.failures += counts.failures + counts.slowFailures;
    this.slowCalls += counts.slowSuccesses + counts.slowFailures;
  }

  /** Adds another tally (or window counts). */
  addTally(other: WindowCounts): void {
    this.calls += other.calls;
    this.failures += other.failures;
    this.slowCalls += other.slowCalls;
  }

  /** Subtracts another tally (subtract-on-evict). */
  subtractTally(other: WindowCounts): void {
    this.calls -= other.calls;
    this.failures -= other.failures;
    this.slowCalls -= other.slowCalls;
  }

  /** Sets every counter to zero. */
  reset(): void {
    this.calls = 0;
    this.failures = 0;
    this.slowCalls = 0;
  }

  /** True when this tally holds a failure or a slow call. */
  get hasBadOutcomes(): boolean {
    return this.failures > 0 || this.slowCalls > 0;
  }

  /** A frozen plain copy. */
  toJSON(): WindowCounts {
    return { calls: this.calls, failures: this.failures, slowCalls: this.slowCalls };
  }
}

/** Number of calls in a batch. */
export function callsIn(counts: OutcomeCounts): number {
  return counts.successes + counts.failures + counts.slowSuccesses + counts.slowFailures;
}

/** True when a batch holds a failure or a slow call (the only batches that can trip). */
export function hasBadOutcome(counts: OutcomeCounts): boolean {
  return counts.failures + counts.slowSuccesses + counts.slowFailures > 0;
}

/** Builds {@link WindowTotals} from per-replica tallies. */
export function totalsOf(byReplica: ReadonlyMap<string, WindowCounts>): WindowTotals & {
  readonly badReplicas: number;
} {
  const sum = new Tally();
  const replicas: Record<string, WindowCounts> = {};
  let badReplicas = 0;
  for (const [replica, counts] of byReplica) {
    if (counts.calls === 0) continue;
    sum.addTally(counts);
    replicas[replica] = {
      calls: counts.calls,
      failures: counts.failures,
      slowCalls: counts.slowCalls,
    };
    if (counts.failures > 0 || counts.slowCalls > 0) badReplicas++;
  }
  return { ...sum.toJSON(), replicas, badReplicas };
}
