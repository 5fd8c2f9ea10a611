import { describe, expect, it } from 'vitest';
import { Circuit, tripReason } from '../../src/engine/circuit.js';
import type { EvaluatedTotals } from '../../src/engine/outcome-window.js';
import { circuitConfig, counts, failCalls, makeBox, succeedCalls } from './helpers.js';

function totals(calls: number, failures: number, slowCalls = 0, badReplicas = 1): EvaluatedTotals {
  return { calls, failures, slowCalls, replicas: {}, badReplicas };
}

describe('tripReason', () => {
  it.each([
    { threshold: 0.5, calls: 100, failures: 50, trips: true },
    { threshold: 0.5, calls: 100, failures: 49, trips: false },
    { threshold: 0.3, calls: 10, failures: 3, trips: true },
    { threshold: 0.3, calls: 10, failures: 2, trips: false },
    { threshold: 1, calls: 20, failures: 20, trips: true },
    { threshold: 1, calls: 20, failures: 19, trips: false },
    { threshold: 0.25, calls: 8, failures: 2, trips: true },
    { threshold: 0.01, calls: 100, failures: 1, trips: true },
    { threshold: 0.01, calls: 101, failures: 1, trips: false },
  ])(
    'failure rate $failures/$calls with threshold $threshold trips: $trips',
    ({ threshold, calls, failures, trips }) => {
      const config = circuitConfig({ failureRateThreshold: threshold, minimumCalls: 1 });
      expect(tripReason(config, totals(calls, failures))).toBe(trips ? 'failure_rate' : undefined);
    },
  );

  it('needs minimumCalls calls in the window before any rate counts', () => {
    const config = circuitConfig({ minimumCalls: 20 });
    expect(tripReason(config, totals(19, 19, 19))).toBeUndefined();
    expect(tripReason(config, totals(20, 19))).toBe('failure_rate');
  });

  it('never trips an empty window', () => {
    const config = circuitConfig({ minimumCalls: 0, minimumReplicas: 0 });
    expect(tripReason(config, totals(0, 0, 0, 0))).toBeUndefined();
  });

  it.each([
    { threshold: 0.5, calls: 10, slow: 5, trips: true },
    { threshold: 0.5, calls: 10, slow: 4, trips: false },
    { threshold: 0.8, calls: 10, slow: 8, trips: true },
    { threshold: 0.8, calls: 10, slow: 7, trips: false },
  ])(
    'slow-call rate $slow/$calls with threshold $threshold trips: $trips',
    ({ threshold, calls, slow, trips }) => {
      const config = circuitConfig({ slowCallRateThreshold: threshold, minimumCalls: 1 });
      expect(tripReason(config, totals(calls, 0, slow))).toBe(trips ? 'slow_call_rate' : undefined);
    },
  );

  it('slowCallRateThreshold 1 turns the slow-call rule off, even at 100% slow', () => {
    const config = circuitConfig({ slowCallRateThreshold: 1, minimumCalls: 1 });
    expect(tripReason(config, totals(10, 0, 10))).toBeUndefined();
  });

  it('reports failure_rate when both rates are crossed', () => {
    const config = circuitConfig({ slowCallRateThreshold: 0.5, minimumCalls: 1 });
    expect(tripReason(config, totals(10, 5, 10))).toBe('failure_rate');
  });

  it('needs minimumReplicas bad replicas', () => {
    const config = circuitConfig({ minimumReplicas: 3, minimumCalls: 1 });
    expect(tripReason(config, totals(10, 10, 0, 2))).toBeUndefined();
    expect(tripReason(config, totals(10, 10, 0, 3))).toBe('failure_rate');
  });
});

