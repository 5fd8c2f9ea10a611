/**
 * The dashboard's routes through the Fastify plugin: the page and its files
 * (content types, headers, 404s, no token in anything served), the options,
 * and the event stream (snapshot, transitions, history, heartbeats, clean-up
 * on disconnect and on close).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { BreakerBox } from '../../src/box/breaker-box.js';
import { createBreakerBox } from '../../src/create-breaker-box.js';
import breakerboxFastify from '../../src/fastify/index.js';
import { DashboardStream } from '../../src/fastify/dashboard-stream.js';
import type { DashboardView } from '../../src/fastify/dashboard-view.js';
import { waitUntil } from '../harness/index.js';
import { caught, expectInvalid, failCalls, silentLogger } from '../unit/helpers.js';
import { openSse } from './sse-client.js';
import type { SseStream } from './sse-client.js';

const TOKEN = 'never-in-the-page-admin-token';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function newBox(): Promise<BreakerBox> {
  const box = await createBreakerBox({ logger: silentLogger(), replicaId: 'replica-1' });
  cleanups.push(() => box.close());
  return box;
}

async function setup(options: Record<string, unknown> = {}) {
  const box = await newBox();
  const app = Fastify();
  cleanups.push(() => app.close());
  await app.register(breakerboxFastify, {
    box,
    adminToken: TOKEN,
    registry: new Registry(),
    prefix: '/ops',
    dashboardIntervalMs: 100,
    ...options,
  });
  await app.ready();
  return { app, box };
}

async function listen(app: FastifyInstance): Promise<string> {
  return app.listen({ host: '127.0.0.1', port: 0 });
}

async function stream(url: string): Promise<SseStream> {
  const sse = await openSse(url);
  cleanups.push(async () => {
    sse.close();
    await Promise.resolve();
  });
  return sse;
}

const isView = (name: string) => (e: { event: string; data: string }) =>
  e.event === 'snapshot' &&
  (JSON.parse(e.data) as DashboardView).breakers.some((b) => b.name === name);

describe('dashboard files', () => {
  it('serves the page, its script and its stylesheet with their content types', async () => {
    const { app } = await setup();
    const page = await app.inject('/ops/dashboard');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.body).toContain('src="/ops/dashboard/app.js"');
    expect(page.body).toContain('href="/ops/dashboard/style.css"');
    expect(page.body).toContain('data-admin="true"');
    expect(page.body).not.toContain('%BASE%');
    expect(page.body).not.toMatch(/https?:\/\//);
    const script = await app.inject('/ops/dashboard/app.js');
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.headers['x-content-type-options']).toBe('nosniff');
    expect(script.body).toContain('EventSource');
    // The only URL in the script is the SVG namespace: nothing is fetched from elsewhere.
    expect(script.body.replaceAll('http://www.w3.org/2000/svg', '')).not.toMatch(/https?:\/\//);
    const style = await app.inject('/ops/dashboard/style.css');
    expect(style.statusCode).toBe(200);
    expect(style.headers['content-type']).toBe('text/css; charset=utf-8');
    for (const res of [page, script, style]) expect(res.body).not.toContain(TOKEN);
  });

  it('answers 404 for other files under the dashboard and outside the prefix', async () => {
    const { app } = await setup();
    for (const url of ['/ops/dashboard/nope.js', '/ops/dashboard/../package.json', '/dashboard'])
      expect((await app.inject(url)).statusCode).toBe(404);
  });

  it('hides the admin controls when no admin token is configured', async () => {
    const { app } = await setup({ adminToken: undefined });
    const page = await app.inject('/ops/dashboard');
    expect(page.body).toContain('data-admin="false"');
  });

  it('dashboard: false serves none of it', async () => {
    const { app } = await setup({ dashboard: false });
    for (const url of ['/ops/dashboard', '/ops/dashboard/app.js', '/ops/dashboard/events'])
      expect((await app.inject(url)).statusCode).toBe(404);
    expect((await app.inject('/ops/health')).statusCode).toBe(200);
  });

  it('refuses a bad dashboardIntervalMs or dashboard option, naming it', async () => {
    for (const bad of [0, 99, 60_001, 1.5, '1000'])
      expectInvalid(
        await caught(() => setup({ dashboardIntervalMs: bad })),
        'dashboardIntervalMs',
        bad,
      );
    expectInvalid(await caught(() => setup({ dashboard: 'yes' })), 'dashboard', 'yes');
  });
});

describe('dashboard event stream', () => {
  it('sends the history, a snapshot of every breaker, each transition, and keeps snapshots coming', async () => {
    const { app, box } = await setup();
    const payments = box.breaker('payments', { minimumCalls: 1 });
    const base = await listen(app);
    const sse = await stream(`${base}/ops/dashboard/events`);
    expect(sse.status).toBe(200);
    expect(sse.contentType).toBe('text/event-stream; charset=utf-8');
    const history = await sse.next((e) => e.event === 'history');
    expect(JSON.parse(history.data)).toEqual([]);
    const first = JSON.parse((await sse.next(isView('payments'))).data) as DashboardView;
    expect(first).toMatchObject({ replicaId: 'replica-1', mode: 'memory', health: 'healthy' });
    expect(first.breakers[0]).toMatchObject({
      name: 'payments',
      state: 'closed',
      source: 'snapshot',
      counters: { calls: 0, refusals: 0 },
    });
    await failCalls(payments, 1);
    await payments.call(() => Promise.resolve(1)).catch(() => 0);
    const transition = await sse.next((e) => e.event === 'transition');
    expect(JSON.parse(transition.data)).toMatchObject({
      breaker: 'payments',
      from: 'closed',
      to: 'open',
    });
    // Periodic snapshots carry the counters the sparkline draws.
    await sse.next(
      (e) =>
        e.event === 'snapshot' &&
        (JSON.parse(e.data) as DashboardView).breakers.some(
          (b) => b.name === 'payments' && b.state === 'open' && b.counters?.refusals === 1,
        ),
    );
    // A page that connects later gets the recent transitions first.
    const later = await stream(`${base}/ops/dashboard/events`);
    const replay = JSON.parse((await later.next((e) => e.event === 'history')).data) as unknown[];
    expect(replay).toMatchObject([{ breaker: 'payments', to: 'open' }]);
  });

  it('app.close() ends open streams (the server can close)', async () => {
    const { app } = await setup();
    const base = await listen(app);
    const sse = await stream(`${base}/ops/dashboard/events`);
    await sse.next((e) => e.event === 'snapshot');
    const closing = app.close();
    await expect(sse.ended(5_000)).resolves.toBe(true);
    await closing;
  });
});

describe('DashboardStream', () => {
  it('sends heartbeat comments, forgets a client that disconnects, refuses new ones once closed', async () => {
    const box = await newBox();
    const hub = new DashboardStream(box, 60_000, 50);
    const server = createServer((req, res) => {
      hub.add(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => {
      hub.close();
      await new Promise((resolve) => server.close(resolve));
    });
    const { port } = server.address() as AddressInfo;
    const sse = await openSse(`http://127.0.0.1:${port}/`);
    await waitUntil(async () => Promise.resolve(sse.comments.includes(': heartbeat')), {
      timeoutMs: 5_000,
      intervalMs: 20,
      description: 'a heartbeat comment',
    });
    expect(hub.size).toBe(1);
    sse.close();
    await waitUntil(async () => Promise.resolve(hub.size === 0), {
      timeoutMs: 5_000,
      intervalMs: 20,
      description: 'the hub to forget the client',
    });
    hub.close();
    const refused = await fetch(`http://127.0.0.1:${port}/`);
    expect(refused.status).toBe(503);
  });
});
