import { Cluster } from 'ioredis';
import type { ClusterOptions } from 'ioredis';
import { z } from 'zod';
import { parseOptions } from '../util/schema.js';
import type { RedisClusterNodes } from './connection-option.js';

/** What the box's Cluster connections are tuned with (as for one node). */
export interface ClusterFailFastSettings {
  readonly commandTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly connectionName: string;
}

const nodeSchema = z.union([
  z.string().min(1),
  z.number().int().min(1).max(65_535),
  z.strictObject({
    host: z.string().min(1).optional(),
    port: z.number().int().min(1).max(65_535).optional(),
  }),
]);

const clusterNodesSchema = z.strictObject({
  cluster: z.array(nodeSchema).min(1, { message: 'must list at least one startup node' }),
  clusterOptions: z
    .custom<ClusterOptions>(
      (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
      { message: 'must be ioredis Cluster options (an object)' },
    )
    .optional(),
});

/**
 * True when `value` is a plain object with its own `cluster` key (then it must
 * pass {@link parseClusterNodes}). Own key: an ioredis `Redis` has a
 * `cluster` method (the CLUSTER command) on its prototype.
 */
export function isClusterNodesOption(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Object.hasOwn(value, 'cluster');
}

/**
 * Validates a `{ cluster, clusterOptions }` option.
 * @throws InvalidBreakerOptions naming `redis.cluster…` for a bad node list
 */
export function parseClusterNodes(value: unknown): RedisClusterNodes {
  return parseOptions(clusterNodesSchema, value, 'redis');
}

/**
 * Fail-fast settings where ioredis Cluster reads them: the offline queue and
 * the reconnection backoff on the Cluster itself (`enableOfflineQueue`,
 * `clusterRetryStrategy`), the per-command limits on every node connection
 * (`redisOptions`: `commandTimeout`, `connectTimeout`, `maxRetriesPerRequest`),
 * and a slots refresh no slower than a connect. The user's `redisOptions`
 * (credentials, TLS) are kept under ours.
 */
export function clusterFailFast(
  base: ClusterOptions | undefined,
  settings: ClusterFailFastSettings,
): ClusterOptions {
  return {
    ...base,
    lazyConnect: true,
    enableOfflineQueue: false,
    enableReadyCheck: true,
    clusterRetryStrategy: (attempt: number) =>
      Math.min(2_000, 50 * 2 ** Math.min(attempt, 6)) + Math.floor(Math.random() * 50),
    slotsRefreshTimeout: settings.connectTimeoutMs,
    // A failed-over slot answers MOVED/CLUSTERDOWN for a moment: retry quickly,
    // bounded by the command timeout of every node connection.
    retryDelayOnFailover: 50,
    retryDelayOnClusterDown: 50,
    redisOptions: {
      ...base?.redisOptions,
      commandTimeout: settings.commandTimeoutMs,
      connectTimeout: settings.connectTimeoutMs,
      maxRetriesPerRequest: 1,
      connectionName: settings.connectionName,
    },
  };
}

/** The subscriber's settings: it waits through outages (no command timeout) and keeps what it sends. */
export function clusterSubscriberOptions(
  options: ClusterOptions,
  connectionName: string,
): ClusterOptions {
  return {
    ...options,
    enableOfflineQueue: true,
    redisOptions: {
      ...options.redisOptions,
      commandTimeout: undefined,
      maxRetriesPerRequest: null,
      connectionName,
    },
  };
}

/**
 * The box's command connection to a cluster: a duplicate of a given
 * `Cluster` (never the user's own) or a new one from startup nodes.
 */
export function openCluster(
  option: Cluster | RedisClusterNodes,
  settings: ClusterFailFastSettings,
): Cluster {
  if (option instanceof Cluster) {
    return option.duplicate(undefined, clusterFailFast(option.options, settings));
  }
  return new Cluster([...option.cluster], clusterFailFast(option.clusterOptions, settings));
}

/** "cluster host:port,…" without credentials, for logs and errors. */
export function describeCluster(option: Cluster | RedisClusterNodes): string {
  if (option instanceof Cluster) {
    const known = option
      .nodes('master')
      .map((node) => `${node.options.host ?? '?'}:${String(node.options.port ?? '?')}`);
    return known.length > 0 ? `cluster ${known.join(',')}` : 'cluster (an ioredis Cluster)';
  }
  const list = option.cluster.map((node) =>
    typeof node === 'object'
      ? `${node.host ?? '127.0.0.1'}:${String(node.port ?? 6379)}`
      : String(node),
  );
  return `cluster ${list.join(',')}`;
}
