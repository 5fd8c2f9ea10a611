/**
 * The demo fleet's last resort: with no REDIS_URL and no redis-server on the
 * PATH it runs ONE replica on the in-memory store and says so clearly; that
 * replica still trips. SIGTERM to the fleet's process alone (not its group)
 * stops every process it started within 2 s.
 */
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stopAllRedis, trackTempDir, waitUntil } from '../harness/index.js';
import { alive, descendantsOf, startFleet } from './fleet-run.js';

afterAll(async () => {
  await stopAllRedis();
});

describe('npm start with no Redis at all', () => {
  it('runs one in-memory replica with a notice, trips, and stops on SIGTERM within 2 s', async () => {
    // A PATH with nothing on it hides redis-server; node is run by its full path.
    const emptyPath = mkdtempSync(join(tmpdir(), 'breakerbox-no-redis-'));
    trackTempDir(emptyPath);
    const fleet = startFleet('entry', { PATH: emptyPath });
    await fleet.waitFor(/Ctrl-C stops everything/, 60_000, 'the fleet to start');
    const output = fleet.output();
    expect(output).toMatch(/^NOTICE: REDIS_URL is not set and no redis-server is on the PATH\./m);
    expect(output).toContain('Running ONE replica with the in-memory store');
    expect(output).toMatch(/^1 replica\(s\) sharing nothing \(in-memory store\)/m);
    expect(output).not.toMatch(/^CLI:/m);

    const [line] = await fleet.waitFor(/^.*downstream: closed -> open \(.*$/m, 60_000, 'a trip');
    expect(line).toMatch(/seen by 1\/1 replicas$/);
    await fleet.waitFor(/^\+\S+ replica-1 +memory .*no worker/m, 30_000, 'the memory line');
    expect(fleet.output()).not.toMatch(/^\+\S+ replica-2 /m);

    const pids = [fleet.pid, ...descendantsOf(fleet.pid)];
    expect(pids).toHaveLength(4); // the fleet, one replica, the downstream, the producer
    const exited = once(fleet.child, 'exit');
    const sent = Date.now();
    process.kill(fleet.pid, 'SIGTERM');
    await waitUntil(() => Promise.resolve(alive(pids).length === 0), {
      timeoutMs: 10_000,
      intervalMs: 25,
      description: 'every process of the fleet to exit',
      details: () => `alive: ${alive(pids).join(', ')}\n${fleet.output()}`,
    });
    const tookMs = Date.now() - sent;
    expect(await exited).toEqual([0, null]);
    expect(tookMs, fleet.output()).toBeLessThan(2_000);
    expect(fleet.output()).toMatch(/SIGTERM: stopped 3 processes in \d+ ms/);
  }, 90_000);
});
