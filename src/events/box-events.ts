import type { CircuitState, TransitionReason } from '../engine/types.js';
import type { StoreMode } from '../store/circuit-driver.js';
import type { HealthChangeEvent } from '../box/health-types.js';

/** A breaker's state change, as seen by this replica (resilience4j/cockatiel style). */
export interface TransitionEvent {
  /** The breaker (dependency) name. */
  readonly breaker: string;
  readonly from: CircuitState;
  readonly to: CircuitState;
  /** The record's epoch after the change: increases by one per transition, fleet-wide. */
  readonly epoch: number;
  readonly reason: TransitionReason;
  /** For an opening: ms until a probe may be tried (0 otherwise or when open until cleared). */
  readonly retryAfterMs: number;
  /**
   * The replica that made the transition, which is not necessarily this one:
   * this replica's id for a transition it made itself, the publishing
   * replica's id for one learnt from the fleet's transitions channel. When
   * this replica only learnt of it by re-reading the shared record (the
   * message was lost, or the record was rebuilt), the maker is unknown and
   * this replica's id is given. This replica's id is `box.replicaId`.
   */
  readonly replicaId: string;
  /** When it happened, ms since the Unix epoch. */
  readonly at: number;
  /** When an open breaker may be probed, ms since the Unix epoch; null if not open or open until cleared. */
  readonly openUntil: number | null;
}

/** The box moved between keeping state in Redis (`shared`) and in this process (`local`). */
export interface ModeChangeEvent {
  readonly from: StoreMode;
  readonly to: StoreMode;
  /** Why, for people: the Redis error or `redis answered`. */
  readonly reason: string;
  readonly at: number;
}

/** Every event a box emits, by name. */
export interface BreakerBoxEvents {
  transition: TransitionEvent;
  mode: ModeChangeEvent;
  /** A component's health status, or the replica's aggregate, changed. */
  health: HealthChangeEvent;
}
