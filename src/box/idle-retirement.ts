import type { Logger } from 'pino';
import type { Breaker } from '../breaker/breaker.js';
import type { Clock } from '../util/clock.js';

/** Breakers looked at per turn of the event loop: 100,000 of them never stall it in one go. */
const LOOK_CHUNK = 2_000;
/** The longest time between two looks, in ms (a long idle time still notices within this much). */
const MAX_LOOK_INTERVAL_MS = 30_000;

/** What idle retirement needs of the box. */
export interface RetirementHost {
  readonly clock: Clock;
  readonly logger: Logger;
  /** The breakers to look at (a live iterable: retired ones drop out). */
  breakerValues(): IterableIterator<Breaker<unknown>>;
  /** True when something outside the breaker (a binding, a backpressure handle) follows it. */
  isHeld(name: string): boolean;
  /** Forgets a breaker that was found idle. */
  retireIdle(breaker: Breaker<unknown>): void;
}

/**
 * Retires breakers that stayed closed and untouched for `idleMs` (the box
 * option `retireIdleAfterMs`). One timer for the whole box (never one per
 * breaker) looks at every breaker each `idleMs / 4` (at most 30 s), in
 * chunks that yield to the event loop between them.
 */
export class IdleRetirement {
  private readonly timer: NodeJS.Timeout;
  private looking = false;
  private stopped = false;
  /** Breakers retired so far. */
  retiredCount = 0;

  constructor(
    private readonly host: RetirementHost,
    private readonly idleMs: number,
  ) {
    const every = Math.max(250, Math.min(MAX_LOOK_INTERVAL_MS, Math.floor(idleMs / 4)));
    this.timer = setInterval(() => {
      void this.look();
    }, every);
    this.timer.unref();
  }

  /** Looks at every breaker once; retires those idle long enough. Resolves when done. */
  async look(): Promise<void> {
    if (this.looking || this.stopped) return;
    this.looking = true;
    try {
      let seen = 0;
      for (const breaker of this.host.breakerValues()) {
        if (this.isStopped()) return;
        this.consider(breaker);
        if (++seen % LOOK_CHUNK === 0) await yieldToLoop();
      }
    } catch (error) {
      this.host.logger.error({ err: error }, 'idle retirement failed unexpectedly');
    } finally {
      this.looking = false;
    }
  }

  /** Stops looking (on close). */
  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  /** Read through a call: `stop()` may run while a look awaits. */
  private isStopped(): boolean {
    return this.stopped;
  }

  private consider(breaker: Breaker<unknown>): void {
    const idle = breaker.idleFor(this.host.clock.now());
    if (idle < this.idleMs || !breaker.retirable || this.host.isHeld(breaker.name)) return;
    this.retiredCount++;
    this.host.retireIdle(breaker);
  }
}

function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
