/**
 * `npm start`, run as a person runs it (its own process group, short phases):
 * the fleet trips (all three replicas see the opening) and heals, the
 * dashboard answers, a reset through the admin route works, the CLI reads
 * the same breaker from the same Redis, and a Ctrl-C (SIGINT to the group)
 * stops every process it started, temporary Redis included, within 2 s.
 */
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopAllRedis, waitUntil } from '../harness/index.js';
import { runCli } from '../cli/run-cli.js';
import { alive, descendantsOf, startFleet } from './fleet-run.js';
import type { FleetRun } from './fleet-run.js';

let fleet: FleetRun;
let header: { dashboard: string; token: string; redisUrl: string; redisDir: string };

beforeAll(async () => {
  fleet = startFleet('npm');
  const match = await fleet.waitFor(/Ctrl-C stops everything/, 60_000, 'the fleet to start');
  expect(match).toBeDefined();
  const text = fleet.output();
  const find = (pattern: RegExp): string => pattern.exec(text)?.[1] ?? '';
  header = {
    dashboard: find(/^dashboard:\s+(\S+)/m),
    token: find(/^admin token .*: (\S+)$/m),
    redisUrl: find(/^CLI:\s+REDIS_URL=(\S+) /m),
    redisDir: find(/temporary redis-server at \S+ \(pid \d+, dir ([^)]+)\)/),
  };
}, 90_000);

afterAll(async () => {
  await stopAllRedis();
});

const replicaOf = (dashboard: string): string => dashboard.replace(/\/dashboard$/, '');

describe('npm start: the demo fleet', () => {
  it('starts three replicas on a temporary redis-server, never 6379', () => {
    expect(fleet.output()).toMatch(/^3 replica\(s\) sharing a temporary redis-server/m);
    expect(header.redisUrl).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
    expect(header.redisUrl).not.toMatch(/:6379$/);
    expect(existsSync(header.redisDir)).toBe(true);
    expect(header.token.length).toBeGreaterThanOrEqual(16);
  });

  it('trips: the first opening is one line, seen by all three replicas', async () => {
    const [line] = await fleet.waitFor(/^.*downstream: closed -> open \(.*$/m, 60_000, 'a trip');
    expect(line).toMatch(/seen by 3\/3 replicas$/);
    const lines = fleet.output().split('\n');
    expect(lines.filter((l) => l === line)).toHaveLength(1);
    await fleet.waitFor(/^\+\S+ replica-3 .*downstream=open /m, 30_000, 'replica-3 shows it open');
  }, 70_000);

  it('resets the breaker through the admin route (with the token only)', async () => {
    const url = `${replicaOf(header.dashboard)}/breakers/downstream/reset`;
    expect((await fetch(url, { method: 'POST' })).status).toBe(401);
    const response = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${header.token}` },
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { state: string }).state).toBe('closed');
    await fleet.waitFor(/^.* -> closed \(reset, .*$/m, 30_000, 'the reset line');
  }, 40_000);

  it('serves the dashboard at the printed URL', async () => {
    const response = await fetch(header.dashboard);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    // The token is asked for by the page, never embedded in it.
    expect(await response.text()).not.toContain(header.token);
  });

  it('the CLI sees the same breaker in the same Redis', async () => {
    const result = await runCli(['status', '--json'], {
      env: { REDIS_URL: header.redisUrl, BREAKERBOX_NAMESPACE: 'demo' },
    });
    const status = JSON.parse(result.stdout) as {
      breakers: { name: string; epoch: number }[];
    };
    const breaker = status.breakers.find((b) => b.name === 'downstream');
    expect(breaker?.epoch).toBeGreaterThanOrEqual(1);
    const replica = (await (await fetch(`${replicaOf(header.dashboard)}/breakers`)).json()) as {
      breakers: { name: string; epoch: number }[];
    };
    const seen = replica.breakers.find((b) => b.name === 'downstream');
    // The same record: the replica's epoch is the CLI's, or later (it moves on).
    expect(seen?.epoch).toBeGreaterThanOrEqual(breaker?.epoch ?? Infinity);
  }, 60_000);

  it('heals: a probe closes it again', async () => {
    await fleet.waitFor(/-> closed \(probe_succeeded/, 75_000, 'the fleet to heal');
  }, 80_000);

  it('Ctrl-C stops every process it started within 2 s, the temporary Redis included', async () => {
    const pids = [fleet.pid, ...descendantsOf(fleet.pid)];
    // npm, node, three replicas, the downstream, the producer, redis-server (sh may be exec'd away).
    expect(pids.length).toBeGreaterThanOrEqual(7);
    const exited = once(fleet.child, 'exit');
    const sent = Date.now();
    process.kill(-fleet.pid, 'SIGINT');
    await waitUntil(() => Promise.resolve(alive(pids).length === 0), {
      timeoutMs: 10_000,
      intervalMs: 25,
      description: 'every process of the fleet to exit',
      details: () => `alive: ${alive(pids).join(', ')}\n${fleet.output()}`,
    });
    const tookMs = Date.now() - sent;
    const [code, signal] = (await exited) as [number | null, NodeJS.Signals | null];
    // npm, like a shell, ends itself with the SIGINT it got once its script is done.
    expect({ code, signal }).toEqual({ code: null, signal: 'SIGINT' });
    expect(tookMs, fleet.output()).toBeLessThan(2_000);
    console.log(`fleet stopped in ${String(tookMs)} ms`);
    expect(fleet.output()).toMatch(/Ctrl-C: stopped 5 processes and redis-server in \d+ ms/);
    expect(existsSync(header.redisDir)).toBe(false);
    const port = Number(new URL(header.redisUrl).port);
    const socket = connect(port, '127.0.0.1');
    const event = await new Promise((resolve) => {
      socket.once('connect', () => {
        resolve('connect');
      });
      socket.once('error', (error: NodeJS.ErrnoException) => {
        resolve(error.code);
      });
    });
    socket.destroy();
    expect(event).toBe('ECONNREFUSED');
  }, 30_000);
});
