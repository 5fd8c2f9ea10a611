import { randomUUID } from 'node:crypto';
import type { ResolvedBreakerOptions } from '../breaker/resolve-breaker-options.js';
import type { ForceMode, ProbeRefusal } from '../engine/circuit.js';
import { Circuit, tripReason } from '../engine/circuit.js';
import type { CircuitTransition, Outcome } from '../engine/types.js';
import type { BreakerKeys } from '../redis/keys.js';
import type { HeldLock } from '../redis/probe-lock.js';
import type { ScriptReply, SharedSnapshot } from '../redis/script-reply.js';
import { ResultCode } from '../redis/script-reply.js';
import { scriptConfig } from '../redis/script-args.js';
import { errorMessage } from '../util/error-message.js';
import { localRecordFrom } from './local-record.js';
import type {
  CircuitDriver,
  CircuitView,
  DriverContext,
  DriverSnapshot,
  ProbeGrant,
} from './circuit-driver.js';
import type { SharedStoreServices } from './shared-store-services.js';

const CLOSED_VIEW: CircuitView = Object.freeze({
  state: 'closed',
  epoch: 0,
  openUntil: 0,
  backoffStep: 0,
  probeToken: '',
  probeLeaseUntil: 0,
});
const NO_REPLICAS = Object.freeze({});

/**
 * A breaker whose record lives in Redis. The hot path reads `view` (the last
 * shared snapshot, on this process's clock) and counts outcomes locally; the
 * store flushes them in one script call per breaker per flush interval, and
 * every reply or published transition refreshes the view.
 */
export class RedisDriver implements CircuitDriver {
  view: CircuitView = CLOSED_VIEW;
  /** True while counted outcomes wait for the next flush. */
  dirty = false;
  /** When the view was last refreshed from Redis (local clock). */
  lastSyncAt = 0;
  /** The script keys (state, window, events). */
  readonly scriptKeys: readonly string[];
  private shared: SharedSnapshot | undefined;
  private emittedEpoch = 0;
  private successes = 0;
  private failures = 0;
  private slowSuccesses = 0;
  private slowFailures = 0;
  private lastError: unknown = undefined;
  private readonly config: string;
  private readonly locks = new Map<string, HeldLock>();
  /** The in-memory engine that decides while Redis is unreachable (local mode); undefined when shared. */
  private local: Circuit | undefined;
  private localSince = 0;
  private localRandom = 0;

  constructor(
    private readonly options: ResolvedBreakerOptions,
    private readonly context: DriverContext,
    private readonly keys: BreakerKeys,
    private readonly store: SharedStoreServices,
  ) {
    this.scriptKeys = [keys.state, keys.window, keys.events];
    this.config = scriptConfig(options.circuit);
  }

  /** The breaker's name. */
  get name(): string {
    return this.context.name;
  }

  recordOutcome(outcome: Outcome, now: number, error: unknown): void {
    const local = this.local;
    if (local !== undefined) {
      if (this.view.state === 'closed') this.count(outcome, error);
      this.publishLocal(local.recordOne(this.store.replicaId, outcome, now, this.localRandom));
      return;
    }
    if (this.view.state !== 'closed') return;
    this.count(outcome, error);
    if (outcome !== 0 && this.wouldTrip()) this.store.flushUrgently(now);
  }

  /** Counts an outcome for the next flush. */
  private count(outcome: Outcome, error: unknown): void {
    switch (outcome) {
      case 0:
        this.successes++;
        break;
      case 1:
        this.failures++;
        break;
      case 2:
        this.slowSuccesses++;
        break;
      case 3:
        this.slowFailures++;
        break;
    }
    if (!this.dirty) {
      this.dirty = true;
      this.store.markDirty(this);
    }
    if ((outcome & 1) !== 0) this.lastError = error;
  }

  /** Takes the counted outcomes as the record script's ARGV (after the config), resetting them. */
  takeBatch(): string[] {
    const batch = [
      this.config,
      this.name,
      this.store.replicaId,
      String(this.successes),
      String(this.failures),
      String(this.slowSuccesses),
      String(this.slowFailures),
      this.lastError === undefined ? '' : errorMessage(this.lastError),
      String(this.store.random()),
      this.store.channel,
      randomUUID(),
    ];
    this.successes = this.failures = this.slowSuccesses = this.slowFailures = 0;
    this.lastError = undefined;
    this.dirty = false;
    return batch;
  }

