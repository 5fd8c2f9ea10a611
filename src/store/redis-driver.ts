import type { ResolvedBreakerOptions } from '../breaker/resolve-breaker-options.js';
import type { ForceMode, ProbeRefusal } from '../engine/circuit.js';
import type { CircuitState, CircuitTransition, Outcome, OutcomeCounts } from '../engine/types.js';
import type { BreakerKeys } from '../redis/keys.js';
import type { HeldLock } from '../redis/probe-lock.js';
import type { ScriptReply, SharedSnapshot } from '../redis/script-reply.js';
import { ResultCode } from '../redis/script-reply.js';
import { mutationArgs, scriptConfig } from '../redis/script-args.js';
import { errorMessage } from '../util/error-message.js';
import { INITIAL_RECORD } from '../engine/circuit.js';
import { LocalFallback } from './local-fallback.js';
import { driverSnapshotOf, localRecordFrom } from './record-conversions.js';
import { PendingOutcomes } from './pending-outcomes.js';
import { wouldTrip } from './would-trip.js';
import type {
  CircuitDriver,
  CircuitView,
  DriverContext,
  DriverSnapshot,
  ProbeGrant,
} from './circuit-driver.js';
import type { SharedStoreServices } from './shared-store-services.js';

/**
 * A breaker whose record lives in Redis. The hot path reads `view` (the last
 * shared snapshot, on this process's clock) and counts outcomes locally; the
 * store flushes them in one script call per breaker per flush interval, and
 * every reply or published transition refreshes the view.
 */
export class RedisDriver implements CircuitDriver {
  private current: CircuitView = INITIAL_RECORD;
  /** True while counted outcomes wait for the next flush. */
  dirty = false;
  /** When the view was last refreshed from Redis (local clock). */
  lastSyncAt = 0;
  /** The script keys (state, window, events). */
  readonly scriptKeys: readonly string[];
  private shared: SharedSnapshot | undefined;
  private emittedEpoch = 0;
  private readonly pending = new PendingOutcomes();
  private readonly config: string;
  private readonly locks = new Map<string, HeldLock>();
  /** Published messages adopted so far (a read overtaken by one does not overrule it). */
  private heard = 0;
  private confirming = false;
  private confirmAgain = false;
  private rebuilding = false;
  /** The last published message waiting for the read that confirms it. */
  private unconfirmed:
    | {
        readonly snapshot: SharedSnapshot;
        readonly transition: CircuitTransition | undefined;
        readonly replicaId: string;
      }
    | undefined;
  /** The in-memory engine that decides while Redis is unreachable (local mode); undefined when shared. */
  private local: LocalFallback | undefined;

  constructor(
    private readonly options: ResolvedBreakerOptions,
    private readonly context: DriverContext,
    private readonly keys: BreakerKeys,
    private readonly store: SharedStoreServices,
  ) {
    this.scriptKeys = [keys.state, keys.window, keys.events];
    this.config = scriptConfig(options.circuit, store.idleTtlMs);
  }

  /** The breaker's name. */
  get name(): string {
    return this.context.name;
  }

  get view(): CircuitView {
    return this.current;
  }

  /** Replaces the view; one that is not closed is re-read by every refresh sweep until it closes. */
  private setView(view: CircuitView): void {
    this.current = view;
    if (view.state !== 'closed') this.store.noteUnsettled(this);
  }

  /** The read script's ARGV (its config). */
  get readArgs(): string {
    return this.config;
  }

  /** True when nothing of this breaker waits in the store: no outcomes to flush, no probe lock, no local engine, no read or rebuild under way. */
  get settled(): boolean {
    return (
      !this.dirty &&
      this.local === undefined &&
      this.locks.size === 0 &&
      !this.confirming &&
      !this.rebuilding
    );
  }

  retire(): Promise<void> {
    return this.store.retire(this);
  }

