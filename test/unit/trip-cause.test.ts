import { describe, expect, it } from 'vitest';
import { Circuit } from '../../src/engine/circuit.js';
import { circuitConfig, counts, failCalls, makeBox, succeedCalls } from './helpers.js';

describe('what tripped a breaker stays readable until it closes (issue 7 item 7)', () => {
  it('snapshot().trippedBy keeps the window that opened it; the window itself is empty', async () => {
    const { box, clock } = await makeBox();
    const breaker = box.breaker('payments', {
      minimumCalls: 4,
      openBackoff: { baseMs: 1_000, jitter: 0 },
    });
    await failCalls(breaker, 2);
    await succeedCalls(breaker, 1);
    await failCalls(breaker, 1);
    expect(breaker.state).toBe('open');
    const opened = await breaker.snapshot();
    expect(opened.window).toMatchObject({ calls: 0, failures: 0 });
    expect(opened.trippedBy).toEqual({
      rule: 'failure_rate',
      calls: 4,
      failures: 3,
      slowCalls: 0,
      failureRate: 0.75,
      slowCallRate: 0,
    });

    // A failed probe re-opens it: still the same cause.
    clock.advance(1_000);
    await failCalls(breaker, 1);
    expect((await breaker.snapshot()).reason).toBe('probe_failed');
    expect((await breaker.snapshot()).trippedBy).toEqual(opened.trippedBy);

    // A successful probe closes it: the cause is gone.
    clock.advance(2_000);
    await succeedCalls(breaker, 1);
    expect(breaker.state).toBe('closed');
    expect((await breaker.snapshot()).trippedBy).toBeNull();
    await box.close();
  });

  it('names the slow-call rule with its rate', async () => {
    const { box, clock } = await makeBox();
    const breaker = box.breaker('slow', {
      minimumCalls: 2,
      slowCallRateThreshold: 0.5,
      slowCallDurationMs: 100,
    });
    const slow = () => {
      clock.advance(100);
      return Promise.resolve('late');
    };
    await breaker.call(() => 'fast');
    await breaker.call(slow);
    expect((await breaker.snapshot()).trippedBy).toEqual({
      rule: 'slow_call_rate',
      calls: 2,
      failures: 0,
      slowCalls: 1,
      failureRate: 0,
      slowCallRate: 0.5,
    });
    await box.close();
  });

  it('is null before any trip, after an operator opening, and after forceClosed or reset', async () => {
    const { box } = await makeBox();
    const breaker = box.breaker('payments', { minimumCalls: 1 });
    expect((await breaker.snapshot()).trippedBy).toBeNull();
    await breaker.forceOpen();
    expect((await breaker.snapshot()).trippedBy).toBeNull();
    await breaker.reset();
    await failCalls(breaker, 1);
    expect((await breaker.snapshot()).trippedBy).toMatchObject({ rule: 'failure_rate' });
    await breaker.forceOpen();
    expect((await breaker.snapshot()).trippedBy).toMatchObject({ rule: 'failure_rate' });
    await breaker.forceClosed();
    expect((await breaker.snapshot()).trippedBy).toBeNull();
    await box.close();
  });

  it('is part of the engine record, kept across the open period', () => {
    const circuit = new Circuit(circuitConfig({ minimumCalls: 4 }));
    circuit.record('a', counts({ successes: 1, failures: 3 }), 0, 0.5);
    expect(circuit.current.trippedBy).toEqual({
      rule: 'failure_rate',
      calls: 4,
      failures: 3,
      slowCalls: 0,
    });
    expect(circuit.beginProbe('t', 1_000).granted).toBe(true);
    expect(circuit.current.trippedBy).toMatchObject({ calls: 4 });
    circuit.endProbe('t', true, 1_001, 0.5);
    expect(circuit.current.trippedBy).toBeNull();
  });
});
