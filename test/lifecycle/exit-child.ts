/**
 * Child of `exit-after-close.test.ts`: exercises every timer path of a box
 * (calls with timeouts that settle and that time out, trials with and without
 * `timeoutMs`, a `probe`, forced opens), closes the box, and reports on stdout
 * (one JSON line) what still keeps its event loop alive. The parent measures
 * how long the process takes to exit after that line.
 *
 * argv: `memory` | `redis <url>`. Exit code 3 on an unhandled rejection.
 */
import { pino } from 'pino';
import { createBreakerBox } from '../../src/index.js';

process.on('unhandledRejection', (reason) => {
  process.stderr.write(`unhandled rejection: ${String(reason)}\n`);
  process.exit(3);
});

const [mode = 'memory', url] = process.argv.slice(2);
const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });
const ignore = (): undefined => undefined;
const hang = (): Promise<never> => new Promise<never>(() => undefined);
const fail = (): Promise<never> => Promise.reject(new Error('down'));

const box = await createBreakerBox({
  ...(mode === 'redis' ? { redis: url } : {}),
  namespace: `exit${String(process.pid)}`,
  logger: pino({ level: 'silent' }),
  flushIntervalMs: 20,
});
const fast = { minimumCalls: 1, openBackoff: { baseMs: 60, jitter: 0 } };

// Timed calls: one settles at once (its slot timer would run for 10 s), one times out.
const timed = box.breaker('timed', { timeoutMs: 10_000 });
await timed.call(() => 'ok');
const short = box.breaker('short', { timeoutMs: 30, minimumCalls: 100 });
await short.call(hang).catch(ignore);

// A trial with no timeoutMs: bounded by the probe lease (halfOpen.maxDurationMs, 30 s).
const trial = box.breaker('trial', fast);
await trial.call(fail).catch(ignore);
await sleep(120);
await trial.call(() => 'healed');

// A trial with a timeout, and a probe function on a breaker forced open.
const timedTrial = box.breaker('timed-trial', { ...fast, timeoutMs: 20_000 });
await timedTrial.call(fail).catch(ignore);
await sleep(120);
await timedTrial.call(() => 'healed');
const probed = box.breaker('probed', { ...fast, probe: () => Promise.resolve() });
await probed.forceOpen({ forMs: 50 });
await sleep(120);
await probed.call(() => 'refused while the probe runs').catch(ignore);
await sleep(60);

// Forced open for a long time, left so at close.
await box.breaker('forced').forceOpen({ forMs: 600_000 });

await box.close();
await new Promise((resolve) => setImmediate(resolve));
const report = {
  closedAt: Date.now(),
  states: Object.fromEntries(box.breakers().map((b) => [b.name, b.state])),
  resources: process.getActiveResourcesInfo(),
};
process.stdout.write(`${JSON.stringify(report)}\n`);
