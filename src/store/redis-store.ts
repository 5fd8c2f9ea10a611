import type { Logger } from 'pino';
import type { ResolvedBreakerOptions } from '../breaker/resolve-breaker-options.js';
import type { ResolvedBoxOptions } from '../box/box-options.js';
import { ClockOffset } from '../redis/clock-offset.js';
import { closeConnection } from '../redis/close-connection.js';
import type { RedisConnections } from '../redis/connect.js';
import { connectRedis } from '../redis/connect.js';
import { breakerKeys, transitionsChannel } from '../redis/keys.js';
import type { ProbeLock } from '../redis/probe-lock.js';
import { RedlockProbeLock } from '../redis/probe-lock.js';
import type { ScriptReply } from '../redis/script-reply.js';
import { parseScriptReply, ResultCode } from '../redis/script-reply.js';
import type { ScriptCommand } from '../redis/scripts.js';
import { defineScripts } from '../redis/scripts.js';
import type { ModeChangeEvent } from '../events/box-events.js';
import type { Clock, RandomSource } from '../util/clock.js';
import type { BreakerStore, FlushStats, StoreCloseStage } from './breaker-store.js';
import type { CircuitDriver, DriverContext, StoreMode } from './circuit-driver.js';
import { RedisDriver } from './redis-driver.js';
import type { SharedStoreServices } from './shared-store-services.js';
import { ModeController } from './mode-controller.js';
import { RefreshSweep } from './refresh-sweep.js';
import { TransitionFeed } from './transition-feed.js';
import { FleetReader } from './fleet-reader.js';
import type { ReplicaPresence } from './replica-presence.js';
import { PresenceWriter } from './replica-presence.js';
import { inChunks } from '../util/chunks.js';
import { groupByNode, pingAll } from '../redis/node-groups.js';

/** One driver's outcomes, taken for a flush. */
interface FlushBatch {
  readonly driver: RedisDriver;
  readonly batch: ReturnType<RedisDriver['takeBatch']>;
}

/** Breakers per pipeline: thousands at once would outrun the command timeout. */
const CHUNK = 256;

/**
 * The store of a box with Redis: one record per breaker shared by the fleet.
 * Outcomes are flushed on one timer for the whole box (never a timer per
 * breaker), one pipelined script call per dirty breaker; views are refreshed
 * by script replies, by the transitions channel, and by a sweep that heals
 * lost messages.
 */
export class RedisStore implements BreakerStore, SharedStoreServices {
  readonly offset = new ClockOffset();
  readonly channel: string;
  readonly replicaId: string;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly logger: Logger;
  readonly probeLock: ProbeLock;
  readonly idleTtlMs: number;
  /** Every breaker of the namespace, for operators' views (the dashboard). */
  readonly fleet: FleetReader;
  private presence: PresenceWriter | undefined;
  private readonly drivers = new Map<string, RedisDriver>();
  private readonly dirty = new Set<RedisDriver>();
  private readonly feed: TransitionFeed;
  private readonly flushTimer: NodeJS.Timeout;
  private readonly sweepTimer: NodeJS.Timeout;
  private flushing: Promise<void> | undefined;
  private flushAgain = false;
  private lastUrgentFlushAt = Number.NEGATIVE_INFINITY;
  private closed = false;
  private readonly controller: ModeController;
  private modeListener: ((event: ModeChangeEvent) => void) | undefined;
  /** Flushes that carried outcomes, and how long they took (read by metrics). */
  readonly flushStats: FlushStats = { count: 0, totalMs: 0, lastMs: 0, records: 0 };
  /** The refresh sweep (its `stats`: reads sent, the largest pipeline; read by tests and the bench). */
  readonly sweep: RefreshSweep;

