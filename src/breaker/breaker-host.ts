import type { Logger } from 'pino';
import type { TransitionEvent } from '../events/box-events.js';
import type { BreakerStore } from '../store/breaker-store.js';
import type { Clock, RandomSource } from '../util/clock.js';

/** What a breaker needs from the box that owns it. */
export interface BreakerHost {
  readonly replicaId: string;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly logger: Logger;
  readonly store: BreakerStore;
  /** True once the box is closing: calls are refused. */
  readonly isClosed: boolean;
  /** Counts a call in flight (for the ordered drain of `close()`). */
  enter(): void;
  /** Counts a call finished. */
  leave(): void;
  /** Publishes a transition to the box's listeners. */
  emitTransition(event: TransitionEvent): void;
  /** Retires the breaker of `name` (see `box.retire`). */
  retire(name: string): Promise<boolean>;
}
