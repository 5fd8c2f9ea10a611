/**
 * One replica of the `npm start` fleet, forked by examples/fleet/main.ts: a
 * Fastify app with a breakerbox (Redis store when REDIS_URL is set) and the
 * breakerbox plugin (health, breakers, admin routes, dashboard), `GET /quote`
 * calling the flaky downstream through the shared breaker, a destructive
 * `POST /orders/:id/cancel` behind the safety gate, and (with Redis) a BullMQ
 * worker bound to the breaker whose jobs meeting an open breaker are delayed,
 * not failed. It reports to the parent over IPC every second.
 *
 * Env: PORT, REPLICA_ID, DOWNSTREAM_URL, ADMIN_TOKEN, REDIS_URL (unset: memory, no worker).
 */
import { Worker } from 'bullmq';
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { createBreakerBox, delayWhenRefused, isDependencyUnhealthy } from '../../src/index.js';
import { breakerboxFastify } from '../../src/fastify/index.js';
import { BREAKER, NAMESPACE, QUEUE, onStop, tellParent } from './messages.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is not set`);
  return value;
};
const redisUrl = process.env.REDIS_URL === '' ? undefined : process.env.REDIS_URL;
const downstreamUrl = env('DOWNSTREAM_URL');
const box = await createBreakerBox({
  redis: redisUrl,
  namespace: NAMESPACE,
  replicaId: env('REPLICA_ID'),
  logger: pino({ level: process.env.LOG_LEVEL ?? 'warn' }),
});
const breaker = box.breaker(BREAKER, {
  minimumCalls: 10,
  failureRateThreshold: 0.5,
  slowCallRateThreshold: 0.5,
  slowCallDurationMs: 500,
  timeoutMs: 2_000,
  windowMs: 5_000,
  openBackoff: { baseMs: 2_000, maxMs: 8_000 },
});

const counts = { calls: 0, refusals: 0 };
/** One call to the downstream through the shared breaker. */
async function callDownstream(): Promise<unknown> {
  try {
    return await breaker.call(async (signal) => {
      counts.calls++;
      const response = await fetch(downstreamUrl, { signal });
      const body: unknown = await response.json();
      if (!response.ok) throw new Error(`downstream answered ${String(response.status)}`);
      return body;
    });
  } catch (error) {
    if (isDependencyUnhealthy(error)) counts.refusals++;
    throw error;
  }
}

const app = Fastify();
await app.register(breakerboxFastify, { box, adminToken: env('ADMIN_TOKEN') });
// A refusal answers 503 through the plugin's error handler; a failed call answers 502.
app.get('/quote', async (_request, reply) => {
  try {
    return await callDownstream();
  } catch (error) {
    if (isDependencyUnhealthy(error)) throw error;
    return reply.code(502).send({ error: String(error) });
  }
});
// Destructive: runs only while the downstream is known healthy (503 otherwise).
app.post<{ Params: { id: string } }>(
  '/orders/:id/cancel',
  { preHandler: app.breakerboxGate('cancel-order', { dependencies: [BREAKER] }) },
  (request, reply) => reply.send({ cancelled: request.params.id }),
);

let connection: Redis | undefined;
let worker: Worker | undefined;
if (redisUrl !== undefined) {
  connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  worker = new Worker(QUEUE, delayWhenRefused(callDownstream), { connection, concurrency: 2 });
  worker.on('error', () => undefined); // reported by the breaker and its health; no crash
  box.bindWorker(worker, { dependencies: [BREAKER] });
}

let last = Date.now();
const reporter = setInterval(() => {
  const now = Date.now();
  let gateRefusals = 0;
  for (const count of box.gate.refusals.values()) gateRefusals += count;
  tellParent({
    type: 'status',
    replicaId: box.replicaId,
    mode: box.mode,
    breakers: box.breakers().map((b) => ({ name: b.name, state: b.state })),
    ...counts,
    intervalMs: now - last,
    workers: worker === undefined ? 0 : 1,
    pausedWorkers: worker?.isPaused() === true ? 1 : 0,
    gateRefusals,
  });
  counts.calls = counts.refusals = 0;
  last = now;
}, 1_000);
box.on('transition', (t) => {
  tellParent({ type: 'transition', seenBy: box.replicaId, madeBy: t.replicaId, ...t });
});

const port = await app.listen({ port: Number(env('PORT')), host: '127.0.0.1' });
tellParent({ type: 'ready', replicaId: box.replicaId, port: Number(new URL(port).port) });

onStop(() => {
  clearInterval(reporter);
  // The parent SIGKILLs past its grace; this bound keeps a clean exit inside it.
  setTimeout(() => process.exit(0), 900).unref();
  void (async () => {
    await worker?.close(true);
    await app.close();
    await box.close();
    await connection?.quit();
    if (process.connected) process.disconnect();
  })().finally(() => process.exit(0));
});
