import { Cluster, Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';
import { isClusterNodesOption, parseClusterNodes } from '../redis/cluster-connect.js';
import type { RedisClient, RedisConnectionOption } from '../redis/connection-option.js';

/**
 * The connection the jobs feature owns, made from the box's `redis` option
 * with the settings BullMQ needs: `maxRetriesPerRequest: null` (workers block
 * on it) and an offline queue (BullMQ retries through reconnections itself).
 * A given ioredis instance (or Cluster) is a template: duplicated, never
 * closed by us. On a Cluster the node settings go in `redisOptions`, where
 * ioredis Cluster reads them. Queues and workers share it; each worker opens
 * its own blocking duplicate.
 */
export function createJobsConnection(
  option: RedisConnectionOption,
  replicaId: string,
): RedisClient {
  const settings: RedisOptions = {
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
    commandTimeout: undefined,
    lazyConnect: false,
    connectionName: `breakerbox-jobs:${replicaId}`,
  };
  const given: unknown = option;
  let connection: RedisClient;
  if (option instanceof Cluster || isClusterNodesOption(given)) {
    const cluster = option instanceof Cluster ? option : parseClusterNodes(given);
    const base = cluster instanceof Cluster ? cluster.options : (cluster.clusterOptions ?? {});
    const clusterOptions = {
      ...base,
      enableOfflineQueue: true,
      lazyConnect: false,
      redisOptions: { ...base.redisOptions, ...settings },
    };
    connection =
      cluster instanceof Cluster
        ? cluster.duplicate(undefined, clusterOptions)
        : new Cluster([...cluster.cluster], clusterOptions);
  } else if (typeof option === 'string') {
    connection = new Redis(option, settings);
  } else if (option instanceof Redis) {
    connection = option.duplicate(settings);
  } else {
    connection = new Redis({ ...(option as RedisOptions), ...settings });
  }
  // BullMQ reports command failures through its own events; an unhandled 'error' would crash.
  connection.on('error', () => undefined);
  return connection;
}

/**
 * BullMQ's key prefix for the box's own queues: the namespace as a hash tag,
 * so that every key of every breakerbox queue is in one Cluster slot.
 */
export function jobsPrefix(namespace: string): string {
  return `{${namespace}}`;
}
