/**
 * The dashboard's cache of the namespace (FleetListing) with a counting fake
 * reader and a fake clock: pages asking at once share one read, records are
 * re-read after READ_TTL_MS but the SCAN listing only after LIST_TTL_MS, and
 * a published transition is applied with no read at all.
 */
import { describe, expect, it } from 'vitest';
import type { FleetSource } from '../../src/fastify/fleet-listing.js';
import { FleetListing, LIST_TTL_MS, READ_TTL_MS } from '../../src/fastify/fleet-listing.js';
import type { SharedSnapshot } from '../../src/redis/script-reply.js';
import type { FleetRecord } from '../../src/store/fleet-reader.js';

function snapshot(epoch: number, state: SharedSnapshot['state'] = 'closed'): SharedSnapshot {
  return {
    state,
    epoch,
    openUntil: 0,
    backoffStep: 0,
    probeToken: '',
    probeLeaseUntil: 0,
    changedAt: 0,
    reason: '',
    lastError: '',
    lastErrorAt: 0,
    incarnation: 'inc',
    now: 1,
    window: { calls: 0, failures: 0, slowCalls: 0, badReplicas: 0, replicas: {} },
  };
}

function fakeReader(names: string[]) {
  const calls = { list: 0, records: 0, presences: 0 };
  const reader: FleetSource = {
    list: () => {
      calls.list++;
      return Promise.resolve({ breakers: [...names], replicaKeys: ['ns:replica:a'], scans: 1 });
    },
    records: (wanted) => {
      calls.records++;
      return Promise.resolve(
        wanted.map((name): FleetRecord => ({ name, snapshot: snapshot(1), storedConfig: true })),
      );
    },
    presences: () => {
      calls.presences++;
      return Promise.resolve([]);
    },
  };
  return { reader, calls };
}

describe('the dashboard fleet listing cache', () => {
  it('shares one read among concurrent pages, re-reads records before it re-lists', async () => {
    let now = 0;
    const { reader, calls } = fakeReader(['a', 'b']);
    const listing = new FleetListing(reader, () => now);
    const reads = await Promise.all(Array.from({ length: 20 }, () => listing.read()));
    expect(new Set(reads).size).toBe(1);
    expect(calls).toEqual({ list: 1, records: 1, presences: 1 });
    now += READ_TTL_MS - 1;
    await listing.read();
    expect(calls.records).toBe(1);
    now += 1;
    await listing.read();
    expect(calls).toEqual({ list: 1, records: 2, presences: 2 });
    now = LIST_TTL_MS;
    await listing.read();
    expect(calls).toEqual({ list: 2, records: 3, presences: 3 });
  });

  it('applies a published transition with no read, newer epochs only, and lists a new name', async () => {
    let now = 0;
    const { reader, calls } = fakeReader(['a']);
    const listing = new FleetListing(reader, () => now);
    await listing.read();
    listing.adopt({
      name: 'a',
      replicaId: 'r',
      snapshot: snapshot(2, 'open'),
      transition: undefined,
    });
    listing.adopt({ name: 'a', replicaId: 'r', snapshot: snapshot(1), transition: undefined });
    listing.adopt({
      name: 'new',
      replicaId: 'r',
      snapshot: snapshot(1, 'open'),
      transition: undefined,
    });
    const read = await listing.read();
    expect(calls.records).toBe(1);
    expect(read.records.get('a')?.snapshot).toMatchObject({ epoch: 2, state: 'open' });
    expect(read.records.get('new')?.snapshot.state).toBe('open');
    now = READ_TTL_MS;
    const again = await listing.read();
    // The new name is read from Redis from now on, before the next SCAN.
    expect(calls.list).toBe(1);
    expect(calls.records).toBe(2);
    expect([...again.records.keys()].sort()).toEqual(['a', 'new']);
  });
});
