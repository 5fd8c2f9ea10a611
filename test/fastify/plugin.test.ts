import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { BreakerBox } from '../../src/box/breaker-box.js';
import { CallTimeout } from '../../src/errors/call-timeout.js';
import breakerboxFastify, { breakerboxFastify as named } from '../../src/fastify/index.js';
import { failCalls, makeBox } from '../unit/helpers.js';

const TOKEN = 'a-long-enough-admin-token';
const auth = { authorization: `Bearer ${TOKEN}` };

const apps: FastifyInstance[] = [];
const boxes: BreakerBox[] = [];

afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
  for (const box of boxes.splice(0)) await box.close();
});

async function setup(options: Record<string, unknown> = {}) {
  const made = await makeBox();
  boxes.push(made.box);
  const app = Fastify();
  apps.push(app);
  await app.register(breakerboxFastify, {
    box: made.box,
    adminToken: TOKEN,
    registry: new Registry(),
    ...options,
  });
  await app.ready();
  return { app, ...made };
}

describe('breakerbox/fastify', () => {
  it('is exported as default and by name', () => {
    expect(named).toBe(breakerboxFastify);
  });

  it('/health: 200 healthy, 200 degraded when a non-critical breaker opens, 503 when a critical one does', async () => {
    const { app, box } = await setup();
    const search = box.breaker('search', { minimumCalls: 1, critical: false });
    const payments = box.breaker('payments', { minimumCalls: 1 });
    let res = await app.inject('/health');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'healthy' });
    await failCalls(search, 1);
    res = await app.inject('/health');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'degraded' });
    await failCalls(payments, 1);
    res = await app.inject('/health');
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({
      status: 'unhealthy',
      components: expect.arrayContaining([
        { name: 'payments', status: 'unhealthy', critical: true },
      ]) as unknown,
    });
    const ready = await app.inject('/health/ready');
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ ready: false, closing: false });
    const detail = ready
      .json<{ components: { name: string }[] }>()
      .components.find((c) => c.name === 'payments');
    expect(detail).toMatchObject({ circuit: 'open', lastError: 'Error: boom', backoffMs: 1000 });
  });

  it('/liveness stays 200 with every check hanging; a hanging check never delays /health beyond its timeout', async () => {
    const { app, box } = await setup();
    for (const name of ['a', 'b', 'c'])
      box.addCheck(name, () => new Promise(() => undefined), { timeoutMs: 200 });
    const live = await app.inject('/liveness');
    expect(live.statusCode).toBe(200);
    expect(live.json()).toMatchObject({ status: 'ok' });
    const started = Date.now();
    const res = await app.inject('/health');
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(res.statusCode).toBe(503);
    expect((await app.inject('/liveness')).statusCode).toBe(200);
  });

  it('/breakers lists every shared view and this replica mode', async () => {
    const { app, box } = await setup();
    await failCalls(box.breaker('payments', { minimumCalls: 1 }), 1);
    const res = await app.inject('/breakers');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      replicaId: 'replica-1',
      mode: 'memory',
      breakers: [
        {
          name: 'payments',
          state: 'open',
          reason: 'failure_rate',
          circuitState: 'open',
          epoch: 1,
          lastError: 'Error: boom',
        },
      ],
    });
  });

  it('/metrics serves Prometheus text from the given registry', async () => {
    const registry = new Registry();
    const { app, box } = await setup({ registry });
    await failCalls(box.breaker('payments', { minimumCalls: 1 }), 2);
    const res = await app.inject('/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.body).toContain('breakerbox_calls_total{breaker="payments",outcome="failure"} 1');
    expect(res.body).toContain('breakerbox_refusals_total{breaker="payments"} 1');
    expect(res.body).toContain('breakerbox_breaker_state{breaker="payments",state="open"} 1');
    expect(res.body).toContain('breakerbox_redis_mode{mode="memory"} 1');
  });

  describe('admin routes', () => {
    it('401 without or with a wrong token', async () => {
      const { app, box } = await setup();
      box.breaker('payments');
      const none = await app.inject({ method: 'POST', url: '/breakers/payments/reset' });
      expect(none.statusCode).toBe(401);
      expect(none.headers['www-authenticate']).toContain('Bearer');
      const wrong = await app.inject({
        method: 'POST',
        url: '/breakers/payments/reset',
        headers: { authorization: `Bearer ${TOKEN}x` },
      });
      expect(wrong.statusCode).toBe(401);
      const basic = await app.inject({
        method: 'POST',
        url: '/breakers/payments/reset',
        headers: { authorization: TOKEN },
      });
      expect(basic.statusCode).toBe(401);
    });

    it('force-open with forMs, force-closed and reset change the breaker', async () => {
      const { app, box } = await setup();
      const payments = box.breaker('payments');
      const open = await app.inject({
        method: 'POST',
        url: '/breakers/payments/force-open',
        headers: auth,
        payload: { forMs: 30_000 },
      });
      expect(open.statusCode).toBe(200);
      expect(open.json()).toMatchObject({ name: 'payments', circuitState: 'forced_open' });
      expect(payments.state).toBe('open');
      const closed = await app.inject({
        method: 'POST',
        url: '/breakers/payments/force-closed',
        headers: auth,
      });
      expect(closed.statusCode).toBe(200);
      expect(closed.json()).toMatchObject({ circuitState: 'forced_closed' });
      const reset = await app.inject({
        method: 'POST',
        url: '/breakers/payments/reset',
        headers: auth,
        payload: {},
      });
      expect(reset.statusCode).toBe(200);
      expect(reset.json()).toMatchObject({ circuitState: 'closed', forced: null });
    });

    it('404 for an unknown breaker, 400 for a bad body, 413 for an oversized one', async () => {
      const { app, box } = await setup();
      box.breaker('payments');
      const unknown = await app.inject({
        method: 'POST',
        url: '/breakers/nope/reset',
        headers: auth,
      });
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json()).toMatchObject({ code: 'UNKNOWN_BREAKER' });
      for (const payload of [{ forMs: -1 }, { forMs: 'soon' }, { forMs: 1.5 }, [1]]) {
        const bad = await app.inject({
          method: 'POST',
          url: '/breakers/payments/force-open',
          headers: auth,
          payload,
        });
        expect(bad.statusCode).toBe(400);
      }
      const big = await app.inject({
        method: 'POST',
        url: '/breakers/payments/force-open',
        headers: auth,
        payload: { forMs: 1, pad: 'x'.repeat(4096) },
      });
      expect(big.statusCode).toBe(413);
    });

    it('do not exist without an admin token', async () => {
      const { app, box } = await setup({ adminToken: undefined });
      box.breaker('payments');
      const res = await app.inject({
        method: 'POST',
        url: '/breakers/payments/reset',
        headers: auth,
      });
      expect(res.statusCode).toBe(404);
      expect(box.breaker('payments').state).toBe('closed');
    });
  });

  it('turns DependencyUnhealthy into 503 with Retry-After and leaves other errors to the app', async () => {
    const { box } = await makeBox();
    boxes.push(box);
    const app = Fastify();
    apps.push(app);
    await app.register(breakerboxFastify, { box, registry: new Registry() });
    const payments = box.breaker('payments', { minimumCalls: 1 });
    app.get('/pay', () => payments.call(() => 'paid'));
    app.get('/boom', () => {
      throw Object.assign(new Error('teapot'), { statusCode: 418 });
    });
    app.post(
      '/sessions/:id/terminate',
      { preHandler: app.breakerboxGate('terminate_session') },
      () => ({ terminated: true }),
    );
    await app.ready();
    expect((await app.inject('/pay')).statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: '/sessions/1/terminate' })).statusCode).toBe(
      200,
    );
    await failCalls(payments, 1);
    const refused = await app.inject('/pay');
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.json()).toMatchObject({
      code: 'DEPENDENCY_UNHEALTHY',
      dependency: 'payments',
      message: 'payments is unhealthy (circuit open); retry in 1.0s',
    });
    const gated = await app.inject({ method: 'POST', url: '/sessions/1/terminate' });
    expect(gated.statusCode).toBe(503);
    expect(gated.headers['retry-after']).toBe('1');
    expect(gated.json()).toMatchObject({ operation: 'terminate_session', state: 'open' });
    expect((await app.inject('/boom')).statusCode).toBe(418);
  });

  it('rounds Retry-After up to whole seconds', async () => {
    const { box } = await makeBox();
    boxes.push(box);
    const app = Fastify();
    apps.push(app);
    await app.register(breakerboxFastify, { box, metrics: false });
    app.get('/x', () => {
      box.gate.check('x', {
        cause: Object.assign(new CallTimeout('s', 1), { retryAfterMs: 2_100 }),
      });
    });
    const res = await app.inject('/x');
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('3');
  });

  it('serves routes under a prefix', async () => {
    const { app } = await setup({ prefix: '/ops' });
    expect((await app.inject('/ops/health')).statusCode).toBe(200);
    expect((await app.inject('/ops/liveness')).statusCode).toBe(200);
    expect((await app.inject('/health')).statusCode).toBe(404);
  });

  it('registers in two apps with one box, sharing its metrics', async () => {
    const { box } = await makeBox();
    boxes.push(box);
    const registry = new Registry();
    const [a, b] = [Fastify(), Fastify()];
    apps.push(a, b);
    await a.register(breakerboxFastify, { box, registry });
    await b.register(breakerboxFastify, { box, registry });
    await failCalls(box.breaker('payments', { minimumCalls: 1 }), 1);
    for (const app of [a, b]) {
      expect((await app.inject('/health')).statusCode).toBe(503);
      expect((await app.inject('/metrics')).body).toContain(
        'breakerbox_calls_total{breaker="payments",outcome="failure"} 1',
      );
    }
  });

  it('closes the box on onClose only when it created it', async () => {
    const { box } = await makeBox();
    const given = Fastify();
    await given.register(breakerboxFastify, { box, metrics: false });
    await given.close();
    expect(box.isClosing).toBe(false);
    await box.close();

    const owning = Fastify();
    await owning.register(breakerboxFastify, { boxOptions: {}, metrics: false });
    await owning.ready();
    const created = owning.breakerbox;
    await owning.close();
    expect(created.isClosed).toBe(true);
  });

  it('/health/ready answers 503 as soon as close starts while /liveness stays 200', async () => {
    const { box } = await makeBox({ shutdownGraceMs: 300 });
    const app = Fastify();
    apps.push(app);
    await app.register(breakerboxFastify, { box, metrics: false });
    expect((await app.inject('/health/ready')).statusCode).toBe(200);
    const closing = box.close();
    const ready = await app.inject('/health/ready');
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ closing: true, ready: false });
    expect((await app.inject('/liveness')).statusCode).toBe(200);
    // Still serving calls during the grace delay.
    await expect(box.breaker('payments').call(() => 1)).resolves.toBe(1);
    await closing;
  });

  it('refuses bad options with InvalidBreakerOptions', async () => {
    const { box } = await makeBox();
    boxes.push(box);
    for (const options of [{ adminToken: 'short' }, { prefix: 'ops/' }]) {
      const app = Fastify();
      await expect(app.register(breakerboxFastify, { box, ...options })).rejects.toMatchObject({
        code: 'INVALID_BREAKER_OPTIONS',
      });
    }
    vi.restoreAllMocks();
  });
});
