import type { Logger } from 'pino';
import type { ModeChangeEvent } from '../events/box-events.js';
import { redisTroubleKind, troubleCause } from '../redis/redis-trouble.js';
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

/** How long a box stays local after Redis refused our work (a permanent cause) before it tries again. */
const PERMANENT_RETRY_MS = 5_000;
/** A permanent cause is logged again only after this long in shared mode without it. */
const PERMANENT_QUIET_MS = 60_000;

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
  /** Permanent causes (NOPERM, WRONGTYPE, …) already logged at ERROR. */
  private readonly loggedCauses = new Set<string>();
  private sharedSince: number;
  /** No recovery attempt before this time (after a permanent cause). */
  private retryAfter = 0;

  constructor(
    private readonly hooks: ModeControllerHooks,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly timings: ModeControllerTimings,
  ) {
    this.lastOkAt = clock.now();
    this.sharedSince = this.lastOkAt;
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
    const kind = redisTroubleKind(error);
    if (kind === 'none') return false;
    if (kind === 'permanent') this.notePermanent(error);
    if (this.current === 'shared' && !this.stopped) this.switchTo('local', errorMessage(error));
    return true;
  }

  /**
   * Redis answers but refuses our work: logged at ERROR once per cause (not
   * per call), and no return to shared mode for a while (it will not heal by
   * itself; retrying at every tick would flap between the modes).
   */
  private notePermanent(error: unknown): void {
    this.retryAfter = this.clock.now() + PERMANENT_RETRY_MS;
    const cause = error instanceof Error ? troubleCause(error) : 'unknown';
    if (this.loggedCauses.has(cause)) return;
    this.loggedCauses.add(cause);
    this.logger.error(
      { err: error, cause },
      'redis refuses our work: breakers decide locally until it is fixed (see docs/redis-requirements.md)',
    );
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
    if (this.clock.now() - this.sharedSince >= PERMANENT_QUIET_MS) this.loggedCauses.clear();
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
    if (this.clock.now() < this.retryAfter) return;
    this.recovering = true;
    try {
      await this.hooks.ping();
      await this.hooks.reconcile();
      this.reportOk();
      if (!this.isStopped()) this.switchTo('shared', 'redis answered');
    } catch (error) {
      // Breakers already reconciled go back to their local engines too.
      this.hooks.goLocal();
      if (redisTroubleKind(error) === 'permanent') this.notePermanent(error);
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
      this.sharedSince = this.clock.now();
      this.logger.info({ from, to, reason }, 'redis healthy again: breakers shared and reconciled');
    }
    this.hooks.onChange({ from, to, reason, at: this.clock.now() });
  }
}
