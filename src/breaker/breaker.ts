import type { Logger } from 'pino';
import type { BreakerState, CircuitTransition } from '../engine/types.js';
import { Outcome, toBreakerState } from '../engine/types.js';
import { BreakerBoxClosed } from '../errors/breakerbox-closed.js';
import { BreakerRetired } from '../errors/breaker-retired.js';
import { CallTimeout } from '../errors/call-timeout.js';
import type { Listener, Unsubscribe } from '../events/typed-events.js';
import { TypedEvents } from '../events/typed-events.js';
import type { CircuitDriver, CircuitView, DriverContext } from '../store/circuit-driver.js';
import type { BreakerHost } from './breaker-host.js';
import type { BreakerSnapshot } from './breaker-snapshot.js';
import { BreakerStats } from './breaker-stats.js';
import type { BreakerCallEvents } from './call-events.js';
import { toBreakerSnapshot } from './breaker-snapshot.js';
import type { ProtectedCall } from './protected-call.js';
import { NEVER_ABORTED } from './protected-call.js';
import { DeadlineSlots } from './deadline-slots.js';
import type { ForceOpenOptions } from './force-options.js';
import { resolveForceOpen } from './force-options.js';
import { ProbeSession } from './probe-session.js';
import { rejectionFor } from './rejection.js';
import type { ResolvedBreakerOptions } from './resolve-breaker-options.js';

/** Per-call options. */
export interface CallOptions {
  /** Aborting it aborts the call's signal; an error after the caller aborted is not counted. */
  readonly signal?: AbortSignal;
}

type Classification = 'failure' | 'success' | 'ignore';

/**
 * What one run of the probe job found: it closed or re-opened the breaker, or
 * there was nothing to do (no `probe`, not open, not due yet, another prober
 * holds the lock, or the result was fenced off).
 */
export type ProbeJobOutcome =
  'closed' | 'reopened' | 'no_probe' | 'not_open' | 'not_due' | 'busy' | 'stale';

const SETTLED = Promise.resolve();
/** The last error recorded for a call whose resolved value `isResultFailure` counted as a failure. */
const RESULT_FAILURE = 'isResultFailure: the call resolved with a value counted as a failure';

/**
 * One breaker: protects calls to one dependency. Decides every call from this
 * replica's view of the circuit with no I/O; the store (memory or Redis) keeps
 * the record. `F` is what the breaker's `fallback` returns.
 */
export class Breaker<F = never> implements DriverContext {
  /** What this breaker counted on this replica (read by metrics and health). */
  readonly stats = new BreakerStats();
  private readonly driver: CircuitDriver;
  /** Per-call listeners; undefined until the first one, so calls build no payloads. */
  private callEvents: TypedEvents<BreakerCallEvents> | undefined;
  private session: ProbeSession | undefined;
  private log: Logger | undefined;
  private deadlines: DeadlineSlots | undefined;
  private leaseDeadlines: DeadlineSlots | undefined;
  /** Calls of this breaker in flight. */
  private active = 0;
  /** Uses that are not calls (snapshots, overrides, listeners, transitions): they keep it from idling too. */
  private touches = 0;
  private retired = false;
  /** What idle retirement last saw of this breaker, and since when it has not changed. */
  private lastActivity = -1;
  private idleSince: number;
  /** No option changes the closed path: no timeout, no slow-call rule, no `isResultFailure`. */
  private readonly plain: boolean;

  /** @internal Created by `box.breaker()`. */
  constructor(
    /** The breaker (dependency) name. */
    readonly name: string,
    /** The validated options. */
    readonly options: ResolvedBreakerOptions,
    private readonly host: BreakerHost,
    private readonly fallback: ((error: unknown) => F | Promise<F>) | undefined,
  ) {
    this.driver = host.store.createDriver(options, this);
    this.idleSince = host.clock.now();
    this.plain =
      options.timeoutMs === undefined &&
      !options.measuresDuration &&
      options.isResultFailure === undefined;
  }

  /** True once the breaker was retired: every use throws `BreakerRetired`. */
  get isRetired(): boolean {
    return this.retired;
  }

