import { resolveBoxOptions } from './box/box-options.js';
import type { BreakerBoxOptions } from './box/box-options.js';
import { BreakerBox } from './box/breaker-box.js';
import { JobsFeature } from './jobs/jobs-feature.js';
import { resolveJobsOptions } from './jobs/jobs-options.js';
import { MemoryStore } from './store/memory-store.js';
import { RedisStore } from './store/redis-store.js';

/**
 * Creates a box of breakers. With no `redis` every breaker lives in this
 * process; with one, the fleet shares each breaker's record in Redis, and
 * breakers with a `probe` heal through BullMQ probe jobs (docs/jobs.md).
 * @throws InvalidBreakerOptions for a bad option (a malformed Redis URL included)
 * @throws RedisUnavailable when the configured Redis does not answer
 */
export async function createBreakerBox(options?: BreakerBoxOptions): Promise<BreakerBox> {
  const resolved = resolveBoxOptions(options);
  const jobsOptions = resolveJobsOptions(resolved.jobs);
  const store =
    resolved.redis === undefined
      ? new MemoryStore(resolved.replicaId, resolved.clock, resolved.random)
      : await RedisStore.connect(resolved);
  const box = new BreakerBox(resolved, store);
  box.install({ jobs: new JobsFeature(box, resolved.redis, jobsOptions) });
  return box;
}
