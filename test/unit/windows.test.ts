import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Circuit } from '../../src/engine/circuit.js';
import { CountWindow } from '../../src/engine/count-window.js';
import { createWindow } from '../../src/engine/create-window.js';
import { TimeWindow } from '../../src/engine/time-window.js';
import { Outcome } from '../../src/engine/types.js';
import { circuitConfig, counts, makeBox } from './helpers.js';

describe('time window eviction (1000 ms in 10 buckets of 100 ms)', () => {
  it('keeps a call until the bucket leaves the window, exactly at the boundary', () => {
    const window = new TimeWindow(1_000, 10);
    window.addOne('a', Outcome.Failure, 0);
    expect(window.totals(0)).toMatchObject({ calls: 1, failures: 1 });
    expect(window.totals(999)).toMatchObject({ calls: 1, failures: 1 });
    expect(window.totals(1_000)).toMatchObject({ calls: 0, failures: 0, replicas: {} });
  });

  it('expires a whole bucket at once: 99 goes with 0, 100 stays one bucket longer', () => {
    const window = new TimeWindow(1_000, 10);
    window.addOne('a', Outcome.Failure, 0);
    window.addOne('a', Outcome.Failure, 99);
    window.addOne('a', Outcome.Success, 100);
    expect(window.totals(999)).toMatchObject({ calls: 3, failures: 2 });
    expect(window.totals(1_000)).toMatchObject({ calls: 1, failures: 0 });
    expect(window.totals(1_099)).toMatchObject({ calls: 1, failures: 0 });
    expect(window.totals(1_100)).toMatchObject({ calls: 0 });
  });

  it('slides bucket by bucket as the clock moves', () => {
    const window = new TimeWindow(1_000, 10);
    for (let t = 0; t < 1_000; t += 100) window.addOne('a', Outcome.Failure, t);
    expect(window.totals(999).calls).toBe(10);
    for (let k = 1; k <= 10; k++) {
      expect(window.totals(999 + k * 100 - 99).calls).toBe(10 - k);
    }
  });

  it('reuses a ring slot for a newer bucket without resurrecting the old counts', () => {
    const window = new TimeWindow(1_000, 10);
    window.add('a', counts({ failures: 7 }), 50);
    // 1050 lands in the same ring slot (index 10 vs 0)
    window.add('a', counts({ successes: 1 }), 1_050);
    expect(window.totals(1_050)).toMatchObject({ calls: 1, failures: 0 });
    // and after a long idle gap the window holds only the newest call
    window.addOne('b', Outcome.Failure, 60_000);
    expect(window.totals(60_000)).toMatchObject({ calls: 1, failures: 1 });
    expect(Object.keys(window.totals(60_000).replicas)).toEqual(['b']);
  });

  it('keeps counting into the same bucket across replicas interleaved', () => {
    const window = new TimeWindow(1_000, 10);
    window.addOne('a', Outcome.Failure, 10);
    window.addOne('b', Outcome.Success, 11);
    window.addOne('a', Outcome.SlowSuccess, 12);
    window.addOne('b', Outcome.SlowFailure, 13);
    expect(window.totals(13)).toEqual({
      calls: 4,
      failures: 2,
      slowCalls: 2,
      replicas: {
        a: { calls: 2, failures: 1, slowCalls: 1 },
        b: { calls: 2, failures: 1, slowCalls: 1 },
      },
      badReplicas: 2,
    });
  });

  it('rounds the bucket length up when windowMs does not divide evenly', () => {
    const window = new TimeWindow(1_000, 3); // buckets of 334 ms
    window.addOne('a', Outcome.Failure, 0);
    expect(window.totals(1_001).calls).toBe(1);
    expect(window.totals(1_002).calls).toBe(0);
  });

  it('sums per replica and drops a replica whose calls all expired', () => {
    const window = new TimeWindow(1_000, 10);
    window.add('a', counts({ failures: 2, successes: 3 }), 0);
    window.add('b', counts({ successes: 4, slowSuccesses: 1 }), 500);
    expect(window.totals(600)).toEqual({
      calls: 10,
      failures: 2,
      slowCalls: 1,
      replicas: {
        a: { calls: 5, failures: 2, slowCalls: 0 },
        b: { calls: 5, failures: 0, slowCalls: 1 },
      },
      badReplicas: 2,
    });
    expect(window.totals(1_000)).toEqual({
      calls: 5,
      failures: 0,
      slowCalls: 1,
      replicas: { b: { calls: 5, failures: 0, slowCalls: 1 } },
      badReplicas: 1,
    });
  });

  it('counts slow failures as both failures and slow calls', () => {
    const window = new TimeWindow(1_000, 10);
    window.add('a', counts({ slowFailures: 2, slowSuccesses: 1, failures: 1, successes: 1 }), 0);
    expect(window.totals(0)).toMatchObject({ calls: 5, failures: 3, slowCalls: 3 });
  });

  it('forgets everything on clear, and counts again afterwards', () => {
    const window = new TimeWindow(1_000, 10);
    window.addOne('a', Outcome.Failure, 0);
    window.clear();
    expect(window.totals(0)).toMatchObject({ calls: 0, badReplicas: 0 });
    window.addOne('a', Outcome.Success, 0);
    expect(window.totals(0)).toMatchObject({ calls: 1, failures: 0 });
  });
});