  /**
   * Retires this breaker (`box.retire(this.name)`): frees it on this replica;
   * the shared record stays. Resolves false if it was retired already.
   * @throws BreakerInUse while calls are in flight or a binding follows it
   */
  retire(): Promise<boolean> {
    if (this.retired) return Promise.resolve(false);
    return this.host.retire(this.name);
  }

  /**
   * @internal How long this breaker has been idle (no call started or
   * finished, nothing else touched it) as of `now`, seen by successive looks:
   * any change since the last look starts the idle time again.
   */
  idleFor(now: number): number {
    const s = this.stats;
    const activity =
      this.touches +
      s.successes +
      s.failures +
      s.slowSuccesses +
      s.slowFailures +
      s.ignored +
      s.refusals +
      s.fallbacks +
      s.probeSuccesses +
      s.probeFailures;
    if (activity !== this.lastActivity || this.active > 0) {
      this.lastActivity = activity;
      this.idleSince = now;
      return 0;
    }
    return now - this.idleSince;
  }

  /**
   * @internal True when retiring it loses nothing: closed, no call in flight,
   * no probe under way, no call listener, and the store holds nothing of it.
   */
  get retirable(): boolean {
    return (
      this.driver.view.state === 'closed' &&
      this.active === 0 &&
      this.session === undefined &&
      this.callEvents === undefined &&
      this.driver.settled
    );
  }

  /** @internal Calls in flight on this breaker. */
  get callsInFlight(): number {
    return this.active;
  }

  /**
   * @internal Called by the box as it forgets this breaker: from now on every
   * use throws; timers are released, and the store lets go of it.
   */
  markRetired(): Promise<void> {
    this.retired = true;
    this.releaseTimers();
    if (this.session !== undefined) this.session.finished = true;
    this.session = undefined;
    this.callEvents?.clear();
    this.callEvents = undefined;
    return this.driver.retire();
  }

  /** This replica's view of the state, synchronously: `closed`, `open` or `half_open`. */
  get state(): BreakerState {
    return toBreakerState(this.driver.view.state);
  }

  /** @internal This replica's cached view (times on this process's clock). */
  get view(): CircuitView {
    return this.driver.view;
  }

  /**
   * @internal The probe job: if the breaker is due for a probe, becomes the
   * fleet's single prober (probe lock and fencing token, as a trial call
   * would), runs `probe` once and reports its result.
   */
  async runProbeJob(): Promise<ProbeJobOutcome> {
    const probe = this.options.probe;
    if (probe === undefined) return 'no_probe';
    const state = this.driver.view.state;
    if (state === 'closed' || state === 'forced_closed') return 'not_open';
    const session = new ProbeSession(1, 1);
    const grant = await this.driver.beginProbe();
    if (!grant.granted) {
      return grant.refusal === 'probe_in_progress' ? 'busy' : grant.refusal;
    }
    if (this.session !== undefined) this.session.finished = true;
    this.session = session;
    session.token = grant.token;
    session.granted = true;
    const start = this.host.clock.now();
    let passed = false;
    let error: unknown = undefined;
    try {
      await this.trialDeadlines().run(probe, undefined);
      passed =
        !this.options.measuresDuration ||
        this.host.clock.now() - start < this.options.slowCallDurationMs;
    } catch (probeError) {
      error = probeError;
    }
    if (!(passed ? session.succeed() : session.fail())) return 'stale';
    if (this.session === session) this.session = undefined;
    const accepted = await this.driver.endProbe(session.token, passed, error);
    return !accepted ? 'stale' : passed ? 'closed' : 'reopened';
  }

  /**
   * Listens to this breaker's calls (`success`, `failure`, `timeout`,
   * `refusal`, `fallback`); returns a function that removes the listener.
   * A breaker nobody listens to pays nothing for them.
   */
  on<K extends keyof BreakerCallEvents>(
    event: K,
    listener: Listener<BreakerCallEvents[K]>,
  ): Unsubscribe {
    this.touches++;
    this.callEvents ??= new TypedEvents((error, name) => {
      this.logger().error({ err: error, event: name }, 'a call event listener threw');
    });
    return this.callEvents.on(event, listener);
  }

