/**
 * The `breakerbox` command's exit codes for bad input and an unreachable
 * Redis, run as a child process (tsx on src).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getFreePort, startRedis, stopAllRedis } from '../harness/index.js';
import type { RedisProcess } from '../harness/index.js';
import { runCli } from './run-cli.js';

let server: RedisProcess;
let r: string[];

beforeAll(async () => {
  server = await startRedis();
  r = ['--redis', server.url, '--namespace', 'exitcodes'];
});

afterAll(async () => {
  await stopAllRedis();
});

describe('bad input and exit codes', () => {
  it('--help prints the usage (exit 0); bad command lines exit 2 with a message', async () => {
    const results = await Promise.all([
      runCli(['--help']),
      runCli([]),
      runCli(['frobnicate', ...r]),
      runCli(['trip', 'quotes', '--for', '30', ...r]),
      runCli(['trip', 'bad{name', ...r]),
      runCli(['status', '--redis', server.url, '-n', 'bad:ns']),
      runCli(['status', '--redis', 'http://127.0.0.1:1']),
    ]);
    const [help, none, unknown, duration, name, namespace, url] = results;
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: breakerbox <command>');
    expect(help.stdout).toContain('Exit codes:');
    for (const bad of [none, unknown, duration, name, namespace, url]) {
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/^breakerbox: .+\n$/);
    }
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
    expect(duration.stderr).toContain('--for must be a duration like 500ms, 30s');
    expect(name.stderr).toContain('breaker name');
    expect(namespace.stderr).toContain('namespace');
    expect(url.stderr).toContain('protocol http:');
  }, 120_000);

  it('exits 3 with a clear message when Redis is unreachable: a closed port, and a hung server', async () => {
    const hung = await startRedis();
    hung.pause();
    try {
      const closedPort = await getFreePort();
      const [closed, stuck] = await Promise.all([
        runCli(['status', '--redis', `redis://127.0.0.1:${String(closedPort)}`]),
        runCli(['trip', 'quotes', '--redis', hung.url]),
      ]);
      expect(closed.code).toBe(3);
      expect(closed.stderr).toContain(
        `cannot reach Redis at redis://127.0.0.1:${String(closedPort)}`,
      );
      expect(stuck.code).toBe(3);
      expect(stuck.stderr).toContain(`cannot reach Redis at ${hung.url}`);
    } finally {
      hung.resume();
    }
  }, 90_000);
});
