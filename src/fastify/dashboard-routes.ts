import { readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import type { BreakerBox } from '../box/breaker-box.js';
import { DashboardStream } from './dashboard-stream.js';

/** The page's files, shipped in the package's top-level `dashboard/` (two levels up from src/fastify and dist/fastify). */
const ASSETS = new URL('../../dashboard/', import.meta.url);

/** Served page: scripts, styles and data only from this origin; no inline script at all. */
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Options of the dashboard routes. */
export interface DashboardRouteOptions {
  readonly prefix: string;
  /** Whether the page shows the admin buttons (the token itself is never in the page). */
  readonly admin: boolean;
  /** How often the stream sends a snapshot of every breaker, in ms. */
  readonly intervalMs: number;
}

async function asset(name: string): Promise<string> {
  return readFile(new URL(name, ASSETS), 'utf8');
}

/**
 * `GET <prefix>/dashboard` (the page), `…/dashboard/app.js`, `…/dashboard/style.css`
 * and `…/dashboard/events` (server-sent events), with one shared stream per
 * plugin instance, ended on `preClose` so the server can close.
 */
export async function dashboardRoutes(
  app: FastifyInstance,
  box: BreakerBox,
  options: DashboardRouteOptions,
): Promise<void> {
  const { prefix } = options;
  const base = `${prefix}/dashboard`;
  const [template, script, style] = await Promise.all([
    asset('index.html'),
    asset('app.js'),
    asset('style.css'),
  ]);
  // The prefix passed the plugin's /^(\/[A-Za-z0-9._~-]+)*$/ check: safe inside an attribute.
  const page = template
    .replaceAll('%BASE%', base)
    .replaceAll('%ADMIN%', options.admin ? 'true' : 'false');
  const stream = new DashboardStream(box, options.intervalMs);
  app.addHook('preClose', async () => {
    stream.close();
    await Promise.resolve();
  });
  const headers = {
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
  };
  app.get(base, async (_request, reply) =>
    reply
      .headers({ ...headers, 'content-security-policy': CSP, 'referrer-policy': 'no-referrer' })
      .type('text/html; charset=utf-8')
      .send(page),
  );
  app.get(`${base}/app.js`, async (_request, reply) =>
    reply.headers(headers).type('text/javascript; charset=utf-8').send(script),
  );
  app.get(`${base}/style.css`, async (_request, reply) =>
    reply.headers(headers).type('text/css; charset=utf-8').send(style),
  );
  app.get(`${base}/events`, (request, reply) => {
    reply.hijack();
    stream.add(request.raw, reply.raw);
  });
}
