/**
 * Operations endpoints through the Fastify plugin (`fastify.inject`, no
 * socket): `/health` with 100 breakers and 5 active checks, one of them
 * hanging, and `/metrics` with 1,000 breakers. Each sample is one round: the
 * p99 of `/health` over its requests, or the mean time of one `/metrics` scrape.
 */
import Fastify from 'fastify';
import { Registry } from 'prom-client';
import breakerboxFastify from '../../src/fastify/index.js';
import { param, runCase } from '../lib/case-runner.js';
import { createBox } from '../lib/subjects.js';

function p99(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] ?? 0;
}

async function withBreakers(count: number) {
  const box = await createBox();
  for (let i = 0; i < count; i++) {
    const breaker = box.breaker(`dependency-${i}`, { minimumCalls: 1 });
    await breaker.call(() => i);
    if (i % 10 === 9) await breaker.call(() => Promise.reject(new Error('down'))).catch(() => 0);
  }
  const app = Fastify();
  await app.register(breakerboxFastify, { box, registry: new Registry() });
  await app.ready();
  return { box, app };
}

runCase({
  'health-p99': async (params) => {
    const { box, app } = await withBreakers(param(params, 'breakers', 100));
    for (let i = 0; i < 4; i++)
      box.addCheck(`check-${i}`, () => new Promise((resolve) => setImmediate(resolve)));
    box.addCheck('hanging', () => new Promise(() => undefined), { timeoutMs: 2_000 });
    const first = performance.now();
    await app.inject('/health');
    const firstMs = performance.now() - first;
    const samples: number[] = [];
    const requests = param(params, 'requests', 1_000);
    for (let round = 0; round < param(params, 'rounds', 5); round++) {
      const times: number[] = [];
      for (let i = 0; i < requests; i++) {
        const start = performance.now();
        const res = await app.inject('/health');
        times.push(performance.now() - start);
        if (res.statusCode !== 503) throw new Error(`/health answered ${res.statusCode}`);
      }
      samples.push(p99(times));
    }
    await app.close();
    await box.close();
    return { samples, info: { firstRequestMs: firstMs } };
  },
  'metrics-scrape': async (params) => {
    const { box, app } = await withBreakers(param(params, 'breakers', 1_000));
    const scrapes = param(params, 'scrapes', 20);
    let bytes = 0;
    await app.inject('/metrics');
    const samples: number[] = [];
    for (let round = 0; round < param(params, 'rounds', 5); round++) {
      const start = performance.now();
      for (let i = 0; i < scrapes; i++) bytes = (await app.inject('/metrics')).body.length;
      samples.push((performance.now() - start) / scrapes);
    }
    await app.close();
    await box.close();
    return { samples, info: { bytes } };
  },
});
