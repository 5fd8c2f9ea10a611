import { openDurationMs } from './backoff.js';
import { createWindow } from './create-window.js';
import type { EvaluatedTotals, OutcomeWindow } from './outcome-window.js';
import { callsIn } from './tally.js';
import { assertLegalTransition } from './transition-table.js';
import type {
  CircuitConfig,
  CircuitState,
  CircuitTransition,
  Outcome,
  OutcomeCounts,
  TransitionReason,
  TripCause,
  TripRule,
  WindowCounts,
} from './types.js';

/** The persistent part of a circuit: what the Redis `state` hash holds too. */
export interface CircuitRecord {
  readonly state: CircuitState;
  /** Incremented by every transition. */
  readonly epoch: number;
  /** open: when a probe may begin; forced_open: when the override ends (0 = until cleared). */
  readonly openUntil: number;
  /** Failed probes since the circuit last closed (the backoff exponent). */
  readonly backoffStep: number;
  /** The current probe's fencing token ('' when none). */
  readonly probeToken: string;
  /** When the current probe's lease ends, after which another prober may take over. */
  readonly probeLeaseUntil: number;
  /** When the last transition happened (0 if never). */
  readonly changedAt: number;
  /** Why the last transition happened ('' if never). */
  readonly reason: TransitionReason | '';
  /** What opened the circuit, from the trip until it next closes (null otherwise, or when an operator opened it). */
  readonly trippedBy: TripCause | null;
}

/** What a probe request got: the trial, or why not. */
export type BeginProbeResult =
  | { readonly granted: true; readonly transition: CircuitTransition | undefined }
  | { readonly granted: false; readonly refusal: ProbeRefusal };

/** Why a probe was not granted. */
export type ProbeRefusal = 'not_open' | 'not_due' | 'probe_in_progress';

/** What ending a probe did. */
export type EndProbeResult =
  | { readonly accepted: true; readonly transition: CircuitTransition }
  | { readonly accepted: false };

/** An operator override. */
export type ForceMode = 'open' | 'closed' | 'reset';

/** A circuit that has never changed: closed, epoch 0. */
export const INITIAL_RECORD: CircuitRecord = Object.freeze({
  state: 'closed',
  epoch: 0,
  openUntil: 0,
  backoffStep: 0,
  probeToken: '',
  probeLeaseUntil: 0,
  changedAt: 0,
  reason: '',
  trippedBy: null,
});

/**
 * The breaker state machine, pure: time and randomness are arguments, there
 * are no timers, and every transition goes through the legal-transition table.
 * The Lua scripts implement exactly these operations (`record`, `beginProbe`,
 * `endProbe`, `force`); a model test drives both and expects the same results.
 */
export class Circuit {
  private latest: CircuitRecord = INITIAL_RECORD;
  private readonly window: OutcomeWindow;

  constructor(
    private readonly config: CircuitConfig,
    initial?: CircuitRecord,
  ) {
    this.window = createWindow(config.window);
    if (initial !== undefined) this.latest = initial;
  }

  /** The current record (immutable; replaced by every transition). */
  get current(): CircuitRecord {
    return this.latest;
  }

  /** The current state. */
  get state(): CircuitState {
    return this.latest.state;
  }

  /** Window sums as of `now`. */
  totals(now: number): EvaluatedTotals {
    return this.window.totals(now);
  }

  /**
   * Counts one call (the in-process hot path). Only a closed circuit counts.
   * Any outcome may trip it: a success that brings the window up to
   * `minimumCalls`, or one counted after older successes left the window, can
   * complete a failure rate above the threshold.
   */
  recordOne(
    replica: string,
    outcome: Outcome,
    now: number,
    random: number,
  ): CircuitTransition | undefined {
    if (this.latest.state !== 'closed') return undefined;
    this.window.addOne(replica, outcome, now);
    return this.evaluate(now, random);
  }

  /** Adds one replica's batch of outcomes, then evaluates the thresholds (whatever the batch holds). */
  record(
    replica: string,
    counts: OutcomeCounts,
    now: number,
    random: number,
  ): CircuitTransition | undefined {
    if (this.latest.state !== 'closed' || callsIn(counts) === 0) return undefined;
    this.window.add(replica, counts, now);
    return this.evaluate(now, random);
  }

  /**
   * Asks to become the prober with fencing token `token`: granted when the
   * circuit is open (or forced open with an expiry) past its openUntil, or
   * half-open with an expired lease, or already held by `token`.
   */
  beginProbe(token: string, now: number): BeginProbeResult {
    const record = this.latest;
    switch (record.state) {
      case 'open':
      case 'forced_open': {
        const due = record.openUntil > 0 && now >= record.openUntil;
        if (!due) return { granted: false, refusal: 'not_due' };
        return { granted: true, transition: this.startProbe(token, now, 'probe_started') };
      }
      case 'half_open':
        if (record.probeToken === token) return { granted: true, transition: undefined };
        if (now < record.probeLeaseUntil) return { granted: false, refusal: 'probe_in_progress' };
        return { granted: true, transition: this.startProbe(token, now, 'probe_lease_expired') };
      default:
        return { granted: false, refusal: 'not_open' };
    }
  }

