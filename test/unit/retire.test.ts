/**
 * Retiring breakers: explicitly (`box.retire`, `breaker.retire`) and, with
 * `retireIdleAfterMs`, automatically once a breaker stayed closed and
 * untouched that long (driven by a fake clock and `retireIdleNow()`).
 */
import { describe, expect, it } from 'vitest';
import { BreakerInUse } from '../../src/errors/breaker-in-use.js';
import { BreakerRetired } from '../../src/errors/breaker-retired.js';
import { InvalidBreakerOptions } from '../../src/errors/invalid-breaker-options.js';
import { createBreakerBox } from '../../src/create-breaker-box.js';
import { caught, failCalls, makeBox, silentLogger } from './helpers.js';

const IDLE = 60_000;
const TRIPS_FAST = {
  minimumCalls: 2,
  windowType: 'count',
  windowSize: 10,
  openBackoff: { baseMs: 600_000, maxMs: 600_000 },
} as const;

describe('box.retire', () => {
  it('frees the name: the old object throws BreakerRetired, box.breaker() creates a fresh one', async () => {
    const { box } = await makeBox();
    const old = box.breaker('payments');
    await old.call(() => 1);
    expect(await box.retire('payments')).toBe(true);
    expect(box.findBreaker('payments')).toBeUndefined();
    expect(box.breakers()).toEqual([]);
    expect(old.isRetired).toBe(true);
    const error = await caught(() => old.call(() => 1));
    expect(error).toBeInstanceOf(BreakerRetired);
    expect((error as BreakerRetired).code).toBe('BREAKER_RETIRED');
    expect((error as BreakerRetired).message).toMatch(/box\.breaker\('payments'\)/);
    await expect(old.snapshot()).rejects.toBeInstanceOf(BreakerRetired);
    await expect(old.forceOpen()).rejects.toBeInstanceOf(BreakerRetired);
    const fresh = box.breaker('payments');
    expect(fresh).not.toBe(old);
    expect(await fresh.call(() => 2)).toBe(2);
    expect(await box.retire('nobody')).toBe(false);
    expect(await old.retire()).toBe(false);
    await box.close();
  });

  it('refuses with BreakerInUse while calls are in flight, and retires once they settle', async () => {
    const { box } = await makeBox();
    const breaker = box.breaker('slow');
    let finish: (value: number) => void = () => undefined;
    const call = breaker.call(() => new Promise<number>((resolve) => (finish = resolve)));
    const error = await caught(() => box.retire('slow'));
    expect(error).toBeInstanceOf(BreakerInUse);
    expect((error as BreakerInUse).reason).toBe('calls_in_flight');
    finish(7);
    expect(await call).toBe(7);
    expect(await breaker.retire()).toBe(true);
    await box.close();
  });

  it('refuses with BreakerInUse while a backpressure handle follows the breaker', async () => {
    const { box } = await makeBox();
    box.breaker('queue-dep');
    box.backpressure('queue-dep');
    const error = await caught(() => box.retire('queue-dep'));
    expect((error as BreakerInUse).reason).toBe('bound');
    await box.close();
  });

  it('takes the breaker out of health (an open one no longer makes the replica unhealthy)', async () => {
    const { box } = await makeBox();
    const breaker = box.breaker('critical-dep', { ...TRIPS_FAST, critical: true });
    await failCalls(breaker, 2);
    expect(breaker.state).toBe('open');
    expect((await box.health()).status).toBe('unhealthy');
    await box.retire('critical-dep');
    const report = await box.health();
    expect(report.components.map((c) => c.name)).not.toContain('critical-dep');
    expect(report.status).toBe('healthy');
    await box.close();
  });
});

