/**
 * Backpressure for loops that are not BullMQ workers, on a memory box: the
 * level follows the breaker (normal, paused while open, reduced when due or
 * half-open), change events fire, the helpers stretch and pause a plain
 * interval loop, and it resumes at its normal pace after recovery.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createBreakerBox, InvalidBreakerOptions } from '../../src/index.js';
import type { BackpressureChange, BreakerBox } from '../../src/index.js';
import { waitUntil } from '../harness/index.js';
import { silentLogger } from '../unit/helpers.js';

let box: BreakerBox | undefined;

afterEach(async () => {
  await box?.close();
  box = undefined;
});

async function memoryBox(): Promise<BreakerBox> {
  box = await createBreakerBox({ logger: silentLogger() });
  return box;
}

/** Runs in [from, to). */
function runsBetween(runs: readonly number[], from: number, to: number): number {
  return runs.filter((at) => at >= from && at < to).length;
}

describe('backpressure levels', () => {
  it('follow the breaker and emit changes', async () => {
    const b = await memoryBox();
    const dep = b.breaker('cache', { openBackoff: { baseMs: 200, maxMs: 200 } });
    const pressure = b.backpressure('cache');
    const changes: BackpressureChange[] = [];
    pressure.onChange((change) => changes.push(change));
    expect(pressure.level).toBe('normal');
    await dep.forceOpen({ forMs: 200 });
    expect(pressure.level).toBe('paused');
    expect(pressure.admit('high')).toBe(true);
    expect(pressure.admit('normal')).toBe(false);
    expect(pressure.intervalMs(1_000)).toBe(Number.POSITIVE_INFINITY);
    await waitUntil(() => Promise.resolve(pressure.level === 'reduced'), {
      timeoutMs: 2_000,
      intervalMs: 10,
      description: 'reduced once the breaker is due',
    });
    expect(pressure.admit('normal')).toBe(true);
    expect(pressure.admit('low')).toBe(false);
    expect(pressure.intervalMs(1_000)).toBe(4_000);
    expect(pressure.intervalMs(1_000, 2)).toBe(2_000);
    await dep.reset();
    expect(pressure.level).toBe('normal');
    expect(pressure.admit('low')).toBe(true);
    expect(changes.map((change) => `${change.from}>${change.to}`)).toEqual([
      'normal>paused',
      'paused>reduced',
      'reduced>normal',
    ]);
  });

  it('every(): a plain interval loop is paused, stretched, and back to its pace after recovery', async () => {
    const b = await memoryBox();
    const dep = b.breaker('poller');
    const runs: number[] = [];
    const start = Date.now();
    const loop = b.backpressure('poller').every(
      50,
      () => {
        runs.push(Date.now() - start);
      },
      { reducedFactor: 5 },
    );
    try {
      await sleep(500);
      const normal = runsBetween(runs, 0, 500);
      expect(normal).toBeGreaterThanOrEqual(5);
      // Paused: no run at all.
      await dep.forceOpen({ forMs: 600 });
      const pausedFrom = Date.now() - start;
      await sleep(550);
      expect(runsBetween(runs, pausedFrom + 5, Date.now() - start)).toBe(0);
      // Due (reduced): it runs again at once, then every 250 ms.
      await sleep(700);
      const reducedTo = Date.now() - start;
      const reduced = runsBetween(runs, reducedTo - 600, reducedTo);
      expect(reduced).toBeGreaterThanOrEqual(1);
      expect(reduced).toBeLessThanOrEqual(3);
      // Healthy again: the normal pace.
      await dep.reset();
      const healedFrom = Date.now() - start;
      await sleep(600);
      expect(runsBetween(runs, healedFrom, Date.now() - start)).toBeGreaterThanOrEqual(5);
    } finally {
      loop.stop();
    }
    const stoppedAt = runs.length;
    await sleep(200);
    expect(runs.length).toBe(stoppedAt);
  });

  it('every() keeps going when an iteration throws, and refuses bad arguments', async () => {
    const b = await memoryBox();
    b.breaker('flaky-loop');
    const pressure = b.backpressure('flaky-loop');
    const errors: unknown[] = [];
    let runs = 0;
    const loop = pressure.every(
      10,
      () => {
        runs++;
        throw new Error('iteration failed');
      },
      { onError: (error) => errors.push(error) },
    );
    await waitUntil(() => Promise.resolve(runs >= 3), {
      timeoutMs: 2_000,
      intervalMs: 5,
      description: 'three runs',
    });
    loop.stop();
    expect(errors.length).toBeGreaterThanOrEqual(3);
    expect(() => pressure.every(0, () => undefined)).toThrow(InvalidBreakerOptions);
    expect(() => pressure.every(10, () => undefined, { reducedFactor: 0.5 })).toThrow(
      InvalidBreakerOptions,
    );
  });
});
