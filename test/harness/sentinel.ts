import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';
import { trackClient } from './cleanup.js';
import { LOOPBACK } from './free-port.js';
import { probeCommand, probeInfo } from './probe.js';
import { DEFAULT_READY_TIMEOUT_MS, RedisProcess, startRedis } from './redis-process.js';
import { baseServerArgs } from './server-process.js';
import { waitUntil } from './wait.js';

/** A TCP endpoint on the loopback interface. */
export interface HostPort {
  host: string;
  port: number;
}

/** Options of {@link startSentinelGroup}. */
export interface SentinelGroupOptions {
  /** Monitored master name; default `mymaster`. */
  name?: string;
  /** How long to wait for replication and sentinel discovery; default 30 s. */
  settleTimeoutMs?: number;
}

/** A master, a replica and three sentinels (quorum 2), all harness-owned. */
export interface SentinelGroup {
  name: string;
  master: RedisProcess;
  replica: RedisProcess;
  sentinels: HostPort[];
  /** The sentinel processes themselves, for pausing/killing sentinels. */
  sentinelProcesses: RedisProcess[];
  /** ioredis options that connect through the sentinels: `{ sentinels, name }`. */
  sentinelOptions: { sentinels: HostPort[]; name: string };
  /** A tracked ioredis client that resolves the master through the sentinels. */
  client(options?: RedisOptions): Redis;
  /** SIGKILLs the current master process (the one started as master). */
  killMaster(): Promise<void>;
  /** Asks the sentinels which address they currently report as master. */
  getMasterAddress(): Promise<HostPort>;
  /**
   * Polls sentinels with `SENTINEL get-master-addr-by-name` until they report
   * a port other than the original master's and that node says `role:master`.
   */
  waitForFailover(timeoutMs?: number): Promise<HostPort>;
  /** Stops sentinels, replica and master and waits for them to exit. */
  stop(): Promise<void>;
}

function sentinelConf(name: string, masterPort: number): string {
  return [
    `sentinel monitor ${name} ${LOOPBACK} ${masterPort} 2`,
    `sentinel down-after-milliseconds ${name} 1000`,
    `sentinel failover-timeout ${name} 5000`,
    `sentinel parallel-syncs ${name} 1`,
    '',
  ].join('\n');
}

function startSentinel(name: string, masterPort: number): Promise<RedisProcess> {
  return RedisProcess.launch({
    label: 'redis-sentinel',
    readyTimeoutMs: DEFAULT_READY_TIMEOUT_MS,
    buildArgs: (port, files) => {
      // Sentinel rewrites its config file, so it lives in the writable temp dir.
      const confPath = join(files.dir, 'sentinel.conf');
      writeFileSync(confPath, sentinelConf(name, masterPort));
      return [confPath, '--sentinel', ...baseServerArgs(port, files)];
    },
  });
}

/** Turns a flat `[k1, v1, k2, v2, ...]` reply into a record. */
function toRecord(reply: unknown): Record<string, string> {
  const record: Record<string, string> = {};
  if (!Array.isArray(reply)) return record;
  for (let i = 0; i + 1 < reply.length; i += 2) {
    record[String(reply[i])] = String(reply[i + 1]);
  }
  return record;
}

function asList(reply: unknown): unknown[] {
  return Array.isArray(reply) ? reply : [];
}

async function sentinelIsSettled(sentinel: HostPort, name: string): Promise<boolean> {
  const master = toRecord(await probeCommand(sentinel, 'SENTINEL', ['MASTER', name]));
  if (master.flags !== 'master') return false;
  const peers = asList(await probeCommand(sentinel, 'SENTINEL', ['SENTINELS', name]));
  const replicas = asList(await probeCommand(sentinel, 'SENTINEL', ['REPLICAS', name])).map(
    toRecord,
  );
  return (
    peers.length === 2 &&
    replicas.length === 1 &&
    replicas.every((r) => r.flags === 'slave' && r['master-link-status'] === 'ok')
  );
}

