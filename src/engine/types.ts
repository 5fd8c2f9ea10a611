/**
 * The full state of a circuit, as the state machine and the shared record know it.
 * `forced_open` and `forced_closed` are operator overrides.
 */
export type CircuitState = 'closed' | 'open' | 'half_open' | 'forced_open' | 'forced_closed';

/** The three states a caller reasons about; forced states map onto open and closed. */
export type BreakerState = 'closed' | 'open' | 'half_open';

/** Why a transition happened. */
export type TransitionReason =
  | 'failure_rate'
  | 'slow_call_rate'
  | 'probe_started'
  | 'probe_lease_expired'
  | 'probe_succeeded'
  | 'probe_failed'
  | 'forced_open'
  | 'forced_closed'
  | 'reset';

/**
 * The outcome of one call, resilience4j style: a call is slow when it took at
 * least `slowCallDurationMs`, whatever its result.
 */
export const Outcome = {
  Success: 0,
  Failure: 1,
  SlowSuccess: 2,
  SlowFailure: 3,
} as const;

/** One of {@link Outcome}'s values. */
export type Outcome = (typeof Outcome)[keyof typeof Outcome];

/** Counted outcomes of a batch of calls (one replica's report, or a window's bucket). */
export interface OutcomeCounts {
  successes: number;
  failures: number;
  slowSuccesses: number;
  slowFailures: number;
}

/** Sums of a window, or of one replica's share of it. */
export interface WindowCounts {
  /** Calls recorded. */
  readonly calls: number;
  /** Failed calls (slow or not). */
  readonly failures: number;
  /** Slow calls (failed or not). */
  readonly slowCalls: number;
}

/** A window's sums, with each replica's share. */
export interface WindowTotals extends WindowCounts {
  /** Each replica's share of the window, by replica id. */
  readonly replicas: Readonly<Record<string, WindowCounts>>;
}

/** How a circuit's open period grows. */
export interface BackoffConfig {
  readonly baseMs: number;
  readonly maxMs: number;
  readonly multiplier: number;
  readonly jitter: number;
}

/** Which sliding window a circuit counts in. */
export type WindowConfig =
  | { readonly type: 'time'; readonly windowMs: number; readonly buckets: number }
  | { readonly type: 'count'; readonly size: number };

/** The numbers the state machine decides with (no functions: the Lua scripts get the same). */
export interface CircuitConfig {
  readonly failureRateThreshold: number;
  readonly slowCallRateThreshold: number;
  readonly minimumCalls: number;
  readonly minimumReplicas: number;
  readonly window: WindowConfig;
  readonly openBackoff: BackoffConfig;
  /** How long one probe holds the half-open trial before another replica may take over. */
  readonly probeLeaseMs: number;
}

/** The rate rules that open a closed circuit. */
export type TripRule = 'failure_rate' | 'slow_call_rate';

/**
 * What opened a circuit: the rule and the window's sums at that moment. Kept
 * in the record (and the Redis hash) from the trip until the circuit next
 * closes, since the window itself is cleared when it opens.
 */
export interface TripCause {
  readonly rule: TripRule;
  readonly calls: number;
  readonly failures: number;
  readonly slowCalls: number;
}

/** A state change, as the state machine reports it. */
export interface CircuitTransition {
  readonly from: CircuitState;
  readonly to: CircuitState;
  readonly reason: TransitionReason;
  /** The record's epoch after the change. */
  readonly epoch: number;
  /** When it happened (ms since the Unix epoch, on the deciding clock). */
  readonly at: number;
  /** When an open circuit may be probed; 0 when not open or open until cleared. */
  readonly openUntil: number;
}

/** Maps the full circuit state onto the three states callers see. */
export function toBreakerState(state: CircuitState): BreakerState {
  switch (state) {
    case 'forced_open':
      return 'open';
    case 'forced_closed':
      return 'closed';
    default:
      return state;
  }
}
