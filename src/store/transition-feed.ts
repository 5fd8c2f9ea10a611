import type { Logger } from 'pino';
import { z } from 'zod';
import type { CircuitTransition } from '../engine/types.js';
import { closeConnection } from '../redis/close-connection.js';
import type { RedisClient } from '../redis/connection-option.js';
import type { SharedSnapshot } from '../redis/script-reply.js';
import { snapshotSchema, transitionSchema } from '../redis/script-reply.js';

/** One message of the transitions channel. */
export interface TransitionMessage {
  readonly name: string;
  readonly replicaId: string;
  readonly snapshot: SharedSnapshot;
  readonly transition: CircuitTransition | undefined;
}

/** What the feed calls back. */
export interface TransitionFeedHandlers {
  onMessage(message: TransitionMessage): void;
  /** The subscriber reconnected and resubscribed: messages may have been lost meanwhile. */
  onResubscribed(): void;
}

const messageSchema = z.object({
  n: z.string(),
  r: z.string(),
  s: snapshotSchema,
  t: transitionSchema.optional(),
});

/**
 * The subscription to `<ns>:transitions` on a dedicated connection. ioredis
 * resubscribes after a reconnect; the feed then tells the store to re-read
 * every record, since messages published meanwhile are gone.
 */
export class TransitionFeed {
  private started = false;

  constructor(
    private readonly subscriber: RedisClient,
    private readonly channel: string,
    private readonly logger: Logger,
    private readonly handlers: TransitionFeedHandlers,
  ) {}

  /** Subscribes. */
  async start(): Promise<void> {
    this.subscriber.on('message', (channel: string, raw: string) => {
      if (channel === this.channel) this.receive(raw);
    });
    this.subscriber.on('ready', () => {
      if (!this.started) return;
      // ioredis emits 'ready' before it resends SUBSCRIBE: a re-read now could
      // miss a transition published before the subscription is back in force.
      // Subscribe (idempotent) and re-read once Redis has confirmed it.
      this.subscriber.subscribe(this.channel).then(
        () => {
          if (this.started) this.handlers.onResubscribed();
        },
        (error: unknown) => {
          this.logger.warn({ err: error, channel: this.channel }, 'resubscribe failed');
        },
      );
    });
    await this.subscriber.subscribe(this.channel);
    this.started = true;
  }

  /**
   * Closes the subscriber connection: QUIT, or a plain disconnect when Redis
   * does not answer within `timeoutMs` (the subscriber has no command timeout,
   * and a hung Redis never answers: `box.close()` would hang with it).
   * Resolves once the socket is gone.
   */
  async stop(timeoutMs: number): Promise<void> {
    this.started = false;
    await closeConnection(this.subscriber, timeoutMs);
  }

  private receive(raw: string): void {
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      this.logger.warn({ channel: this.channel }, 'unreadable transition message');
      return;
    }
    const parsed = messageSchema.safeParse(json);
    if (!parsed.success) {
      this.logger.warn(
        { channel: this.channel, problem: parsed.error.message },
        'malformed transition message',
      );
      return;
    }
    const { n, r, s, t } = parsed.data;
    this.handlers.onMessage({ name: n, replicaId: r, snapshot: s, transition: t });
  }
}
