import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Listener, Unsubscribe } from '../events/typed-events.js';
import { breakerKeys } from '../redis/keys.js';
import type { NamespaceKeys } from '../redis/namespace-scan.js';
import { scanNamespace } from '../redis/namespace-scan.js';
import { mutationArgs } from '../redis/script-args.js';
import type { SharedSnapshot } from '../redis/script-reply.js';
import { parseScriptReply, ResultCode } from '../redis/script-reply.js';
import { inChunks } from '../util/chunks.js';
import type { ReplicaPresence } from './replica-presence.js';
import { presenceSchema } from './replica-presence.js';
import type { TransitionMessage } from './transition-feed.js';

/** Breakers per pipeline: thousands in one would outrun the command timeout. */
const CHUNK = 256;

/** One breaker's shared record, read by a replica that may never have created it. */
export interface FleetRecord {
  readonly name: string;
  readonly snapshot: SharedSnapshot;
  /** The window was summed with the config its replicas recorded with (else the defaults: none recorded yet). */
  readonly storedConfig: boolean;
}

/** An operator override, as the force script takes it. */
export type FleetForceMode = 'open' | 'closed' | 'reset';

/**
 * Reads and overrides any breaker of the namespace, created on this replica
 * or not: what the dashboard (and any other operator's view) needs beyond
 * the box's own breakers. Reads run the same snapshot script the breakers
 * do, with the config the breaker's replicas stored in its record, so the
 * window is summed exactly as theirs; overrides run the same force script
 * as `breaker.forceOpen()` (epoch, events stream, publish included). Every
 * transition on the namespace's channel reaches `onTransition` listeners.
 */
export class FleetReader {
  private readonly listeners = new Set<Listener<TransitionMessage>>();
  constructor(
    private readonly client: Redis,
    /** The namespace read. */
    readonly namespace: string,
    private readonly channel: string,
    private readonly replicaId: string,
    private readonly logger: Logger,
    /** The scripts' config JSON of a breaker with default options: used for a record with none stored. */
    private readonly defaultConfig: string,
  ) {}

  /** One SCAN pass over the namespace: breaker names and replica presence keys. */
  list(): Promise<NamespaceKeys> {
    return scanNamespace(this.client, this.namespace);
  }

  /** The records of `names`, one snapshot script each, pipelined a chunk at a time; missing ones are left out. */
  async records(names: readonly string[]): Promise<FleetRecord[]> {
    const found: FleetRecord[] = [];
    await inChunks(names, CHUNK, async (chunk) => {
      const pipeline = this.client.pipeline();
      for (const name of chunk) {
        const keys = breakerKeys(this.namespace, name);
        pipeline.breakerboxSnapshotV1(keys.state, keys.window, this.defaultConfig, 'stored');
      }
      const results = (await pipeline.exec()) ?? [];
      chunk.forEach((name, i) => {
        const [error, raw] = results[i] ?? [new Error('no reply'), undefined];
        if (error !== null) throw error;
        const reply = parseScriptReply('snapshot', raw, [ResultCode.Ok]);
        // Deleted between SCAN and the read: no record, nothing to show.
        if (reply.snapshot.incarnation === '' && reply.snapshot.epoch === 0) return;
        found.push({ name, snapshot: reply.snapshot, storedConfig: reply.storedConfig === true });
      });
    });
    return found;
  }

  /** The presence entries behind `keys` (one MGET); expired or unreadable ones are left out. */
  async presences(keys: readonly string[]): Promise<ReplicaPresence[]> {
    if (keys.length === 0) return [];
    const values = await this.client.mget(...keys);
    const entries: ReplicaPresence[] = [];
    for (const value of values) {
      if (value === null) continue;
      try {
        const parsed = presenceSchema.safeParse(JSON.parse(value));
        if (parsed.success) entries.push(parsed.data);
      } catch {
        this.logger.debug('unreadable replica presence entry');
      }
    }
    return entries;
  }

  /**
   * Forces breaker `name` fleet-wide through the force script, as this
   * replica. Answers the record afterwards, or undefined when the namespace
   * has no record of that name (nothing is created).
   */
  async force(name: string, mode: FleetForceMode, forMs = 0): Promise<SharedSnapshot | undefined> {
    const keys = breakerKeys(this.namespace, name);
    const [stored, exists] = await Promise.all([
      this.client.hget(keys.state, 'cfg'),
      this.client.exists(keys.state),
    ]);
    if (exists === 0) return undefined;
    const config = stored === null || stored === '' ? this.defaultConfig : stored;
    const args = mutationArgs(config, name, this.replicaId, [mode, String(forMs)], this.channel);
    const raw = await this.client.breakerboxForceV1(keys.state, keys.window, keys.events, ...args);
    return parseScriptReply('force', raw, [ResultCode.Ok]).snapshot;
  }

  /** Hears every transition published in the namespace; returns a function that removes the listener. */
  onTransition(listener: Listener<TransitionMessage>): Unsubscribe {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** @internal The store hands over each message of the transitions channel. */
  deliver(message: TransitionMessage): void {
    if (message.transition === undefined) return;
    for (const listener of this.listeners) {
      try {
        listener(message);
      } catch (error) {
        this.logger.error({ err: error }, 'a fleet transition listener threw');
      }
    }
  }
}