  /** Puts back a batch whose flush failed, so no outcome is lost. */
  restoreBatch(batch: readonly string[]): void {
    const counts = {
      successes: Number(batch[3]),
      failures: Number(batch[4]),
      slowSuccesses: Number(batch[5]),
      slowFailures: Number(batch[6]),
    };
    this.successes += counts.successes;
    this.failures += counts.failures;
    this.slowSuccesses += counts.slowSuccesses;
    this.slowFailures += counts.slowFailures;
    if (!this.dirty) {
      this.dirty = true;
      this.store.markDirty(this);
    }
    const local = this.local;
    if (local !== undefined) {
      const now = this.store.clock.now();
      this.publishLocal(local.record(this.store.replicaId, counts, now, this.localRandom));
    }
  }

  /** Adopts a script's reply (and the transition it made, if any). */
  adoptReply(reply: ScriptReply): void {
    this.adopt(reply.snapshot, reply.transition, this.store.replicaId);
  }

  /** Adopts a snapshot published by any replica on the transitions channel. */
  adoptPublished(
    snapshot: SharedSnapshot,
    transition: CircuitTransition | undefined,
    replicaId: string,
  ): void {
    this.adopt(snapshot, transition, replicaId);
  }

  async beginProbe(): Promise<ProbeGrant> {
    const local = this.local;
    if (local !== undefined) {
      const token = randomUUID();
      const result = local.beginProbe(token, this.store.clock.now());
      if (!result.granted) return result;
      this.publishLocal(result.transition);
      return { granted: true, token };
    }
    let lock: HeldLock | undefined;
    try {
      lock = await this.store.probeLock.tryAcquire(
        this.keys.probe,
        this.options.circuit.probeLeaseMs,
      );
    } catch (error) {
      this.store.reportTrouble(error);
      throw error;
    }
    if (lock === undefined) return { granted: false, refusal: 'probe_in_progress' };
    let reply: ScriptReply;
    try {
      reply = await this.store.run(
        'breakerboxBeginProbeV1',
        this.scriptKeys,
        [
          this.config,
          this.name,
          this.store.replicaId,
          lock.token,
          this.store.channel,
          randomUUID(),
        ],
        [ResultCode.Ok, ResultCode.NotOpen, ResultCode.NotDue, ResultCode.ProbeInProgress],
      );
    } catch (error) {
      this.release(lock);
      throw error;
    }
    this.adoptReply(reply);
    if (reply.code !== ResultCode.Ok) {
      this.release(lock);
      return { granted: false, refusal: refusalOf(reply.code) };
    }
    this.locks.set(lock.token, lock);
    return { granted: true, token: lock.token };
  }

  async endProbe(token: string, success: boolean, error: unknown): Promise<boolean> {
    const lock = this.locks.get(token);
    this.locks.delete(token);
    const local = this.local;
    if (local !== undefined) {
      if (lock !== undefined) this.release(lock);
      const result = local.endProbe(token, success, this.store.clock.now(), this.localRandom);
      if (result.accepted) this.publishLocal(result.transition);
      return result.accepted;
    }
    try {
      const reply = await this.store.run(
        'breakerboxEndProbeV1',
        this.scriptKeys,
        [
          this.config,
          this.name,
          this.store.replicaId,
          token,
          success ? '1' : '0',
          String(this.store.random()),
          success || error === undefined ? '' : errorMessage(error),
          this.store.channel,
          randomUUID(),
        ],
        [ResultCode.Ok, ResultCode.StaleProbe],
      );
      this.adoptReply(reply);
      return reply.code === ResultCode.Ok;
    } finally {
      if (lock !== undefined) this.release(lock);
    }
  }

  async force(mode: ForceMode, forMs: number): Promise<void> {
    const local = this.local;
    if (local !== undefined) {
      this.publishLocal(local.force(mode, forMs, this.store.clock.now()));
      return;
    }
    const reply = await this.store.run(
      'breakerboxForceV1',
      this.scriptKeys,
      [
        this.config,
        this.name,
        this.store.replicaId,
        mode,
        String(forMs),
        this.store.channel,
        randomUUID(),
      ],
      [ResultCode.Ok],
    );
    this.adoptReply(reply);
  }

