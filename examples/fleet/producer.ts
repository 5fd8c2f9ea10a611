/**
 * The `npm start` fleet's traffic, forked by examples/fleet/main.ts: HTTP
 * requests to the replicas in turn (`GET /quote` every REQUEST_MS, a
 * destructive `POST /orders/:id/cancel` every CANCEL_MS) and, with Redis,
 * BullMQ jobs for the replicas' workers (one every JOB_MS). Reports its counts
 * to the parent every second.
 *
 * Env: REPLICA_URLS (comma-separated), REDIS_URL (unset: no jobs),
 * REQUEST_MS (default 100), CANCEL_MS (default 1000), JOB_MS (default 200).
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { QUEUE, onStop, tellParent } from './messages.js';

const replicas = (process.env.REPLICA_URLS ?? '').split(',').filter(Boolean);
if (replicas.length === 0) throw new Error('REPLICA_URLS is not set');
const redisUrl = process.env.REDIS_URL === '' ? undefined : process.env.REDIS_URL;
const every = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);

const answers = new Map<number, number>();
let jobs = 0;
let next = 0;

/** One request to the next replica; counts the answer's status (0: none). */
async function request(path: string, method: 'GET' | 'POST'): Promise<void> {
  const url = `${replicas[next++ % replicas.length] ?? ''}${path}`;
  let status = 0;
  try {
    const response = await fetch(url, { method, signal: AbortSignal.timeout(5_000) });
    await response.arrayBuffer();
    status = response.status;
  } catch {
    // no answer (the replica is stopping): counted as 0
  }
  answers.set(status, (answers.get(status) ?? 0) + 1);
}

const connection =
  redisUrl === undefined ? undefined : new Redis(redisUrl, { maxRetriesPerRequest: null });
const queue = connection === undefined ? undefined : new Queue(QUEUE, { connection });
queue?.on('error', () => undefined);

let order = 0;
const timers = [
  setInterval(() => void request('/quote', 'GET'), every('REQUEST_MS', 100)),
  setInterval(
    () => void request(`/orders/${String(++order)}/cancel`, 'POST'),
    every('CANCEL_MS', 1_000),
  ),
];
if (queue !== undefined) {
  timers.push(
    setInterval(
      () => {
        queue.add('quote', {}, { removeOnComplete: true, removeOnFail: true }).then(
          () => jobs++,
          () => undefined,
        );
      },
      every('JOB_MS', 200),
    ),
  );
}
let last = Date.now();
timers.push(
  setInterval(() => {
    const now = Date.now();
    tellParent({
      type: 'producer',
      answers: Object.fromEntries(answers),
      jobs,
      intervalMs: now - last,
    });
    answers.clear();
    jobs = 0;
    last = now;
  }, 1_000),
);

onStop(() => {
  for (const timer of timers) clearInterval(timer);
  setTimeout(() => process.exit(0), 500).unref();
  void (async () => {
    await queue?.close();
    await connection?.quit();
    if (process.connected) process.disconnect();
  })().finally(() => process.exit(0));
});
