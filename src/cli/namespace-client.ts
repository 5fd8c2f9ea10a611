import { hostname, userInfo } from 'node:os';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { createBreakerBox } from '../create-breaker-box.js';
import type { BreakerBox } from '../box/breaker-box.js';
import type { Breaker } from '../breaker/breaker.js';
import { connectRedis } from '../redis/connect.js';
import type { RedisConnections } from '../redis/connect.js';
import { breakerKeys, transitionsChannel } from '../redis/keys.js';
import { scanNamespace } from '../redis/namespace-scan.js';
import { inChunks } from '../util/chunks.js';
import { validateName } from '../util/names.js';
import { CliError } from './cli-error.js';
import type { FleetBreaker } from './fleet-breaker.js';
import { fleetBreaker } from './fleet-breaker.js';
import { optionsFromStoredConfig } from '../store/stored-config.js';
import { guardRedis } from './redis-guard.js';

/** Breakers read at once: thousands would outrun the command timeout. */
const CHUNK = 256;
/** The CLI waits longer than a replica would: nothing is on a hot path here. */
const COMMAND_TIMEOUT_MS = 2_000;
const CONNECT_TIMEOUT_MS = 3_000;

function cliReplicaId(): string {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (a container): keep 'unknown'.
  }
  const id = `cli:${user}@${hostname()}:${String(process.pid)}`;
  return id.replace(/[^\x21-\x7a|~]/g, '_').slice(0, 128);
}

/**
 * The CLI's handle on one namespace: a box (so reads and overrides go through
 * the same scripts as every replica's, with epochs, events and publishes)
 * and a plain connection for what no script does (SCAN, the events stream).
 */
export class NamespaceClient {
  private readonly breakersByName = new Map<string, { breaker: Breaker; recorded: boolean }>();

  private constructor(
    private readonly connections: RedisConnections,
    private readonly box: BreakerBox,
    /** The namespace. */
    readonly namespace: string,
  ) {}

  /**
   * Connects to `redis` for `namespace`.
   * @throws InvalidBreakerOptions for a malformed URL or namespace
   * @throws RedisUnavailable when Redis does not answer
   */
  static async connect(redis: string, namespace: string): Promise<NamespaceClient> {
    validateName(namespace, 'namespace');
    const replicaId = cliReplicaId();
    const connections = await connectRedis(redis, {
      commandTimeoutMs: COMMAND_TIMEOUT_MS,
      connectTimeoutMs: CONNECT_TIMEOUT_MS,
      replicaId,
    });
    let box: BreakerBox;
    try {
      box = await createBreakerBox({
        redis,
        namespace,
        replicaId,
        logger: pino({ level: 'silent' }),
        commandTimeoutMs: COMMAND_TIMEOUT_MS,
        connectTimeoutMs: CONNECT_TIMEOUT_MS,
        // The CLI is no replica: the dashboard must not list it.
        presenceIntervalMs: 0,
      });
    } catch (error) {
      connections.command.disconnect();
      connections.subscriber.disconnect();
      throw error;
    }
    return new NamespaceClient(connections, box, namespace);
  }

  /** Where the client is connected, without credentials. */
  get target(): string {
    return this.connections.target;
  }

  /** The connection dedicated to pub/sub (for `watch`). */
  get subscriber(): Redis {
    return this.connections.subscriber;
  }

  /** The namespace's transitions channel. */
  get channel(): string {
    return transitionsChannel(this.namespace);
  }

  /** Names of every breaker with a record in the namespace, sorted (one SCAN pass over `<ns>:*`). */
  async names(): Promise<string[]> {
    const found = await guardRedis(this.target, () =>
      scanNamespace(this.connections.command, this.namespace),
    );
    return [...found.breakers];
  }

  /**
   * Whether breaker `name` has a record in the namespace.
   * @throws InvalidBreakerOptions for a name no breaker can have
   */
  async exists(name: string): Promise<boolean> {
    validateName(name, 'breaker name');
    const key = breakerKeys(this.namespace, name).state;
    return (await guardRedis(this.target, () => this.connections.command.exists(key))) === 1;
  }

  /**
   * The breaker `name` in the CLI's box, with the options its replicas
   * recorded (so its window is summed as theirs), or the defaults if none.
   */
  async breaker(name: string): Promise<{ readonly breaker: Breaker; readonly recorded: boolean }> {
    const known = this.breakersByName.get(name);
    if (known !== undefined) return known;
    validateName(name, 'breaker name');
    const raw = await guardRedis(this.target, () =>
      this.connections.command.hget(breakerKeys(this.namespace, name).state, 'cfg'),
    );
    const options = optionsFromStoredConfig(raw);
    const entry = { breaker: this.box.breaker(name, options), recorded: options !== undefined };
    this.breakersByName.set(name, entry);
    return entry;
  }

  /** The shared record of `name`, read through the snapshot script. */
  async snapshot(name: string): Promise<FleetBreaker> {
    const { breaker, recorded } = await this.breaker(name);
    this.assertShared();
    const snapshot = await guardRedis(this.target, () => breaker.snapshot());
    if (snapshot.mode !== 'shared') throw this.unreachable();
    return fleetBreaker(snapshot, recorded ? 'recorded' : 'default');
  }

  /** Snapshots of `names`, a chunk at a time. */
  async snapshots(names: readonly string[]): Promise<FleetBreaker[]> {
    const all: FleetBreaker[] = [];
    await inChunks(names, CHUNK, async (chunk) => {
      all.push(...(await Promise.all(chunk.map((name) => this.snapshot(name)))));
    });
    return all;
  }

  /** Runs an override through the breaker's `force` script (like `breaker.forceOpen()`). */
  async override(name: string, action: (breaker: Breaker) => Promise<void>): Promise<void> {
    const { breaker } = await this.breaker(name);
    this.assertShared();
    await guardRedis(this.target, () => action(breaker));
    if (this.box.mode !== 'shared') throw this.unreachable();
  }

  /** The newest `count` entries of the breaker's events stream, oldest first. */
  async events(name: string, count: number): Promise<[id: string, fields: string[]][]> {
    validateName(name, 'breaker name');
    const key = breakerKeys(this.namespace, name).events;
    const newestFirst = await guardRedis(this.target, () =>
      this.connections.command.xrevrange(key, '+', '-', 'COUNT', count),
    );
    return newestFirst.reverse();
  }

  /** Closes the box and the connections. */
  async close(): Promise<void> {
    await this.box.close();
    await Promise.allSettled([this.connections.command.quit(), this.connections.subscriber.quit()]);
    this.connections.command.disconnect();
    this.connections.subscriber.disconnect();
  }

  /** Throws unless the box is reading Redis (a box in local mode would answer from memory). */
  private assertShared(): void {
    if (this.box.mode !== 'shared') throw this.unreachable();
  }

  private unreachable(): CliError {
    return new CliError(
      'REDIS_UNREACHABLE',
      `Redis at ${this.target} stopped answering; nothing could be read or changed reliably`,
    );
  }
}