  async snapshot(): Promise<DriverSnapshot> {
    const local = this.local;
    if (local !== undefined) return this.localSnapshot(local);
    const reply = await this.refresh();
    const s = reply.snapshot;
    const { calls, failures, slowCalls, replicas } = s.window;
    return {
      record: {
        state: s.state,
        epoch: s.epoch,
        openUntil: s.openUntil,
        backoffStep: s.backoffStep,
        probeToken: s.probeToken,
        probeLeaseUntil: s.probeLeaseUntil,
        changedAt: s.changedAt,
        reason: s.reason,
      },
      window: { calls, failures, slowCalls, replicas },
      lastError: s.lastError === '' ? null : s.lastError,
      lastErrorAt: s.lastErrorAt === 0 ? null : s.lastErrorAt,
      mode: this.store.mode,
      at: s.now,
    };
  }

  /** Reads the shared record and adopts it. */
  async refresh(): Promise<ScriptReply> {
    const reply = await this.store.run(
      'breakerboxSnapshotV1',
      this.scriptKeys.slice(0, 2),
      [this.config],
      [ResultCode.Ok],
    );
    this.adoptReply(reply);
    return reply;
  }

  /**
   * Local mode: from now on this breaker decides with an in-memory engine,
   * starting from the last shared record (deadlines moved onto this clock),
   * with its own window (quorum of one: a replica alone must protect itself)
   * and process-local single flight. Outcomes not yet flushed count in it too.
   */
  goLocal(): void {
    if (this.local !== undefined) return;
    const now = this.store.clock.now();
    const seed =
      this.shared === undefined ? undefined : localRecordFrom(this.shared, this.store.offset);
    const local = new Circuit(this.options.localCircuit, seed);
    this.local = local;
    this.localSince = now;
    this.localRandom = this.store.random();
    this.view = local.current;
    this.publishLocal(
      local.record(
        this.store.replicaId,
        {
          successes: this.successes,
          failures: this.failures,
          slowSuccesses: this.slowSuccesses,
          slowFailures: this.slowFailures,
        },
        now,
        this.localRandom,
      ),
    );
  }

  /**
   * Back from local mode: carries this replica's lone decisions into the shared
   * record (the reconcile script's merge rules), adopts the result, and keeps
   * the outcomes counted meanwhile for the next flush (dropped if the outage
   * outlasted a time window: they would have left it anyway).
   */
  async reconcile(): Promise<void> {
    const local = this.local;
    if (local === undefined) return;
    const record = local.current;
    const offset = this.store.offset;
    const reply = await this.store.run(
      'breakerboxReconcileV1',
      this.scriptKeys,
      [
        this.config,
        this.name,
        this.store.replicaId,
        record.state,
        String(offset.toRedis(record.openUntil)),
        String(record.backoffStep),
        record.reason,
        String(Math.max(record.epoch, this.shared?.epoch ?? 0)),
        this.store.channel,
        randomUUID(),
      ],
      [ResultCode.Ok, ResultCode.Carried],
    );
    if (this.local !== local) return;
    const before = this.view.state;
    this.local = undefined;
    const window = this.options.circuit.window;
    if (window.type === 'time' && this.store.clock.now() - this.localSince > window.windowMs) {
      this.successes = this.failures = this.slowSuccesses = this.slowFailures = 0;
    }
    // The reconciled record is authoritative: adopt it whatever the epochs, and
    // tell listeners only if this replica's state changes by it. Unless a newer
    // version of the same record was heard on the transitions channel while the
    // reply was on its way (another replica changed it after this script ran):
    // views only move forward.
    const heard = this.shared;
    const replied = reply.snapshot;
    const newer =
      heard !== undefined &&
      heard.incarnation === replied.incarnation &&
      heard.epoch > replied.epoch;
    const snapshot = newer ? heard : replied;
    const transition = newer ? undefined : reply.transition;
    this.shared = undefined;
    this.emittedEpoch = Number.MAX_SAFE_INTEGER;
    this.adopt(snapshot, transition, this.store.replicaId);
    this.emittedEpoch = snapshot.epoch;
    if (before !== snapshot.state && snapshot.reason !== '') {
      this.context.onTransition(
        {
          from: before,
          to: snapshot.state,
          reason: snapshot.reason,
          epoch: snapshot.epoch,
          at: snapshot.changedAt,
          openUntil: snapshot.openUntil,
        },
        transition === undefined ? undefined : this.store.replicaId,
      );
    }
  }