async function queryMasterAddress(sentinels: HostPort[], name: string): Promise<HostPort> {
  let lastError: unknown = new Error('no sentinel answered');
  for (const sentinel of sentinels) {
    try {
      const reply = asList(
        await probeCommand(sentinel, 'SENTINEL', ['GET-MASTER-ADDR-BY-NAME', name]),
      );
      if (reply.length === 2) return { host: String(reply[0]), port: Number(reply[1]) };
      lastError = new Error(`sentinel ${sentinel.port} does not know master ${name}`);
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError;
}

interface GroupProcesses {
  master: RedisProcess;
  replica: RedisProcess;
  sentinelProcesses: RedisProcess[];
}

/** Starts and settles every process of the group; stops what it started on failure. */
async function launchProcesses(name: string, settleTimeoutMs: number): Promise<GroupProcesses> {
  const started: RedisProcess[] = [];
  try {
    const master = await startRedis();
    started.push(master);
    const replica = await startRedis({ replicaOf: { host: master.host, port: master.port } });
    started.push(replica);
    await waitUntil(
      async () => {
        const info = await probeInfo(replica, 'replication');
        const onMaster = await probeInfo(master, 'replication');
        return (
          info.get('master_link_status') === 'up' &&
          (onMaster.get('slave0') ?? '').includes('state=online')
        );
      },
      {
        timeoutMs: settleTimeoutMs,
        description: `replica ${replica.port} to sync from master ${master.port}`,
        details: () => replica.logTail(),
      },
    );
    const results = await Promise.allSettled([1, 2, 3].map(() => startSentinel(name, master.port)));
    const sentinelProcesses: RedisProcess[] = [];
    for (const result of results) {
      if (result.status === 'fulfilled') sentinelProcesses.push(result.value);
    }
    started.push(...sentinelProcesses);
    const failed = results.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    await waitUntil(
      async () => {
        const settled = await Promise.all(sentinelProcesses.map((s) => sentinelIsSettled(s, name)));
        return settled.every(Boolean);
      },
      {
        timeoutMs: settleTimeoutMs,
        intervalMs: 250,
        description: 'sentinels to discover the master, the replica and each other',
        details: () => sentinelProcesses.map((s) => s.logTail(10)).join('\n'),
      },
    );
    return { master, replica, sentinelProcesses };
  } catch (err) {
    await Promise.allSettled(started.map((p) => p.kill()));
    throw err;
  }
}

/**
 * Starts a master, a replica of it, and three sentinels monitoring it
 * (quorum 2, down-after 1 s, failover-timeout 5 s), then waits until the
 * replica's link is up and every sentinel knows the master, the replica and
 * the two other sentinels.
 */
export async function startSentinelGroup(
  options: SentinelGroupOptions = {},
): Promise<SentinelGroup> {
  const name = options.name ?? 'mymaster';
  const settleTimeoutMs = options.settleTimeoutMs ?? 30_000;
  const { master, replica, sentinelProcesses } = await launchProcesses(name, settleTimeoutMs);
  const sentinels = sentinelProcesses.map((s) => ({ host: s.host, port: s.port }));
  const sentinelOptions = { sentinels, name };
  return {
    name,
    master,
    replica,
    sentinels,
    sentinelProcesses,
    sentinelOptions,
    client: (clientOptions = {}) => {
      const redis = new Redis({ ...sentinelOptions, ...clientOptions });
      redis.on('error', () => undefined);
      return trackClient(redis);
    },
    killMaster: () => master.kill(),
    getMasterAddress: () => queryMasterAddress(sentinels, name),
    waitForFailover: (timeoutMs = 15_000) =>
      waitUntil(
        async () => {
          const address = await queryMasterAddress(sentinels, name);
          if (address.port === master.port) return undefined;
          const info = await probeInfo(address, 'replication');
          return info.get('role') === 'master' ? address : undefined;
        },
        {
          timeoutMs,
          intervalMs: 250,
          description: `sentinels to fail over ${name} away from port ${master.port}`,
          details: () => sentinelProcesses.map((s) => s.logTail(15)).join('\n'),
        },
      ),
    stop: async () => {
      await Promise.all(sentinelProcesses.map((s) => s.stop()));
      await Promise.all([replica.stop(), master.stop()]);
    },
  };
}
