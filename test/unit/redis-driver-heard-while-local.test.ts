/**
 * A transition published while this replica decides locally, which it could
 * not adopt as it was (a record under an incarnation it does not know), is
 * read again once the replica is back: its own reconcile may have run in Redis
 * before the other replica's, and so answered an older record.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { resolveBreakerOptions } from '../../src/breaker/resolve-breaker-options.js';
import type { CircuitTransition } from '../../src/engine/types.js';
import { ClockOffset } from '../../src/redis/clock-offset.js';
import { breakerKeys } from '../../src/redis/keys.js';
import type { ScriptReply, SharedSnapshot } from '../../src/redis/script-reply.js';
import { RedisDriver } from '../../src/store/redis-driver.js';
import { snapshot } from './shared-snapshot.js';
import type { SharedStoreServices } from '../../src/store/shared-store-services.js';

const forcedElsewhere = snapshot({
  state: 'forced_open',
  epoch: 1,
  reason: 'forced_open',
  incarnation: 'inc-a',
  openUntil: 40_000,
  changedAt: 1_900,
  now: 2_000,
});

/** A driver whose Redis answers each script from `replies`, recording what ran. */
function driverAnswering(replies: Partial<Record<string, SharedSnapshot>>): {
  driver: RedisDriver;
  ran: string[];
  seen: CircuitTransition[];
} {
  const ran: string[] = [];
  const store: SharedStoreServices = {
    replicaId: 'replica-b',
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
      const answer = replies[command];
      if (answer === undefined) return Promise.reject(new Error(`no reply for ${command}`));
      const reply: ScriptReply = { code: 0, snapshot: answer, transition: undefined };
      return Promise.resolve(reply);
    },
    reportTrouble: () => undefined,
    markDirty: () => undefined,
    noteUnsettled: () => undefined,
    retire: () => Promise.resolve(),
    flushUrgently: () => undefined,
  };
  const seen: CircuitTransition[] = [];
  const context = {
    name: 'forced',
    onTransition: (t: CircuitTransition) => {
      seen.push(t);
    },
  };
  const driver = new RedisDriver(
    resolveBreakerOptions({}),
    context,
    breakerKeys('bb', 'forced'),
    store,
  );
  return { driver, ran, seen };
}

describe('a message heard while local', () => {
  it('is confirmed by a read after the reconcile, which answered an older record', async () => {
    const { driver, ran, seen } = driverAnswering({
      // This replica's reconcile ran in Redis first: no record yet, so closed.
      breakerboxReconcileV1: snapshot({ incarnation: 'inc-b', now: 1_500 }),
      // The record as it is now: replica-a carried its forced open into it.
      breakerboxSnapshotV1: forcedElsewhere,
    });
    driver.adoptReply({ code: 0, snapshot: snapshot({ now: 500 }), transition: undefined });
    driver.goLocal();
    driver.adoptPublished(forcedElsewhere, undefined, 'replica-a');
    expect(driver.view.state).toBe('closed');

    await driver.reconcile();
    await sleep(0);
    await sleep(0);
    expect(ran).toEqual(['breakerboxReconcileV1', 'breakerboxSnapshotV1']);
    expect(driver.view.state).toBe('forced_open');
    expect(seen.at(-1)?.to).toBe('forced_open');
  });

  it('costs no extra read when nothing was heard meanwhile', async () => {
    const { driver, ran } = driverAnswering({
      breakerboxReconcileV1: snapshot({ incarnation: 'inc-b', now: 1_500 }),
    });
    driver.goLocal();
    await driver.reconcile();
    await sleep(0);
    expect(ran).toEqual(['breakerboxReconcileV1']);
  });
});