describe('retireIdleAfterMs', () => {
  it('retires a closed breaker untouched for the idle time, not before', async () => {
    const { box, clock } = await makeBox({ retireIdleAfterMs: IDLE });
    box.breaker('tenant-1');
    await box.retireIdleNow();
    clock.advance(IDLE - 1);
    await box.retireIdleNow();
    expect(box.findBreaker('tenant-1')).toBeDefined();
    clock.advance(1);
    await box.retireIdleNow();
    expect(box.findBreaker('tenant-1')).toBeUndefined();
    expect(box.idleRetiredCount).toBe(1);
    await box.close();
  });

  it('any call (finished, or in flight however long) starts the idle time again', async () => {
    const { box, clock } = await makeBox({ retireIdleAfterMs: IDLE });
    const used = box.breaker('used');
    const pending = box.breaker('pending');
    await box.retireIdleNow();
    let finish: () => void = () => undefined;
    const inFlight = pending.call(() => new Promise<void>((resolve) => (finish = resolve)));
    clock.advance(IDLE / 2);
    await used.call(() => 1);
    await box.retireIdleNow();
    clock.advance(IDLE - 1);
    await box.retireIdleNow();
    expect(box.findBreaker('used')).toBe(used);
    clock.advance(5 * IDLE);
    await box.retireIdleNow();
    expect(box.findBreaker('used')).toBeUndefined();
    expect(box.findBreaker('pending')).toBe(pending);
    finish();
    await inFlight;
    await box.retireIdleNow();
    clock.advance(IDLE);
    await box.retireIdleNow();
    expect(box.findBreaker('pending')).toBeUndefined();
    await box.close();
  });

  it('never retires an open, half-open or forced breaker, however long idle', async () => {
    const { box, clock } = await makeBox({ retireIdleAfterMs: IDLE });
    const open = box.breaker('open', TRIPS_FAST);
    await failCalls(open, 2);
    const forcedOpen = box.breaker('forced-open');
    await forcedOpen.forceOpen();
    const forcedClosed = box.breaker('forced-closed');
    await forcedClosed.forceClosed();
    const halfOpen = box.breaker('half-open', {
      ...TRIPS_FAST,
      openBackoff: { baseMs: 1_000, maxMs: 1_000 },
    });
    await failCalls(halfOpen, 2);
    clock.advance(1_000);
    let release: () => void = () => undefined;
    const trial = halfOpen.call(() => new Promise<void>((resolve) => (release = resolve)));
    await Promise.resolve();
    expect(halfOpen.state).toBe('half_open');
    for (let i = 0; i < 5; i++) {
      await box.retireIdleNow();
      clock.advance(IDLE);
    }
    await box.retireIdleNow();
    expect(
      box
        .breakers()
        .map((b) => b.name)
        .sort(),
    ).toEqual(['forced-closed', 'forced-open', 'half-open', 'open']);
    release();
    await trial;
    await box.close();
  });

  it('never retires a breaker with call listeners or followed by a backpressure handle', async () => {
    const { box, clock } = await makeBox({ retireIdleAfterMs: IDLE });
    box.breaker('listened').on('success', () => undefined);
    box.breaker('followed');
    box.backpressure('followed');
    box.breaker('plain');
    await box.retireIdleNow();
    clock.advance(2 * IDLE);
    await box.retireIdleNow();
    expect(
      box
        .breakers()
        .map((b) => b.name)
        .sort(),
    ).toEqual(['followed', 'listened']);
    await box.close();
  });

  it('is off by default, and the option is validated', async () => {
    const { box, clock } = await makeBox();
    box.breaker('kept');
    clock.advance(365 * 24 * 3_600_000);
    await box.retireIdleNow();
    expect(box.findBreaker('kept')).toBeDefined();
    await box.close();
    for (const bad of [0, 999, 1.5, -1, '60000']) {
      const error = await caught(() =>
        createBreakerBox({ logger: silentLogger(), retireIdleAfterMs: bad as number }),
      );
      expect(error).toBeInstanceOf(InvalidBreakerOptions);
      expect((error as InvalidBreakerOptions).option).toBe('retireIdleAfterMs');
    }
    const ttl = await caught(() =>
      createBreakerBox({ logger: silentLogger(), recordIdleTtlMs: 10 }),
    );
    expect((ttl as InvalidBreakerOptions).option).toBe('recordIdleTtlMs');
  });
});
