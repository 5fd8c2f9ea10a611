/**
 * The fleet-wide reads and overrides behind the dashboard and the admin
 * routes, against a spawned Redis: replica presence entries (written with a
 * TTL, deleted on close, none when turned off), the namespace listing, records
 * read with their stored config by a box that never created them, and the
 * force script run for a breaker only another box has.
 */
import { Worker } from 'bullmq';
import Fastify from 'fastify';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBreakerBox } from '../../src/index.js';
import type { BreakerBox } from '../../src/index.js';
import breakerboxFastify from '../../src/fastify/index.js';
import { dashboardView } from '../../src/fastify/dashboard-view.js';
import { FleetListing } from '../../src/fastify/fleet-listing.js';
import { replicaKey } from '../../src/redis/keys.js';
import type { ReplicaPresence } from '../../src/store/replica-presence.js';
import type { RedisProcess } from '../harness/index.js';
import { startRedis, stopAllRedis, waitUntil } from '../harness/index.js';
import { failCalls, succeedCalls } from '../unit/helpers.js';

const logger = pino({ level: 'silent' });
const TOKEN = 'fleet-test-admin-token';
const WAIT = { timeoutMs: 15_000 };
const OPTIONS = {
  minimumCalls: 2,
  windowMs: 45_000,
  windowBuckets: 9,
  openBackoff: { baseMs: 60_000, maxMs: 60_000, jitter: 0 },
};