  /**
   * Ends the probe holding `token`: success closes the circuit (window cleared,
   * backoff reset), failure re-opens it for the next backoff step. A token that
   * is not the current one is refused (fencing).
   */
  endProbe(token: string, success: boolean, now: number, random: number): EndProbeResult {
    const record = this.latest;
    if (record.state !== 'half_open' || record.probeToken !== token || token === '') {
      return { accepted: false };
    }
    if (success) {
      this.window.clear();
      return { accepted: true, transition: this.close(now, 'probe_succeeded') };
    }
    return {
      accepted: true,
      transition: this.open(now, random, record.backoffStep + 1, 'probe_failed'),
    };
  }

  /**
   * Operator override: `open` (for `forMs`, 0 = until cleared), `closed`, or
   * `reset` (back to closed with an empty window and no backoff). Forcing the
   * state the circuit is already forced into is no transition (undefined);
   * forcing open again still replaces the expiry in the record.
   */
  force(mode: ForceMode, forMs: number, now: number): CircuitTransition | undefined {
    switch (mode) {
      case 'open':
        this.window.clear();
        if (this.latest.state === 'forced_open') {
          // The same override again: no transition, only its new expiry.
          this.latest = { ...this.latest, openUntil: forMs > 0 ? now + forMs : 0 };
          return undefined;
        }
        return this.transition(now, 'forced_open', 'forced_open', {
          openUntil: forMs > 0 ? now + forMs : 0,
          probeToken: '',
          probeLeaseUntil: 0,
        });
      case 'closed':
        if (this.latest.state === 'forced_closed') return undefined;
        this.window.clear();
        return this.transition(now, 'forced_closed', 'forced_closed', {
          openUntil: 0,
          backoffStep: 0,
          probeToken: '',
          probeLeaseUntil: 0,
          trippedBy: null,
        });
      case 'reset':
        this.window.clear();
        if (this.latest.state === 'closed') return undefined;
        return this.close(now, 'reset');
    }
  }

  private evaluate(now: number, random: number): CircuitTransition | undefined {
    // The allocation-free sums first: most calls cross no rate, whoever reported them.
    if (rateRule(this.config, this.window.sums(now)) === undefined) return undefined;
    const totals = this.window.totals(now);
    const rule = tripReason(this.config, totals);
    if (rule === undefined) return undefined;
    const { calls, failures, slowCalls } = totals;
    return this.open(now, random, 0, rule, { rule, calls, failures, slowCalls });
  }

  private open(
    now: number,
    random: number,
    step: number,
    reason: TransitionReason,
    trippedBy: TripCause | null = this.latest.trippedBy,
  ): CircuitTransition {
    this.window.clear();
    return this.transition(now, 'open', reason, {
      openUntil: now + openDurationMs(this.config.openBackoff, step, random),
      backoffStep: step,
      probeToken: '',
      probeLeaseUntil: 0,
      trippedBy,
    });
  }

  private close(now: number, reason: TransitionReason): CircuitTransition {
    return this.transition(now, 'closed', reason, {
      openUntil: 0,
      backoffStep: 0,
      probeToken: '',
      probeLeaseUntil: 0,
      trippedBy: null,
    });
  }

  private startProbe(token: string, now: number, reason: TransitionReason): CircuitTransition {
    return this.transition(now, 'half_open', reason, {
      probeToken: token,
      probeLeaseUntil: now + this.config.probeLeaseMs,
    });
  }

  private transition(
    now: number,
    to: CircuitState,
    reason: TransitionReason,
    changes: Partial<CircuitRecord>,
  ): CircuitTransition {
    const from = this.latest.state;
    assertLegalTransition(from, to);
    const next: CircuitRecord = {
      ...this.latest,
      ...changes,
      state: to,
      epoch: this.latest.epoch + 1,
      changedAt: now,
      reason,
    };
    this.latest = next;
    return { from, to, reason, epoch: next.epoch, at: now, openUntil: next.openUntil };
  }
}

/** Which threshold (if any) the window's sums cross. */
export function tripReason(config: CircuitConfig, totals: EvaluatedTotals): TripRule | undefined {
  if (totals.badReplicas < config.minimumReplicas) return undefined;
  return rateRule(config, totals);
}

/** Which rate rule (if any) sums cross once `minimumCalls` is reached, the replica quorum aside. */
export function rateRule(config: CircuitConfig, sums: WindowCounts): TripRule | undefined {
  if (sums.calls < config.minimumCalls || sums.calls === 0) return undefined;
  // Both thresholds are in (0, 1]: a window with no bad call crosses neither (no division needed).
  if (sums.failures === 0 && sums.slowCalls === 0) return undefined;
  if (sums.failures / sums.calls >= config.failureRateThreshold) return 'failure_rate';
  if (
    config.slowCallRateThreshold < 1 &&
    sums.slowCalls / sums.calls >= config.slowCallRateThreshold
  ) {
    return 'slow_call_rate';
  }
  return undefined;
}