  /** True while this breaker decides locally. */
  get isLocal(): boolean {
    return this.local !== undefined;
  }

  private localSnapshot(local: Circuit): DriverSnapshot {
    const at = this.store.clock.now();
    const { calls, failures, slowCalls, replicas } = local.totals(at);
    return {
      record: local.current,
      window: { calls, failures, slowCalls, replicas },
      lastError:
        this.shared?.lastError === undefined || this.shared.lastError === ''
          ? null
          : this.shared.lastError,
      lastErrorAt:
        this.shared === undefined || this.shared.lastErrorAt === 0
          ? null
          : this.offsetToLocal(this.shared.lastErrorAt),
      mode: 'local',
      at,
    };
  }

  private offsetToLocal(redisMs: number): number {
    return this.store.offset.toLocal(redisMs);
  }

  private publishLocal(transition: CircuitTransition | undefined): void {
    const local = this.local;
    if (transition === undefined || local === undefined) return;
    this.view = local.current;
    this.localRandom = this.store.random();
    this.emittedEpoch = Math.max(this.emittedEpoch, transition.epoch);
    this.context.onTransition(transition);
  }

  /** Lets go of every held probe lock (on close). */
  releaseAll(): void {
    for (const lock of this.locks.values()) this.release(lock);
    this.locks.clear();
  }

  private release(lock: HeldLock): void {
    lock.release().catch((error: unknown) => {
      this.store.logger.debug(
        { err: error, breaker: this.name },
        'probe lock release failed (it expires)',
      );
    });
  }

  private wouldTrip(): boolean {
    const window = this.shared?.window;
    const pendingBad = this.failures + this.slowSuccesses + this.slowFailures > 0;
    const iAmCounted = window?.replicas[this.store.replicaId];
    const alreadyBad =
      iAmCounted !== undefined && (iAmCounted.failures > 0 || iAmCounted.slowCalls > 0);
    return (
      tripReason(this.options.circuit, {
        calls:
          (window?.calls ?? 0) +
          this.successes +
          this.failures +
          this.slowSuccesses +
          this.slowFailures,
        failures: (window?.failures ?? 0) + this.failures + this.slowFailures,
        slowCalls: (window?.slowCalls ?? 0) + this.slowSuccesses + this.slowFailures,
        badReplicas: (window?.badReplicas ?? 0) + (pendingBad && !alreadyBad ? 1 : 0),
        replicas: NO_REPLICAS,
      }) !== undefined
    );
  }

  private adopt(
    snapshot: SharedSnapshot,
    transition: CircuitTransition | undefined,
    replicaId: string,
  ): void {
    const known = this.shared;
    if (known !== undefined && known.incarnation === snapshot.incarnation) {
      if (snapshot.epoch < known.epoch) return;
      if (snapshot.epoch === known.epoch && snapshot.now < known.now) return;
    }
    this.shared = snapshot;
    this.lastSyncAt = this.store.clock.now();
    if (this.local !== undefined) return;
    const previous = this.view.state;
    const offset = this.store.offset;
    this.view = {
      state: snapshot.state,
      epoch: snapshot.epoch,
      openUntil: offset.toLocal(snapshot.openUntil),
      backoffStep: snapshot.backoffStep,
      probeToken: snapshot.probeToken,
      probeLeaseUntil: offset.toLocal(snapshot.probeLeaseUntil),
    };
    const rebuilt = known !== undefined && known.incarnation !== snapshot.incarnation;
    if ((snapshot.epoch > this.emittedEpoch || rebuilt) && snapshot.reason !== '') {
      this.emittedEpoch = snapshot.epoch;
      const seen =
        transition?.epoch === snapshot.epoch
          ? transition
          : {
              from: previous,
              to: snapshot.state,
              reason: snapshot.reason,
              epoch: snapshot.epoch,
              at: snapshot.changedAt,
              openUntil: snapshot.openUntil,
            };
      this.context.onTransition(seen, transition?.epoch === snapshot.epoch ? replicaId : undefined);
    } else if (rebuilt) {
      this.emittedEpoch = snapshot.epoch;
    }
  }
}

function refusalOf(code: number): ProbeRefusal {
  switch (code) {
    case ResultCode.NotOpen:
      return 'not_open';
    case ResultCode.NotDue:
      return 'not_due';
    default:
      return 'probe_in_progress';
  }
}
