/**
 * Redis Cluster beside one Redis. `single` and `cluster`: trip propagation
 * to `replicas` replica processes (bench/lib/propagation.ts), on one
 * redis-server or on a local cluster of three masters and three replicas.
 * `pubsub-plain` and `pubsub-sharded`: the transport on its own, PUBLISH vs
 * SPUBLISH on the same kind of cluster (bench/lib/cluster-pubsub.ts).
 */
import { startCluster, stopAllRedis } from '../../test/harness/index.js';
import type { RedisCluster } from '../../test/harness/index.js';
import { onCaseEnd, param, runCase } from '../lib/case-runner.js';
import { measurePubSub } from '../lib/cluster-pubsub.js';
import type { CaseOutput, CaseParams } from '../lib/protocol.js';
import { measurePropagation } from '../lib/propagation.js';
import { benchRedis } from '../lib/redis.js';

async function benchCluster(): Promise<RedisCluster> {
  onCaseEnd(stopAllRedis);
  return startCluster({ masters: 3, replicasPerMaster: 1, settleTimeoutMs: 60_000 });
}

function trials(params: CaseParams): {
  replicas: number;
  trials: number;
  warmupTrials: number;
  pauseMs: number;
} {
  return {
    replicas: param(params, 'replicas', 8),
    trials: param(params, 'trials', 100),
    warmupTrials: param(params, 'warmupTrials', 5),
    pauseMs: param(params, 'pauseMs', 20),
  };
}

async function single(params: CaseParams): Promise<CaseOutput> {
  const server = await benchRedis();
  return measurePropagation({
    ...trials(params),
    redis: { redisUrl: server.url },
    namespace: 'single',
  });
}

async function cluster(params: CaseParams): Promise<CaseOutput> {
  const nodes = (await benchCluster()).startupNodes;
  return measurePropagation({
    ...trials(params),
    redis: { redisUrl: 'redis://unused', clusterNodes: nodes, connectTimeoutMs: 15_000 },
    namespace: 'cluster',
  });
}

function pubsub(sharded: boolean) {
  return async (params: CaseParams): Promise<CaseOutput> =>
    measurePubSub(await benchCluster(), {
      sharded,
      subscribers: param(params, 'subscribers', 8),
      trials: param(params, 'trials', 500),
      gapMs: param(params, 'gapMs', 2),
      costMessages: param(params, 'costMessages', 20_000),
    });
}

runCase({ single, cluster, 'pubsub-plain': pubsub(false), 'pubsub-sharded': pubsub(true) });
