import calculateSlot from 'cluster-key-slot';
import pino from 'pino';
import type { BreakerBoxOptions, BreakerOptions } from '../../src/index.js';
import { createBreakerBox } from '../../src/index.js';
import type { BreakerBox } from '../../src/index.js';
import { breakerKeys } from '../../src/redis/keys.js';
import { startCluster, waitUntil } from '../harness/index.js';
import type { RedisCluster } from '../harness/index.js';

/**
 * Three masters, three replicas; a dead master is failed over after 2 s
 * without gossip (the default 15 s would make every failover test slow).
 */
export function startTestCluster(): Promise<RedisCluster> {
  return startCluster({
    masters: 3,
    replicasPerMaster: 1,
    nodeTimeoutMs: 2_000,
    settleTimeoutMs: 60_000,
  });
}

/** Open for a minute once tripped: nothing heals it while a test looks. */
export const LONG_OPEN: BreakerOptions = {
  failureRateThreshold: 0.5,
  minimumCalls: 5,
  windowMs: 30_000,
  openBackoff: { baseMs: 60_000, maxMs: 60_000, jitter: 0 },
};

/** A box on the cluster's startup nodes, tuned to converge fast in tests. */
export function clusterBox(
  cluster: RedisCluster,
  namespace: string,
  replicaId: string,
  extra: Partial<BreakerBoxOptions> = {},
): Promise<BreakerBox> {
  return createBreakerBox({
    redis: { cluster: cluster.startupNodes },
    namespace,
    replicaId,
    logger: pino({ level: 'silent' }),
    flushIntervalMs: 25,
    refreshIntervalMs: 200,
    commandTimeoutMs: 500,
    ...extra,
  });
}

/** The Cluster slot of a breaker's record. */
export function slotOf(namespace: string, name: string): number {
  return calculateSlot(breakerKeys(namespace, name).state);
}

/** Fails `count` calls of a breaker (it trips once the window says so). */
export async function failCalls(
  box: BreakerBox,
  name: string,
  options: BreakerOptions,
  count: number,
): Promise<void> {
  const breaker = box.breaker(name, options);
  for (let i = 0; i < count; i++) {
    await breaker.call(() => Promise.reject(new Error(`${name} failed`))).catch(() => undefined);
  }
}

/** Waits (generously: the machine may be loaded) until a synchronous check holds. */
export async function waitFor(
  check: () => boolean,
  description: string,
  timeoutMs = 20_000,
): Promise<void> {
  await waitUntil(() => Promise.resolve(check()), { timeoutMs, intervalMs: 20, description });
}
