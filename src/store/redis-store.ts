import type { Logger } from 'pino';
import type { ResolvedBreakerOptions } from '../breaker/resolve-breaker-options.js';
import type { ResolvedBoxOptions } from '../box/box-options.js';
import { ClockOffset } from '../redis/clock-offset.js';
import type { RedisConnections } from '../redis/connect.js';
import { connectRedis } from '../redis/connect.js';
import { breakerKeys, transitionsChannel } from '../redis/keys.js';
import type { ProbeLock } from '../redis/probe-lock.js';
import { RedlockProbeLock } from '../redis/probe-lock.js';
import type { ScriptReply } from '../redis/script-reply.js';
import { parseScriptReply, ResultCode } from '../redis/script-reply.js';
import type { ScriptCommand } from '../redis/scripts.js';
import { defineScripts } from '../redis/scripts.js';
import type { Clock, RandomSource } from '../util/clock.js';
import type { BreakerStore } from './breaker-store.js';
import type { CircuitDriver, DriverContext, StoreMode } from './circuit-driver.js';
import { RedisDriver } from './redis-driver.js';
import type { SharedStoreServices } from './shared-store-services.js';
import { TransitionFeed } from './transition-feed.js';

/**
 * The store of a box with Redis: one record per breaker shared by the fleet.
 * Outcomes are flushed on one timer for the whole box (never a timer per
 * breaker), one pipelined script call per dirty breaker; views are refreshed
 * by script replies, by the transitions channel, and by a sweep that heals
 * lost messages.
 */
export class RedisStore implements BreakerStore, SharedStoreServices {
  readonly mode: StoreMode = 'shared';
  readonly offset = new ClockOffset();
  readonly channel: string;
  readonly replicaId: string;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly logger: Logger;
  readonly probeLock: ProbeLock;
  private readonly drivers = new Map<string, RedisDriver>();
  private readonly dirty = new Set<RedisDriver>();
  private readonly feed: TransitionFeed;
  private readonly flushTimer: NodeJS.Timeout;
  private readonly sweepTimer: NodeJS.Timeout;
  private flushing: Promise<void> | undefined;
  private flushAgain = false;
  private lastUrgentFlushAt = Number.NEGATIVE_INFINITY;
  private closed = false;

  private constructor(
    private readonly connections: RedisConnections,
    private readonly options: ResolvedBoxOptions,
  ) {
    this.channel = transitionsChannel(options.namespace);
    this.replicaId = options.replicaId;
    this.clock = options.clock;
    this.random = options.random;
    this.logger = options.logger.child({ component: 'redis-store' });
    this.probeLock = new RedlockProbeLock([connections.command], this.logger);
    defineScripts(connections.command);
    this.feed = new TransitionFeed(connections.subscriber, this.channel, this.logger, {
      onMessage: (message) => {
        this.drivers
          .get(message.name)
          ?.adoptPublished(message.snapshot, message.transition, message.replicaId);
      },
      onResubscribed: () => {
        this.sweep(true);
      },
    });
    this.flushTimer = setInterval(() => {
      void this.flush();
    }, options.flushIntervalMs);
    this.flushTimer.unref();
    this.sweepTimer = setInterval(() => {
      this.sweep(false);
    }, options.refreshIntervalMs);
    this.sweepTimer.unref();
  }

  /**
   * Connects to Redis and subscribes to the transitions channel.
   * @throws InvalidBreakerOptions for a malformed `redis` option
   * @throws RedisUnavailable when Redis cannot be reached
   */
  static async connect(options: ResolvedBoxOptions): Promise<RedisStore> {
    if (options.redis === undefined) throw new Error('RedisStore.connect needs a redis option');
    const connections = await connectRedis(options.redis, {
      commandTimeoutMs: options.commandTimeoutMs,
      connectTimeoutMs: options.connectTimeoutMs,
      replicaId: options.replicaId,
    });
    const store = new RedisStore(connections, options);
    try {
      await store.feed.start();
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }

  createDriver(options: ResolvedBreakerOptions, context: DriverContext): CircuitDriver {
    const driver = new RedisDriver(
      options,
      context,
      breakerKeys(this.options.namespace, context.name),
      this,
    );
    this.drivers.set(context.name, driver);
    driver.refresh().catch((error: unknown) => {
      this.logger.debug(
        { err: error, breaker: context.name },
        'first read of the shared record failed',
      );
    });
    return driver;
  }

  async run(
    command: ScriptCommand,
    keys: readonly string[],
    args: readonly string[],
    allowed: readonly number[],
  ): Promise<ScriptReply> {
    const sentAt = this.clock.now();
    const raw = await this.connections.command[command](...keys, ...args);
    const reply = parseScriptReply(command, raw, allowed);
    this.offset.observe(reply.snapshot.now, sentAt, this.clock.now());
    return reply;
  }

  markDirty(driver: RedisDriver): void {
    this.dirty.add(driver);
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
    this.flushing = this.flushLoop().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.flushTimer);
    clearInterval(this.sweepTimer);
    await this.flush();
    for (const driver of this.drivers.values()) driver.releaseAll();
    await this.feed.stop();
    await this.connections.command.quit().catch(() => {
      this.connections.command.disconnect();
    });
  }

  private async flushLoop(): Promise<void> {
    do {
      this.flushAgain = false;
      if (this.dirty.size === 0) return;
      const drivers = [...this.dirty];
      this.dirty.clear();
      const batches = drivers.map((driver) => driver.takeBatch());
      const pipeline = this.connections.command.pipeline();
      drivers.forEach((driver, i) => {
        pipeline.breakerboxRecordV1(...driver.scriptKeys, ...(batches[i] ?? []));
      });
      const sentAt = this.clock.now();
      let results: [Error | null, unknown][] | null;
      try {
        results = await pipeline.exec();
      } catch (error) {
        results = null;
        this.logger.warn({ err: error }, 'flush failed; outcomes kept for the next one');
      }
      const receivedAt = this.clock.now();
      drivers.forEach((driver, i) => {
        const batch = batches[i] ?? [];
        const [error, raw] = results?.[i] ?? [new Error('no reply'), undefined];
        if (error !== null) {
          driver.restoreBatch(batch);
          return;
        }
        try {
          const reply = parseScriptReply('record', raw, [ResultCode.Ok]);
          this.offset.observe(reply.snapshot.now, sentAt, receivedAt);
          driver.adoptReply(reply);
        } catch (parseError) {
          this.logger.error({ err: parseError, breaker: driver.name }, 'unreadable record reply');
        }
      });
    } while (this.shouldFlushAgain());
  }

  private shouldFlushAgain(): boolean {
    return this.flushAgain && !this.closed;
  }

  /**
   * Re-reads records that may be stale: breakers not closed (their calls flush
   * nothing) not synced within the refresh interval, and every breaker not
   * synced for ten intervals; everything after the subscriber reconnected.
   */
  private sweep(all: boolean): void {
    if (this.closed) return;
    const now = this.clock.now();
    const interval = this.options.refreshIntervalMs;
    for (const driver of this.drivers.values()) {
      const age = now - driver.lastSyncAt;
      const stale =
        all || age >= 10 * interval || (driver.view.state !== 'closed' && age >= interval);
      if (!stale) continue;
      driver.refresh().catch((error: unknown) => {
        this.logger.debug({ err: error, breaker: driver.name }, 'refresh failed');
      });
    }
  }
}
