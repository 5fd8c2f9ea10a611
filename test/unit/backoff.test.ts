import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openDurationMs } from '../../src/engine/backoff.js';
import { Circuit } from '../../src/engine/circuit.js';
import type { BackoffConfig } from '../../src/engine/types.js';
import { circuitConfig, counts, failCalls, makeBox } from './helpers.js';

const ALMOST_ONE = 1 - Number.EPSILON / 2; // the largest double below 1

const backoffArb = fc
  .record({
    baseMs: fc.integer({ min: 1, max: 86_400_000 }),
    extraMs: fc.integer({ min: 0, max: 86_400_000 }),
    multiplier: fc.double({ min: 1, max: 1_000, noNaN: true }),
    jitter: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
  })
  .map(({ baseMs, extraMs, multiplier, jitter }): BackoffConfig => ({
    baseMs,
    maxMs: Math.min(86_400_000, baseMs + extraMs),
    multiplier,
    jitter,
  }));
const stepArb = fc.integer({ min: 0, max: 64 });
const randomArb = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

/** min(maxMs, baseMs · multiplier^step), computed independently of the implementation. */
function nominal(b: BackoffConfig, step: number): number {
  return Math.min(b.maxMs, b.baseMs * Math.pow(b.multiplier, step));
}

const REL = 1e-9;

describe('openDurationMs', () => {
  it.each([
    [0, 1_000],
    [1, 2_000],
    [2, 4_000],
    [3, 8_000],
    [5, 32_000],
    [6, 60_000],
    [7, 60_000],
    [1_000, 60_000],
  ])('grows baseMs·2^k, capped at maxMs: step %i -> %i ms', (step, expected) => {
    const b = { baseMs: 1_000, maxMs: 60_000, multiplier: 2, jitter: 0 };
    expect(openDurationMs(b, step, 0)).toBe(expected);
    expect(openDurationMs(b, step, ALMOST_ONE)).toBe(expected);
  });

  it('never grows with multiplier 1', () => {
    const b = { baseMs: 700, maxMs: 60_000, multiplier: 1, jitter: 0 };
    expect(openDurationMs(b, 0, 0.5)).toBe(700);
    expect(openDurationMs(b, 50, 0.5)).toBe(700);
  });

  it.each([
    { random: 0, expected: 800 },
    { random: 0.25, expected: 900 },
    { random: 0.5, expected: 1_000 },
    { random: 0.75, expected: 1_100 },
    { random: 0.999_999, expected: 1_199 },
    { random: ALMOST_ONE, expected: 1_200 },
  ])('jitter 0.2 spreads 1000 ms by ±20%: random $random -> $expected', ({ random, expected }) => {
    const b = { baseMs: 1_000, maxMs: 60_000, multiplier: 2, jitter: 0.2 };
    expect(openDurationMs(b, 0, random)).toBe(expected);
  });

  it('never jitters past the cap, but may jitter below it', () => {
    const b = { baseMs: 1_000, maxMs: 60_000, multiplier: 2, jitter: 0.2 };
    expect(openDurationMs(b, 10, ALMOST_ONE)).toBe(60_000);
    expect(openDurationMs(b, 10, 0)).toBe(48_000);
  });

  it('stays within [floor(d·(1-jitter)), min(maxMs, d·(1+jitter))] for any config, step and random (property)', () => {
    fc.assert(
      fc.property(backoffArb, stepArb, randomArb, (b, step, random) => {
        const result = openDurationMs(b, step, random);
        const d = nominal(b, step);
        expect(Number.isInteger(result)).toBe(true);
        expect(result).toBeGreaterThanOrEqual(0);
        expect(result).toBeLessThanOrEqual(b.maxMs);
        expect(result).toBeGreaterThanOrEqual(Math.floor(d * (1 - b.jitter) * (1 - REL)) - 1);
        expect(result).toBeLessThanOrEqual(d * (1 + b.jitter) * (1 + REL));
      }),
    );
  });

  it('hits the bounds at random 0 and at random ~1 (property)', () => {
    fc.assert(
      fc.property(backoffArb, stepArb, (b, step) => {
        const d = nominal(b, step);
        const low = openDurationMs(b, step, 0);
        const high = openDurationMs(b, step, ALMOST_ONE);
        const lowBound = d * (1 - b.jitter);
        expect(Math.abs(low - Math.floor(lowBound))).toBeLessThanOrEqual(1 + lowBound * REL);
        const highBound = Math.min(b.maxMs, d * (1 + b.jitter));
        expect(Math.abs(high - Math.floor(highBound))).toBeLessThanOrEqual(1 + highBound * REL);
        expect(low).toBeLessThanOrEqual(high);
      }),
    );
  });

  it('is non-decreasing in step for a fixed random (property)', () => {
    fc.assert(
      fc.property(backoffArb, stepArb, randomArb, (b, step, random) => {
        expect(openDurationMs(b, step + 1, random)).toBeGreaterThanOrEqual(
          openDurationMs(b, step, random),
        );
      }),
    );
  });
});