  /** Removes a listener added with {@link Breaker.on}. */
  off<K extends keyof BreakerCallEvents>(event: K, listener: Listener<BreakerCallEvents[K]>): void {
    this.callEvents?.off(event, listener);
  }

  /**
   * Runs `fn` through the breaker. While closed it runs at once and its outcome
   * is counted; while open it is refused with `DependencyUnhealthy` (or served
   * by `fallback`); when a probe is due, exactly one call in the fleet is the trial.
   * @throws DependencyUnhealthy when refused and there is no fallback
   * @throws CallTimeout when `timeoutMs` passes
   * @throws BreakerBoxClosed after `box.close()`
   * @throws TypeError when `fn` is not a function (refused up front, not counted)
   */
  call<T>(fn: ProtectedCall<T>, callOptions?: CallOptions): Promise<T | F> {
    if (typeof fn !== 'function') return Promise.reject(notAFunction(this.name, fn));
    const host = this.host;
    if (host.isClosed) return Promise.reject(new BreakerBoxClosed(`call ${this.name}`));
    if (this.retired) return Promise.reject(new BreakerRetired(this.name, 'call it'));
    const state = this.driver.view.state;
    if (state === 'closed' || state === 'forced_closed') {
      return this.plain && callOptions?.signal === undefined && this.callEvents === undefined
        ? this.runPlain(fn)
        : this.runCounted(fn, callOptions);
    }
    const now = host.clock.now();
    const admission = this.admit(now);
    if (admission === 'refuse') return this.refuse(now);
    return admission === 'probe'
      ? this.startProbe(fn, callOptions)
      : this.runTrial(admission, fn, callOptions);
  }

  /**
   * The closed path of a breaker with no option that changes it (no timeout,
   * no slow-call rule, no `isResultFailure`), a call with no signal and no
   * listener: {@link Breaker.runCounted} with its branches taken, one clock
   * read, nothing allocated.
   */
  private async runPlain<T>(fn: ProtectedCall<T>): Promise<T | F> {
    const host = this.host;
    host.enter();
    this.active++;
    let result: T;
    try {
      result = await fn(NEVER_ABORTED);
    } catch (error) {
      host.leave();
      this.active--;
      return this.onCallError(error, 0, undefined);
    }
    host.leave();
    this.active--;
    const now = host.clock.now();
    this.driver.recordOutcome(Outcome.Success, now, undefined);
    this.countSuccess(false, now, 0);
    return result;
  }

  /** The closed path: run now, count the outcome. */
  private async runCounted<T>(
    fn: ProtectedCall<T>,
    callOptions: CallOptions | undefined,
  ): Promise<T | F> {
    const host = this.host;
    const options = this.options;
    const signal = callOptions?.signal;
    const start = options.measuresDuration || this.callEvents !== undefined ? host.clock.now() : 0;
    host.enter();
    this.active++;
    let result: T;
    try {
      const timeoutMs = options.timeoutMs;
      if (timeoutMs !== undefined) {
        result = await (this.deadlines ??= new DeadlineSlots(this.name, timeoutMs)).run(fn, signal);
      } else if (signal === undefined) {
        result = await fn(NEVER_ABORTED);
      } else {
        if (signal.aborted) throw signal.reason;
        result = await fn(signal);
      }
    } catch (error) {
      host.leave();
      this.active--;
      return this.onCallError(error, start, signal);
    }
    host.leave();
    this.active--;
    const now = host.clock.now();
    const slow = options.measuresDuration && now - start >= options.slowCallDurationMs;
    if (options.isResultFailure !== undefined && this.resultFails(result)) {
      this.driver.recordOutcome(slow ? Outcome.SlowFailure : Outcome.Failure, now, RESULT_FAILURE);
      this.countFailure(RESULT_FAILURE, slow, now, start);
    } else {
      this.driver.recordOutcome(slow ? Outcome.SlowSuccess : Outcome.Success, now, undefined);
      this.countSuccess(slow, now, start);
    }
    return result;
  }

