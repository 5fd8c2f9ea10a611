/**
 * Measures what the dashboard's listing costs Redis with 1,000 breakers in the
 * namespace (issue 10) and prints a Markdown section for docs/dashboard.md:
 *
 * A. a cold read (one SCAN pass, every record, every presence entry);
 * B. a warm read (listing cached, records read again);
 * C. 20 pages asking at once (one shared read);
 * D. the plugin with 10 pages connected for 10 s, against the same box with none.
 *
 * Run: `npx tsx bench/dashboard-listing.ts` (about a minute). The redis-server
 * is spawned here (test/harness: a free port, never 6379).
 */
import { loadavg, cpus } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import Fastify from 'fastify';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createBreakerBox } from '../src/index.js';
import breakerboxFastify from '../src/fastify/index.js';
import { FleetListing, READ_TTL_MS } from '../src/fastify/fleet-listing.js';
import { defineScripts } from '../src/redis/scripts.js';
import { replicaKeyPrefix } from '../src/redis/keys.js';
import { FleetReader } from '../src/store/fleet-reader.js';
import { resolveBreakerOptions } from '../src/breaker/resolve-breaker-options.js';
import { scriptConfig } from '../src/redis/script-args.js';
import { startRedis, stopAllRedis } from '../test/harness/index.js';
import { openSse } from '../test/dashboard/sse-client.js';
import { commandCounts } from './lib/redis.js';
import type { CommandCounts } from './lib/redis.js';

const BREAKERS = 1_000;
const TRIPPED = 100;
const NS = 'dashbench';
const silent = pino({ level: 'silent' });

function delta(before: CommandCounts, after: CommandCounts): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, calls] of Object.entries(after)) {
    const d = calls - (before[name] ?? 0);
    if (d !== 0 && name !== 'info') out[name] = d;
  }
  return out;
}

/** Commands a client sent (the rest ran inside the snapshot script). */
const SENT = ['scan', 'evalsha', 'eval', 'mget', 'ping', 'script', 'subscribe', 'set', 'del'];
function describe(d: Record<string, number>): string {
  const sent = Object.entries(d).filter(([n]) => SENT.includes(n));
  const inside = Object.entries(d).filter(([n]) => !SENT.includes(n));
  const fmt = (list: [string, number][]) =>
    list.map(([n, c]) => `${n.toUpperCase()} ${c}`).join(', ') || 'none';
  const total = sent.reduce((s, [, c]) => s + c, 0);
  return `${total} sent (${fmt(sent)}); inside the scripts: ${fmt(inside)}`;
}

const server = await startRedis();
const admin = server.client();
const started = new Date().toISOString();
const load = loadavg()
  .map((l) => l.toFixed(2))
  .join(', ');

// Populate: three replicas, one with every breaker, 100 of them tripped.
const boxes = await Promise.all(
  ['r1', 'r2', 'r3'].map((id) =>
    createBreakerBox({ redis: server.url, namespace: NS, replicaId: id, logger: silent }),
  ),
);
const writer = boxes[0];
const options = { minimumCalls: 2, openBackoff: { baseMs: 600_000, maxMs: 600_000 } };
for (let i = 0; i < BREAKERS; i++) {
  const breaker = writer.breaker(`dep-${String(i).padStart(4, '0')}`, options);
  await breaker.call(() => Promise.resolve(1));
  if (i < TRIPPED)
    for (let j = 0; j < 2; j++)
      await breaker.call(() => Promise.reject(new Error('x'))).catch(() => 0);
}
await sleep(3_000);
const presenceKeys = await admin.keys(`${replicaKeyPrefix(NS)}*`); // KEYS only here, on a bench server
const presences = presenceKeys.length === 0 ? [] : await admin.mget(...presenceKeys);
await Promise.all(boxes.map((b) => b.close()));
// Keep the three presence entries for the whole run (the boxes are closed: nothing else writes).
for (const [i, key] of presenceKeys.entries())
  await admin.set(key, presences[i] ?? '{}', 'PX', 600_000);
const dbsize = await admin.dbsize();

const client = server.client();
defineScripts(client);
const reader = new FleetReader(
  client,
  NS,
  `${NS}:transitions`,
  'bench',
  silent,
  scriptConfig(resolveBreakerOptions(undefined).circuit),
);

const lines: string[] = [];
const out = (line = '') => {
  lines.push(line);
  console.log(line);
};

// A: cold read.
let listing = new FleetListing(reader);
let before = await commandCounts(admin);
const t0 = performance.now();
const read = await listing.read();
const coldMs = performance.now() - t0;
const a = delta(before, await commandCounts(admin));
// B: warm read (records again, listing cached).
await sleep(READ_TTL_MS + 100);
before = await commandCounts(admin);
await listing.read();
const b = delta(before, await commandCounts(admin));
// C: 20 pages at once on a fresh cache.
listing = new FleetListing(reader);
before = await commandCounts(admin);
await Promise.all(Array.from({ length: 20 }, () => listing.read()));
const c = delta(before, await commandCounts(admin));

// D: the plugin, 10 pages for 10 s, against the same box with no page.
const box = await createBreakerBox({
  redis: server.url,
  namespace: NS,
  replicaId: 'dashboard',
  logger: silent,
  presenceIntervalMs: 0,
});
const app = Fastify();
await app.register(breakerboxFastify, { box, registry: new Registry(), dashboardIntervalMs: 1000 });
const base = await app.listen({ host: '127.0.0.1', port: 0 });
await sleep(1_000);
before = await commandCounts(admin);
await sleep(10_000);
const idle = delta(before, await commandCounts(admin));
const pages = await Promise.all(
  Array.from({ length: 10 }, () => openSse(`${base}/dashboard/events`)),
);
await sleep(500);
before = await commandCounts(admin);
await sleep(10_000);
const busy = delta(before, await commandCounts(admin));
for (const page of pages) page.close();
await app.close();
await box.close();
await stopAllRedis();

out(
  `Measured ${started} on a shared, noisy machine (${cpus().length} cores, load average ${load}),`,
);
out(
  `Node ${process.version}, redis-server on loopback; command: \`npx tsx bench/dashboard-listing.ts\`.`,
);
out(
  `Namespace: ${read.records.size} breakers (${TRIPPED} open), ${read.replicas.length} replica presence entries, ${dbsize} keys in all.`,
);
out();
out(`- A. cold read (SCAN pass + records + presences), ${coldMs.toFixed(0)} ms: ${describe(a)}`);
out(`- B. warm read within the listing's 5 s: ${describe(b)}`);
out(`- C. 20 pages asking at once: ${describe(c)}`);
out(`- D. plugin, no page connected, 10 s: ${describe(idle)}`);
out(`- D. plugin, 10 pages connected, 10 s (snapshot every 1 s): ${describe(busy)}`);
