/**
 * `breakerbox health <url>` as a child process against a tiny node:http
 * server standing in for the Fastify plugin's /health route.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getFreePort } from '../harness/index.js';
import { runCli } from './run-cli.js';

let server: Server;
let base: string;
const requested: string[] = [];

const ANSWERS: Record<string, [number, unknown]> = {
  '/health': [
    200,
    {
      status: 'healthy',
      components: [
        { name: 'payments', status: 'healthy', state: 'closed' },
        { name: 'redis', status: 'healthy' },
      ],
    },
  ],
  '/api/health': [
    200,
    {
      status: 'degraded',
      components: [{ name: 'quotes', status: 'degraded', state: 'half_open' }],
    },
  ],
  '/down/health': [
    503,
    {
      status: 'unhealthy',
      components: [{ name: 'payments', status: 'unhealthy', lastError: 'ECONNRESET' }],
    },
  ],
};

beforeAll(async () => {
  server = createServer((request, response) => {
    const path = request.url ?? '/';
    requested.push(path);
    const [status, body] = ANSWERS[path] ?? [404, { message: 'Not Found' }];
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('health', () => {
  it('exit 0 for healthy and degraded, 1 for 503 / unhealthy, for a 404, and when unreachable', async () => {
    const closedPort = await getFreePort();
    const [healthy, degraded, down, missing, unreachable, json] = await Promise.all([
      runCli(['health', base]),
      runCli(['health', `${base}/api`]),
      runCli(['health', `${base}/down`]),
      runCli(['health', `${base}/nothing`]),
      runCli(['health', `http://127.0.0.1:${String(closedPort)}`, '--timeout', '2s']),
      runCli(['health', `${base}/down/health`, '--json']),
    ]);
    expect(healthy.code).toBe(0);
    expect(healthy.stdout).toContain(`healthy (HTTP 200) ${base}/health`);
    expect(healthy.stdout).toMatch(
      /COMPONENT\s+STATUS\s+DETAIL\npayments\s+healthy\s+closed\nredis\s+healthy/,
    );
    expect(degraded.code).toBe(0);
    expect(degraded.stdout).toContain(`degraded (HTTP 200) ${base}/api/health`);
    expect(down.code).toBe(1);
    expect(down.stdout).toContain('unhealthy (HTTP 503)');
    expect(down.stdout).toMatch(/payments\s+unhealthy\s+ECONNRESET/);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain('HTTP 404');
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain(
      `cannot reach http://127.0.0.1:${String(closedPort)}/health`,
    );
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({
      httpStatus: 503,
      healthy: false,
      body: { status: 'unhealthy' },
    });
    expect(requested).toEqual(
      expect.arrayContaining(['/health', '/api/health', '/down/health', '/nothing/health']),
    );
  }, 120_000);

  it('exit 2 for something that is not an http URL', async () => {
    const { code, stderr } = await runCli(['health', 'redis://127.0.0.1:1']);
    expect(code).toBe(2);
    expect(stderr).toContain('is not an http(s) URL');
  }, 60_000);
});
