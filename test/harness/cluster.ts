import { execFile } from 'node:child_process';
import { Cluster } from 'ioredis';
import type { ClusterOptions } from 'ioredis';
import { trackClient } from './cleanup.js';
import { getFreePort } from './free-port.js';
import { parseInfo, probeCommand } from './probe.js';
import { DEFAULT_READY_TIMEOUT_MS, RedisProcess } from './redis-process.js';
import { REDIS_CLI_BIN, baseServerArgs } from './server-process.js';
import type { HostPort } from './sentinel.js';
import { waitUntil } from './wait.js';

/** Options of {@link startCluster}. */
export interface StartClusterOptions {
  /** Number of master nodes (slots are split evenly); default 3. */
  masters?: number;
  /** How long to wait for `cluster_state:ok` everywhere; default 30 s. */
  settleTimeoutMs?: number;
}

/** A harness-owned Redis Cluster (masters only, no replicas). */
export interface RedisCluster {
  /** The node processes (host/port, pause/kill/...). */
  nodes: RedisProcess[];
  /** Startup nodes for `new Cluster(startupNodes)`. */
  startupNodes: HostPort[];
  /** A tracked ioredis Cluster client connected to this cluster. */
  client(options?: ClusterOptions): Cluster;
  /** Stops every node and waits for them to exit. */
  stop(): Promise<void>;
}

async function startClusterNode(): Promise<RedisProcess> {
  // The cluster bus gets its own free port (cluster-port) instead of the
  // default port+10000, which may be taken or out of range.
  const busPort = await getFreePort();
  return RedisProcess.launch({
    label: 'redis-server (cluster)',
    readyTimeoutMs: DEFAULT_READY_TIMEOUT_MS,
    buildArgs: (port, files) => [
      ...baseServerArgs(port, files),
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      `${files.dir}/nodes.conf`,
      '--cluster-port',
      String(busPort),
      '--cluster-node-timeout',
      '5000',
    ],
  });
}

function runRedisCli(args: readonly string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(REDIS_CLI_BIN, args, { timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err)
        reject(
          new Error(`redis-cli ${args.join(' ')} failed: ${err.message}\n${stdout}\n${stderr}`),
        );
      else resolve(stdout);
    });
  });
}

/**
 * Starts `masters` cluster-enabled servers on free ports, joins them with
 * `redis-cli --cluster create ... --cluster-replicas 0 --cluster-yes`, and
 * waits until every node reports `cluster_state:ok` and knows all the others.
 */
export async function startCluster(options: StartClusterOptions = {}): Promise<RedisCluster> {
  const masters = options.masters ?? 3;
  if (masters < 3) throw new Error('startCluster: redis-cli needs at least 3 masters');
  const settleTimeoutMs = options.settleTimeoutMs ?? 30_000;
  const nodes: RedisProcess[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map((node) => node.stop()));
  };
  try {
    for (let i = 0; i < masters; i++) nodes.push(await startClusterNode());
    const addresses = nodes.map((node) => `${node.host}:${node.port}`);
    await runRedisCli(
      ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'],
      settleTimeoutMs,
    );
    await waitUntil(
      async () => {
        const replies = await Promise.all(
          nodes.map((node) => probeCommand(node, 'CLUSTER', ['INFO'])),
        );
        return replies.every((reply) => {
          const info = parseInfo(String(reply));
          return (
            info.get('cluster_state') === 'ok' &&
            info.get('cluster_known_nodes') === String(masters) &&
            info.get('cluster_slots_ok') === '16384'
          );
        });
      },
      {
        timeoutMs: settleTimeoutMs,
        intervalMs: 250,
        description: 'every cluster node to report cluster_state:ok',
        details: () => nodes.map((node) => node.logTail(10)).join('\n'),
      },
    );
  } catch (err) {
    await stop();
    throw err;
  }
  const startupNodes = nodes.map((node) => ({ host: node.host, port: node.port }));
  return {
    nodes,
    startupNodes,
    client: (clientOptions = {}) => {
      const cluster = new Cluster(startupNodes, clientOptions);
      cluster.on('error', () => undefined);
      return trackClient(cluster);
    },
    stop,
  };
}