  private constructor(
    private readonly connections: RedisConnections,
    private readonly options: ResolvedBoxOptions,
    defaultConfig: string,
  ) {
    this.channel = transitionsChannel(options.namespace);
    this.replicaId = options.replicaId;
    this.idleTtlMs = options.recordIdleTtlMs;
    this.clock = options.clock;
    this.random = options.random;
    this.logger = options.logger.child({ component: 'redis-store' });
    this.probeLock = new RedlockProbeLock(
      [connections.command],
      this.logger,
      options.commandTimeoutMs,
    );
    defineScripts(connections.command);
    this.fleet = new FleetReader(
      connections.command,
      options.namespace,
      this.channel,
      options.replicaId,
      this.logger,
      defaultConfig,
    );
    this.feed = new TransitionFeed(connections.subscriber, this.channel, this.logger, {
      onMessage: (message) => {
        this.drivers
          .get(message.name)
          ?.adoptPublished(message.snapshot, message.transition, message.replicaId);
        this.fleet.deliver(message);
      },
      onResubscribed: () => {
        this.sweep.run(true);
      },
    });
    this.controller = new ModeController(
      {
        ping: () => pingAll(connections.command),
        isConnectionReady: () => connections.command.status === 'ready',
        goLocal: () => {
          for (const driver of this.drivers.values()) driver.goLocal();
        },
        reconcile: () => this.reconcile(),
        onChange: (event) => this.modeListener?.(event),
      },
      options.clock,
      this.logger,
      {
        tickMs: Math.max(50, Math.min(250, options.flushIntervalMs * 2)),
        idleHeartbeatMs: options.refreshIntervalMs,
      },
    );
    connections.command.on('close', () => {
      if (!this.closed) this.controller.reportTrouble(new Error('redis connection closed'));
    });
    connections.command.on('ready', () => {
      this.controller.connectionReady();
    });
    this.flushTimer = setInterval(() => {
      void this.flush();
    }, options.flushIntervalMs);
    this.flushTimer.unref();
    this.sweep = new RefreshSweep({
      command: connections.command,
      clock: options.clock,
      offset: this.offset,
      logger: this.logger,
      refreshIntervalMs: options.refreshIntervalMs,
      drivers: this.drivers,
      canRead: () => !this.closed && this.mode !== 'local',
      reportOk: () => {
        this.controller.reportOk();
      },
      reportTrouble: (error) => {
        this.controller.reportTrouble(error);
      },
    });
    this.sweepTimer = setInterval(() => {
      this.sweep.run(false);
    }, options.refreshIntervalMs);
    this.sweepTimer.unref();
  }

