import type { ResolvedBreakerOptions } from '../breaker/resolve-breaker-options.js';
import type { ModeChangeEvent } from '../events/box-events.js';
import type { CircuitDriver, DriverContext, StoreMode } from './circuit-driver.js';
import type { FleetReader } from './fleet-reader.js';
import type { ReplicaPresence } from './replica-presence.js';

/** Flushes to Redis that carried outcomes: how many, and how long they took. */
export interface FlushStats {
  count: number;
  totalMs: number;
  lastMs: number;
  /** Record script calls sent (one per dirty breaker per flush). */
  records: number;
}

/** The stages of a store's close, in order. */
export type StoreCloseStage = 'flush' | 'release_probe_locks' | 'unsubscribe' | 'quit';

/**
 * Where a box keeps its breakers' state: in this process's memory, or in Redis
 * shared by the fleet. One store per box, one driver per breaker.
 */
export interface BreakerStore {
  /** `memory` with no Redis; `shared` or `local` (Redis unreachable) with one. */
  readonly mode: StoreMode;
  /** Flush latency (Redis stores only). */
  readonly flushStats?: FlushStats;
  /** Reads and overrides every breaker of the namespace (Redis stores only). */
  readonly fleet?: FleetReader;
  /** Starts writing this replica's presence entry from `source` (Redis stores only; off when its interval is 0). */
  startPresence?(source: () => ReplicaPresence): void;
  /** Creates the driver of one breaker. */
  createDriver(options: ResolvedBreakerOptions, context: DriverContext): CircuitDriver;
  /** Sets who hears about mode changes (the box). */
  setModeListener(listener: (event: ModeChangeEvent) => void): void;
  /**
   * Stops timers and connections after a final flush; `onStage` hears each
   * stage as it begins (flush, release probe locks, unsubscribe, quit).
   */
  close(onStage?: (stage: StoreCloseStage) => void): Promise<void>;
}
