/**
 * Trip propagation: `replicas` replica processes share one breaker on one
 * redis-server (the trial loop is bench/lib/propagation.ts). Each replica
 * stamps the moment its box emits the opening (its view is open then: a call
 * made right after is checked to be refused) on the common clock; a trial's
 * figure is the last replica's stamp minus the tripping replica's.
 */
import { param, runCase } from '../lib/case-runner.js';
import type { CaseOutput, CaseParams } from '../lib/protocol.js';
import { measurePropagation } from '../lib/propagation.js';
import { benchRedis } from '../lib/redis.js';

async function propagation(params: CaseParams): Promise<CaseOutput> {
  const server = await benchRedis();
  return measurePropagation({
    replicas: param(params, 'replicas', 8),
    trials: param(params, 'trials', 100),
    warmupTrials: param(params, 'warmupTrials', 5),
    pauseMs: param(params, 'pauseMs', 20),
    redis: { redisUrl: server.url },
    namespace: 'propagation',
  });
}

runCase({ fleet: propagation });