  /**
   * Connects to Redis and subscribes to the transitions channel.
   * `defaultConfig` is the scripts' config of a breaker with default options
   * (the fleet reader's fallback for a record with none stored).
   * @throws InvalidBreakerOptions for a malformed `redis` option
   * @throws RedisUnavailable when Redis cannot be reached
   */
  static async connect(options: ResolvedBoxOptions, defaultConfig: string): Promise<RedisStore> {
    if (options.redis === undefined) throw new Error('RedisStore.connect needs a redis option');
    const connections = await connectRedis(options.redis, {
      commandTimeoutMs: options.commandTimeoutMs,
      connectTimeoutMs: options.connectTimeoutMs,
      replicaId: options.replicaId,
    });
    const store = new RedisStore(connections, options, defaultConfig);
    try {
      await store.feed.start();
      await store.checkEvictionPolicy();
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }

  /**
   * Warns when Redis may evict our keys (`allkeys-*`: a lost record must be
   * rebuilt by the replicas). Skipped when the ACL denies CONFIG GET.
   */
  private async checkEvictionPolicy(): Promise<void> {
    let reply: unknown;
    try {
      reply = await this.connections.command.config('GET', 'maxmemory-policy');
    } catch (error) {
      this.logger.debug({ err: error }, 'cannot read maxmemory-policy (CONFIG GET denied?)');
      return;
    }
    const policy = Array.isArray(reply) ? (reply as unknown[])[1] : undefined;
    if (typeof policy === 'string' && policy.startsWith('allkeys-')) {
      this.logger.warn(
        { maxmemoryPolicy: policy },
        'redis may evict breaker records under memory pressure: use noeviction or a volatile-* policy (docs/redis-requirements.md)',
      );
    }
  }

  startPresence(source: () => ReplicaPresence): void {
    if (this.closed || this.presence !== undefined || this.options.presenceIntervalMs === 0) return;
    this.presence = new PresenceWriter(
      this.connections.command,
      this.options.namespace,
      this.options.replicaId,
      this.options.presenceIntervalMs,
      source,
      () => this.mode === 'shared',
      this.logger,
    );
    this.presence.start();
  }

  createDriver(options: ResolvedBreakerOptions, context: DriverContext): CircuitDriver {
    const driver = new RedisDriver(
      options,
      context,
      breakerKeys(this.options.namespace, context.name),
      this,
    );
    this.drivers.set(context.name, driver);
    this.sweep.unsettle(driver);
    if (this.mode === 'local') {
      driver.goLocal();
    } else {
      // First reads go through the chunked sweep: creating thousands of
      // breakers at once must not put thousands of reads in flight.
      this.sweep.request();
    }
    return driver;
  }

  /** `shared` while Redis answers, `local` while breakers decide alone. */
  get mode(): StoreMode {
    return this.controller.mode;
  }

  setModeListener(listener: (event: ModeChangeEvent) => void): void {
    this.modeListener = listener;
  }

  reportTrouble(error: unknown): void {
    this.controller.reportTrouble(error);
  }

  async run(
    command: ScriptCommand,
    keys: readonly string[],
    args: readonly string[],
    allowed: readonly number[],
  ): Promise<ScriptReply> {
    const sentAt = this.clock.now();
    let raw: unknown;
    try {
      raw = await this.connections.command[command](...keys, ...args);
    } catch (error) {
      this.controller.reportTrouble(error);
      throw error;
    }
    this.controller.reportOk();
    let reply: ScriptReply;
    try {
      reply = parseScriptReply(command, raw, allowed);
    } catch (error) {
      this.controller.reportTrouble(error);
      throw error;
    }
    this.offset.observe(reply.snapshot.now, sentAt, this.clock.now());
    return reply;
  }

  markDirty(driver: RedisDriver): void {
    this.dirty.add(driver);
  }

  noteUnsettled(driver: RedisDriver): void {
    if (this.drivers.get(driver.name) === driver) this.sweep.unsettle(driver);
  }

  async retire(driver: RedisDriver): Promise<void> {
    if (this.drivers.get(driver.name) === driver) this.drivers.delete(driver.name);
    this.sweep.forget(driver);
    const dirty = this.dirty.delete(driver);
    driver.releaseAll();
    if (!dirty || this.closed || this.mode !== 'shared') return;
    const failure = await this.flushChunk([driver]);
    if (failure !== undefined) {
      this.logger.warn(
        { err: failure, breaker: driver.name },
        'a retired breaker could not flush its last outcomes; they are dropped',
      );
    }
  }

  /** How many breakers this store holds (tests and the bench check retirement frees them). */
  get size(): number {
    return this.drivers.size;
  }

  flushUrgently(now: number): void {
    if (now - this.lastUrgentFlushAt < this.options.flushIntervalMs / 4) return;
    this.lastUrgentFlushAt = now;
    void this.flush();
  }

  /** Flushes every dirty breaker's outcomes in one pipeline; failed batches are put back. */
  flush(): Promise<void> {
    if (this.flushing !== undefined) {
      this.flushAgain = true;
      return this.flushing;
    }
    const started = this.dirty.size > 0 ? performance.now() : -1;
    // Never rejects: it runs on a timer, and a rejection there would kill the
    // process (or, caught, strand every breaker of the batch).
    this.flushing = this.flushLoop()
      .catch((error: unknown) => {
        this.logger.error({ err: error }, 'flush failed unexpectedly');
      })
      .finally(() => {
        this.flushing = undefined;
        if (started >= 0) this.noteFlush(performance.now() - started);
      });
    return this.flushing;
  }

  async close(onStage?: (stage: StoreCloseStage) => void): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.controller.stop();
    clearInterval(this.flushTimer);
    clearInterval(this.sweepTimer);
    onStage?.('flush');
    if (this.mode === 'shared') await this.flush().catch(() => undefined);
    // Gone from operators' views at once rather than when the entry expires.
    await this.presence?.stop();
    onStage?.('release_probe_locks');
    for (const driver of this.drivers.values()) driver.releaseAll();
    onStage?.('unsubscribe');
    await this.feed.stop(this.options.commandTimeoutMs);
    onStage?.('quit');
    await closeConnection(this.connections.command, this.options.commandTimeoutMs);
  }