describe('the fleet: presence, listing, reads and overrides of breakers another box created', () => {
  let server: RedisProcess;
  const boxes: BreakerBox[] = [];
  const box = async (namespace: string, replicaId: string, presenceIntervalMs = 200) => {
    const created = await createBreakerBox({
      redis: server.url,
      namespace,
      replicaId,
      logger,
      flushIntervalMs: 25,
      presenceIntervalMs,
    });
    boxes.push(created);
    return created;
  };

  beforeAll(async () => {
    server = await startRedis();
  });

  afterAll(async () => {
    await Promise.all(boxes.map((b) => b.close()));
    await stopAllRedis();
  });

  it('each box writes a presence entry with a TTL, deletes it on close, and writes none when off', async () => {
    const redis = server.client();
    const a = await box('presence', 'replica-a');
    await box('presence', 'quiet', 0);
    a.breaker('payments');
    const key = replicaKey('presence', 'replica-a');
    const raw = await waitUntil(() => redis.get(key), {
      ...WAIT,
      description: 'the presence entry',
    });
    expect(JSON.parse(raw)).toMatchObject({
      replicaId: 'replica-a',
      mode: 'shared',
      health: 'healthy',
      workers: [],
      gateRefusals: 0,
    });
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(600);
    expect(await redis.exists(replicaKey('presence', 'quiet'))).toBe(0);
    await a.close();
    expect(await redis.exists(key)).toBe(0);
  });

  it('the presence entry shows a bound worker paused while its dependency is open', async () => {
    const redis = server.client();
    const a = await box('workers', 'replica-w');
    const dep = a.breaker('dep');
    const worker = new Worker('presence-jobs', () => Promise.resolve('ok'), {
      connection: server.client({ maxRetriesPerRequest: null }),
    });
    try {
      await a.bindWorker(worker, { dependencies: ['dep'] }).ready;
      await succeedCalls(dep, 5);
      await dep.forceOpen();
      const entry = await waitUntil(
        async () => {
          const raw = await redis.get(replicaKey('workers', 'replica-w'));
          const parsed = raw === null ? undefined : (JSON.parse(raw) as ReplicaPresence);
          return parsed?.workers[0]?.paused === true && parsed;
        },
        { ...WAIT, description: 'the presence entry with the worker paused' },
      );
      expect(entry.workers).toEqual([
        { queue: 'presence-jobs', dependencies: ['dep'], paused: true },
      ]);
      await dep.reset();
      await waitUntil(
        async () => {
          const raw = await redis.get(replicaKey('workers', 'replica-w'));
          const first =
            raw === null ? undefined : (JSON.parse(raw) as ReplicaPresence).workers.at(0);
          return first !== undefined && !first.paused;
        },
        { ...WAIT, description: 'the worker running again in the presence entry' },
      );
    } finally {
      await worker.close();
    }
  });

  it('a box lists, reads and forces a breaker only another box created', async () => {
    const viewer = await box('fleet', 'viewer');
    const owner = await box('fleet', 'owner');
    const inventory = owner.breaker('inventory', OPTIONS);
    await succeedCalls(inventory, 3);
    await failCalls(inventory, 1);
    const fleet = viewer.fleet;
    if (fleet === undefined) throw new Error('a box with Redis has a fleet reader');
    const listed = await waitUntil(
      async () => {
        const found = await fleet.list();
        return found.breakers.includes('inventory') && found.replicaKeys.length === 2 && found;
      },
      { ...WAIT, description: 'the record and both presence entries' },
    );
    expect(listed.replicaKeys).toEqual([
      replicaKey('fleet', 'owner'),
      replicaKey('fleet', 'viewer'),
    ]);
    // The window is summed with the owner's stored config (a 45 s window): all 4 calls count.
    const [record] = await waitUntil(
      async () => {
        const records = await fleet.records(['inventory', 'never-created']);
        return records[0]?.snapshot.window.calls === 4 && records;
      },
      { ...WAIT, description: 'the flushed window' },
    );
    expect(record).toMatchObject({ name: 'inventory', storedConfig: true });
    expect(record.snapshot.window.replicas).toHaveProperty('owner');

    // The dashboard's view lists it, with both replicas.
    const view = await dashboardView(viewer, new FleetListing(fleet));
    expect(view.scope).toBe('fleet');
    expect(view.breakers).toMatchObject([{ name: 'inventory', local: false, source: 'fleet' }]);
    expect(view.replicas.map((r) => r.replicaId).sort()).toEqual(['owner', 'viewer']);

    // Forced through the viewer: the owner adopts it from the channel.
    const heard: string[] = [];
    fleet.onTransition((message) => heard.push(`${message.name}:${message.transition?.to ?? ''}`));
    await expect(fleet.force('inventory', 'open', 30_000)).resolves.toMatchObject({
      state: 'forced_open',
    });
    await waitUntil(() => Promise.resolve(inventory.state === 'open'), {
      ...WAIT,
      description: 'the owner to adopt the forced opening',
    });
    await fleet.force('inventory', 'reset');
    await waitUntil(() => Promise.resolve(inventory.state === 'closed'), {
      ...WAIT,
      description: 'the owner to adopt the reset',
    });
    expect(heard).toEqual(['inventory:forced_open', 'inventory:closed']);
    expect(viewer.findBreaker('inventory')).toBeUndefined();
    // No record, no override, nothing created.
    await expect(fleet.force('never-created', 'open')).resolves.toBeUndefined();
    expect((await fleet.list()).breakers).toEqual(['inventory']);
  });

  it('the admin routes act on a breaker only another box created, and 404 a name with no record', async () => {
    const viewer = await box('admin', 'viewer');
    const owner = await box('admin', 'owner');
    const search = owner.breaker('search', OPTIONS);
    await succeedCalls(search, 1);
    await waitUntil(async () => (await viewer.fleet?.list())?.breakers.includes('search'), {
      ...WAIT,
      description: 'the record',
    });
    const app = Fastify();
    await app.register(breakerboxFastify, {
      box: viewer,
      adminToken: TOKEN,
      registry: new Registry(),
    });
    const post = (path: string) =>
      app.inject({ method: 'POST', url: path, headers: { authorization: `Bearer ${TOKEN}` } });
    const closed = await post('/breakers/search/force-closed');
    expect(closed.statusCode).toBe(200);
    expect(closed.json()).toMatchObject({ name: 'search', circuitState: 'forced_closed' });
    await waitUntil(() => Promise.resolve(search.snapshot().then((s) => s.forced === 'closed')), {
      ...WAIT,
      description: 'the owner to see the override',
    });
    const missing = await post('/breakers/nothing-here/reset');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ code: 'UNKNOWN_BREAKER' });
    await app.close();
  });
});
