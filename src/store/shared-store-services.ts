import type { Logger } from 'pino';
import type { ClockOffset } from '../redis/clock-offset.js';
import type { ProbeLock } from '../redis/probe-lock.js';
import type { ScriptReply } from '../redis/script-reply.js';
import type { ScriptCommand } from '../redis/scripts.js';
import type { Clock, RandomSource } from '../util/clock.js';
import type { StoreMode } from './circuit-driver.js';
import type { RedisDriver } from './redis-driver.js';

/** What the Redis store offers its drivers. */
export interface SharedStoreServices {
  readonly replicaId: string;
  readonly channel: string;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly offset: ClockOffset;
  readonly probeLock: ProbeLock;
  readonly logger: Logger;
  readonly mode: StoreMode;
  /** The records' idle TTL in ms (`recordIdleTtlMs`), 0 for none. */
  readonly idleTtlMs: number;
  /** Runs one script and reads its reply; codes outside `allowed` throw. */
  run(
    command: ScriptCommand,
    keys: readonly string[],
    args: readonly string[],
    allowed: readonly number[],
  ): Promise<ScriptReply>;
  /** Tells the health monitor a command failed (Redis trouble moves the box to local mode). */
  reportTrouble(error: unknown): void;
  /** Queues a driver's counted outcomes for the next flush. */
  markDirty(driver: RedisDriver): void;
  /** A driver's view is not closed: the refresh sweep re-reads it every interval until it is. */
  noteUnsettled(driver: RedisDriver): void;
  /** Forgets a retired driver, after flushing what it counted and releasing its probe locks. */
  retire(driver: RedisDriver): Promise<void>;
  /** Flushes now (coalesced, rate-limited): the local failures would trip the breaker. */
  flushUrgently(now: number): void;
}
