import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HealthChangeEvent } from '../../src/box/health-types.js';
import { createBreakerBox } from '../../src/create-breaker-box.js';
import { registerBreakerboxMetrics } from '../../src/metrics/box-metrics.js';
import type { RedisProcess } from '../harness/index.js';
import { startRedis, stopAllRedis, waitUntil } from '../harness/index.js';

let server: RedisProcess;

beforeAll(async () => {
  server = await startRedis();
});

afterAll(async () => {
  await stopAllRedis();
});

const silent = pino({ level: 'silent' });

describe('Redis as a health component', () => {
  it('is healthy while shared, degraded (not critical) in local mode, healthy again after', async () => {
    const box = await createBreakerBox({
      redis: server.url,
      namespace: 'health-redis',
      logger: silent,
      commandTimeoutMs: 100,
      flushIntervalMs: 20,
    });
    const events: HealthChangeEvent[] = [];
    box.on('health', (event) => events.push(event));
    try {
      box.breaker('payments');
      let report = await box.health();
      expect(report.status).toBe('healthy');
      expect(report.components.find((c) => c.name === 'redis')).toMatchObject({
        kind: 'redis',
        status: 'healthy',
        critical: false,
      });
      server.pause();
      await box.breaker('payments').call(() => 1);
      await waitUntil(() => Promise.resolve(box.mode === 'local'), {
        timeoutMs: 10_000,
        description: 'local mode',
      });
      report = await box.health();
      expect(report.status).toBe('degraded');
      expect(report.components.find((c) => c.name === 'redis')?.status).toBe('degraded');
      expect(events).toContainEqual(
        expect.objectContaining({ component: 'redis', from: 'healthy', to: 'degraded' }),
      );
      server.resume();
      await waitUntil(() => Promise.resolve(box.mode === 'shared'), {
        timeoutMs: 10_000,
        description: 'shared mode',
      });
      expect((await box.health()).status).toBe('healthy');
    } finally {
      server.resume();
      await box.close();
    }
  });

  it('makes the replica unhealthy in local mode when redisCritical is set', async () => {
    const box = await createBreakerBox({
      redis: server.url,
      namespace: 'health-redis-critical',
      logger: silent,
      commandTimeoutMs: 100,
      health: { redisCritical: true },
    });
    try {
      server.pause();
      await waitUntil(() => Promise.resolve(box.mode === 'local'), {
        timeoutMs: 10_000,
        description: 'local mode',
      });
      expect((await box.health()).status).toBe('unhealthy');
      expect(() => {
        box.gate.check('close_account');
      }).toThrow(/System unhealthy: redis is unhealthy/);
    } finally {
      server.resume();
      await box.close();
    }
  });
});

describe('metrics with Redis', () => {
  it('report the mode and the flush latency', async () => {
    const box = await createBreakerBox({
      redis: server.url,
      namespace: 'metrics-redis',
      logger: silent,
      flushIntervalMs: 20,
    });
    const registry = new Registry();
    registerBreakerboxMetrics(box, { registry });
    try {
      const payments = box.breaker('payments');
      await payments.call(() => 1);
      await waitUntil(() => Promise.resolve((box.store.flushStats?.count ?? 0) > 0), {
        timeoutMs: 5_000,
        description: 'a flush',
      });
      const text = await registry.metrics();
      expect(text).toContain('breakerbox_redis_mode{mode="shared"} 1');
      expect(text).toMatch(/breakerbox_flush_duration_seconds_count [1-9]/);
      expect(text).toContain('breakerbox_calls_total{breaker="payments",outcome="success"} 1');
    } finally {
      await box.close();
    }
  });
});
