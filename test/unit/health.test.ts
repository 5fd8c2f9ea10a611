import { describe, expect, it, vi } from 'vitest';
import type { HealthService } from '../../src/box/box-features.js';
import type { HealthChangeEvent } from '../../src/box/health-types.js';
import { aggregateStatus } from '../../src/health/aggregate.js';
import { InvalidBreakerOptions } from '../../src/errors/invalid-breaker-options.js';
import { caught, collectingLogger, failCalls, makeBox, settle, succeedCalls } from './helpers.js';

describe('box.health()', () => {
  it('reports status, components, version, uptime, timestamp and latency', async () => {
    const { box, clock } = await makeBox({ health: { version: '1.2.3' } });
    box.breaker('payments');
    clock.advance(5_000);
    const report = await box.health();
    expect(report).toMatchObject({ status: 'healthy', version: '1.2.3', uptimeSeconds: 5 });
    expect(report.timestamp).toBe(new Date(clock.t).toISOString());
    expect(report.totalLatencyMs).toBeGreaterThanOrEqual(0);
    expect(report.components).toEqual([
      expect.objectContaining({
        name: 'payments',
        kind: 'breaker',
        status: 'healthy',
        critical: true,
      }),
    ]);
    await box.close();
  });

  it('is degraded when a non-critical breaker opens, unhealthy when a critical one does', async () => {
    const { box, clock } = await makeBox();
    const search = box.breaker('search', { minimumCalls: 1, critical: false });
    const payments = box.breaker('payments', { minimumCalls: 1 });
    await succeedCalls(payments, 1);
    await failCalls(search, 1);
    expect((await box.health()).status).toBe('degraded');
    await failCalls(payments, 1);
    const report = await box.health();
    expect(report.status).toBe('unhealthy');
    const component = report.components.find((c) => c.name === 'payments');
    expect(component).toMatchObject({
      status: 'unhealthy',
      circuit: 'open',
      openUntil: clock.t + 1_000,
      backoffMs: 1_000,
      retryAfterMs: 1_000,
      lastError: 'Error: boom',
      lastSuccess: clock.t,
    });
    await box.close();
  });

  it('answers degraded while a breaker is half-open', async () => {
    const { box, clock } = await makeBox();
    const payments = box.breaker('payments', { minimumCalls: 1 });
    await failCalls(payments, 1);
    clock.advance(1_000);
    let release: () => void = () => undefined;
    const trial = payments.call(() => new Promise<void>((resolve) => (release = resolve)));
    await settle();
    expect(payments.state).toBe('half_open');
    expect((await box.health()).status).toBe('degraded');
    release();
    await trial;
    expect((await box.health()).status).toBe('healthy');
    await box.close();
  });

  it('emits and logs every change of a component and of the aggregate once', async () => {
    const { logger, lines } = collectingLogger();
    const { box } = await makeBox({ logger });
    const events: HealthChangeEvent[] = [];
    box.on('health', (event) => events.push(event));
    const payments = box.breaker('payments', { minimumCalls: 1 });
    await failCalls(payments, 1);
    await failCalls(payments, 3); // refused: no change
    await payments.reset();
    expect(events.map((e) => [e.component, e.from, e.to])).toEqual([
      ['payments', 'healthy', 'unhealthy'],
      [null, 'healthy', 'unhealthy'],
      ['payments', 'unhealthy', 'healthy'],
      [null, 'unhealthy', 'healthy'],
    ]);
    const healthLines = lines.filter((l) => l.component === 'health');
    expect(healthLines).toHaveLength(4);
    expect(healthLines[0]).toMatchObject({
      level: 30,
      dependency: 'payments',
      from: 'healthy',
      to: 'unhealthy',
      retryAfterMs: 1_000,
      msg: 'health: payments healthy -> unhealthy; retry in 1.0s',
    });
    await box.close();
  });
});