describe('count window', () => {
  it('keeps exactly the last N calls', () => {
    const window = new CountWindow(5);
    const sequence = [1, 1, 1, 0, 0, 0, 0, 1] as const; // 1 = failure
    sequence.forEach((outcome, i) => {
      window.addOne('a', outcome, i);
    });
    // last five: 0 0 0 0 1
    expect(window.totals(0)).toMatchObject({ calls: 5, failures: 1 });
    window.addOne('a', Outcome.Success, 9);
    expect(window.totals(0)).toMatchObject({ calls: 5, failures: 1 });
    window.addOne('a', Outcome.Success, 10);
    window.addOne('a', Outcome.Success, 11);
    window.addOne('a', Outcome.Success, 12);
    window.addOne('a', Outcome.Success, 13);
    expect(window.totals(0)).toMatchObject({ calls: 5, failures: 0 });
  });

  it('ignores time entirely', () => {
    const window = new CountWindow(3);
    window.addOne('a', Outcome.Failure, 0);
    expect(window.totals(Number.MAX_SAFE_INTEGER)).toMatchObject({ calls: 1, failures: 1 });
  });

  it('matches "the last N calls" for any sequence, per replica too (property)', () => {
    const outcome = fc.constantFrom(
      Outcome.Success,
      Outcome.Failure,
      Outcome.SlowSuccess,
      Outcome.SlowFailure,
    );
    const call = fc.record({ replica: fc.constantFrom('a', 'b', 'c'), outcome });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.array(call, { maxLength: 60 }),
        (n, calls) => {
          const window = new CountWindow(n);
          calls.forEach((c, i) => {
            window.addOne(c.replica, c.outcome, i);
          });
          const last = calls.slice(Math.max(0, calls.length - n));
          const totals = window.totals(0);
          const isFailure = (o: number): boolean => (o & 1) !== 0;
          const isSlow = (o: number): boolean => (o & 2) !== 0;
          expect(totals.calls).toBe(last.length);
          expect(totals.failures).toBe(last.filter((c) => isFailure(c.outcome)).length);
          expect(totals.slowCalls).toBe(last.filter((c) => isSlow(c.outcome)).length);
          for (const replica of ['a', 'b', 'c']) {
            const mine = last.filter((c) => c.replica === replica);
            if (mine.length === 0) {
              expect(totals.replicas[replica]).toBeUndefined();
            } else {
              expect(totals.replicas[replica]).toEqual({
                calls: mine.length,
                failures: mine.filter((c) => isFailure(c.outcome)).length,
                slowCalls: mine.filter((c) => isSlow(c.outcome)).length,
              });
            }
          }
          const bad = new Set(last.filter((c) => c.outcome !== 0).map((c) => c.replica));
          expect(totals.badReplicas).toBe(bad.size);
        },
      ),
    );
  });

  it('drops the oldest batch only once the newer batches alone hold N calls', () => {
    const window = new CountWindow(10);
    window.add('a', counts({ failures: 6 }), 0);
    window.add('b', counts({ successes: 6 }), 0);
    expect(window.totals(0)).toMatchObject({ calls: 12, failures: 6, badReplicas: 1 });
    window.add('c', counts({ successes: 4 }), 0);
    expect(window.totals(0)).toEqual({
      calls: 10,
      failures: 0,
      slowCalls: 0,
      replicas: {
        b: { calls: 6, failures: 0, slowCalls: 0 },
        c: { calls: 4, failures: 0, slowCalls: 0 },
      },
      badReplicas: 0,
    });
  });

  it('forgets everything on clear', () => {
    const window = new CountWindow(3);
    window.addOne('a', Outcome.Failure, 0);
    window.addOne('a', Outcome.Failure, 0);
    window.clear();
    expect(window.totals(0)).toMatchObject({ calls: 0, failures: 0, replicas: {} });
    window.addOne('a', Outcome.Success, 0);
    expect(window.totals(0)).toMatchObject({ calls: 1, failures: 0 });
  });

  it('is what createWindow builds for a count config, a TimeWindow for a time config', () => {
    expect(createWindow({ type: 'count', size: 3 })).toBeInstanceOf(CountWindow);
    expect(createWindow({ type: 'time', windowMs: 1_000, buckets: 10 })).toBeInstanceOf(TimeWindow);
  });
});

