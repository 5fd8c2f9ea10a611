import { Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';
import type { RedisConnectionOption } from '../redis/connection-option.js';

/**
 * The connection the jobs feature owns, made from the box's `redis` option
 * with the settings BullMQ needs: `maxRetriesPerRequest: null` (workers block
 * on it) and an offline queue (BullMQ retries through reconnections itself).
 * A given ioredis instance is a template: duplicated, never closed by us.
 * Queues and workers share it; each worker opens its own blocking duplicate.
 */
export function createJobsConnection(option: RedisConnectionOption, replicaId: string): Redis {
  const settings: RedisOptions = {
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
    commandTimeout: undefined,
    lazyConnect: false,
    connectionName: `breakerbox-jobs:${replicaId}`,
  };
  const connection =
    typeof option === 'string'
      ? new Redis(option, settings)
      : option instanceof Redis
        ? option.duplicate(settings)
        : new Redis({ ...option, ...settings });
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
