/**
 * `npm run demo`, the single-process example (`npm start` runs the fleet):
 * a flaky dependency trips a breaker, callers are refused at once, a single
 * probe finds it healthy again, and the breaker closes.
 *
 * It runs three replicas sharing one breaker in Redis: failures seen by one
 * open it for all, and exactly one call in the fleet probes. Redis is
 * REDIS_URL if set, else a private redis-server started on a free port; with
 * neither, one in-process breaker (`DEMO_MEMORY=1` forces that).
 */
import { pino } from 'pino';
import { createBreakerBox, isDependencyUnhealthy } from '../src/index.js';
import type { Breaker, BreakerBox } from '../src/index.js';
import { startPrivateRedis } from './private-redis.js';

const privateRedis =
  process.env.REDIS_URL === undefined && process.env.DEMO_MEMORY !== '1'
    ? await startPrivateRedis()
    : undefined;
const redis =
  process.env.DEMO_MEMORY === '1' ? undefined : (process.env.REDIS_URL ?? privateRedis?.url);
const logger = pino({ level: process.env.LOG_LEVEL ?? 'info' });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let dependencyHealthy = true;
let dependencyCalls = 0;
/** The flaky dependency: answers in 5 ms, or fails while unhealthy. */
async function fetchQuote(signal: AbortSignal): Promise<string> {
  dependencyCalls++;
  await sleep(5);
  if (signal.aborted) throw new Error('aborted');
  if (!dependencyHealthy) throw new Error('ECONNRESET from quotes-api');
  return 'EUR/USD 1.0842';
}

const replicaCount = redis === undefined ? 1 : 3;
const boxes: BreakerBox[] = [];
for (let i = 0; i < replicaCount; i++) {
  boxes.push(
    await createBreakerBox({
      redis,
      namespace: 'demo',
      replicaId: `replica-${String(i + 1)}`,
      logger,
      flushIntervalMs: 50,
    }),
  );
}
const options = {
  minimumCalls: 10,
  failureRateThreshold: 0.5,
  openBackoff: { baseMs: 1_500, jitter: 0 },
};
const breakers: Breaker[] = boxes.map((box) => box.breaker('quotes-api', options));
await Promise.all(breakers.map((breaker) => breaker.reset()));

async function traffic(label: string, rounds: number): Promise<void> {
  let ok = 0;
  let refused = 0;
  let failed = 0;
  for (let round = 0; round < rounds; round++) {
    await Promise.all(
      breakers.map(async (breaker) => {
        try {
          await breaker.call(fetchQuote);
          ok++;
        } catch (error) {
          if (isDependencyUnhealthy(error)) refused++;
          else failed++;
        }
      }),
    );
    await sleep(20);
  }
  const states = breakers.map((breaker) => breaker.state).join(', ');
  console.log(
    `${label}: ${String(ok)} ok, ${String(failed)} failed, ${String(refused)} refused at once; states: ${states}`,
  );
}

console.log(
  `${String(replicaCount)} replica(s), ${redis === undefined ? 'in-process' : `sharing ${redis}`}\n`,
);
await traffic('healthy dependency', 10);
dependencyHealthy = false;
await traffic('dependency failing', 15);
const before = dependencyCalls;
await traffic('while open', 10);
console.log(`  calls that reached the dependency while open: ${String(dependencyCalls - before)}`);
dependencyHealthy = true;
await sleep(1_600);
const beforeProbe = dependencyCalls;
await traffic('after the open period (one probe heals it)', 1);
console.log(
  `  calls that reached the dependency in that first round: ${String(dependencyCalls - beforeProbe)} (the probe)`,
);
await sleep(100);
await traffic('healed', 10);
console.log('\nsnapshot:', JSON.stringify(await breakers[0]?.snapshot(), null, 2));
await Promise.all(boxes.map((box) => box.close()));
privateRedis?.stop();
