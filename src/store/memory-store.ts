import type { ResolvedBreakerOptions } from '../breaker/resolve-breaker-options.js';
import type { Clock, RandomSource } from '../util/clock.js';
import type { BreakerStore } from './breaker-store.js';
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

  close(): Promise<void> {
    return Promise.resolve();
  }
}
