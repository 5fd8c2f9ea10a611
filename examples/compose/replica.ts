/**
 * One replica for docker-compose: calls the downstream through a breaker
 * shared with the other replicas in Redis, ten times a second, and prints a
 * line every two seconds (pino logs each transition). Ctrl-C / SIGTERM
 * closes the box and exits.
 *
 * REDIS_URL (omitted: in memory, this process alone), DOWNSTREAM_URL (default
 * http://127.0.0.1:8080), REPLICA_ID, BREAKERBOX_NAMESPACE (default demo),
 * CALL_INTERVAL_MS (default 100).
 */
import { createBreakerBox, isDependencyUnhealthy } from '../../src/index.js';

const downstream = process.env.DOWNSTREAM_URL ?? 'http://127.0.0.1:8080';
const box = await createBreakerBox({
  redis: process.env.REDIS_URL,
  namespace: process.env.BREAKERBOX_NAMESPACE ?? 'demo',
  ...(process.env.REPLICA_ID === undefined ? {} : { replicaId: process.env.REPLICA_ID }),
});
const breaker = box.breaker('downstream', {
  minimumCalls: 10,
  failureRateThreshold: 0.5,
  slowCallRateThreshold: 0.5,
  slowCallDurationMs: 1_000,
  timeoutMs: 2_000,
  openBackoff: { baseMs: 2_000, maxMs: 15_000 },
});

const counts = { ok: 0, failed: 0, refused: 0 };
async function callOnce(): Promise<void> {
  try {
    await breaker.call(async (signal) => {
      const response = await fetch(downstream, { signal });
      await response.arrayBuffer();
      if (!response.ok) throw new Error(`downstream answered ${String(response.status)}`);
    });
    counts.ok++;
  } catch (error) {
    if (isDependencyUnhealthy(error)) counts.refused++;
    else counts.failed++;
  }
}

const caller = setInterval(
  () => {
    void callOnce();
  },
  Number(process.env.CALL_INTERVAL_MS ?? 100),
);
const reporter = setInterval(() => {
  console.log(
    `${box.replicaId}: mode ${box.mode}, downstream ${breaker.state}, ` +
      `${String(counts.ok)} ok, ${String(counts.failed)} failed, ${String(counts.refused)} refused`,
  );
  counts.ok = counts.failed = counts.refused = 0;
}, 2_000);
console.log(`${box.replicaId}: calling ${downstream} (${box.mode})`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    clearInterval(caller);
    clearInterval(reporter);
    void box.close().then(() => process.exit(0));
  });
}