  private noteFlush(ms: number): void {
    this.flushStats.count++;
    this.flushStats.totalMs += ms;
    this.flushStats.lastMs = ms;
  }

  private async flushLoop(): Promise<void> {
    do {
      this.flushAgain = false;
      // Only what is dirty now: a breaker counting again meanwhile waits for
      // the next interval, so Redis sees one record per breaker per interval.
      let remaining = this.dirty.size;
      while (remaining > 0 && this.mode === 'shared') {
        const chunk = this.takeDirty(Math.min(CHUNK, remaining));
        if (chunk.length === 0) break;
        remaining -= chunk.length;
        const failure = await this.flushChunk(chunk);
        if (failure === undefined) {
          this.controller.reportOk();
          continue;
        }
        // Batches are back in place before a switch to local mode, so the local engines count them.
        if (!this.controller.reportTrouble(failure)) {
          this.logger.warn({ err: failure }, 'flush failed; outcomes kept for the next one');
        }
        break;
      }
    } while (this.shouldFlushAgain());
  }

  private takeDirty(most: number): RedisDriver[] {
    const taken: RedisDriver[] = [];
    for (const driver of this.dirty) {
      if (taken.length === most) break;
      this.dirty.delete(driver);
      taken.push(driver);
    }
    return taken;
  }

  /**
   * One pipeline of record calls per node (one in all on a single Redis);
   * answers the first failure, after putting failed batches back.
   */
  private async flushChunk(drivers: readonly RedisDriver[]): Promise<unknown> {
    const batches = this.takeBatches(drivers);
    const groups = groupByNode(
      this.connections.command,
      batches,
      ({ driver }) => driver.scriptKeys[0] ?? driver.name,
    );
    const failures = await Promise.all(groups.map((group) => this.flushGroup(group)));
    return failures.find((failure) => failure !== undefined);
  }

  /** One pipeline of record calls, all to one node. */
  private async flushGroup(batches: readonly FlushBatch[]): Promise<unknown> {
    const pipeline = this.connections.command.pipeline();
    for (const { driver, batch } of batches) {
      pipeline.breakerboxRecordV1(...driver.scriptKeys, ...batch.args);
    }
    this.flushStats.records += batches.length;
    const sentAt = this.clock.now();
    let results: [Error | null, unknown][] | null = null;
    let failure: unknown = undefined;
    try {
      results = await pipeline.exec();
    } catch (error) {
      failure = error;
    }
    const receivedAt = this.clock.now();
    batches.forEach(({ driver, batch }, i) => {
      const [error, raw] = results?.[i] ?? [failure ?? new Error('no reply'), undefined];
      if (error !== null) {
        failure ??= error;
        driver.restoreBatch(batch.counts);
        return;
      }
      try {
        const reply = parseScriptReply('record', raw, [ResultCode.Ok]);
        this.offset.observe(reply.snapshot.now, sentAt, receivedAt);
        driver.adoptReply(reply);
      } catch (parseError) {
        // Redis recorded the batch but answered what we cannot read: a foreign
        // script version or a corrupted record. Not to be trusted: local mode.
        this.controller.reportTrouble(parseError);
      }
    });
    return failure;
  }

  /** Each driver's batch; one that cannot be built is logged and skipped, never stranding the others. */
  private takeBatches(drivers: readonly RedisDriver[]): FlushBatch[] {
    const batches = [];
    for (const driver of drivers) {
      try {
        batches.push({ driver, batch: driver.takeBatch() });
      } catch (error) {
        this.logger.error({ err: error, breaker: driver.name }, 'cannot build a flush batch');
      }
    }
    return batches;
  }

  /** Carries every breaker's local decisions into Redis, then flushes what was counted meanwhile. */
  private async reconcile(): Promise<void> {
    await inChunks([...this.drivers.values()], CHUNK, async (chunk) => {
      await Promise.all(chunk.map((driver) => driver.reconcile()));
    });
    this.flushAgain = true;
    if (this.sweep.fullSweepOwed) this.sweep.request();
  }

  private shouldFlushAgain(): boolean {
    return this.flushAgain && !this.closed;
  }
}
