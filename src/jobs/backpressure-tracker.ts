import type { Logger } from 'pino';
import type {
  Backpressure,
  BackpressureChange,
  BackpressureLevel,
  BackpressureLoop,
  EveryOptions,
  WorkPriority,
} from '../box/box-features.js';
import type { Breaker } from '../breaker/breaker.js';
import { InvalidBreakerOptions } from '../errors/invalid-breaker-options.js';
import type { Listener, Unsubscribe } from '../events/typed-events.js';
import type { Clock } from '../util/clock.js';
import { levelOf, nextLevelChangeAt } from './level.js';
import { BackpressureEveryLoop } from './every-loop.js';

/** How often a level other than `normal` re-reads the breaker's view (local memory, no I/O), in ms. */
const RECHECK_MS = 250;

/**
 * One dependency's backpressure level, followed from this replica's view of
 * its breaker: re-evaluated on every transition the box reports, once when
 * an open breaker's `openUntil` passes, and every 250 ms while not `normal`
 * (one timer, only then).
 */
export class BackpressureTracker implements Backpressure {
  private current: BackpressureLevel;
  private readonly listeners = new Set<Listener<BackpressureChange>>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly breaker: Breaker<unknown>,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    this.current = levelOf(breaker.view, clock.now());
    this.arm();
  }

  get dependency(): string {
    return this.breaker.name;
  }

  get level(): BackpressureLevel {
    return this.current;
  }

  get paused(): boolean {
    return this.current === 'paused';
  }

  onChange(listener: Listener<BackpressureChange>): Unsubscribe {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  intervalMs(baseMs: number, reducedFactor = 4): number {
    if (this.current === 'paused') return Number.POSITIVE_INFINITY;
    return this.current === 'reduced' ? baseMs * reducedFactor : baseMs;
  }

  admit(priority: WorkPriority): boolean {
    if (priority === 'high') return true;
    if (priority === 'normal') return this.current !== 'paused';
    return this.current === 'normal';
  }

  every(baseMs: number, fn: () => unknown, options: EveryOptions = {}): BackpressureLoop {
    if (!Number.isFinite(baseMs) || baseMs < 1)
      throw new InvalidBreakerOptions('baseMs', baseMs, 'must be a number of ms >= 1');
    const factor = options.reducedFactor ?? 4;
    if (!Number.isFinite(factor) || factor < 1)
      throw new InvalidBreakerOptions('reducedFactor', factor, 'must be a number >= 1');
    const onError =
      options.onError ??
      ((error: unknown) => {
        this.logger.warn({ err: error, dependency: this.dependency }, 'backpressure loop threw');
      });
    return new BackpressureEveryLoop(this, baseMs, factor, fn, onError);
  }

  /** Re-reads the breaker's view; tells listeners when the level changed. */
  update(): void {
    const next = levelOf(this.breaker.view, this.clock.now());
    const previous = this.current;
    this.current = next;
    this.arm();
    if (next === previous) return;
    const change: BackpressureChange = {
      dependency: this.dependency,
      from: previous,
      to: next,
    };
    for (const listener of [...this.listeners]) {
      try {
        listener(change);
      } catch (error) {
        this.logger.error({ err: error }, 'a backpressure listener threw');
      }
    }
  }

  /** Stops the timer and drops the listeners. */
  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.listeners.clear();
  }

  private arm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const now = this.clock.now();
    const changeAt = nextLevelChangeAt(this.breaker.view, now);
    // While not normal, also re-read the view now and then: an override's new
    // expiry (a same-state forceOpen, here or read from Redis) is no transition.
    const at =
      this.current === 'normal'
        ? changeAt
        : Math.min(changeAt ?? Number.POSITIVE_INFINITY, now + RECHECK_MS);
    if (at === undefined) return;
    this.timer = setTimeout(
      () => {
        this.update();
      },
      Math.max(1, at - now + 1),
    );
    this.timer.unref();
  }
}
