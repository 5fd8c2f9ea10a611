/** How the open period grows with failed probes. */
export interface OpenBackoffOptions {
  /** Open period after the first trip, in ms. Default 1,000. */
  readonly baseMs?: number;
  /** Longest open period, in ms. Default 60,000. */
  readonly maxMs?: number;
  /** Growth factor per failed probe (>= 1). Default 2. */
  readonly multiplier?: number;
  /** Random spread, a fraction in [0, 1) of the period either way. Default 0.2. */
  readonly jitter?: number;
}

/** How the half-open trial works. */
export interface HalfOpenOptions {
  /** Trial calls let through while half-open (all on the replica holding the probe). Default 1. */
  readonly permittedCalls?: number;
  /** Successful trial calls needed to close (<= permittedCalls). Default 1. */
  readonly successThreshold?: number;
  /**
   * Longest a probe may hold the half-open trial (its lease); after it another
   * replica may take over and the old prober's result is refused. Default 30,000.
   */
  readonly maxDurationMs?: number;
}

/** How a thrown error counts: a failure, a success (the dependency answered), or not at all. */
export type ErrorClassification = boolean | 'ignore';

/**
 * Options of one breaker. Every option is optional; all are validated when the
 * breaker is created (`box.breaker(name, options)`), never on the hot path.
 * `F` is what `fallback` returns.
 */
export interface BreakerOptions<F = never> {
  /** Fraction (0, 1] of failed calls in the window that opens the breaker. Default 0.5. */
  readonly failureRateThreshold?: number;
  /** Fraction (0, 1] of slow calls that opens the breaker; 1 turns the rule off. Default 1. */
  readonly slowCallRateThreshold?: number;
  /** A call at least this long (ms) is slow. Default 60,000. */
  readonly slowCallDurationMs?: number;
  /** Calls (fleet-wide) the window must hold before rates count. Default 20. */
  readonly minimumCalls?: number;
  /** `time` (buckets over `windowMs`) or `count` (the last `windowSize` calls). Default `time`. */
  readonly windowType?: 'time' | 'count';
  /** Length of the time-based window, in ms. Default 10,000. */
  readonly windowMs?: number;
  /** Buckets the time-based window is split into. Default 10. */
  readonly windowBuckets?: number;
  /** Calls in the count-based window. Default 100. */
  readonly windowSize?: number;
  /** Per-call timeout in ms: the call's signal is aborted and it fails with `CallTimeout`. Default none. */
  readonly timeoutMs?: number;
  /** Exponential open backoff with jitter and a cap. */
  readonly openBackoff?: OpenBackoffOptions;
  /**
   * Classifies a thrown error: `true` a failure (the default for every error),
   * `false` a success (the dependency answered, e.g. a 404), `'ignore'` not counted.
   */
  readonly isFailure?: (error: unknown) => ErrorClassification;
  /**
   * Classifies a resolved value: `true` counts the call as a failure (say, a
   * `fetch` Response with status 503). The caller still gets the value (no
   * fallback). A classifier that throws counts the call as a failure and is
   * logged. Not asked about thrown errors (that is `isFailure`) nor about the
   * `probe` option's result. Default: every resolved value is a success.
   */
  readonly isResultFailure?: (result: unknown) => boolean;
  /** Half-open trial settings. */
  readonly halfOpen?: HalfOpenOptions;
  /** Distinct replicas that must report failures in the window before it trips. Default 1. */
  readonly minimumReplicas?: number;
  /** Served instead of rejecting (`DependencyUnhealthy`) or failing (a failure-classified error). */
  readonly fallback?: (error: unknown) => F | Promise<F>;
  /** Whether this dependency counts for the safety gate and `/health`. Default true. */
  readonly critical?: boolean;
  /**
   * A lightweight health check run as the half-open trial instead of a caller's
   * call: the caller that finds the breaker due for a probe is refused while the
   * probe runs, and a success closes the breaker with no user traffic at risk.
   */
  readonly probe?: (signal: AbortSignal) => Promise<unknown>;
}
