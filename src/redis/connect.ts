import { Cluster, Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';
import { InvalidBreakerOptions } from '../errors/invalid-breaker-options.js';
import { RedisUnavailable } from '../errors/redis-unavailable.js';
import {
  clusterSubscriberOptions,
  describeCluster,
  isClusterNodesOption,
  openCluster,
  parseClusterNodes,
} from './cluster-connect.js';
import type { RedisClient, RedisConnectionOption } from './connection-option.js';
import { parseRedisUrl } from './redis-url.js';

/** The connections a box owns: one for commands, one dedicated to pub/sub. */
export interface RedisConnections {
  readonly command: RedisClient;
  readonly subscriber: RedisClient;
  /** Where they point, without credentials (for logs and errors). */
  readonly target: string;
}

/** What the box's connections are tuned with. */
export interface ConnectSettings {
  readonly commandTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly replicaId: string;
}

/**
 * Fail-fast settings for the box's own connections: no offline queue (a
 * command while disconnected fails at once), a short command timeout, one
 * retry per request, and ioredis's reconnection with capped, jittered backoff.
 */
function failFast(settings: ConnectSettings): RedisOptions {
  return {
    lazyConnect: true,
    enableOfflineQueue: false,
    commandTimeout: settings.commandTimeoutMs,
    connectTimeout: settings.connectTimeoutMs,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt: number) =>
      Math.min(2_000, 50 * 2 ** Math.min(attempt, 6)) + Math.floor(Math.random() * 50),
    connectionName: `breakerbox:${settings.replicaId}`,
  };
}

/**
 * Opens the box's connections from what the user gave: a URL, ioredis
 * options, an ioredis instance or `Cluster` (used as a template: the box
 * duplicates it with its own fail-fast settings and never closes the user's
 * connection), or a cluster's startup nodes.
 * @throws InvalidBreakerOptions for a malformed URL or a value that is none of these
 * @throws RedisUnavailable when Redis does not answer within the connect timeout
 */
export async function connectRedis(
  option: RedisConnectionOption,
  settings: ConnectSettings,
): Promise<RedisConnections> {
  const { command, target } = openCommand(option, settings);
  const subscriber =
    command instanceof Cluster
      ? command.duplicate(
          undefined,
          clusterSubscriberOptions(command.options, `breakerbox-sub:${settings.replicaId}`),
        )
      : command.duplicate({
          enableOfflineQueue: true,
          commandTimeout: undefined,
          maxRetriesPerRequest: null,
          connectionName: `breakerbox-sub:${settings.replicaId}`,
        });
  // Errors surface through commands and the health monitor; an unhandled 'error'
  // event would crash. While connecting, the first one is the real cause: the
  // promise of connect() only says "Connection is closed".
  let firstError: unknown = undefined;
  const noteError = (error: unknown): void => {
    firstError ??= error;
  };
  command.on('error', noteError);
  subscriber.on('error', noteError);
  let timer: NodeJS.Timeout | undefined;
  const clock = { timedOut: false };
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      clock.timedOut = true;
      const seen = firstError instanceof Error ? ` (${firstError.message})` : '';
      reject(
        new Error(`no answer within ${String(settings.connectTimeoutMs)}ms${seen}`, {
          cause: firstError,
        }),
      );
    }, settings.connectTimeoutMs);
  });
  try {
    // ioredis's own connectTimeout covers the TCP connect only; a hung server
    // would hold the ready check for longer.
    await Promise.race([Promise.all([whenReady(command), whenReady(subscriber)]), deadline]);
    // ioredis only emits an 'error' when the SELECT of a `/db` index fails, and
    // goes on in db 0: select again and fail on it.
    const db = command instanceof Redis ? (command.options.db ?? 0) : 0;
    if (db !== 0) await Promise.race([command.select(db), deadline]);
  } catch (error) {
    for (const connection of [command, subscriber]) {
      // ioredis listens once for a socket error; a TLS socket torn down
      // mid-handshake can emit a second one, which would be uncaught.
      if (connection instanceof Redis) {
        (connection.stream as NodeJS.EventEmitter | undefined)?.on('error', ignore);
      }
      connection.disconnect();
    }
    // The deadline's error names the timeout (and what was seen); any other
    // rejection is ioredis's "Connection is closed": the first error is the cause.
    const cause = clock.timedOut ? error : (firstError ?? error);
    throw new RedisUnavailable(target, redacted(cause, secretsOf(command)));
  } finally {
    clearTimeout(timer);
    for (const connection of [command, subscriber]) {
      connection.on('error', ignore).off('error', noteError);
    }
  }
  return { command, subscriber, target };
}

