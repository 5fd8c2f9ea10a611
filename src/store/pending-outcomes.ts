import type { Outcome, OutcomeCounts } from '../engine/types.js';

/**
 * Outcomes a replica counted and has not reported yet: four integers and the
 * last error, so counting a call allocates nothing.
 */
export class PendingOutcomes implements OutcomeCounts {
  successes = 0;
  failures = 0;
  slowSuccesses = 0;
  slowFailures = 0;
  /** The last failure's error (stringified only when flushed). */
  lastError: unknown = undefined;

  /** Counts one outcome. */
  count(outcome: Outcome, error: unknown): void {
    switch (outcome) {
      case 0:
        this.successes++;
        return;
      case 1:
        this.failures++;
        break;
      case 2:
        this.slowSuccesses++;
        return;
      case 3:
        this.slowFailures++;
        break;
    }
    this.lastError = error;
  }

  /** Adds counts back (a batch whose flush failed). */
  add(counts: OutcomeCounts): void {
    this.successes += counts.successes;
    this.failures += counts.failures;
    this.slowSuccesses += counts.slowSuccesses;
    this.slowFailures += counts.slowFailures;
  }

  /** Takes the counts (and the last error), leaving zero. */
  take(): { readonly counts: OutcomeCounts; readonly lastError: unknown } {
    const taken = {
      counts: {
        successes: this.successes,
        failures: this.failures,
        slowSuccesses: this.slowSuccesses,
        slowFailures: this.slowFailures,
      },
      lastError: this.lastError,
    };
    this.clear();
    return taken;
  }

  /** Forgets everything. */
  clear(): void {
    this.successes = this.failures = this.slowSuccesses = this.slowFailures = 0;
    this.lastError = undefined;
  }

  /** Calls counted. */
  get calls(): number {
    return this.successes + this.failures + this.slowSuccesses + this.slowFailures;
  }

  /** True when a failed or slow call is among them. */
  get hasBadOutcome(): boolean {
    return this.failures + this.slowSuccesses + this.slowFailures > 0;
  }
}