  /**
   * True when a cheap check of the record (incarnation, epoch, state) tells
   * whether a full read would change anything: closed, shared, with a record
   * known and no published message waiting for confirmation.
   */
  get checkable(): boolean {
    return (
      this.current.state === 'closed' &&
      this.shared !== undefined &&
      this.local === undefined &&
      this.unconfirmed === undefined
    );
  }

  /** Whether the record's `[incarnation, epoch, state]` (HMGET, nulls when absent) is the one this replica knows. */
  matchesRecord(fields: readonly (string | null)[]): boolean {
    const known = this.shared;
    if (known === undefined) return false;
    const [incarnation = null, epoch = null, state = null] = fields;
    if (known.incarnation === '') return incarnation === null;
    return (
      incarnation === known.incarnation && Number(epoch) === known.epoch && state === known.state
    );
  }

  recordOutcome(outcome: Outcome, now: number, error: unknown): void {
    const local = this.local;
    if (local !== undefined) {
      if (this.view.state === 'closed') this.count(outcome, error);
      local.recordOne(outcome, now);
      return;
    }
    if (this.view.state !== 'closed') return;
    this.count(outcome, error);
    if (
      outcome !== 0 &&
      wouldTrip(this.options.circuit, this.shared?.window, this.pending, this.store.replicaId)
    ) {
      this.store.flushUrgently(now);
    }
  }

  /** ARGV of a script that may change the record, around its own arguments. */
  private argsWith(own: readonly string[]): string[] {
    return mutationArgs(this.config, this.name, this.store.replicaId, own, this.store.channel);
  }

  /** Counts an outcome for the next flush. */
  private count(outcome: Outcome, error: unknown): void {
    this.pending.count(outcome, error);
    this.markDirty();
  }

  private markDirty(): void {
    if (this.dirty) return;
    this.dirty = true;
    this.store.markDirty(this);
  }

  /** Takes the counted outcomes: the record script's ARGV, and the counts to put back if it fails. */
  takeBatch(): { readonly args: readonly string[]; readonly counts: OutcomeCounts } {
    // Described before the counts are taken: nothing may be lost if it fails.
    const lastError = this.pending.lastError;
    const message = lastError === undefined ? '' : errorMessage(lastError);
    const args = this.argsWith([
      String(this.pending.successes),
      String(this.pending.failures),
      String(this.pending.slowSuccesses),
      String(this.pending.slowFailures),
      message,
      String(this.store.random()),
    ]);
    const { counts } = this.pending.take();
    this.dirty = false;
    return { args, counts };
  }

  /** Puts back the counts of a batch whose flush failed, so no outcome is lost. */
  restoreBatch(counts: OutcomeCounts): void {
    this.pending.add(counts);
    this.markDirty();
    const local = this.local;
    if (local !== undefined) {
      local.record(counts);
    }
  }

  /** Adopts a script's reply (and the transition it made, if any). */
  adoptReply(reply: ScriptReply): void {
    this.adopt(reply.snapshot, reply.transition, this.store.replicaId);
  }

  /**
   * A snapshot published on the transitions channel (by any replica, or by
   * anyone who can publish there). It may make this replica more careful at
   * once (the next transition of the record it knows, to a state that is not
   * closed), never less careful on its own: anything else (to closed or forced
   * closed, an epoch jump, an unknown incarnation) is checked by reading the
   * record in Redis instead.
   */
  adoptPublished(
    snapshot: SharedSnapshot,
    transition: CircuitTransition | undefined,
    replicaId: string,
  ): void {
    const known = this.shared;
    const tightening = snapshot.state !== 'closed' && snapshot.state !== 'forced_closed';
    const next =
      known !== undefined &&
      known.incarnation === snapshot.incarnation &&
      snapshot.epoch <= known.epoch + 1;
    if (tightening && next) {
      this.heard++;
      this.adopt(snapshot, transition, replicaId);
      return;
    }
    this.unconfirmed = { snapshot, transition, replicaId };
    this.confirm();
  }