/**
 * The box's command connection, unconnected (lazy), and where it points.
 * @throws InvalidBreakerOptions for a malformed URL, node list, or a value that is none of the shapes
 */
function openCommand(
  option: RedisConnectionOption,
  settings: ConnectSettings,
): { command: RedisClient; target: string } {
  const given: unknown = option;
  if (option instanceof Cluster || isClusterNodesOption(given)) {
    const cluster = option instanceof Cluster ? option : parseClusterNodes(given);
    const command = openCluster(cluster, {
      commandTimeoutMs: settings.commandTimeoutMs,
      connectTimeoutMs: settings.connectTimeoutMs,
      connectionName: `breakerbox:${settings.replicaId}`,
    });
    return { command, target: describeCluster(cluster) };
  }
  const overrides = failFast(settings);
  if (typeof option === 'string') {
    // describeUrl first: it throws InvalidBreakerOptions where ioredis would throw a TypeError.
    const target = describeUrl(option);
    return { command: new Redis(option, overrides), target };
  }
  if (option instanceof Redis) {
    return { command: option.duplicate(overrides), target: describeOptions(option.options) };
  }
  if (typeof given === 'object' && given !== null && !Array.isArray(given)) {
    const redisOptions = given as RedisOptions;
    return {
      command: new Redis({ ...redisOptions, ...overrides }),
      target: describeOptions(redisOptions),
    };
  }
  throw new InvalidBreakerOptions(
    'redis',
    option,
    'must be a redis:// URL, ioredis options, an ioredis Redis or Cluster, or { cluster: [startup nodes] }',
  );
}

/**
 * Connects and resolves once the connection is ready. A Cluster whose ready
 * check fails (its `CLUSTER INFO` timed out on a loaded machine) reconnects on
 * its own and drops the promise of `connect()`, which then never settles:
 * its `ready` event is what tells.
 */
function whenReady(client: RedisClient): Promise<void> {
  if (client instanceof Redis) return client.connect();
  return new Promise<void>((resolve, reject) => {
    const onReady = (): void => {
      resolve();
    };
    client.once('ready', onReady);
    client.connect().then(resolve, (error: unknown) => {
      client.off('ready', onReady);
      reject(error instanceof Error ? error : new Error(String(error)));
    });
  });
}

function ignore(): void {
  // Errors of live connections reach us through the commands that fail.
}

/** The credentials of a connection, never to be shown. */
function secretsOf(client: RedisClient): string[] {
  const options: RedisOptions =
    client instanceof Redis ? client.options : (client.options.redisOptions ?? {});
  return [options.password, options.sentinelPassword].filter(
    (secret): secret is string => typeof secret === 'string' && secret.length > 0,
  );
}

/**
 * The error as it is, unless its message shows a credential: then an Error of
 * the same name and code with the credential masked (the original is dropped,
 * since its message would leak through `cause`).
 */
function redacted(error: unknown, secrets: readonly string[]): unknown {
  if (!(error instanceof Error)) return error;
  const leaks = secrets.filter((secret) => error.message.includes(secret));
  if (leaks.length === 0) return error;
  let message = error.message;
  for (const secret of leaks) message = message.split(secret).join('***');
  const copy = new Error(message);
  copy.name = error.name;
  const code: unknown = (error as NodeJS.ErrnoException).code;
  if (typeof code === 'string') Object.assign(copy, { code });
  return copy;
}

function describeUrl(url: string): string {
  const parsed = parseRedisUrl(url);
  return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
}

function describeOptions(options: RedisOptions): string {
  // ioredis sets `sentinels: null` on instances, whatever its types say.
  const sentinels: unknown = options.sentinels;
  if (Array.isArray(sentinels) && sentinels.length > 0) {
    return `sentinel master ${options.name ?? '?'}`;
  }
  if (options.path !== undefined) return `unix:${options.path}`;
  return `${options.host ?? '127.0.0.1'}:${options.port ?? 6379}`;
}
