import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { resolveBreakerOptions } from '../../src/breaker/resolve-breaker-options.js';
import type { CircuitTransition } from '../../src/engine/types.js';
import { ClockOffset } from '../../src/redis/clock-offset.js';
import { breakerKeys } from '../../src/redis/keys.js';
import type { SharedSnapshot } from '../../src/redis/script-reply.js';
import { RedisDriver } from '../../src/store/redis-driver.js';
import { snapshot } from './shared-snapshot.js';
import type { SharedStoreServices } from '../../src/store/shared-store-services.js';

function driver(): { driver: RedisDriver; seen: CircuitTransition[]; ran: string[] } {
  const ran: string[] = [];
  const store: SharedStoreServices = {
    replicaId: 'r1',
    channel: 'bb:transitions',
    clock: { now: () => 1_000 },
    random: () => 0.5,
    offset: new ClockOffset(),
    probeLock: { tryAcquire: () => Promise.resolve(undefined) },
    logger: pino({ level: 'silent' }),
    mode: 'shared',
    idleTtlMs: 0,
    run: (command) => {
      ran.push(command);
      return Promise.reject(new Error('no Redis in this test'));
    },
    reportTrouble: () => undefined,
    markDirty: () => undefined,
    noteUnsettled: () => undefined,
    retire: () => Promise.resolve(),
    flushUrgently: () => undefined,
  };
  const seen: CircuitTransition[] = [];
  const context = {
    name: 'payments',
    onTransition: (t: CircuitTransition) => {
      seen.push(t);
    },
  };
  return {
    driver: new RedisDriver(
      resolveBreakerOptions({}),
      context,
      breakerKeys('bb', 'payments'),
      store,
    ),
    seen,
    ran,
  };
}

describe('the Redis driver adopts only newer views', () => {
  const forced = snapshot({
    state: 'forced_open',
    epoch: 1,
    reason: 'forced_open',
    incarnation: 'inc-a',
    changedAt: 1_900,
    now: 2_000,
  });

  const reply = (s: SharedSnapshot) => ({ code: 0, snapshot: s, transition: undefined });

  it('ignores a late reply read before the record it knows existed (no rollback to closed)', () => {
    const { driver: d, seen } = driver();
    d.adoptReply(reply(forced));
    expect(d.view.state).toBe('forced_open');
    d.adoptReply({ code: 0, snapshot: snapshot({ now: 1_500 }), transition: undefined });
    expect(d.view.state).toBe('forced_open');
    expect(seen.map((t) => t.to)).toEqual(['forced_open']);
  });

  it('never reads a lost record (a fresh closed one) as closed: it rebuilds it instead', () => {
    const { driver: d, ran } = driver();
    d.adoptReply(reply(forced));
    d.adoptReply(reply(snapshot({ incarnation: 'inc-b', now: 3_000 })));
    expect(d.view.state).toBe('forced_open');
    expect(ran).toEqual(['breakerboxReconcileV1']);
  });

  it('takes a closed record that expired (no record, or one recreated closed) quietly: no rebuild, no transition', () => {
    const { driver: d, seen, ran } = driver();
    const closed = snapshot({
      incarnation: 'inc-a',
      epoch: 4,
      reason: 'probe_succeeded',
      now: 2_000,
    });
    d.adoptReply(reply(closed));
    const before = seen.length;
    d.adoptReply(reply(snapshot({ incarnation: '', now: 3_000 })));
    expect(d.view.state).toBe('closed');
    d.adoptReply(reply(snapshot({ incarnation: 'inc-b', now: 4_000 })));
    expect(d.view.state).toBe('closed');
    expect(d.matchesRecord(['inc-b', '0', 'closed'])).toBe(true);
    expect(ran).toEqual([]);
    expect(seen.length).toBe(before);
  });

  it('a record rebuilt in the state this replica already had emits no transition', () => {
    const { driver: d, seen } = driver();
    d.adoptReply(reply(forced));
    const before = seen.length;
    d.adoptReply(reply(snapshot({ ...forced, incarnation: 'inc-b', epoch: 2, now: 3_000 })));
    expect(d.view.state).toBe('forced_open');
    expect(seen.length).toBe(before);
  });

  it('adopts a record rebuilt later by another replica (a new incarnation, not blank)', () => {
    const { driver: d } = driver();
    d.adoptReply(reply(forced));
    d.adoptReply(
      reply(
        snapshot({
          incarnation: 'inc-b',
          epoch: 2,
          state: 'open',
          reason: 'failure_rate',
          now: 3_000,
        }),
      ),
    );
    expect(d.view.state).toBe('open');
  });

  it('a first read in the same Redis millisecond as a trip never rolls the view back to closed', () => {
    const { driver: d, seen } = driver();
    const trip = snapshot({
      state: 'open',
      epoch: 1,
      reason: 'failure_rate',
      incarnation: 'inc-a',
      openUntil: 9_000,
      now: 2_000,
    });
    d.adoptReply(reply(trip));
    // The first read of the record, from before it existed, answered in the same millisecond.
    d.adoptReply(reply(snapshot({ now: 2_000 })));
    expect(d.view.state).toBe('open');
    expect(seen.map((t) => t.to)).toEqual(['open']);
  });

  it('ignores an older epoch of the same record', () => {
    const { driver: d } = driver();
    d.adoptReply(reply(forced));
    d.adoptReply({
      code: 0,
      snapshot: snapshot({ incarnation: 'inc-a', epoch: 0, now: 2_500 }),
      transition: undefined,
    });
    expect(d.view.state).toBe('forced_open');
  });
});
