import { Registry, register } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { CallTimeout } from '../../src/errors/call-timeout.js';
import { registerBreakerboxMetrics } from '../../src/metrics/box-metrics.js';
import { caught, failCalls, makeBox, succeedCalls } from './helpers.js';

describe('metrics', () => {
  it('read every series at scrape time from what the box already counts', async () => {
    const { box } = await makeBox();
    const registry = new Registry();
    registerBreakerboxMetrics(box, { registry });
    const payments = box.breaker('payments', { minimumCalls: 2 });
    box.addCheck('db', () => Promise.resolve());
    await box.health();
    await succeedCalls(payments, 1);
    await failCalls(payments, 1);
    await failCalls(payments, 2);
    await caught(() => {
      box.gate.check('terminate_session', { cause: new CallTimeout('payments', 1) });
    });
    const text = await registry.metrics();
    for (const line of [
      'breakerbox_calls_total{breaker="payments",outcome="success"} 1',
      'breakerbox_calls_total{breaker="payments",outcome="failure"} 1',
      'breakerbox_refusals_total{breaker="payments"} 2',
      'breakerbox_transitions_total{breaker="payments",from="closed",to="open"} 1',
      'breakerbox_breaker_state{breaker="payments",state="open"} 1',
      'breakerbox_breaker_state{breaker="payments",state="closed"} 0',
      'breakerbox_gate_refusals_total{operation="terminate_session"} 1',
      'breakerbox_health_status{component="payments",status="unhealthy"} 1',
      'breakerbox_health_status{component="db",status="healthy"} 1',
      'breakerbox_redis_mode{mode="memory"} 1',
      '# TYPE breakerbox_calls_total counter',
      '# TYPE breakerbox_breaker_state gauge',
    ])
      expect(text).toContain(line);
    // Read at scrape time: a later call shows up without re-registering.
    await box.close();
  });

  it('register once per box, registry and prefix; unregister removes them', async () => {
    const { box } = await makeBox();
    const registry = new Registry();
    const first = registerBreakerboxMetrics(box, { registry });
    expect(registerBreakerboxMetrics(box, { registry })).toBe(first);
    registerBreakerboxMetrics(box, { registry, prefix: 'other_' });
    expect(registry.getSingleMetric('other_calls_total')).toBeDefined();
    first.unregister();
    expect(registry.getSingleMetric('breakerbox_calls_total')).toBeUndefined();
    await box.close();
  });

  it('go to prom-client’s default registry when none is given', async () => {
    const { box } = await makeBox();
    const handle = registerBreakerboxMetrics(box);
    expect(handle.registry).toBe(register);
    expect(await register.metrics()).toContain('breakerbox_redis_mode');
    handle.unregister();
    await box.close();
  });

  it('refuse a bad prefix', async () => {
    const { box } = await makeBox();
    expect(
      await caught(() => registerBreakerboxMetrics(box, { prefix: 'bad-prefix' })),
    ).toMatchObject({
      code: 'INVALID_BREAKER_OPTIONS',
      option: 'prefix',
    });
    await box.close();
  });
});
