import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { z } from 'zod';
import { replicaKey } from '../redis/keys.js';

/** A worker bound to breakers on a replica (`box.bindWorker`), as its presence reports it. */
export interface PresenceWorker {
  /** The worker's queue name. */
  readonly queue: string;
  readonly dependencies: readonly string[];
  readonly paused: boolean;
}

/**
 * What a replica tells the fleet about itself, every few seconds, in one
 * Redis key with a TTL (`<ns>:replica:<id>`): gone a few intervals after the
 * replica stopped (crashed or partitioned), deleted at once by `close()`.
 */
export interface ReplicaPresence {
  readonly replicaId: string;
  /** `shared` or `local` (a replica in local mode cannot write: its key expires). */
  readonly mode: string;
  /** The replica's aggregate health: healthy / degraded / unhealthy. */
  readonly health: string;
  /** Components not healthy, by name. */
  readonly unhealthy: readonly string[];
  readonly breakers: number;
  readonly workers: readonly PresenceWorker[];
  /** Destructive operations the safety gate refused since start. */
  readonly gateRefusals: number;
  /** Calls and refusals per second over the last interval, by breaker (breakers with neither left out). */
  readonly rates: Readonly<Record<string, readonly [calls: number, refusals: number]>>;
  /** When the replica started, ms since the Unix epoch (its clock). */
  readonly startedAt: number;
  /** When this entry was written (the replica's clock). */
  readonly at: number;
}

/** Schema of a presence entry as read back from Redis. */
export const presenceSchema = z.object({
  replicaId: z.string(),
  mode: z.string(),
  health: z.string(),
  unhealthy: z.array(z.string()),
  breakers: z.number(),
  workers: z.array(
    z.object({ queue: z.string(), dependencies: z.array(z.string()), paused: z.boolean() }),
  ),
  gateRefusals: z.number(),
  rates: z.record(z.string(), z.tuple([z.number(), z.number()])),
  startedAt: z.number(),
  at: z.number(),
});

/** An entry lives this many intervals: one or two lost writes do not make a replica vanish. */
const TTL_INTERVALS = 3;

/**
 * Writes this replica's presence: one `SET key value PX ttl` every
 * `intervalMs` (a timer for the whole box, `unref()`ed), skipped while the
 * store is not shared; `stop()` deletes the key. A failed write is logged at
 * debug and retried next interval: presence is for people, never for decisions.
 */
export class PresenceWriter {
  private readonly key: string;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;

  constructor(
    private readonly client: Redis,
    namespace: string,
    replicaId: string,
    private readonly intervalMs: number,
    private readonly source: () => ReplicaPresence,
    private readonly shared: () => boolean,
    private readonly logger: Logger,
  ) {
    this.key = replicaKey(namespace, replicaId);
  }

  /** Writes on the next turn of the event loop, then every interval. */
  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => {
      void this.write();
    }, this.intervalMs).unref();
    setImmediate(() => {
      void this.write();
    });
  }

  /** Stops writing and deletes the key (best effort, bounded by the command timeout). */
  async stop(): Promise<void> {
    if (this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
    // A SET landing after the DEL would bring the entry back for its TTL.
    await this.writing;
    if (!this.shared()) return;
    await this.client.del(this.key).catch((error: unknown) => {
      this.logger.debug({ err: error }, 'presence delete failed');
    });
  }

  private write(): Promise<void> {
    if (this.writing !== undefined || this.timer === undefined || !this.shared())
      return Promise.resolve();
    this.writing = this.send().finally(() => {
      this.writing = undefined;
    });
    return this.writing;
  }

  private async send(): Promise<void> {
    try {
      const value = JSON.stringify(this.source());
      await this.client.set(this.key, value, 'PX', this.intervalMs * TTL_INTERVALS);
    } catch (error) {
      this.logger.debug({ err: error }, 'presence write failed');
    }
  }
}
