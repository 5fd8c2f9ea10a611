import type { Cluster, ClusterNode, ClusterOptions, Redis, RedisOptions } from 'ioredis';

/**
 * A Redis Cluster given by its startup nodes: the box opens its own ioredis
 * `Cluster` connections from them (with its fail-fast settings layered over
 * `clusterOptions`).
 */
export interface RedisClusterNodes {
  /** Startup nodes (`{ host, port }`, a port, or `host:port`); one reachable node is enough. */
  readonly cluster: readonly ClusterNode[];
  /** ioredis Cluster options (credentials and TLS go in `redisOptions`, as ioredis reads them). */
  readonly clusterOptions?: ClusterOptions | undefined;
}

/**
 * How a box is told where Redis is: a URL, ioredis options, a connected
 * ioredis instance, an ioredis `Cluster` instance, or a cluster's startup
 * nodes (`{ cluster: [...] }`). Instances are templates: the box duplicates
 * them with its own settings and never closes the user's connection.
 */
export type RedisConnectionOption = string | RedisOptions | Redis | Cluster | RedisClusterNodes;

/** One Redis or a Redis Cluster: the commands the box uses exist on both. */
export type RedisClient = Redis | Cluster;
