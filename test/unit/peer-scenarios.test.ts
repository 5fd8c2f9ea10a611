import { describe, expect, it } from 'vitest';
import type { BreakerOptions } from '../../src/breaker/breaker-options.js';
import type { Breaker } from '../../src/breaker/breaker.js';
import { resolveBreakerOptions } from '../../src/breaker/resolve-breaker-options.js';
import { InvalidBreakerOptions } from '../../src/errors/invalid-breaker-options.js';
import type { FakeClock } from './helpers.js';
import { failCalls, makeBox, succeedCalls } from './helpers.js';

/**
 * Scenarios ported from the peers' own breaker test suites (resilience4j's
 * CircuitBreakerStateMachineTest, cockatiel's ConsecutiveBreaker.test.ts and
 * CountBreaker.test.ts), restated with our options. Where we differ on
 * purpose, the test says so and docs/options.md explains it.
 */

/** resilience4j's setUp: 50% failure and slow-call rates, slow from 4 s, a 20 s time window, minimum 5. */
const RESILIENCE4J: BreakerOptions = {
  failureRateThreshold: 0.5,
  slowCallRateThreshold: 0.5,
  slowCallDurationMs: 4_000,
  windowMs: 20_000,
  windowBuckets: 20,
  minimumCalls: 5,
};

function takes(clock: FakeClock, ms: number, fails: boolean) {
  return (): Promise<string> => {
    clock.advance(ms);
    return fails ? Promise.reject(new Error('down')) : Promise.resolve('ok');
  };
}

async function run(breaker: Breaker<unknown>, fn: () => Promise<string>): Promise<void> {
  await breaker.call(fn).catch(() => undefined);
}

describe('resilience4j CircuitBreakerStateMachineTest', () => {
  it('shouldOpenAfterFailureRateThresholdExceeded: F F F S S opens at 60% on the 5th call', async () => {
    const { box } = await makeBox();
    const breaker = box.breaker('r4j', RESILIENCE4J);
    await failCalls(breaker, 3);
    await succeedCalls(breaker, 1);
    expect(breaker.state).toBe('closed');
    await succeedCalls(breaker, 1);
    expect(breaker.state).toBe('open');
    expect((await breaker.snapshot()).trippedBy).toMatchObject({
      rule: 'failure_rate',
      calls: 5,
      failures: 3,
      failureRate: 0.6,
    });
    await box.close();
  });

  it('shouldOpenAfterFailureRateThresholdExceeded2: S S S F F (1 s apart) stays closed, one more F opens at 50%', async () => {
    const { box, clock } = await makeBox();
    const breaker = box.breaker('r4j', RESILIENCE4J);
    for (const fails of [false, false, false, true, true]) {
      await run(breaker, takes(clock, 0, fails));
      clock.advance(1_000);
    }
    expect(breaker.state).toBe('closed');
    await run(breaker, takes(clock, 0, true));
    expect(breaker.state).toBe('open');
    expect((await breaker.snapshot()).trippedBy).toMatchObject({ calls: 6, failures: 3 });
    await box.close();
  });

  it('shouldOpenAfterSlowCallRateThresholdExceeded: slow F, slow S, fast F, fast S, slow S opens on slow calls', async () => {
    const { box, clock } = await makeBox();
    const breaker = box.breaker('r4j', RESILIENCE4J);
    await run(breaker, takes(clock, 5_000, true));
    await run(breaker, takes(clock, 5_000, false));
    await run(breaker, takes(clock, 100, true));
    await run(breaker, takes(clock, 100, false));
    expect(breaker.state).toBe('closed');
    await run(breaker, takes(clock, 5_000, false));
    expect(breaker.state).toBe('open');
    expect((await breaker.snapshot()).trippedBy).toMatchObject({
      rule: 'slow_call_rate',
      calls: 5,
      slowCalls: 3,
      slowCallRate: 0.6,
    });
    await box.close();
  });

  it('caps the default minimumNumberOfCalls at a count window', () => {
    const options = resolveBreakerOptions({ windowType: 'count', windowSize: 5 });
    expect(options.circuit.minimumCalls).toBe(5);
  });
});

describe('cockatiel ConsecutiveBreaker (the recipe: count window of N, minimumCalls N, threshold 1)', () => {
  const consecutive = (n: number): BreakerOptions => ({
    windowType: 'count',
    windowSize: n,
    minimumCalls: n,
    failureRateThreshold: 1,
    openBackoff: { baseMs: 1_000, jitter: 0 },
  });

  it("'works': 3 consecutive failures open it; after it heals, 3 more are needed", async () => {
    const { box, clock } = await makeBox();
    const breaker = box.breaker('consecutive', consecutive(3));
    await failCalls(breaker, 2);
    expect(breaker.state).toBe('closed');
    await failCalls(breaker, 1);
    expect(breaker.state).toBe('open');
    clock.advance(1_000);
    await succeedCalls(breaker, 1); // the half-open trial closes it, with an empty window
    expect(breaker.state).toBe('closed');
    await failCalls(breaker, 2);
    expect(breaker.state).toBe('closed');
    await failCalls(breaker, 1);
    expect(breaker.state).toBe('open');
    await box.close();
  });

  it('a success between failures starts the count again (F F S F F stays closed; one more F opens)', async () => {
    const { box } = await makeBox();
    const breaker = box.breaker('consecutive', consecutive(3));
    await failCalls(breaker, 2);
    await succeedCalls(breaker, 1);
    await failCalls(breaker, 2);
    expect(breaker.state).toBe('closed');
    await failCalls(breaker, 1);
    expect(breaker.state).toBe('open');
    await box.close();
  });

  it('many failures with a success every N-th call never open it', async () => {
    const { box } = await makeBox();
    const breaker = box.breaker('consecutive', consecutive(3));
    for (let i = 0; i < 30; i++) {
      await failCalls(breaker, 2);
      await succeedCalls(breaker, 1);
    }
    expect(breaker.state).toBe('closed');
    await box.close();
  });
});

describe('cockatiel CountBreaker', () => {
  const count: BreakerOptions = {
    windowType: 'count',
    windowSize: 100,
    minimumCalls: 50,
    failureRateThreshold: 0.5,
  };

  it('rejects a minimumNumberOfCalls above the window size', () => {
    expect(() => resolveBreakerOptions({ ...count, minimumCalls: 101 })).toThrow(
      InvalidBreakerOptions,
    );
  });

  it('does not open as long as the minimum number of calls has not been reached', async () => {
    const { box } = await makeBox();
    const breaker = box.breaker('count', count);
    await failCalls(breaker, 49);
    expect(breaker.state).toBe('closed');
    await box.close();
  });

  it('opens when the minimum is reached and the threshold surpassed (24 S then 26 F)', async () => {
    const { box } = await makeBox();
    const breaker = box.breaker('count', count);
    await succeedCalls(breaker, 24);
    await failCalls(breaker, 25);
    expect(breaker.state).toBe('closed');
    await failCalls(breaker, 1);
    expect(breaker.state).toBe('open');
    await box.close();
  });

  it('differs on purpose at exactly the threshold: 25 S then 25 F opens here (>=, as resilience4j), cockatiel stays closed (>)', async () => {
    const { box } = await makeBox();
    const breaker = box.breaker('count', count);
    await succeedCalls(breaker, 25);
    await failCalls(breaker, 24);
    expect(breaker.state).toBe('closed');
    await failCalls(breaker, 1);
    expect(breaker.state).toBe('open');
    await box.close();
  });
});