describe('Circuit.record batches', () => {
  it('adds a batch, sums per replica, and ignores an empty batch', () => {
    const circuit = new Circuit(circuitConfig({ minimumCalls: 100 }));
    expect(circuit.record('a', counts({}), 0, 0.5)).toBeUndefined();
    expect(circuit.totals(0).calls).toBe(0);
    circuit.record('a', counts({ successes: 3, failures: 1 }), 0, 0.5);
    circuit.record('b', counts({ slowSuccesses: 2 }), 10, 0.5);
    expect(circuit.totals(10)).toMatchObject({
      calls: 6,
      failures: 1,
      slowCalls: 2,
      replicas: {
        a: { calls: 4, failures: 1, slowCalls: 0 },
        b: { calls: 2, failures: 0, slowCalls: 2 },
      },
    });
  });

  it('evaluates every batch: a success-only batch reaching minimumCalls can trip it', () => {
    const circuit = new Circuit(circuitConfig({ minimumCalls: 4 }));
    expect(circuit.record('a', counts({ failures: 3 }), 0, 0.5)).toBeUndefined();
    // 3 failures of 4 calls is over the threshold once the success makes the minimum
    expect(circuit.record('a', counts({ successes: 1 }), 0, 0.5)?.reason).toBe('failure_rate');
  });

  it('clears the window when it trips', () => {
    const circuit = new Circuit(circuitConfig());
    circuit.record('a', counts({ failures: 4 }), 0, 0.5);
    expect(circuit.state).toBe('open');
    expect(circuit.totals(0).calls).toBe(0);
  });

  it('counts the window of a count-based config', () => {
    const circuit = new Circuit(
      circuitConfig({ minimumCalls: 4, window: { type: 'count', size: 4 } }),
    );
    for (let i = 0; i < 20; i++) circuit.recordOne('a', Outcome.Success, i, 0.5);
    circuit.recordOne('a', Outcome.Failure, 100_000, 0.5);
    expect(circuit.totals(100_000)).toMatchObject({ calls: 4, failures: 1 });
    expect(circuit.state).toBe('closed');
    circuit.recordOne('a', Outcome.Failure, 100_001, 0.5);
    expect(circuit.state).toBe('open');
  });
});

