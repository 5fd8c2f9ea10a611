import type { Logger } from 'pino';
import type { ClockOffset } from '../redis/clock-offset.js';
import type { RedisClient } from '../redis/connection-option.js';
import { groupByNode } from '../redis/node-groups.js';
import { parseScriptReply, ResultCode } from '../redis/script-reply.js';
import type { Clock } from '../util/clock.js';
import { inChunks } from '../util/chunks.js';
import type { RedisDriver } from './redis-driver.js';

/** Reads per pipeline: thousands at once would outrun the command timeout. */
const CHUNK = 256;
/**
 * Every breaker (even a closed, idle one) is re-read once per this many
 * refresh intervals: each interval reads the next 1/60th of them, so the full
 * sweep is spread evenly instead of landing in one burst.
 */
const FULL_SWEEP_INTERVALS = 60;

/** A pipeline of the store's client (one Redis or a Cluster). */
type Pipeline = ReturnType<RedisClient['pipeline']>;

/** What the sweep needs of its store. */
export interface SweepHost {
  readonly command: RedisClient;
  readonly clock: Clock;
  readonly offset: ClockOffset;
  readonly logger: Logger;
  readonly refreshIntervalMs: number;
  /** The store's drivers by name (the sweep never changes it). */
  readonly drivers: ReadonlyMap<string, RedisDriver>;
  /** False once the store closed or went local: the sweep stops reading. */
  canRead(): boolean;
  reportOk(): void;
  reportTrouble(error: unknown): void;
}

/**
 * The refresh sweep of a Redis store: each interval it reads the breakers
 * never read or not closed (their calls flush nothing, so nothing else
 * refreshes them) and the next 1/60th of all breakers, which heals lost
 * transition messages; everything after the subscriber reconnected. A closed
 * breaker is first checked with a plain `HMGET` of its record's incarnation,
 * epoch and state (no script, a few bytes back): only a record that changed
 * is read in full. Reads go out in pipelines of {@link CHUNK}, one after the other.
 */
export class RefreshSweep {
  /**
   * Reads sent (full reads and checks), the most one pipeline carried, and the
   * longest the sweep held the event loop in one synchronous stretch, in ms
   * (tests and the bench).
   */
  readonly stats = { reads: 0, largestBurst: 0, fullReads: 0, longestSliceMs: 0 };
  private readonly unsettled = new Set<RedisDriver>();
  /**
   * Where the spread full sweep goes on: a live Map iterator, and how far into
   * the map it is. A retirement drops the iterator (V8 keeps the map's old
   * table, and the retired drivers in it, alive while an iterator holds it);
   * the next sweep seeks back to the same position.
   */
  private rotation: Iterator<RedisDriver> | undefined;
  private rotationIndex = 0;
  /** Breakers of the rotation owed to the next intervals (N / 60 per interval, fractions carried). */
  private credit = 0;
  private sweeping = false;
  private again = false;
  private owed = false;
  private scheduled = false;

  constructor(private readonly host: SweepHost) {}

  /** A driver was created, or its view is not closed: read it every interval until it is. */
  unsettle(driver: RedisDriver): void {
    this.unsettled.add(driver);
  }

  /** A driver was retired: drop every reference to it. */
  forget(driver: RedisDriver): void {
    this.unsettled.delete(driver);
    this.rotation = undefined;
  }

