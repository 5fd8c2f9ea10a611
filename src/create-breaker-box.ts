import type { BreakerBoxOptions } from './box/box-options.js';
import { resolveBoxOptions } from './box/box-options.js';
import { BreakerBox } from './box/breaker-box.js';
import { SafetyGateImpl } from './gate/safety-gate.js';
import { HealthRegistry } from './health/health-registry.js';
import { PresenceReport } from './health/presence-report.js';
import { JobsFeature } from './jobs/jobs-feature.js';
import { resolveJobsOptions } from './jobs/jobs-options.js';
import { resolveBreakerOptions } from './breaker/resolve-breaker-options.js';
import { scriptConfig } from './redis/script-args.js';
import { MemoryStore } from './store/memory-store.js';
import { RedisStore } from './store/redis-store.js';
import type { BreakerStore } from './store/breaker-store.js';

/**
 * Creates a box of breakers. With no `redis` every breaker lives in this
 * process; with one, the fleet shares each breaker's record in Redis, and
 * breakers with a `probe` heal through BullMQ probe jobs (docs/jobs.md). This
 * is the composition root: it builds the store, the box, and the features the
 * box delegates to (health registry, safety gate, jobs).
 * @throws InvalidBreakerOptions for a bad option (a malformed Redis URL included)
 * @throws RedisUnavailable when the configured Redis does not answer
 */
export async function createBreakerBox(options?: BreakerBoxOptions): Promise<BreakerBox> {
  const resolved = resolveBoxOptions(options);
  const jobsOptions = resolveJobsOptions(resolved.jobs);
  const store: BreakerStore =
    resolved.redis === undefined
      ? new MemoryStore(resolved.replicaId, resolved.clock, resolved.random)
      : await RedisStore.connect(resolved, scriptConfig(resolveBreakerOptions(undefined).circuit));
  const startedAt = resolved.clock.now();
  return new BreakerBox(resolved, store, (box) => {
    const health = new HealthRegistry(
      box,
      { ...resolved.health, startedAt },
      resolved.logger,
      (event) => {
        box.emitHealth(event);
      },
    );
    const gate = new SafetyGateImpl(health, box.clock, resolved.logger);
    const jobs = new JobsFeature(box, resolved.redis, jobsOptions);
    const presence = new PresenceReport(box, health, gate, jobs, startedAt);
    // The first entry is written on a later turn, once the box is built.
    store.startPresence?.(() => presence.build());
    return { health, gate, jobs };
  });
}
