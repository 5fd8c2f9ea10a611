import { Cluster, Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';
import { InvalidBreakerOptions } from '../errors/invalid-breaker-options.js';
import { RedisUnavailable } from '../errors/redis-unavailable.js';
import type { RedisConnectionOption } from './connection-option.js';

/** The connections a box owns: one for commands, one dedicated to pub/sub. */
export interface RedisConnections {
  readonly command: Redis;
  readonly subscriber: Redis;
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
 * options, or an ioredis instance (used as a template: the box duplicates it
 * with its own fail-fast settings and never closes the user's connection).
 * @throws InvalidBreakerOptions for a malformed URL or a value that is none of these
 * @throws RedisUnavailable when Redis does not answer within the connect timeout
 */
export async function connectRedis(
  option: RedisConnectionOption,
  settings: ConnectSettings,
): Promise<RedisConnections> {
  const overrides = failFast(settings);
  const given: unknown = option;
  let command: Redis;
  let target: string;
  if (typeof option === 'string') {
    target = describeUrl(option);
    command = new Redis(option, overrides);
  } else if (option instanceof Cluster) {
    throw new InvalidBreakerOptions(
      'redis',
      'a Cluster',
      'Redis Cluster is not supported yet; pass a single node or Sentinel options',
    );
  } else if (option instanceof Redis) {
    target = describeOptions(option.options);
    command = option.duplicate(overrides);
  } else if (typeof given === 'object' && given !== null && !Array.isArray(given)) {
    const redisOptions = given as RedisOptions;
    target = describeOptions(redisOptions);
    command = new Redis({ ...redisOptions, ...overrides });
  } else {
    throw new InvalidBreakerOptions(
      'redis',
      option,
      'must be a redis:// URL, ioredis options, or an ioredis Redis instance',
    );
  }
  const subscriber = command.duplicate({
    enableOfflineQueue: true,
    commandTimeout: undefined,
    maxRetriesPerRequest: null,
    connectionName: `breakerbox-sub:${settings.replicaId}`,
  });
  // Errors surface through commands and the health monitor; an unhandled 'error' event would crash.
  command.on('error', () => undefined);
  subscriber.on('error', () => undefined);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`no answer within ${String(settings.connectTimeoutMs)}ms`));
    }, settings.connectTimeoutMs);
  });
  try {
    // ioredis's own connectTimeout covers the TCP connect only; a hung server
    // would hold the ready check for longer.
    await Promise.race([Promise.all([command.connect(), subscriber.connect()]), deadline]);
  } catch (error) {
    command.disconnect();
    subscriber.disconnect();
    throw new RedisUnavailable(target, error);
  } finally {
    clearTimeout(timer);
  }
  return { command, subscriber, target };
}

function describeUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidBreakerOptions(
      'redis',
      url,
      'is not a valid URL (expected redis://host:port or rediss://…)',
    );
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new InvalidBreakerOptions(
      'redis',
      url,
      `has protocol ${parsed.protocol} (expected redis: or rediss:)`,
    );
  }
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