  /**
   * Refuses one microtask later: the caller is awaiting by then, so the
   * rejection never goes through Node's unhandled-rejection bookkeeping.
   */
  private async refuse(now: number): Promise<F> {
    await SETTLED;
    return this.reject(now);
  }

  /** The shared record (Redis: the fleet's; memory: this process's). */
  async snapshot(): Promise<BreakerSnapshot> {
    this.assertOpen('read a snapshot');
    return toBreakerSnapshot(this.name, this.options.critical, await this.driver.snapshot());
  }

  /**
   * Forces the breaker open, fleet-wide, for `forMs` (or until `forceClosed`/`reset`).
   * When the time is up the breaker probes like any open breaker. Forcing an
   * already forced-open breaker is no transition; it only sets the new expiry.
   * @throws InvalidBreakerOptions for a bad `forMs` or an unknown key
   */
  async forceOpen(options: ForceOpenOptions = {}): Promise<void> {
    this.assertOpen('force a breaker open');
    await this.driver.force('open', resolveForceOpen(options));
  }

  /** Forces the breaker closed, fleet-wide: every call runs and nothing trips it until `reset`. */
  async forceClosed(): Promise<void> {
    this.assertOpen('force a breaker closed');
    await this.driver.force('closed', 0);
  }

  /** Back to closed with an empty window and no backoff, fleet-wide; clears any override. */
  async reset(): Promise<void> {
    this.assertOpen('reset a breaker');
    await this.driver.force('reset', 0);
  }

  private assertOpen(operation: string): void {
    if (this.host.isClosed) throw new BreakerBoxClosed(operation);
    if (this.retired) throw new BreakerRetired(this.name, operation);
    this.touches++;
  }

  /** How a call is let in while the breaker is not closed: a trial slot, the probe, or refused. */
  private admit(now: number): ProbeSession | 'probe' | 'refuse' {
    const view = this.driver.view;
    const session = this.session;
    if (view.state === 'half_open') {
      if (
        session !== undefined &&
        session.token === view.probeToken &&
        now < view.probeLeaseUntil
      ) {
        return this.options.probe === undefined && session.tryAdmit() ? session : 'refuse';
      }
      if (now < view.probeLeaseUntil) return 'refuse';
    } else if (view.openUntil === 0 || now < view.openUntil) {
      return 'refuse';
    }
    if (session !== undefined && !session.granted && !session.finished) return 'refuse';
    return 'probe';
  }

  private async startProbe<T>(
    fn: ProtectedCall<T>,
    callOptions: CallOptions | undefined,
  ): Promise<T | F> {
    const options = this.options;
    const session = new ProbeSession(options.permittedCalls, options.successThreshold);
    if (this.session !== undefined) this.session.finished = true;
    this.session = session;
    let token: string | undefined;
    try {
      const grant = await this.driver.beginProbe();
      if (grant.granted) token = grant.token;
    } catch (error) {
      this.logger().warn({ err: error }, 'could not begin a probe');
    }
    if (token === undefined || session.finished) {
      session.finished = true;
      if (this.session === session) this.session = undefined;
      return this.reject(this.host.clock.now());
    }
    session.token = token;
    session.granted = true;
    if (options.probe !== undefined) {
      this.runProbeCheck(session, options.probe);
      return this.reject(this.host.clock.now());
    }
    session.tryAdmit();
    return this.runTrial(session, fn, callOptions);
  }

