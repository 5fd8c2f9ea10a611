import type { ResolvedBreakerOptions } from '../breaker/resolve-breaker-options.js';
import type { Clock, RandomSource } from '../util/clock.js';
import type { BreakerStore } from './breaker-store.js';
import type { CircuitDriver, DriverContext } from './circuit-driver.js';
import { MemoryDriver } from './memory-driver.js';

/** The store of a box with no Redis: every breaker lives in this process. */
export class MemoryStore implements BreakerStore {
  readonly mode = 'memory' as const;

  constructor(
    private readonly replicaId: string,
    private readonly clock: Clock,
    private readonly random: RandomSource,
  ) {}

  createDriver(options: ResolvedBreakerOptions, context: DriverContext): CircuitDriver {
    return new MemoryDriver(options, context, this.replicaId, this.clock, this.random);
  }

  setModeListener(): void {
    // A memory store never changes mode.
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