describe('thresholds in the state machine', () => {
  it('trips exactly when the failure rate reaches the threshold with minimumCalls reached', () => {
    const circuit = new Circuit(circuitConfig({ minimumCalls: 10, failureRateThreshold: 0.5 }));
    circuit.record('a', counts({ successes: 5 }), 0, 0.5);
    for (let i = 0; i < 4; i++) expect(circuit.recordOne('a', 1, 0, 0.5)).toBeUndefined();
    // 4/9: below minimumCalls; the 10th call, a failure, makes 5/10 = 0.5
    expect(circuit.recordOne('a', 1, 0, 0.5)?.reason).toBe('failure_rate');
  });

  it('does not trip just below the threshold', () => {
    const circuit = new Circuit(circuitConfig({ minimumCalls: 10, failureRateThreshold: 0.5 }));
    circuit.record('a', counts({ successes: 6 }), 0, 0.5);
    for (let i = 0; i < 5; i++) expect(circuit.recordOne('a', 1, 0, 0.5)).toBeUndefined();
    // 5/11 < 0.5
    expect(circuit.state).toBe('closed');
    expect(circuit.recordOne('a', 1, 0, 0.5)?.reason).toBe('failure_rate'); // 6/12
  });

  it('trips on the slow-call rate with slow successes', () => {
    const circuit = new Circuit(circuitConfig({ minimumCalls: 4, slowCallRateThreshold: 0.5 }));
    circuit.record('a', counts({ successes: 2, slowSuccesses: 1 }), 0, 0.5);
    expect(circuit.state).toBe('closed');
    expect(circuit.recordOne('a', 2, 0, 0.5)?.reason).toBe('slow_call_rate');
  });
});

describe('thresholds through a breaker', () => {
  it('minimumCalls: 4 failures stay closed, the 5th opens', async () => {
    const { box } = await makeBox();
    const breaker = box.breaker('payments', { minimumCalls: 5 });
    await failCalls(breaker, 4);
    expect(breaker.state).toBe('closed');
    await failCalls(breaker, 1);
    expect(breaker.state).toBe('open');
    await box.close();
  });

  it('failureRateThreshold: 0.4 trips at 2/5 but not at 1/5 or 2/7', async () => {
    const { box } = await makeBox();
    const low = box.breaker('low', { minimumCalls: 5, failureRateThreshold: 0.4 });
    await succeedCalls(low, 4);
    await failCalls(low, 1); // 1/5
    expect(low.state).toBe('closed');
    await succeedCalls(low, 1);
    await failCalls(low, 1); // 2/7
    expect(low.state).toBe('closed');

    const high = box.breaker('high', { minimumCalls: 5, failureRateThreshold: 0.4 });
    await succeedCalls(high, 3);
    await failCalls(high, 2); // 2/5 = 0.4
    expect(high.state).toBe('open');
    await box.close();
  });

  it('slowCallDurationMs: a call taking exactly that long is slow, one ms less is not', async () => {
    const { box, clock, transitions } = await makeBox();
    const options = { minimumCalls: 4, slowCallRateThreshold: 0.5, slowCallDurationMs: 100 };
    const breaker = box.breaker('slow', options);
    const takes = (ms: number) => () => {
      clock.advance(ms);
      return Promise.resolve('done');
    };
    for (let i = 0; i < 10; i++) await breaker.call(takes(99));
    expect(breaker.state).toBe('closed');
    expect((await breaker.snapshot()).window).toMatchObject({ calls: 10, slowCalls: 0 });

    const fresh = box.breaker('slow-2', options);
    await fresh.call(takes(0));
    await fresh.call(takes(50));
    await fresh.call(takes(100));
    expect(fresh.state).toBe('closed');
    await expect(fresh.call(takes(150))).resolves.toBe('done');
    expect(fresh.state).toBe('open');
    expect(transitions.at(-1)).toMatchObject({ breaker: 'slow-2', reason: 'slow_call_rate' });
    await box.close();
  });

  it('a slow failure counts as a failure and as slow', async () => {
    const { box, clock } = await makeBox();
    const breaker = box.breaker('payments', {
      minimumCalls: 100,
      slowCallRateThreshold: 0.9,
      slowCallDurationMs: 10,
    });
    await breaker
      .call(() => {
        clock.advance(10);
        return Promise.reject(new Error('slow and broken'));
      })
      .catch(() => undefined);
    expect((await breaker.snapshot()).window).toMatchObject({
      calls: 1,
      failures: 1,
      slowCalls: 1,
    });
    await box.close();
  });

  it('slowCallRateThreshold 1 (the default) never trips and does not measure', async () => {
    const { box, clock } = await makeBox();
    const breaker = box.breaker('payments', { minimumCalls: 2, slowCallDurationMs: 1 });
    for (let i = 0; i < 10; i++) {
      await breaker.call(() => {
        clock.advance(1_000);
        return 'late';
      });
    }
    expect(breaker.state).toBe('closed');
    expect((await breaker.snapshot()).window).toMatchObject({ calls: 10, slowCalls: 0 });
    await box.close();
  });
});