  private async runTrial<T>(
    session: ProbeSession,
    fn: ProtectedCall<T>,
    callOptions: CallOptions | undefined,
  ): Promise<T | F> {
    const signal = callOptions?.signal;
    const start = this.host.clock.now();
    this.host.enter();
    this.active++;
    let result: T;
    try {
      result = await this.trialDeadlines().run(fn, signal);
    } catch (error) {
      this.host.leave();
      this.active--;
      const kind = this.classify(error, signal);
      if (kind === 'ignore') {
        this.stats.ignored++;
        session.release();
        throw error;
      }
      this.settleTrial(session, kind === 'success', error, start);
      if (kind === 'failure' && this.fallback !== undefined)
        return this.serveFallback(this.fallback, error);
      throw error;
    }
    this.host.leave();
    this.active--;
    if (this.options.isResultFailure !== undefined && this.resultFails(result)) {
      this.settleTrial(session, false, RESULT_FAILURE, start);
    } else {
      this.settleTrial(session, true, undefined, start);
    }
    return result;
  }

  private runProbeCheck(
    session: ProbeSession,
    probe: (signal: AbortSignal) => Promise<unknown>,
  ): void {
    const start = this.host.clock.now();
    this.trialDeadlines()
      .run(probe, undefined)
      .then(
        () => {
          this.settleTrial(session, true, undefined, start);
        },
        (error: unknown) => {
          this.settleTrial(session, false, error, start);
        },
      );
  }

  private settleTrial(
    session: ProbeSession,
    success: boolean,
    error: unknown,
    start: number,
  ): void {
    const slow =
      this.options.measuresDuration &&
      this.host.clock.now() - start >= this.options.slowCallDurationMs;
    const passed = success && !slow;
    if (passed) this.stats.probeSuccesses++;
    else this.stats.probeFailures++;
    const ends = passed ? session.succeed() : session.fail();
    if (!ends) return;
    if (this.session === session) this.session = undefined;
    this.driver.endProbe(session.token, passed, error).then(
      (accepted) => {
        if (!accepted) this.logger().warn({ token: session.token }, 'stale probe result refused');
      },
      (endError: unknown) => {
        this.logger().warn({ err: endError }, 'could not report the probe result');
      },
    );
  }

  /** Deadlines of trial calls: `timeoutMs`, or the probe's lease when there is none. */
  private trialDeadlines(): DeadlineSlots {
    const timeoutMs = this.options.timeoutMs;
    if (timeoutMs !== undefined)
      return (this.deadlines ??= new DeadlineSlots(this.name, timeoutMs));
    return (this.leaseDeadlines ??= new DeadlineSlots(
      this.name,
      this.options.circuit.probeLeaseMs,
    ));
  }

  private onCallError(
    error: unknown,
    start: number,
    signal: AbortSignal | undefined,
  ): FallbackResult<F> {
    const kind = this.classify(error, signal);
    if (kind === 'ignore') {
      this.stats.ignored++;
      throw error;
    }
    const options = this.options;
    const now = this.host.clock.now();
    const slow = options.measuresDuration && now - start >= options.slowCallDurationMs;
    if (kind === 'success') {
      this.driver.recordOutcome(slow ? Outcome.SlowSuccess : Outcome.Success, now, undefined);
      this.countSuccess(slow, now, start);
      throw error;
    }
    this.driver.recordOutcome(slow ? Outcome.SlowFailure : Outcome.Failure, now, error);
    this.countFailure(error, slow, now, start);
    if (this.fallback !== undefined) return this.serveFallback(this.fallback, error);
    throw error;
  }

  private classify(error: unknown, signal: AbortSignal | undefined): Classification {
    // The caller gave up first: whatever follows (its abort reason, or our own
    // timeout when the call ignored the abort) says nothing about the dependency.
    if (signal?.aborted === true) return 'ignore';
    if (error instanceof CallTimeout && error.dependency === this.name) return 'failure';
    const isFailure = this.options.isFailure;
    if (isFailure === undefined) return 'failure';
    let verdict: boolean | 'ignore';
    try {
      verdict = isFailure(error);
    } catch (classifierError) {
      this.logger().warn(
        { err: classifierError },
        'isFailure threw; counting the call as a failure',
      );
      return 'failure';
    }
    return verdict === 'ignore' ? 'ignore' : verdict ? 'failure' : 'success';
  }

