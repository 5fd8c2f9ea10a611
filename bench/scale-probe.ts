/**
 * One process, one box on its own redis-server (test/harness), N idle
 * breakers: what the refresh sweep costs on its own. Prints CPU (% of a core)
 * and event-loop delay over 10 s of idling, after every breaker was read and
 * a full collection. Run it twice to compare the sweep on and off:
 *
 *   node --expose-gc --import tsx bench/scale-probe.ts 100000 1000
 *   node --expose-gc --import tsx bench/scale-probe.ts 100000 600000
 *
 * (arguments: breakers, refreshIntervalMs; 600,000 keeps the sweep from
 * running during the 10 s). Not part of `npm run bench`: see docs/scale.md.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { createBreakerBox } from '../src/index.js';
import { RedisDriver } from '../src/store/redis-driver.js';
import { startRedis, stopAllRedis } from '../test/harness/index.js';
import { settledHeapUsed } from './lib/memory.js';

const breakers = Number(process.argv[2] ?? 10_000);
const refreshIntervalMs = Number(process.argv[3] ?? 1_000);
const server = await startRedis();
try {
  const box = await createBreakerBox({
    redis: server.url,
    logger: false,
    namespace: 'probe',
    refreshIntervalMs,
    commandTimeoutMs: 2_000,
  });
  const drivers: RedisDriver[] = [];
  for (let i = 0; i < breakers; i++) {
    const breaker = box.breaker(`tenant-${i}`);
    await breaker.call(() => Promise.resolve());
    const driver = breaker['driver'];
    if (driver instanceof RedisDriver) drivers.push(driver);
  }
  while (drivers.some((driver) => driver.lastSyncAt === 0)) await sleep(200);
  drivers.length = 0;
  await sleep(3_000);
  settledHeapUsed();
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  const cpu = process.cpuUsage();
  const start = performance.now();
  await sleep(10_000);
  const used = process.cpuUsage(cpu);
  const ms = performance.now() - start;
  histogram.disable();
  const late = (ns: number): string => Math.max(0, ns / 1e6 - 5).toFixed(1);
  process.stdout.write(
    `${breakers} idle breakers, refreshIntervalMs ${refreshIntervalMs}: CPU ${(((used.user + used.system) / 1_000 / ms) * 100).toFixed(2)}% of a core, event-loop p50 ${late(histogram.percentile(50))} ms, p99 ${late(histogram.percentile(99))} ms, max ${late(histogram.max)} ms, mode ${box.mode}\n`,
  );
  await box.close();
} finally {
  await stopAllRedis();
}