  /** Reads the record to check a published message not adopted as it is (coalesced). */
  private confirm(): void {
    if (this.local !== undefined) return;
    if (this.confirming) {
      this.confirmAgain = true;
      return;
    }
    this.confirming = true;
    this.refresh()
      .catch((error: unknown) => {
        this.store.logger.debug({ err: error, breaker: this.name }, 'confirming read failed');
      })
      .finally(() => {
        this.confirming = false;
        if (this.confirmAgain) {
          this.confirmAgain = false;
          this.confirm();
        }
      });
  }

  async beginProbe(): Promise<ProbeGrant> {
    const local = this.local;
    if (local !== undefined) {
      return local.beginProbe();
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
        this.argsWith([lock.token]),
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
      return local.endProbe(token, success);
    }
    try {
      const reply = await this.store.run(
        'breakerboxEndProbeV1',
        this.scriptKeys,
        this.argsWith([
          token,
          success ? '1' : '0',
          String(this.store.random()),
          success || error === undefined ? '' : errorMessage(error),
        ]),
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
      local.force(mode, forMs);
      this.setView(local.current); // a re-forced expiry is no transition
      return;
    }
    const reply = await this.store.run(
      'breakerboxForceV1',
      this.scriptKeys,
      this.argsWith([mode, String(forMs)]),
      [ResultCode.Ok],
    );
    this.adoptReply(reply);
  }

  async snapshot(): Promise<DriverSnapshot> {
    const local = this.local;
    if (local !== undefined) return local.snapshot(this.shared, this.store.offset);
    const reply = await this.refresh();
    return driverSnapshotOf(reply.snapshot, this.store.mode);
  }

  /**
   * Reads the shared record and adopts it. A read is the truth as of when
   * Redis ran it: it replaces a view taken from a published message that Redis
   * does not confirm (a forged one), unless a newer message of the same record
   * arrived while the read was on its way.
   */
  async refresh(): Promise<ScriptReply> {
    const heard = this.heard;
    const reply = await this.store.run(
      'breakerboxSnapshotV1',
      this.scriptKeys.slice(0, 2),
      [this.config],
      [ResultCode.Ok],
    );
    this.adoptRead(reply, heard);
    return reply;
  }

  /** Published messages adopted so far: pass it, taken before a read is sent, to {@link adoptRead}. */
  get heardCount(): number {
    return this.heard;
  }

  /** Adopts the reply of a record read sent when {@link heardCount} was `heard` (see {@link refresh}). */
  adoptRead(reply: ScriptReply, heard: number): void {
    const read = reply.snapshot;
    const known = this.shared;
    // Ordered like any reply: no view yet, no record (the blank rule applies), or a newer message heard meanwhile.
    const ordinary =
      known === undefined ||
      read.incarnation === '' ||
      (this.heard !== heard && known.incarnation === read.incarnation && known.epoch > read.epoch);
    const message = this.unconfirmed;
    this.unconfirmed = undefined;
    if (
      message !== undefined &&
      message.snapshot.incarnation === read.incarnation &&
      message.snapshot.epoch === read.epoch &&
      message.snapshot.state === read.state
    ) {
      // Redis confirms the message: adopt it, with the replica that made it.
      this.adopt({ ...message.snapshot, now: read.now }, message.transition, message.replicaId);
    } else if (ordinary || this.local !== undefined || !this.contradicts(read)) {
      this.adoptReply(reply);
    } else {
      this.replaceWith(read, 'a published transition was not confirmed by the record in Redis');
    }
  }

  /** True when the ordering of views would refuse `read` although Redis has it now. */
  private contradicts(read: SharedSnapshot): boolean {
    const known = this.shared;
    if (known === undefined) return false;
    if (known.incarnation === read.incarnation) {
      return read.epoch < known.epoch || (read.epoch === known.epoch && read.now < known.now);
    }
    return read.now <= known.now;
  }

  /** Takes `snapshot` as this replica's view whatever the ordering, telling listeners if the state changes. */
  private replaceWith(snapshot: SharedSnapshot, why: string): void {
    const before = this.view.state;
    this.store.logger.warn(
      { breaker: this.name, state: snapshot.state, epoch: snapshot.epoch, was: before },
      why,
    );
    this.shared = snapshot;
    this.lastSyncAt = this.store.clock.now();
    this.setView(localRecordFrom(snapshot, this.store.offset));
    this.emittedEpoch = snapshot.epoch;
    this.announceChange(before, snapshot, undefined);
  }

  /** Tells the breaker that adopting `snapshot` changed this replica's state (and why), if it did. */
  private announceChange(
    before: CircuitState,
    snapshot: SharedSnapshot,
    maker: string | undefined,
  ): void {
    if (before === snapshot.state || snapshot.reason === '') return;
    this.context.onTransition(
      {
        from: before,
        to: snapshot.state,
        reason: snapshot.reason,
        epoch: snapshot.epoch,
        at: snapshot.changedAt,
        openUntil: snapshot.openUntil,
      },
      maker,
    );
  }

  /**
   * The record this replica knows (not closed) is gone from Redis (FLUSHALL,
   * eviction, a failover to an empty replica): rebuild it from this replica's
   * view with the reconcile script (idempotent: a record that exists again is
   * kept by its merge rules), never read "no record" as closed.
   */
  private rebuild(known: SharedSnapshot): void {
    if (this.rebuilding || this.local !== undefined) return;
    this.rebuilding = true;
    const args = this.argsWith([
      known.state,
      String(known.openUntil),
      String(known.backoffStep),
      known.reason,
      String(
        Math.max(
          known.epoch,
          this.emittedEpoch === Number.MAX_SAFE_INTEGER ? 0 : this.emittedEpoch,
        ),
      ),
      known.trippedBy === undefined ? '' : JSON.stringify(known.trippedBy),
    ]);
    const incarnation = args.at(-1);
    this.store
      .run('breakerboxReconcileV1', this.scriptKeys, args, [ResultCode.Ok, ResultCode.Carried])
      .then((reply) => {
        if (reply.snapshot.incarnation === incarnation || reply.code === ResultCode.Carried) {
          const fields = { breaker: this.name, state: known.state, epoch: reply.snapshot.epoch };
          if (idleExpiryExpected(known, reply.snapshot.now, this.store.idleTtlMs)) {
            this.store.logger.debug(fields, 'shared record expired while idle: recreated');
          } else {
            this.store.logger.warn(
              fields,
              'shared record lost in Redis (eviction, FLUSHALL, failover?): rebuilt from this replica',
            );
          }
        }
        if (this.local !== undefined) return;
        if (this.contradicts(reply.snapshot)) this.replaceWith(reply.snapshot, 'record rebuilt');
        else this.adoptReply(reply);
      })
      .catch((error: unknown) => {
        this.store.logger.warn(
          { err: error, breaker: this.name },
          'rebuilding a lost record failed',
        );
      })
      .finally(() => {
        this.rebuilding = false;
      });
  }

  /**
   * Local mode: from now on this breaker decides with an in-memory engine,
   * starting from the last shared record (deadlines moved onto this clock),
   * with its own window (quorum of one: a replica alone must protect itself)
   * and process-local single flight. Outcomes not yet flushed count in it too.
   */
  goLocal(): void {
    if (this.local !== undefined) return;
    const seed =
      this.shared === undefined ? undefined : localRecordFrom(this.shared, this.store.offset);
    const local: LocalFallback = new LocalFallback(
      this.options.localCircuit,
      seed,
      this.store,
      (t) => {
        this.onLocalTransition(local, t);
      },
    );
    this.local = local;
    this.setView(local.current);
    local.record(this.pending);
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
      this.argsWith([
        record.state,
        String(offset.toRedis(record.openUntil)),
        String(record.backoffStep),
        record.reason,
        String(Math.max(record.epoch, this.shared?.epoch ?? 0)),
        record.trippedBy === null ? '' : JSON.stringify(record.trippedBy),
      ]),
      [ResultCode.Ok, ResultCode.Carried],
    );
    if (this.local !== local) return;
    const before = this.view.state;
    this.local = undefined;
    const window = this.options.circuit.window;
    if (window.type === 'time' && this.store.clock.now() - local.since > window.windowMs) {
      this.pending.clear();
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
    this.announceChange(
      before,
      snapshot,
      transition === undefined ? undefined : this.store.replicaId,
    );
    // A message heard while local that could not be adopted as it was (say, a
    // record another replica rebuilt under a new incarnation) waited for this
    // replica to read Redis again: it may be newer than what this script saw.
    if (this.unconfirmed !== undefined) this.confirm();
  }

  /** True while this breaker decides locally. */
  get isLocal(): boolean {
    return this.local !== undefined;
  }

  private onLocalTransition(local: LocalFallback, transition: CircuitTransition): void {
    if (this.local !== local) return;
    this.setView(local.current);
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

  private adopt(
    snapshot: SharedSnapshot,
    transition: CircuitTransition | undefined,
    replicaId: string,
  ): void {
    const known = this.shared;
    if (
      known !== undefined &&
      known.incarnation !== '' &&
      known.incarnation !== snapshot.incarnation &&
      isBlank(snapshot)
    ) {
      // No record in Redis (or one created closed just now): never a reason to
      // close. A record that was not closed is rebuilt; a closed one (say, one
      // that expired while idle) is taken as it is below: nothing changes.
      if (known.state !== 'closed') {
        this.rebuild(known);
        return;
      }
    }
    if (known !== undefined) {
      if (known.incarnation === snapshot.incarnation) {
        if (snapshot.epoch < known.epoch) return;
        if (snapshot.epoch === known.epoch && snapshot.now < known.now) return;
      } else if (snapshot.now < known.now) {
        // Another incarnation read before the one we know (say, a late first
        // read of a record not yet created): a stale reply, not a rebuild.
        return;
      }
    }
    this.shared = snapshot;
    this.lastSyncAt = this.store.clock.now();
    if (this.local !== undefined) return;
    const previous = this.view.state;
    this.setView(localRecordFrom(snapshot, this.store.offset));
    const rebuilt = known !== undefined && known.incarnation !== snapshot.incarnation;
    // A record rebuilt in the state this replica already had (an open record
    // recreated after it expired or was lost) changes nothing here: no event.
    const same = rebuilt && previous === snapshot.state;
    if ((snapshot.epoch > this.emittedEpoch || rebuilt) && snapshot.reason !== '' && !same) {
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

/**
 * Whether the record `known` may have expired by design by Redis time `now`:
 * with an idle TTL, a closed record expires `idleTtlMs` after its last change,
 * an open one `idleTtlMs` after it was due (see lua/includes/window.lua).
 * Forced records (and any without an idle TTL) never expire: their loss is news.
 */
function idleExpiryExpected(known: SharedSnapshot, now: number, idleTtlMs: number): boolean {
  if (idleTtlMs <= 0) return false;
  switch (known.state) {
    case 'closed':
      return true;
    case 'open':
    case 'half_open':
      return now >= Math.max(known.openUntil, known.probeLeaseUntil) + idleTtlMs;
    default:
      return false;
  }
}

/** A snapshot of no record (incarnation ''), or of one just created and never changed (epoch 0, closed). */
function isBlank(snapshot: SharedSnapshot): boolean {
  return snapshot.incarnation === '' || (snapshot.epoch === 0 && snapshot.state === 'closed');
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
