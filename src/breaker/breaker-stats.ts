import type { CircuitState } from '../engine/types.js';

/** A transition edge, `from>to`. */
export type TransitionEdge = `${CircuitState}>${CircuitState}`;

const NO_TRANSITIONS: ReadonlyMap<TransitionEdge, number> = new Map();

/**
 * What one breaker has counted since it was created, on this replica: plain
 * numbers bumped where the breaker already decides, read by metrics and
 * health at scrape time (so the closed path pays an increment, nothing more).
 */
export class BreakerStats {
  /** Calls that succeeded in time. */
  successes = 0;
  /** Calls that failed (timeouts included). */
  failures = 0;
  /** Calls that succeeded but took at least `slowCallDurationMs`. */
  slowSuccesses = 0;
  /** Calls that failed and took at least `slowCallDurationMs`. */
  slowFailures = 0;
  /** Failed calls that were timeouts (also counted in `failures` / `slowFailures`). */
  timeouts = 0;
  /** Calls whose error was classified `ignore` or came after the caller aborted. */
  ignored = 0;
  /** Calls refused while open or half-open. */
  refusals = 0;
  /** Refusals and failures served by the fallback. */
  fallbacks = 0;
  /** Trial calls or probes that closed (or kept closing) the circuit. */
  probeSuccesses = 0;
  /** Trial calls or probes that failed. */
  probeFailures = 0;
  /** When a call last succeeded on this replica (ms since the Unix epoch); 0 if never. */
  lastSuccessAt = 0;
  /** When a call last failed on this replica; 0 if never. */
  lastFailureAt = 0;
  /** The last failure's error, as thrown. */
  lastError: unknown = undefined;
  /** Made at the first transition: an empty Map per breaker is ~100 bytes most breakers never use. */
  private counted: Map<TransitionEdge, number> | undefined = undefined;

  /** Transitions this replica observed, by `from>to`. */
  get transitions(): ReadonlyMap<TransitionEdge, number> {
    return this.counted ?? NO_TRANSITIONS;
  }

  /** @internal Notes a failure's error and time. */
  noteFailure(error: unknown, at: number): void {
    this.lastError = error;
    this.lastFailureAt = at;
  }

  /** @internal Counts an observed transition. */
  noteTransition(from: CircuitState, to: CircuitState): void {
    const key = `${from}>${to}` as const;
    const counted = (this.counted ??= new Map<TransitionEdge, number>());
    counted.set(key, (counted.get(key) ?? 0) + 1);
  }
}
