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
import { failoverHelpers } from './cluster-failover.js';

/** Options of {@link startCluster}. */
export interface StartClusterOptions {
  /** Number of master nodes (slots are split evenly); default 3. */
  masters?: number;
  /** Replicas per master (`--cluster-replicas`); default 0. */
  replicasPerMaster?: number;
  /** `cluster-node-timeout` in ms (how soon a dead master is failed over); default 5000. */
  nodeTimeoutMs?: number;
  /** How long to wait for `cluster_state:ok` everywhere; default 30 s. */
  settleTimeoutMs?: number;
}

/** One node as the cluster sees it (`CLUSTER NODES`). */
export interface ClusterNodeView {
  readonly id: string;
  readonly address: string;
  readonly role: 'master' | 'replica';
  /** True when the node is flagged `fail` or `fail?`. */
  readonly failing: boolean;
  /** For a replica: the id of its master. */
  readonly masterId: string | undefined;
  /** For a master: how many slots it serves. */
  readonly slotCount: number;
}

/** A harness-owned Redis Cluster (masters, and replicas when asked). */
export interface RedisCluster {
  /** The node processes (host/port, pause/kill/...). */
  nodes: RedisProcess[];
  /** Startup nodes for `new Cluster(startupNodes)`. */
  startupNodes: HostPort[];
  /** A tracked ioredis Cluster client connected to this cluster. */
  client(options?: ClusterOptions): Cluster;
  /** Stops every node and waits for them to exit. */
  stop(): Promise<void>;
  /** The cluster's view of its nodes, read from a live node. */
  topology(): Promise<ClusterNodeView[]>;
  /** The live processes that serve slots now. */
  masters(): Promise<RedisProcess[]>;
  /** The master process serving `slot` now. */
  masterOfSlot(slot: number): Promise<RedisProcess>;
  /**
   * SIGKILLs the master serving `slot` and resolves with it (its replica
   * takes over after the node timeout; see {@link RedisCluster.waitForFailover}).
   */
  killMasterOfSlot(slot: number): Promise<RedisProcess>;
  /**
   * Waits until a live node other than `dead` serves `slot` and every live
   * node says `cluster_state:ok`; resolves with the promoted master.
   */
  waitForFailover(slot: number, dead: RedisProcess, timeoutMs?: number): Promise<RedisProcess>;
}

async function startClusterNode(nodeTimeoutMs: number): Promise<RedisProcess> {
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
      String(nodeTimeoutMs),
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
 * Starts `masters × (1 + replicasPerMaster)` cluster-enabled servers on free
 * ports, joins them with `redis-cli --cluster create ... --cluster-replicas N
 * --cluster-yes`, and waits until every node reports `cluster_state:ok` and
 * knows all the others.
 */
export async function startCluster(options: StartClusterOptions = {}): Promise<RedisCluster> {
  const masters = options.masters ?? 3;
  if (masters < 3) throw new Error('startCluster: redis-cli needs at least 3 masters');
  const replicasPerMaster = options.replicasPerMaster ?? 0;
  const total = masters * (1 + replicasPerMaster);
  const settleTimeoutMs = options.settleTimeoutMs ?? 30_000;
  const nodes: RedisProcess[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map((node) => node.stop()));
  };
  try {
    const nodeTimeoutMs = options.nodeTimeoutMs ?? 5_000;
    for (let i = 0; i < total; i++) nodes.push(await startClusterNode(nodeTimeoutMs));
    const addresses = nodes.map((node) => `${node.host}:${node.port}`);
    await runRedisCli(
      [
        '--cluster',
        'create',
        ...addresses,
        '--cluster-replicas',
        String(replicasPerMaster),
        '--cluster-yes',
      ],
      settleTimeoutMs,
    );
    await waitUntil(
      async () => {
        const replies = await Promise.all(
          nodes.map((node) => probeCommand(node, 'CLUSTER', ['INFO'])),
        );
        const clusterOk = replies.every((reply) => {
          const info = parseInfo(String(reply));
          return (
            info.get('cluster_state') === 'ok' &&
            info.get('cluster_known_nodes') === String(total) &&
            info.get('cluster_slots_ok') === '16384'
          );
        });
        if (!clusterOk) return false;
        // Replicas must be attached and synced, or a failover would find no one to promote.
        const replication = await Promise.all(
          nodes.map(async (node) =>
            parseInfo(String(await probeCommand(node, 'INFO', ['replication']))),
          ),
        );
        const synced = replication.filter(
          (info) => info.get('role') === 'slave' && info.get('master_link_status') === 'up',
        );
        return synced.length === masters * replicasPerMaster;
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
    ...failoverHelpers(nodes),
  };
}