describe('minimumReplicas quorum', () => {
  const config = circuitConfig({ minimumCalls: 4, minimumReplicas: 2 });

  it("one replica's failures alone do not trip; a second failing replica does", () => {
    const circuit = new Circuit(config);
    expect(circuit.record('a', counts({ failures: 50 }), 0, 0.5)).toBeUndefined();
    expect(circuit.state).toBe('closed');
    expect(circuit.totals(0).badReplicas).toBe(1);
    const transition = circuit.record('b', counts({ failures: 1 }), 10, 0.5);
    expect(transition).toMatchObject({ from: 'closed', to: 'open', reason: 'failure_rate' });
  });

  it('a replica reporting only successes does not make the quorum', () => {
    const circuit = new Circuit(config);
    circuit.record('a', counts({ failures: 10 }), 0, 0.5);
    expect(circuit.record('b', counts({ successes: 5 }), 0, 0.5)).toBeUndefined();
    expect(circuit.record('a', counts({ failures: 1 }), 0, 0.5)).toBeUndefined();
    expect(circuit.state).toBe('closed');
  });

  it('a replica whose failures expired from the window no longer counts', () => {
    const circuit = new Circuit(config);
    circuit.record('a', counts({ failures: 10 }), 0, 0.5);
    expect(circuit.record('b', counts({ failures: 10 }), 1_000, 0.5)).toBeUndefined();
    expect(circuit.totals(1_000).badReplicas).toBe(1);
    expect(circuit.record('a', counts({ failures: 1 }), 1_001, 0.5)?.to).toBe('open');
  });
});

describe('breaker time window over the fake clock', () => {
  it('failures older than windowMs no longer count toward a trip', async () => {
    const { box, clock } = await makeBox();
    const breaker = box.breaker('payments', {
      minimumCalls: 4,
      windowMs: 1_000,
      windowBuckets: 10,
    });
    clock.t = 10_000;
    for (let i = 0; i < 3; i++)
      await breaker.call(() => Promise.reject(new Error('x'))).catch(() => undefined);
    clock.t = 11_000;
    await breaker.call(() => Promise.reject(new Error('x'))).catch(() => undefined);
    expect(breaker.state).toBe('closed');
    expect((await breaker.snapshot()).window.calls).toBe(1);
    clock.t = 11_999;
    for (let i = 0; i < 3; i++)
      await breaker.call(() => Promise.reject(new Error('x'))).catch(() => undefined);
    expect(breaker.state).toBe('open');
    await box.close();
  });
});

describe('the allocation-free sums agree with the full totals', () => {
  it('for random adds at random (also backward) times, in both window types', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.record({
            type: fc.constant('time' as const),
            windowMs: fc.integer({ min: 10, max: 200 }),
            buckets: fc.integer({ min: 1, max: 8 }),
          }),
          fc.record({ type: fc.constant('count' as const), size: fc.integer({ min: 1, max: 12 }) }),
        ),
        fc.array(
          fc.record({
            dt: fc.integer({ min: -30, max: 80 }),
            replica: fc.constantFrom('a', 'b'),
            batch: fc.boolean(),
            outcome: fc.constantFrom<Outcome>(0, 1, 2, 3),
            clear: fc.integer({ min: 0, max: 30 }),
          }),
          { maxLength: 60 },
        ),
        (config, steps) => {
          const window = createWindow(config);
          let now = 1_000;
          for (const step of steps) {
            now = Math.max(0, now + step.dt);
            if (step.clear === 0) window.clear();
            else if (step.batch)
              window.add(step.replica, counts({ successes: 1, failures: step.outcome & 1 }), now);
            else window.addOne(step.replica, step.outcome, now);
            const { calls, failures, slowCalls } = window.totals(now);
            const sums = window.sums(now);
            expect({
              calls: sums.calls,
              failures: sums.failures,
              slowCalls: sums.slowCalls,
            }).toEqual({
              calls,
              failures,
              slowCalls,
            });
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
