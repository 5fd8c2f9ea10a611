/**
 * A replica under load for the SIGTERM test: keeps CONCURRENCY calls in
 * flight through one breaker, reports on stdout, and on SIGTERM closes the box
 * with close-with-grace (as examples/graceful-shutdown.ts does), or with a
 * plain SIGTERM listener and no `process.exit` (BREAKERBOX_TEST_PLAIN=1), then
 * prints what it counted.
 */
import closeWithGrace from 'close-with-grace';
import { pino } from 'pino';
import { createBreakerBox } from '../../../src/create-breaker-box.js';
import { isBreakerBoxClosed } from '../../../src/errors/breakerbox-closed.js';

const CONCURRENCY = 20;
const redis = process.env.BREAKERBOX_TEST_REDIS;
const replicaId = process.env.BREAKERBOX_TEST_REPLICA ?? 'sigterm-replica';
if (redis === undefined) throw new Error('BREAKERBOX_TEST_REDIS is not set');

const box = await createBreakerBox({
  redis,
  replicaId,
  namespace: 'sigterm',
  // A long flush interval: most outcomes are still pending when SIGTERM comes,
  // so only the final flush of close() can carry them to Redis.
  flushIntervalMs: 30_000,
  // Synchronous writes: the test reads the order of the stages from stderr, and
  // an asynchronous destination flushed at exit can land a line written while
  // an earlier write was still in flight ahead of it.
  logger: pino({ level: 'info' }, pino.destination({ dest: 2, sync: true })),
});
const breaker = box.breaker('payments', {
  windowMs: 600_000,
  minimumCalls: 1_000_000,
});

let stopping = false;
let refusedAfterClose = 0;
let call = 0;

async function worker(): Promise<void> {
  while (!stopping) {
    const n = call++;
    try {
      await breaker.call(
        () =>
          new Promise<void>((resolve, reject) => {
            setTimeout(
              () => {
                if (n % 7 === 0) reject(new Error('flaky'));
                else resolve();
              },
              2 + (n % 5),
            );
          }),
      );
    } catch (error) {
      if (isBreakerBoxClosed(error)) {
        refusedAfterClose++;
        return;
      }
    }
  }
}

const workers = Array.from({ length: CONCURRENCY }, () => worker());

async function shutdown(signal: string): Promise<void> {
  process.stderr.write(`closing on ${signal}\n`);
  await box.close();
  stopping = true;
  await Promise.all(workers);
  const { successes, failures, slowSuccesses, slowFailures } = breaker.stats;
  process.stdout.write(
    `${JSON.stringify({
      kind: 'closed',
      counted: successes + failures + slowSuccesses + slowFailures,
      failures: failures + slowFailures,
      refusedAfterClose,
    })}\n`,
  );
}

if (process.env.BREAKERBOX_TEST_PLAIN === '1') {
  // No process.exit anywhere: the process must end because close() left nothing running.
  process.once('SIGTERM', () => {
    void shutdown('SIGTERM');
  });
} else {
  closeWithGrace({ delay: 10_000 }, async ({ signal }) => {
    await shutdown(String(signal));
  });
}

process.stdout.write(`${JSON.stringify({ kind: 'ready', pid: process.pid })}\n`);