  /** Whether `isResultFailure` counts a resolved value as a failure (a throwing classifier: yes). */
  private resultFails(result: unknown): boolean {
    const isResultFailure = this.options.isResultFailure;
    if (isResultFailure === undefined) return false;
    try {
      return isResultFailure(result);
    } catch (classifierError) {
      this.logger().warn(
        { err: classifierError },
        'isResultFailure threw; counting the call as a failure',
      );
      return true;
    }
  }

  private reject(now: number): FallbackResult<F> {
    const error = rejectionFor(
      this.name,
      this.driver.view,
      now,
      this.options.circuit.openBackoff.baseMs,
    );
    this.stats.refusals++;
    this.callEvents?.emit('refusal', { breaker: this.name, error });
    if (this.fallback !== undefined) return this.serveFallback(this.fallback, error);
    throw error;
  }

  private countSuccess(slow: boolean, now: number, start: number): void {
    const stats = this.stats;
    if (slow) stats.slowSuccesses++;
    else stats.successes++;
    stats.lastSuccessAt = now;
    if (this.callEvents !== undefined)
      this.callEvents.emit('success', { breaker: this.name, latencyMs: now - start });
  }

  private countFailure(error: unknown, slow: boolean, now: number, start: number): void {
    const stats = this.stats;
    if (slow) stats.slowFailures++;
    else stats.failures++;
    stats.noteFailure(error, now);
    const timedOut = error instanceof CallTimeout && error.dependency === this.name;
    if (timedOut) stats.timeouts++;
    const events = this.callEvents;
    if (events === undefined) return;
    const latencyMs = now - start;
    events.emit('failure', { breaker: this.name, error, latencyMs });
    if (timedOut) events.emit('timeout', { breaker: this.name, error, latencyMs });
  }

  private serveFallback(
    fallback: (error: unknown) => FallbackResult<F>,
    error: unknown,
  ): FallbackResult<F> {
    this.stats.fallbacks++;
    this.callEvents?.emit('fallback', { breaker: this.name, error });
    return fallback(error);
  }

  /**
   * @internal Called by `box.close()` once calls have drained: no deadline
   * timer of this breaker may keep the process alive any more.
   */
  releaseTimers(): void {
    this.deadlines?.dispose();
    this.leaseDeadlines?.dispose();
  }

  /**
   * @internal Called by the store for every transition this replica observes;
   * `replicaId` names the replica that made it when another one did.
   */
  onTransition(transition: CircuitTransition, maker?: string): void {
    this.touches++;
    const replicaId = maker ?? this.host.replicaId;
    this.stats.noteTransition(transition.from, transition.to);
    const session = this.session;
    if (
      session !== undefined &&
      session.granted &&
      (transition.to !== 'half_open' || this.driver.view.probeToken !== session.token)
    ) {
      session.finished = true;
      this.session = undefined;
    }
    const host = this.host;
    const openUntil =
      transition.openUntil > 0 && (transition.to === 'open' || transition.to === 'forced_open')
        ? transition.openUntil
        : null;
    const retryAfterMs = openUntil === null ? 0 : Math.max(0, openUntil - transition.at);
    const event = {
      breaker: this.name,
      from: transition.from,
      to: transition.to,
      epoch: transition.epoch,
      reason: transition.reason,
      retryAfterMs,
      replicaId,
      at: transition.at,
      openUntil,
    };
    this.logger().info(
      {
        from: event.from,
        to: event.to,
        reason: event.reason,
        epoch: event.epoch,
        retryAfterMs,
        replicaId,
      },
      `breaker ${this.name}: ${event.from} -> ${event.to} (${event.reason})`,
    );
    host.emitTransition(event);
  }

  private logger(): Logger {
    return (this.log ??= this.host.logger.child({ breaker: this.name }));
  }
}

/** The error for `call(x)` with a non-function `x`: a caller's bug, never the dependency's failure. */
function notAFunction(name: string, value: unknown): TypeError {
  const got = value === null ? 'null' : typeof value;
  return new TypeError(`${name}: call(fn) needs a function, got ${got}`);
}

/** What a refused or failed call resolves to when the breaker has a fallback. */
type FallbackResult<F> = F | Promise<F>;
