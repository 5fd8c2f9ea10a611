import type { Logger } from 'pino';
import type { ModeChangeEvent } from '../events/box-events.js';
import { isRedisTrouble } from '../redis/redis-trouble.js';
import type { Clock } from '../util/clock.js';
import { errorMessage } from '../util/error-message.js';

/** What the controller needs from the store. */
export interface ModeControllerHooks {
  /** One cheap command (PING) within the command timeout. */
  ping(): Promise<void>;
  /** True when the command connection is up (ioredis status `ready`). */
  isConnectionReady(): boolean;
  /** Every breaker switches to its local engine. */
  goLocal(): void;
  /** Every breaker carries its local decisions into Redis; rejects if Redis fails meanwhile. */
  reconcile(): Promise<void>;
  /** The mode changed. */
  onChange(event: ModeChangeEvent): void;
}

/** Timings of the controller. */
export interface ModeControllerTimings {
  /** How often to check Redis while local (and to tick at all). */
  readonly tickMs: number;
  /** In shared mode, PING when no command succeeded for this long. */
  readonly idleHeartbeatMs: number;
}

/**
 * Redis health and the box's mode. Any Redis trouble (a timeout, a closed
 * connection, LOADING/READONLY…) seen by any command moves the box to `local`
 * at once; while local, Redis is PINGed every tick and, when it answers, the
 * breakers are reconciled and the box returns to `shared`. One timer per box.
 */
export class ModeController {
  private current: 'shared' | 'local' = 'shared';
  private lastOkAt: number;
  private recovering = false;
  private readonly timer: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly hooks: ModeControllerHooks,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly timings: ModeControllerTimings,
  ) {
    this.lastOkAt = clock.now();
    this.timer = setInterval(() => {
      this.tick();
    }, timings.tickMs);
    this.timer.unref();
  }

  /** `shared` while Redis answers, `local` while it does not. */
  get mode(): 'shared' | 'local' {
    return this.current;
  }

  /** A command succeeded. */
  reportOk(): void {
    this.lastOkAt = this.clock.now();
  }

  /** A command failed; Redis trouble moves the box to local mode. Returns whether it was trouble. */
  reportTrouble(error: unknown): boolean {
    if (!isRedisTrouble(error)) return false;
    if (this.current === 'shared' && !this.stopped) this.switchTo('local', errorMessage(error));
    return true;
  }

  /** The command connection came (back) up: try to return to shared mode now. */
  connectionReady(): void {
    if (this.current === 'local') void this.recover();
  }

  /** Stops the timer. */
  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  /** Read through a method: `stop()` may run while `recover()` awaits. */
  private isStopped(): boolean {
    return this.stopped;
  }

  private tick(): void {
    if (this.stopped) return;
    if (this.current === 'local') {
      void this.recover();
      return;
    }
    if (this.clock.now() - this.lastOkAt < this.timings.idleHeartbeatMs) return;
    this.hooks.ping().then(
      () => {
        this.reportOk();
      },
      (error: unknown) => {
        this.reportTrouble(error);
      },
    );
  }

  private async recover(): Promise<void> {
    if (this.recovering || this.stopped || !this.hooks.isConnectionReady()) return;
    this.recovering = true;
    try {
      await this.hooks.ping();
      await this.hooks.reconcile();
      this.reportOk();
      if (!this.isStopped()) this.switchTo('shared', 'redis answered');
    } catch (error) {
      // Breakers already reconciled go back to their local engines too.
      this.hooks.goLocal();
      this.logger.debug({ err: error }, 'redis still unhealthy; staying local');
    } finally {
      this.recovering = false;
    }
  }

  private switchTo(to: 'shared' | 'local', reason: string): void {
    const from = this.current;
    if (from === to) return;
    this.current = to;
    if (to === 'local') {
      this.logger.warn({ from, to, reason }, 'redis unhealthy: breakers decide locally');
      this.hooks.goLocal();
    } else {
      this.logger.info({ from, to, reason }, 'redis healthy again: breakers shared and reconciled');
    }
    this.hooks.onChange({ from, to, reason, at: this.clock.now() });
  }
}
