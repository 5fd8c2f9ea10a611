import type { Backpressure, BackpressureChange, BackpressureLoop } from '../box/box-features.js';
import type { Unsubscribe } from '../events/typed-events.js';

/**
 * A `setInterval`-style loop that follows a dependency's backpressure: the
 * next run is `baseMs` after the last one ended (`baseMs·factor` while
 * reduced); while paused nothing runs, and the loop starts again at once when
 * the level leaves `paused`.
 */
export class BackpressureEveryLoop implements BackpressureLoop {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private stopped = false;
  private readonly unsubscribe: Unsubscribe;

  constructor(
    private readonly backpressure: Backpressure,
    private readonly baseMs: number,
    private readonly factor: number,
    private readonly fn: () => unknown,
    private readonly onError: (error: unknown) => void,
  ) {
    this.unsubscribe = backpressure.onChange((change) => {
      this.onLevelChange(change);
    });
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.unsubscribe();
  }

  private onLevelChange(change: BackpressureChange): void {
    if (this.stopped || this.running) return;
    // Leaving `paused`: run now. Otherwise re-plan the wait with the new pace.
    if (change.from === 'paused') this.schedule(0);
    else if (change.to === 'paused') clearTimeout(this.timer);
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.stopped || !Number.isFinite(delayMs)) return;
    this.timer = setTimeout(() => {
      void this.tick();
    }, delayMs);
  }

  private async tick(): Promise<void> {
    if (this.stopped || this.backpressure.paused) return;
    this.running = true;
    try {
      await this.fn();
    } catch (error) {
      this.onError(error);
    } finally {
      this.running = false;
    }
    this.schedule(this.backpressure.intervalMs(this.baseMs, this.factor));
  }
}
