/**
 * Retiring frees memory: in a child process with --expose-gc, breakers used
 * on a Redis box and then retired (explicitly, or by `retireIdleAfterMs`)
 * are collected, breaker and store driver alike (WeakRefs come back empty),
 * and the store holds none of them.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisProcess } from '../harness/index.js';
import { startRedis, stopAllRedis } from '../harness/index.js';

const run = promisify(execFile);
const CHILD = fileURLToPath(new URL('./fixtures/retire-gc-child.ts', import.meta.url));
const COUNT = 2_000;

interface ChildReport {
  readonly before: { readonly breakers: number; readonly store: number };
  readonly after: { readonly breakers: number; readonly store: number };
  readonly aliveBreakers: number;
  readonly aliveDrivers: number;
  readonly retiredByIdle: number;
}

let server: RedisProcess;

beforeAll(async () => {
  server = await startRedis();
});

afterAll(async () => {
  await stopAllRedis();
});

async function child(mode: 'explicit' | 'idle'): Promise<ChildReport> {
  const { stdout } = await run(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', CHILD, server.url, mode, String(COUNT)],
    { timeout: 60_000 },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as ChildReport;
}

describe('retiring breakers frees them', () => {
  it('box.retire on every breaker: nothing of them stays reachable', async () => {
    const report = await child('explicit');
    expect(report.before).toEqual({ breakers: COUNT, store: COUNT });
    expect(report.after).toEqual({ breakers: 0, store: 0 });
    expect(report.aliveBreakers).toBe(0);
    expect(report.aliveDrivers).toBe(0);
  }, 90_000);

  it('retireIdleAfterMs retires every idle breaker, and nothing of them stays reachable', async () => {
    const report = await child('idle');
    expect(report.after).toEqual({ breakers: 0, store: 0 });
    expect(report.retiredByIdle).toBe(COUNT);
    expect(report.aliveBreakers).toBe(0);
    expect(report.aliveDrivers).toBe(0);
  }, 90_000);
});
