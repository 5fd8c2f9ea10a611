import { MemoryStore } from '../store/memory-store.js';
import type { BreakerBoxOptions } from './box-options.js';
import { resolveBoxOptions } from './box-options.js';
import { BreakerBox } from './breaker-box.js';
import { InvalidBreakerOptions } from '../errors/invalid-breaker-options.js';

/**
 * Creates a box of breakers. With no `redis` every breaker lives in this
 * process; with one, the fleet shares each breaker's record in Redis.
 * @throws InvalidBreakerOptions for a bad option
 */
// eslint-disable-next-line @typescript-eslint/require-await -- connecting to Redis will await here
export async function createBreakerBox(options?: BreakerBoxOptions): Promise<BreakerBox> {
  const resolved = resolveBoxOptions(options);
  if (resolved.redis !== undefined) {
    throw new InvalidBreakerOptions(
      'redis',
      resolved.redis,
      'Redis support lands with the shared-state store',
    );
  }
  const store = new MemoryStore(resolved.replicaId, resolved.clock, resolved.random);
  return new BreakerBox(resolved, store);
}