describe('backoff in the state machine', () => {
  it('a failed probe re-opens with the next step; a successful one resets it to 0', () => {
    const circuit = new Circuit(
      circuitConfig({ openBackoff: { baseMs: 1_000, maxMs: 4_000, multiplier: 2, jitter: 0 } }),
    );
    let now = 0;
    circuit.record('a', counts({ failures: 4 }), now, 0.5);
    const durations: number[] = [circuit.current.openUntil - now];
    for (let i = 0; i < 4; i++) {
      now = circuit.current.openUntil;
      expect(circuit.beginProbe(`p${i}`, now).granted).toBe(true);
      const result = circuit.endProbe(`p${i}`, false, now, 0.5);
      expect(result.accepted).toBe(true);
      expect(circuit.current.backoffStep).toBe(i + 1);
      durations.push(circuit.current.openUntil - now);
    }
    expect(durations).toEqual([1_000, 2_000, 4_000, 4_000, 4_000]);

    now = circuit.current.openUntil;
    circuit.beginProbe('ok', now);
    circuit.endProbe('ok', true, now, 0.5);
    expect(circuit.current).toMatchObject({ state: 'closed', backoffStep: 0, openUntil: 0 });
    circuit.record('a', counts({ failures: 4 }), now, 0.5);
    expect(circuit.current.openUntil - now).toBe(1_000);
  });

  it('uses the random number it is given for the jitter', () => {
    const circuit = new Circuit(
      circuitConfig({ openBackoff: { baseMs: 1_000, maxMs: 4_000, multiplier: 2, jitter: 0.5 } }),
    );
    const transition = circuit.record('a', counts({ failures: 4 }), 100, 0);
    expect(transition?.openUntil).toBe(100 + 500);
  });
});

describe('backoff through a breaker', () => {
  it('opens for baseMs, then each failed probe for the next step, capped; success resets', async () => {
    const { box, clock, transitions } = await makeBox();
    const breaker = box.breaker('payments', {
      minimumCalls: 1,
      openBackoff: { baseMs: 1_000, maxMs: 5_000, multiplier: 2, jitter: 0 },
    });
    await failCalls(breaker, 1);
    for (let i = 0; i < 4; i++) {
      clock.t = transitions.at(-1)?.openUntil ?? 0;
      await failCalls(breaker, 1);
    }
    const openings = transitions.filter((t) => t.to === 'open');
    expect(openings.map((t) => t.retryAfterMs)).toEqual([1_000, 2_000, 4_000, 5_000, 5_000]);
    expect(openings.map((t) => t.reason)).toEqual([
      'failure_rate',
      'probe_failed',
      'probe_failed',
      'probe_failed',
      'probe_failed',
    ]);
    expect((await breaker.snapshot()).backoffStep).toBe(4);

    clock.t = transitions.at(-1)?.openUntil ?? 0;
    await expect(breaker.call(() => 'healed')).resolves.toBe('healed');
    expect((await breaker.snapshot()).backoffStep).toBe(0);
    await failCalls(breaker, 1);
    expect(transitions.at(-1)).toMatchObject({ to: 'open', retryAfterMs: 1_000 });
    await box.close();
  });

  it('applies the box random source to the jitter', async () => {
    const { box, random, transitions } = await makeBox();
    random.value = 0;
    const breaker = box.breaker('payments', {
      minimumCalls: 1,
      openBackoff: { baseMs: 1_000, jitter: 0.2 },
    });
    await failCalls(breaker, 1);
    expect(transitions.at(-1)?.retryAfterMs).toBe(800);
    // the driver draws the next random number at each transition, so set it before the reset
    random.value = ALMOST_ONE;
    await breaker.reset();
    await failCalls(breaker, 1);
    expect(transitions.at(-1)?.retryAfterMs).toBe(1_200);
    await box.close();
  });
});
