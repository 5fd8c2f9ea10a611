/**
 * The built command (`npm run build`, then `node dist/cli/main.js`, what the
 * package's `bin` points at) against a spawned Redis: the published layout
 * finds its Lua scripts and package.json.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBreakerBox } from '../../src/index.js';
import type { BreakerBox } from '../../src/index.js';
import { startRedis, stopAllRedis, waitUntil } from '../harness/index.js';
import type { RedisProcess } from '../harness/index.js';
import { ROOT, runCli } from './run-cli.js';

const NS = 'disttest';
let server: RedisProcess;
let box: BreakerBox;

beforeAll(async () => {
  await promisify(execFile)('npm', ['run', 'build'], { cwd: ROOT });
  server = await startRedis();
  box = await createBreakerBox({
    redis: server.url,
    namespace: NS,
    replicaId: 'dist-box',
    logger: pino({ level: 'silent' }),
  });
  await box.breaker('search').forceOpen({ forMs: 60_000 });
}, 300_000);

afterAll(async () => {
  await box.close();
  await stopAllRedis();
});

describe('the built command', () => {
  it('is the package bin, and answers --version, status and reset', async () => {
    const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as {
      version: string;
      bin: Record<string, string>;
    };
    expect(pkg.bin).toEqual({ breakerbox: './dist/cli/main.js' });
    expect(
      readFileSync(`${ROOT}dist/cli/main.js`, 'utf8').startsWith('#!/usr/bin/env node\n'),
    ).toBe(true);
    const r = ['--redis', server.url, '-n', NS];
    const version = await runCli(['--version'], { via: 'dist' });
    expect(version.stdout.trim()).toBe(pkg.version);
    const status = await runCli(['status', '--json', ...r], { via: 'dist' });
    expect(status.code).toBe(1);
    expect(JSON.parse(status.stdout)).toMatchObject({
      open: ['search'],
      breakers: [{ name: 'search', circuitState: 'forced_open' }],
    });
    const reset = await runCli(['reset', 'search', ...r], { via: 'dist' });
    expect(reset.code).toBe(0);
    const search = box.breaker('search');
    await waitUntil(() => Promise.resolve(search.state === 'closed'), {
      timeoutMs: 5_000,
      description: 'the box hears the reset',
    });
  }, 120_000);
});
