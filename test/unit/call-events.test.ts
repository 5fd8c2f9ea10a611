import { describe, expect, it } from 'vitest';
import type { BreakerCallEvents } from '../../src/breaker/call-events.js';
import { CallTimeout } from '../../src/errors/call-timeout.js';
import { DependencyUnhealthy } from '../../src/errors/dependency-unhealthy.js';
import { collectingLogger, failCalls, makeBox, succeedCalls } from './helpers.js';

type Seen = { [K in keyof BreakerCallEvents]?: BreakerCallEvents[K][] };

function listen(breaker: { on: (e: never, l: never) => unknown }, seen: Seen): void {
  for (const event of ['success', 'failure', 'timeout', 'refusal', 'fallback'] as const) {
    (
      breaker.on as <K extends keyof BreakerCallEvents>(
        e: K,
        l: (p: BreakerCallEvents[K]) => void,
      ) => unknown
    )(event, (payload) => {
      ((seen[event] ??= []) as unknown[]).push(payload);
    });
  }
}

describe('per-call events', () => {
  it('fire success and failure with latency, refusal and fallback', async () => {
    const { box, clock } = await makeBox();
    const payments = box.breaker('payments', { minimumCalls: 2, fallback: () => 'cached' });
    const seen: Seen = {};
    listen(payments, seen);
    await payments.call(async () => {
      clock.advance(7);
      await Promise.resolve();
      return 'ok';
    });
    await failCalls(payments, 1); // 1 of 2 failed: trips
    await expect(payments.call(() => 'never')).resolves.toBe('cached');
    expect(seen.success).toEqual([{ breaker: 'payments', latencyMs: 7 }]);
    expect(seen.failure).toHaveLength(1);
    expect(seen.failure?.[0]).toMatchObject({ breaker: 'payments', latencyMs: 0 });
    expect(seen.refusal).toHaveLength(1);
    expect(seen.refusal?.[0]?.error).toBeInstanceOf(DependencyUnhealthy);
    // The failure and the refusal were served by the fallback.
    expect(seen.fallback).toHaveLength(2);
    await box.close();
  });

  it('fire timeout (and failure) when timeoutMs passes', async () => {
    const { box } = await makeBox();
    const slow = box.breaker('slow', { timeoutMs: 20 });
    const seen: Seen = {};
    listen(slow, seen);
    await slow.call(() => new Promise(() => undefined)).catch(() => undefined);
    expect(seen.timeout).toHaveLength(1);
    expect(seen.timeout?.[0]?.error).toBeInstanceOf(CallTimeout);
    expect(seen.failure).toHaveLength(1);
    await box.close();
  });

  it('stop after the listener is removed; a throwing listener is logged and harmless', async () => {
    const { logger, lines } = collectingLogger();
    const { box } = await makeBox({ logger });
    const payments = box.breaker('payments');
    let calls = 0;
    const off = payments.on('success', () => {
      calls++;
      throw new Error('listener bug');
    });
    await succeedCalls(payments, 1);
    off();
    await succeedCalls(payments, 1);
    expect(calls).toBe(1);
    expect(lines.some((l) => l.msg === 'a call event listener threw')).toBe(true);
    await box.close();
  });

  it('counts outcomes in breaker.stats whether or not anyone listens', async () => {
    const { box } = await makeBox();
    const payments = box.breaker('payments', { minimumCalls: 3 });
    await succeedCalls(payments, 2);
    await failCalls(payments, 2); // 2 of 4 failed: trips
    await failCalls(payments, 3); // refused
    expect(payments.stats).toMatchObject({ successes: 2, failures: 2, refusals: 3 });
    expect(payments.stats.transitions.get('closed>open')).toBe(1);
    await box.close();
  });
});

describe('ordered close', () => {
  it('logs each stage in order and ends with shutdown complete', async () => {
    const { logger, lines } = collectingLogger();
    const { box } = await makeBox({ logger });
    box.breaker('payments');
    await box.close();
    const stages = lines.filter((l) => l.component === 'shutdown').map((l) => l.stage);
    expect(stages).toEqual([
      'refuse',
      'drain',
      'flush',
      'release_probe_locks',
      'unsubscribe',
      'quit',
      'complete',
    ]);
    expect(lines.at(-1)?.msg).toBe('shutdown complete');
  });

  it('stops active checks when close starts', async () => {
    const { box } = await makeBox();
    let runs = 0;
    box.addCheck(
      'db',
      () => {
        runs++;
        return Promise.resolve();
      },
      { intervalMs: 20 },
    );
    await box.health();
    await box.close();
    const after = runs;
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(runs).toBe(after);
  });
});
