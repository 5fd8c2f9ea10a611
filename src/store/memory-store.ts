import type { ResolvedBreakerOptions } from '../breaker/resolve-breaker-options.js';
import type { Clock, RandomSource } from '../util/clock.js';
import type { BreakerStore, StoreCloseStage } from './breaker-store.js';

const MEMORY_STAGES: readonly StoreCloseStage[] = [
  'flush',
  'release_probe_locks',
  'unsubscribe',
  'quit',
];
import type { CircuitDriver, DriverContext } from './circuit-driver.js';
import type { MemoryEnvironment } from './memory-driver.js';
import { MemoryDriver } from './memory-driver.js';

/** The store of a box with no Redis: every breaker lives in this process. */
export class MemoryStore implements BreakerStore {
  readonly mode = 'memory' as const;

  private readonly env: MemoryEnvironment;

  constructor(replicaId: string, clock: Clock, random: RandomSource) {
    this.env = Object.freeze({ replicaId, clock, random });
  }

  createDriver(options: ResolvedBreakerOptions, context: DriverContext): CircuitDriver {
    return new MemoryDriver(options, context, this.env);
  }

  setModeListener(): void {
    // A memory store never changes mode.
  }

  close(onStage?: (stage: StoreCloseStage) => void): Promise<void> {
    // Nothing to flush, release or quit: the stages are reported for uniform logs.
    for (const stage of MEMORY_STAGES) onStage?.(stage);
    return Promise.resolve();
  }
}