describe('minimumReplicas in one process', () => {
  it('a box with no Redis is one replica, so a quorum above one is waived', async () => {
    const { box } = await makeBox();
    const breaker = box.breaker('payments', { minimumCalls: 4, minimumReplicas: 3 });
    await failCalls(breaker, 4);
    expect(breaker.state).toBe('open');
    await box.close();
  });
});

describe('a success can change the verdict too (issue 7 item 2)', () => {
  it('fail, fail, fail, ok, ok opens at 60% when the 5th call (a success) reaches minimumCalls', async () => {
    const { box, transitions } = await makeBox();
    const breaker = box.breaker('payments', { minimumCalls: 5, failureRateThreshold: 0.5 });
    await failCalls(breaker, 3);
    await succeedCalls(breaker, 1);
    expect(breaker.state).toBe('closed');
    await succeedCalls(breaker, 1);
    expect(breaker.state).toBe('open');
    expect(transitions).toMatchObject([{ from: 'closed', to: 'open', reason: 'failure_rate' }]);
    await box.close();
  });

  it('the engine evaluates a lone success (recordOne) and a success-only batch (record)', () => {
    const config = circuitConfig({ minimumCalls: 5, failureRateThreshold: 0.5 });
    const one = new Circuit(config);
    for (let i = 0; i < 3; i++) one.recordOne('a', 1, 0, 0.5);
    expect(one.recordOne('a', 0, 0, 0.5)).toBeUndefined();
    expect(one.recordOne('a', 0, 0, 0.5)?.reason).toBe('failure_rate');

    const batch = new Circuit(config);
    batch.record('a', counts({ failures: 3 }), 0, 0.5);
    expect(batch.record('a', counts({ successes: 2 }), 0, 0.5)?.reason).toBe('failure_rate');
  });

  it('a success after older successes left the time window is evaluated against what is left', () => {
    // 1 s window of 10 buckets: 10 successes at t=0, 3 failures at t=500 (3/13
    // is below 0.4); at t=1,050 the successes have left, and one more success
    // makes 3/4 = 75%.
    const circuit = new Circuit(circuitConfig({ minimumCalls: 4, failureRateThreshold: 0.4 }));
    circuit.record('a', counts({ successes: 10 }), 0, 0.5);
    circuit.record('a', counts({ failures: 3 }), 500, 0.5);
    expect(circuit.state).toBe('closed');
    expect(circuit.recordOne('a', 0, 1_050, 0.5)?.reason).toBe('failure_rate');
  });

  it('a slow success reaching the minimum trips on the failure rate it completes', () => {
    const circuit = new Circuit(
      circuitConfig({ minimumCalls: 3, failureRateThreshold: 0.6, slowCallRateThreshold: 0.9 }),
    );
    circuit.recordOne('a', 1, 0, 0.5);
    circuit.recordOne('a', 1, 0, 0.5);
    expect(circuit.recordOne('a', 2, 0, 0.5)?.reason).toBe('failure_rate');
  });
});
