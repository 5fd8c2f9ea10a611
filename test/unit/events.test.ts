import { describe, expect, it, vi } from 'vitest';
import type { TransitionEvent } from '../../src/events/box-events.js';
import { caught, collectingLogger, failCalls, makeBox } from './helpers.js';

describe("box.on('transition')", () => {
  it('receives every field of each transition', async () => {
    const { box, clock } = await makeBox();
    const events: TransitionEvent[] = [];
    box.on('transition', (event) => {
      events.push(event);
    });
    const breaker = box.breaker('payments', { minimumCalls: 1 });
    const t0 = clock.t;
    await failCalls(breaker, 1);
    clock.advance(1_000);
    await breaker.call(() => 'ok');
    expect(events).toEqual([
      {
        breaker: 'payments',
        from: 'closed',
        to: 'open',
        epoch: 1,
        reason: 'failure_rate',
        retryAfterMs: 1_000,
        replicaId: 'replica-1',
        at: t0,
        openUntil: t0 + 1_000,
      },
      {
        breaker: 'payments',
        from: 'open',
        to: 'half_open',
        epoch: 2,
        reason: 'probe_started',
        retryAfterMs: 0,
        replicaId: 'replica-1',
        at: t0 + 1_000,
        openUntil: null,
      },
      {
        breaker: 'payments',
        from: 'half_open',
        to: 'closed',
        epoch: 3,
        reason: 'probe_succeeded',
        retryAfterMs: 0,
        replicaId: 'replica-1',
        at: t0 + 1_000,
        openUntil: null,
      },
    ]);
    await box.close();
  });

  it('names the breaker that moved, each with its own epochs', async () => {
    const { box, transitions } = await makeBox();
    const a = box.breaker('a', { minimumCalls: 1 });
    const b = box.breaker('b', { minimumCalls: 1 });
    await failCalls(a, 1);
    await b.forceOpen({ forMs: 500 });
    expect(transitions.map((t) => [t.breaker, t.to, t.epoch, t.retryAfterMs])).toEqual([
      ['a', 'open', 1, 1_000],
      ['b', 'forced_open', 1, 500],
    ]);
    await box.close();
  });

  it('a throwing listener does not break the breaker, other listeners, or the caller', async () => {
    const { logger, lines } = collectingLogger();
    const { box } = await makeBox({ logger });
    box.on('transition', () => {
      throw new Error('listener bug');
    });
    const after = vi.fn();
    box.on('transition', after);
    const breaker = box.breaker('payments', { minimumCalls: 1 });
    const original = new Error('dependency down');
    expect(await caught(() => breaker.call(() => Promise.reject(original)))).toBe(original);
    expect(breaker.state).toBe('open');
    expect(after).toHaveBeenCalledTimes(1);
    await expect(breaker.forceClosed()).resolves.toBeUndefined();
    expect(after).toHaveBeenCalledTimes(2);
    const errors = lines.filter((l) => l.msg === 'a breakerbox event listener threw');
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatchObject({ level: 50, event: 'transition' });
    expect(errors[0].err).toMatchObject({ message: 'listener bug' });
    await box.close();
  });

  it('the returned function unsubscribes, and so does box.off', async () => {
    const { box } = await makeBox();
    const first = vi.fn();
    const second = vi.fn();
    const unsubscribe = box.on('transition', first);
    box.on('transition', second);
    const breaker = box.breaker('payments');
    await breaker.forceOpen();
    expect(first).toHaveBeenCalledTimes(1);
    expect(second).toHaveBeenCalledTimes(1);
    unsubscribe();
    box.off('transition', second);
    await breaker.forceClosed();
    await breaker.reset();
    expect(first).toHaveBeenCalledTimes(1);
    expect(second).toHaveBeenCalledTimes(1);
    await box.close();
  });
});

describe('transition logs', () => {
  it('writes one INFO line per transition with breaker, from, to, reason, retryAfterMs', async () => {
    const { logger, lines } = collectingLogger();
    const { box, clock, transitions } = await makeBox({ logger });
    const breaker = box.breaker('payments', { minimumCalls: 1 });
    await failCalls(breaker, 1);
    clock.advance(1_000);
    await failCalls(breaker, 1);
    await breaker.forceOpen({ forMs: 3_000 });
    await breaker.reset();

    const logged = lines.filter((l) => l.level === 30 && l.component === undefined);
    expect(logged).toHaveLength(transitions.length);
    expect(transitions).toHaveLength(5);
    logged.forEach((line, i) => {
      const t = transitions[i];
      expect(line).toMatchObject({
        level: 30,
        breaker: 'payments',
        from: t.from,
        to: t.to,
        reason: t.reason,
        epoch: t.epoch,
        retryAfterMs: t.retryAfterMs,
        replicaId: 'replica-1',
        msg: `breaker payments: ${t.from} -> ${t.to} (${t.reason})`,
      });
    });
    expect(logged.map((l) => l.retryAfterMs)).toEqual([1_000, 0, 2_000, 3_000, 0]);
    await box.close();
  });

  it('logs nothing at INFO when nothing transitions', async () => {
    const { logger, lines } = collectingLogger();
    const { box } = await makeBox({ logger });
    const breaker = box.breaker('payments', { minimumCalls: 5 });
    await failCalls(breaker, 2);
    for (let i = 0; i < 3; i++) await breaker.call(() => 'ok'); // 2/5: below the threshold
    expect(breaker.state).toBe('closed');
    expect(lines.filter((l) => l.level === 30)).toEqual([]);
    await box.close();
  });
});
