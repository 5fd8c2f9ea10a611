import { MemoryStore } from '../store/memory-store.js';
import { RedisStore } from '../store/redis-store.js';
import type { BreakerBoxOptions } from './box-options.js';
import { resolveBoxOptions } from './box-options.js';
import { BreakerBox } from './breaker-box.js';

/**
 * Creates a box of breakers. With no `redis` every breaker lives in this
 * process; with one, the fleet shares each breaker's record in Redis.
 * @throws InvalidBreakerOptions for a bad option (a malformed Redis URL included)
 * @throws RedisUnavailable when the configured Redis does not answer
 */
export async function createBreakerBox(options?: BreakerBoxOptions): Promise<BreakerBox> {
  const resolved = resolveBoxOptions(options);
  const store =
    resolved.redis === undefined
      ? new MemoryStore(resolved.replicaId, resolved.clock, resolved.random)
      : await RedisStore.connect(resolved);
  return new BreakerBox(resolved, store);
}