  /** A sweep soon (coalesced), or right after the one under way. */
  request(): void {
    if (this.sweeping) {
      this.again = true;
      return;
    }
    this.again = false;
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.run(false);
    });
  }

  /** True while a full sweep was asked for and could not run yet (local mode, or a sweep under way). */
  get fullSweepOwed(): boolean {
    return this.owed;
  }

  /** One sweep: this interval's reads, or every breaker (`all`, or a full sweep owed). */
  run(all: boolean): void {
    // A full sweep asked for while it cannot run (local mode, or a sweep under
    // way) is owed, not dropped: the messages it stands for were missed.
    if (all) this.owed = true;
    if (!this.host.canRead()) return;
    if (this.sweeping) {
      if (all) this.again = true;
      return;
    }
    const full = this.owed;
    this.owed = false;
    const started = performance.now();
    const due = full ? [...this.host.drivers.values()] : this.dueNow();
    this.noteSlice(started);
    if (due.length === 0) return;
    this.sweeping = true;
    void inChunks(due, CHUNK, async (chunk) => {
      if (this.host.canRead()) await this.readRecords(chunk);
    })
      .catch((error: unknown) => {
        this.host.logger.error({ err: error }, 'sweep failed unexpectedly');
      })
      .finally(() => {
        this.sweeping = false;
        if (this.again) this.request();
      });
  }

  /** This interval's reads: the unsettled drivers, and the next slice of the rotation. */
  private dueNow(): RedisDriver[] {
    const now = this.host.clock.now();
    const interval = this.host.refreshIntervalMs;
    const drivers = this.host.drivers;
    const due: RedisDriver[] = [];
    for (const driver of this.unsettled) {
      if (driver.lastSyncAt > 0 && driver.view.state === 'closed') this.unsettled.delete(driver);
      else if (now - driver.lastSyncAt >= interval) due.push(driver);
    }
    const chosen = new Set(due);
    this.credit = Math.min(this.credit + drivers.size / FULL_SWEEP_INTERVALS, drivers.size);
    let slice = Math.floor(this.credit);
    this.credit -= slice;
    while (slice > 0) {
      this.rotation ??= this.seek();
      const next = this.rotation.next();
      if (next.done === true) {
        this.rotation = undefined;
        this.rotationIndex = 0;
        if (chosen.size === drivers.size) break;
        continue;
      }
      this.rotationIndex++;
      slice--;
      const driver = next.value;
      if (!chosen.has(driver) && now - driver.lastSyncAt >= interval) due.push(driver);
    }
    return due;
  }

  /** A fresh iterator at the rotation's position (entries retired before it shift it a little: harmless). */
  private seek(): Iterator<RedisDriver> {
    const iterator = this.host.drivers.values();
    if (this.rotationIndex >= this.host.drivers.size) this.rotationIndex = 0;
    for (let i = 0; i < this.rotationIndex; i++) iterator.next();
    return iterator;
  }

  /**
   * Reads these records and adopts what changed: one pipeline of checks (closed
   * breakers whose record this replica knows) and full reads (the others),
   * then full reads of the records the checks found changed. The one place the
   * sweep talks to Redis. On a Cluster the reads go in one pipeline per node
   * (a Cluster pipeline must target one node), the nodes in parallel.
   */
  async readRecords(drivers: readonly RedisDriver[]): Promise<void> {
    const groups = groupByNode(this.host.command, drivers, (driver) => driver.scriptKeys[0] ?? '');
    await Promise.all(groups.map((group) => this.readGroup(group)));
  }

  /** {@link RefreshSweep.readRecords} for records served by one node. */
  private async readGroup(drivers: readonly RedisDriver[]): Promise<void> {
    const started = performance.now();
    const checked = drivers.filter((driver) => driver.checkable);
    const full = drivers.filter((driver) => !driver.checkable);
    const pipeline = this.host.command.pipeline();
    for (const driver of checked) pipeline.hmget(driver.scriptKeys[0] ?? '', 'inc', 'ep', 'st');
    const heard = full.map((driver) => this.queueFullRead(pipeline, driver));
    const sent = this.exec(pipeline, drivers.length);
    this.noteSlice(started);
    const results = await sent;
    if (results === undefined) return;
    const received = performance.now();
    const changed: RedisDriver[] = [];
    let failure: unknown = undefined;
    const now = this.host.clock.now();
    checked.forEach((driver, i) => {
      const [error, fields] = results.replies[i] ?? [new Error('no reply'), undefined];
      if (error !== null || !Array.isArray(fields)) {
        failure ??= error ?? new Error('HMGET reply is not an array');
      } else if (driver.matchesRecord(fields as (string | null)[])) {
        driver.lastSyncAt = now;
      } else {
        changed.push(driver);
      }
    });
    full.forEach((driver, i) => {
      failure ??= this.adoptFullRead(driver, results, checked.length + i, heard[i] ?? 0);
    });
    if (failure === undefined) this.host.reportOk();
    else this.host.reportTrouble(failure);
    this.noteSlice(received);
    if (changed.length > 0 && this.host.canRead()) {
      const again = this.host.command.pipeline();
      const heardAgain = changed.map((driver) => this.queueFullRead(again, driver));
      const replies = await this.exec(again, changed.length);
      if (replies === undefined) return;
      let trouble: unknown = undefined;
      changed.forEach((driver, i) => {
        trouble ??= this.adoptFullRead(driver, replies, i, heardAgain[i] ?? 0);
      });
      if (trouble !== undefined) this.host.reportTrouble(trouble);
    }
  }

  private noteSlice(started: number): void {
    const ms = performance.now() - started;
    if (ms > this.stats.longestSliceMs) this.stats.longestSliceMs = ms;
  }

  private queueFullRead(pipeline: Pipeline, driver: RedisDriver): number {
    pipeline.breakerboxSnapshotV1(
      driver.scriptKeys[0] ?? '',
      driver.scriptKeys[1] ?? '',
      driver.readArgs,
    );
    this.stats.fullReads++;
    return driver.heardCount;
  }

  private async exec(
    pipeline: Pipeline,
    count: number,
  ): Promise<
    { replies: [Error | null, unknown][]; sentAt: number; receivedAt: number } | undefined
  > {
    this.stats.reads += count;
    this.stats.largestBurst = Math.max(this.stats.largestBurst, count);
    const sentAt = this.host.clock.now();
    try {
      const replies = (await pipeline.exec()) ?? [];
      return { replies, sentAt, receivedAt: this.host.clock.now() };
    } catch (error) {
      this.host.reportTrouble(error);
      return undefined;
    }
  }

  /** Adopts one full read's reply; answers the error if it failed. */
  private adoptFullRead(
    driver: RedisDriver,
    results: { replies: [Error | null, unknown][]; sentAt: number; receivedAt: number },
    index: number,
    heard: number,
  ): unknown {
    const [error, raw] = results.replies[index] ?? [new Error('no reply'), undefined];
    try {
      if (error !== null) throw error;
      const reply = parseScriptReply('snapshot', raw, [ResultCode.Ok]);
      this.host.offset.observe(reply.snapshot.now, results.sentAt, results.receivedAt);
      driver.adoptRead(reply, heard);
      return undefined;
    } catch (readError) {
      this.host.logger.debug({ err: readError, breaker: driver.name }, 'refresh failed');
      return readError;
    }
  }
}
