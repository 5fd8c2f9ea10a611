import type { Breaker, BreakerBox } from '../../src/index.js';
import { sleep } from './timing.js';

/** One call of a {@link SteadyLoad}. */
export interface TimedCall {
  /** When it started, `performance.now()` ms. */
  readonly start: number;
  /** How long `call()` took to settle, ms. */
  readonly ms: number;
  /** The box's mode when it started. */
  readonly mode: string;
  readonly ok: boolean;
}

/** A dependency answering on the next turn of the event loop. */
export const nextTurnDependency = (): Promise<void> =>
  new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A replica's steady traffic: one awaited call, then a pause of `everyMs`,
 * over and over until {@link SteadyLoad.stop}; every call's latency recorded.
 */
export class SteadyLoad {
  readonly calls: TimedCall[] = [];
  private running = true;
  private readonly loop: Promise<void>;

  constructor(
    private readonly box: BreakerBox,
    private readonly breaker: Breaker,
    private readonly everyMs = 1,
    private readonly fn: () => Promise<void> = nextTurnDependency,
  ) {
    this.loop = this.run();
  }

  /** Calls that started in [from, to). */
  between(from: number, to: number): TimedCall[] {
    return this.calls.filter((call) => call.start >= from && call.start < to);
  }

  /** Stops after the call in flight. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      const mode = this.box.mode;
      const start = performance.now();
      let ok = true;
      try {
        await this.breaker.call(this.fn);
      } catch {
        ok = false;
      }
      this.calls.push({ start, ms: performance.now() - start, mode, ok });
      await sleep(this.everyMs);
    }
  }
}

/**
 * Resolves with `performance.now()` when `box` is in `mode` (at once if it is).
 * @throws Error after `timeoutMs`
 */
export function modeReached(box: BreakerBox, mode: string, timeoutMs: number): Promise<number> {
  if (box.mode === mode) return Promise.resolve(performance.now());
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`box not ${mode} after ${timeoutMs} ms (still ${box.mode})`));
    }, timeoutMs);
    const unsubscribe = box.on('mode', (event) => {
      if (event.to !== mode) return;
      const at = performance.now();
      clearTimeout(timer);
      unsubscribe();
      resolve(at);
    });
  });
}