describe('active checks', () => {
  it('runs a check, caches its result and never stampedes it', async () => {
    const { box } = await makeBox();
    const check = vi.fn(() => Promise.resolve());
    box.addCheck('db', check, { intervalMs: 60_000 });
    await Promise.all([box.health(), box.health(), box.health()]);
    await box.health();
    expect(check).toHaveBeenCalledTimes(1);
    expect((await box.health()).components[0]).toMatchObject({
      name: 'db',
      kind: 'check',
      status: 'healthy',
    });
    await box.close();
  });

  it('serves a stale result while it runs again, and waits once it is older than interval + timeout', async () => {
    const { box, clock } = await makeBox();
    let fail = false;
    const check = vi.fn(() => (fail ? Promise.reject(new Error('down')) : Promise.resolve()));
    box.addCheck('db', check, { intervalMs: 60_000, timeoutMs: 1_000 });
    await box.health();
    fail = true;
    clock.advance(60_000);
    expect((await box.health()).status).toBe('healthy'); // stale, served; a run started
    expect(check).toHaveBeenCalledTimes(2);
    await settle();
    expect((await box.health()).status).toBe('unhealthy');
    fail = false;
    clock.advance(61_000);
    expect((await box.health()).status).toBe('healthy'); // too stale: waited for the run
    expect(check).toHaveBeenCalledTimes(3);
    await box.close();
  });

  it('answers unhealthy after the timeout for a hanging check, aborting its signal, and never waits longer', async () => {
    const { box } = await makeBox();
    let signal: AbortSignal | undefined;
    box.addCheck(
      'broker',
      (s) => {
        signal = s;
        return new Promise(() => undefined);
      },
      { timeoutMs: 100 },
    );
    const started = Date.now();
    const report = await box.health();
    const took = Date.now() - started;
    expect(took).toBeLessThan(2_000);
    expect(report.status).toBe('unhealthy');
    expect(report.components[0]).toMatchObject({
      status: 'unhealthy',
      message: 'check timed out after 100ms',
    });
    expect(signal?.aborted).toBe(true);
    await box.close();
  });

  it('is unhealthy with the error when the check rejects; non-critical ones only degrade', async () => {
    const { box } = await makeBox();
    box.addCheck('cache', () => Promise.reject(new Error('no route')), { critical: false });
    const report = await box.health();
    expect(report.status).toBe('degraded');
    expect(report.components[0]).toMatchObject({
      status: 'unhealthy',
      critical: false,
      lastError: 'Error: no route',
    });
    await box.close();
  });

  it('refuses a taken or bad name and bad options with InvalidBreakerOptions', async () => {
    const { box } = await makeBox();
    box.breaker('payments');
    box.addCheck('db', () => Promise.resolve());
    for (const name of ['payments', 'db', 'redis', 'bad name']) {
      expect(await caught(() => box.addCheck(name, () => Promise.resolve()))).toBeInstanceOf(
        InvalidBreakerOptions,
      );
    }
    expect(
      await caught(() => box.addCheck('x', () => Promise.resolve(), { timeoutMs: 0 })),
    ).toBeInstanceOf(InvalidBreakerOptions);
    await box.close();
  });

  it('can be removed', async () => {
    const { box } = await makeBox();
    const remove = box.addCheck('db', () => Promise.reject(new Error('down')));
    expect((await box.health()).status).toBe('unhealthy');
    remove();
    expect((await box.health()).status).toBe('healthy');
    await box.close();
  });
});

describe('health options', () => {
  it('are validated with the option named', async () => {
    for (const [options, option] of [
      [{ health: { checkTimeoutMs: 0 } }, 'health.checkTimeoutMs'],
      [{ health: { redisCritical: 'no' } }, 'health.redisCritical'],
      [{ health: { colour: 1 } }, 'health.colour'],
      [{ shutdownGraceMs: -1 }, 'shutdownGraceMs'],
    ] as const) {
      const error = await caught(() => makeBox(options as never));
      expect(error).toBeInstanceOf(InvalidBreakerOptions);
      expect((error as InvalidBreakerOptions).option).toBe(option);
    }
  });
});

describe('recorded dependencies', () => {
  it('take the state the application feeds', async () => {
    const { box, clock } = await makeBox();
    const socket = box.dependency('socket');
    expect(box.dependency('socket')).toBe(socket);
    socket.recordFailure(new Error('closed by peer'));
    expect((await box.health()).components[0]).toMatchObject({
      kind: 'recorded',
      status: 'unhealthy',
      lastError: 'Error: closed by peer',
    });
    socket.recordSuccess(12);
    expect((await box.health()).components[0]).toMatchObject({
      status: 'healthy',
      latencyMs: 12,
      lastSuccess: clock.t,
    });
    socket.setState('degraded', 'reconnecting');
    expect((await box.health()).components[0]).toMatchObject({
      status: 'degraded',
      message: 'reconnecting',
    });
    const error = await caught(() => {
      socket.setState('sideways' as 'healthy');
    });
    expect(error).toBeInstanceOf(InvalidBreakerOptions);
    for (const options of [
      { critical: 'yes' as unknown as boolean },
      { initial: 'ok' as 'healthy' },
    ])
      expect(await caught(() => box.dependency('other', options))).toBeInstanceOf(
        InvalidBreakerOptions,
      );
    await box.close();
  });
});

describe('the components that are not healthy (what presence reads every interval)', () => {
  it('are exactly the not-healthy ones of components(), and give the same aggregate', async () => {
    const { box, clock } = await makeBox();
    const features = (box as unknown as { features: { health: HealthService } }).features;
    const health = features.health;
    const search = box.breaker('search', { minimumCalls: 1, critical: false });
    const payments = box.breaker('payments', { minimumCalls: 1 });
    box.breaker('quiet');
    const socket = box.dependency('socket');
    expect(health.notHealthy(clock.t)).toEqual([]);
    await failCalls(search, 1);
    socket.setState('degraded', 'reconnecting');
    const expected = (): unknown[] =>
      health.components(clock.t).filter((component) => component.status !== 'healthy');
    expect(health.notHealthy(clock.t).map((c) => c.name)).toEqual(['search', 'socket']);
    expect(health.notHealthy(clock.t)).toEqual(expected());
    await failCalls(payments, 1);
    expect(health.notHealthy(clock.t)).toEqual(expected());
    expect(aggregateStatus(health.notHealthy(clock.t))).toBe((await box.health()).status);
    await box.close();
  });
});
