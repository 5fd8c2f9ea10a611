import type { ComponentHealth, HealthCheck, HealthStatus } from '../box/health-types.js';
import type { Clock } from '../util/clock.js';
import { errorMessage } from '../util/error-message.js';

/** Settings of one active check, after defaults. */
export interface ActiveCheckSettings {
  readonly critical: boolean;
  readonly timeoutMs: number;
  readonly intervalMs: number;
}

interface CheckResult {
  readonly status: HealthStatus;
  readonly message: string | null;
  readonly latencyMs: number;
  readonly at: number;
}

/**
 * A dependency checked by running a function: on an interval, and on demand
 * when its cached result is older than the interval. One run at a time (a
 * burst of `/health` requests shares it), each bounded by its timeout: a check
 * that hangs answers unhealthy once the timeout passes, and its signal aborts.
 */
export class ActiveCheck {
  private result: CheckResult | undefined;
  private running: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastError: string | null = null;
  private lastSuccess: number | null = null;
  private stopped = false;

  constructor(
    readonly name: string,
    private readonly check: HealthCheck,
    readonly settings: ActiveCheckSettings,
    private readonly clock: Clock,
    private readonly onResult: (name: string) => void,
  ) {}

  /** Runs it now and then every `intervalMs` (the timer never keeps the process alive). */
  start(): void {
    void this.run();
    this.timer = setInterval(() => {
      void this.run();
    }, this.settings.intervalMs);
    this.timer.unref();
  }

  /** Stops the interval; a run under way is left to finish (its result is ignored). */
  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
  }

  /**
   * Serves the cached result while it is younger than the interval; a staler
   * one starts a run in the background and is still served (stale while
   * revalidating), unless it is older than interval + timeout (the interval
   * stopped) or there is none yet: then it waits for the run, at most the timeout.
   */
  async fresh(): Promise<void> {
    const result = this.result;
    const { intervalMs, timeoutMs } = this.settings;
    const age = result === undefined ? Infinity : this.clock.now() - result.at;
    if (age < intervalMs) return;
    const running = this.run();
    if (age >= intervalMs + timeoutMs) await running;
  }

  /** Runs the check unless a run is under way, which it joins. */
  run(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return (this.running ??= this.runOnce().finally(() => {
      this.running = undefined;
    }));
  }

  /** The component as last checked (healthy until the first run settles). */
  component(now: number): ComponentHealth {
    const result = this.result;
    const status = result?.status ?? 'healthy';
    let retryAfterMs = 0;
    if (status !== 'healthy' && result !== undefined)
      retryAfterMs = Math.max(1, result.at + this.settings.intervalMs - now);
    return {
      name: this.name,
      kind: 'check',
      status,
      circuit: null,
      critical: this.settings.critical,
      message: result?.message ?? 'not checked yet',
      lastError: this.lastError,
      lastSuccess: this.lastSuccess,
      openUntil: null,
      backoffMs: null,
      latencyMs: result?.latencyMs ?? null,
      retryAfterMs,
    };
  }

  /** The status as last checked. */
  get status(): HealthStatus {
    return this.result?.status ?? 'healthy';
  }

  private async runOnce(): Promise<void> {
    const start = this.clock.now();
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => {
        resolve('timeout');
      }, this.settings.timeoutMs);
    });
    let status: HealthStatus = 'healthy';
    let message: string | null = null;
    try {
      const outcome = await Promise.race([
        Promise.resolve()
          .then(() => this.check(controller.signal))
          .then(() => 'ok' as const),
        timeout,
      ]);
      if (outcome === 'timeout') {
        status = 'unhealthy';
        message = `check timed out after ${this.settings.timeoutMs}ms`;
        this.lastError = message;
        controller.abort(new Error(message));
      }
    } catch (error) {
      status = 'unhealthy';
      message = `check failed: ${errorMessage(error)}`;
      this.lastError = errorMessage(error);
    } finally {
      clearTimeout(timer);
    }
    if (this.stopped) return;
    const at = this.clock.now();
    if (status === 'healthy') this.lastSuccess = at;
    this.result = { status, message, latencyMs: at - start, at };
    this.onResult(this.name);
  }
}
