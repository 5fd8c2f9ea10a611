/**
 * `breakerbox watch` as a child process: one line (or JSON object) per
 * transition made by a box in this process, and a clean exit on SIGINT.
 */
import { once } from 'node:events';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBreakerBox } from '../../src/index.js';
import type { Breaker, BreakerBox } from '../../src/index.js';
import { startRedis, stopAllRedis, waitUntil } from '../harness/index.js';
import type { RedisProcess } from '../harness/index.js';
import { collect, startCli } from './run-cli.js';

const NS = 'watchtest';
let server: RedisProcess;
let box: BreakerBox;
let orders: Breaker;

beforeAll(async () => {
  server = await startRedis();
  box = await createBreakerBox({
    redis: server.url,
    namespace: NS,
    replicaId: 'watched-box',
    logger: pino({ level: 'silent' }),
  });
  orders = box.breaker('orders');
  await orders.call(async () => {
    await Promise.resolve();
  });
  await waitUntil(async () => (await orders.snapshot()).window.calls === 1, {
    timeoutMs: 5_000,
    description: 'orders recorded',
  });
}, 60_000);

afterAll(async () => {
  await box.close();
  await stopAllRedis();
});

async function watching(args: readonly string[]) {
  const child = startCli(['watch', '--redis', server.url, '-n', NS, ...args]);
  const output = collect(child);
  const exited = once(child, 'close') as Promise<[number | null]>;
  await waitUntil(() => Promise.resolve(output.stderr().includes('watching')), {
    timeoutMs: 60_000,
    description: 'watch to subscribe',
    details: () => output.stderr(),
  });
  return { child, output, exited };
}

describe('watch', () => {
  it('--json prints one object per transition and exits 0 on SIGINT', async () => {
    const { child, output, exited } = await watching(['--json']);
    await orders.forceOpen({ forMs: 60_000 });
    await orders.reset();
    const lines = await waitUntil(
      () => {
        const all = output.stdout().trim().split('\n').filter(Boolean);
        return Promise.resolve(all.length >= 2 ? all : undefined);
      },
      { timeoutMs: 10_000, description: 'two transition lines', details: output.stdout },
    );
    const [opened, reset] = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(opened).toMatchObject({
      breaker: 'orders',
      from: 'closed',
      to: 'forced_open',
      reason: 'forced_open',
      replicaId: 'watched-box',
    });
    expect(opened.retryAfterMs).toBe(60_000);
    expect(reset).toMatchObject({ from: 'forced_open', to: 'closed', reason: 'reset' });
    child.kill('SIGINT');
    const [code] = await exited;
    expect(code).toBe(0);
  }, 90_000);

  it('prints the table, then one line per transition', async () => {
    const { child, output, exited } = await watching([]);
    expect(output.stdout()).toMatch(/^BREAKER\s+STATE/);
    expect(output.stdout()).toMatch(/\norders\s+closed/);
    await orders.forceClosed();
    await waitUntil(() => Promise.resolve(output.stdout().includes('closed -> forced_closed')), {
      timeoutMs: 10_000,
      description: 'a transition line',
      details: output.stdout,
    });
    expect(output.stdout()).toMatch(
      /\n\S+Z {2}orders {2}closed -> forced_closed {2}\(forced_closed\) {2}epoch \d+ {2}by watched-box\n/,
    );
    child.kill('SIGINT');
    const [code] = await exited;
    expect(code).toBe(0);
  }, 90_000);
});
