import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Circuit, tripReason } from '../../src/engine/circuit.js';
import { callsIn, hasBadOutcome } from '../../src/engine/tally.js';
import type { CircuitConfig, CircuitTransition } from '../../src/engine/types.js';
import { breakerKeys } from '../../src/redis/keys.js';
import { scriptConfig } from '../../src/redis/script-args.js';
import type { ScriptReply } from '../../src/redis/script-reply.js';
import { parseScriptReply } from '../../src/redis/script-reply.js';
import type { ScriptCommand } from '../../src/redis/scripts.js';
import { defineScripts } from '../../src/redis/scripts.js';
import type { RedisProcess } from '../harness/index.js';
import { startRedis, stopAllRedis } from '../harness/index.js';
import type { Step } from './model-steps.js';
import { scenarios } from './model-steps.js';

/**
 * The model check: the in-memory engine and the Lua scripts, driven by the same
 * random sequences of outcomes, clock steps (real waits: the scripts read
 * Redis TIME), probes and overrides, must make the same transitions and hold
 * the same record and window sums after every step. Each Lua reply carries
 * the Redis time it used; the engine is given exactly that time.
 */
describe('engine and Lua scripts agree (model check)', () => {
  let server: RedisProcess;
  let redis: Redis;
  let run = 0;

  beforeAll(async () => {
    server = await startRedis();
    redis = server.client();
    defineScripts(redis);
  });

  afterAll(async () => {
    await stopAllRedis();
  });

  async function lua(
    command: ScriptCommand,
    keys: readonly string[],
    args: readonly string[],
  ): Promise<ScriptReply> {
    const raw = await redis[command](...keys, ...args);
    return parseScriptReply(command, raw, [0, -1, -2, -3, -4]);
  }

  const reached = new Set<string>();
  /** Trips made by a batch of successes only (the minimum reached by a success). */
  let tripsBySuccess = 0;

  async function check(config: CircuitConfig, sequence: readonly Step[]): Promise<void> {
    const name = `model-${String(++run)}`;
    const keys = breakerKeys('model', name);
    const scriptKeys = [keys.state, keys.window, keys.events];
    const json = scriptConfig(config);
    const engine = new Circuit(config);
    for (const [index, step] of sequence.entries()) {
      const where = `step ${String(index)} ${JSON.stringify(step)}`;
      if (step.op === 'wait') {
        await new Promise((resolve) => setTimeout(resolve, step.ms));
        continue;
      }
      let reply: ScriptReply;
      let expected: CircuitTransition | undefined;
      let expectedCode = 0;
      switch (step.op) {
        case 'record': {
          const c = step.counts;
          reply = await lua('breakerboxRecordV1', scriptKeys, [
            json,
            name,
            step.replica,
            String(c.successes),
            String(c.failures),
            String(c.slowSuccesses),
            String(c.slowFailures),
            '',
            String(step.random),
            'model:transitions',
            'inc',
          ]);
          expected = engine.record(step.replica, c, reply.snapshot.now, step.random);
          if (expected !== undefined && !hasBadOutcome(c)) tripsBySuccess++;
          break;
        }
        case 'beginProbe': {
          reply = await lua('breakerboxBeginProbeV1', scriptKeys, [
            json,
            name,
            'r1',
            step.token,
            'model:transitions',
            'inc',
          ]);
          const result = engine.beginProbe(step.token, reply.snapshot.now);
          if (result.granted) expected = result.transition;
          else expectedCode = { not_open: -1, not_due: -2, probe_in_progress: -3 }[result.refusal];
          break;
        }
        case 'endProbe': {
          reply = await lua('breakerboxEndProbeV1', scriptKeys, [
            json,
            name,
            'r1',
            step.token,
            step.success ? '1' : '0',
            String(step.random),
            '',
            'model:transitions',
            'inc',
          ]);
          const result = engine.endProbe(step.token, step.success, reply.snapshot.now, step.random);
          if (result.accepted) expected = result.transition;
          else expectedCode = -4;
          break;
        }
        case 'force': {
          reply = await lua('breakerboxForceV1', scriptKeys, [
            json,
            name,
            'r1',
            step.mode,
            String(step.forMs),
            'model:transitions',
            'inc',
          ]);
          expected = engine.force(step.mode, step.forMs, reply.snapshot.now);
          break;
        }
      }
      expect(reply.code, where).toBe(expectedCode);
      expect(reply.transition, where).toEqual(expected);
      if (expected !== undefined) reached.add(`${expected.from}->${expected.to}`);
      const s = reply.snapshot;
      const record = engine.current;
      expect(
        {
          state: s.state,
          epoch: s.epoch,
          openUntil: s.openUntil,
          backoffStep: s.backoffStep,
          probeToken: s.probeToken,
          probeLeaseUntil: s.probeLeaseUntil,
          changedAt: s.changedAt,
          reason: s.reason,
          trippedBy: s.trippedBy ?? null,
        },
        where,
      ).toEqual({
        state: record.state,
        epoch: record.epoch,
        openUntil: record.openUntil,
        backoffStep: record.backoffStep,
        probeToken: record.probeToken,
        probeLeaseUntil: record.probeLeaseUntil,
        changedAt: record.changedAt,
        reason: record.reason,
        trippedBy: record.trippedBy,
      });
      expect(s.window, where).toEqual(engine.totals(s.now));
      // The oracle both engines answer to: right after outcomes are counted, a
      // closed circuit's window never crosses a threshold (else it would have
      // opened). Without it, two engines sharing one blind spot would agree.
      if (step.op === 'record' && callsIn(step.counts) > 0 && record.state === 'closed') {
        expect(tripReason(config, engine.totals(s.now)), `${where}: closed past a threshold`).toBe(
          undefined,
        );
      }
    }
  }

  it('makes the same transitions and holds the same record for random sequences', async () => {
    await fc.assert(
      fc.asyncProperty(scenarios, async ([config, sequence]) => {
        await check(config, sequence);
      }),
      { numRuns: 40, endOnFailure: true },
    );
    // The random runs must have explored the machine, or agreeing proves little.
    for (const edge of [
      'closed->open',
      'open->half_open',
      'half_open->closed',
      'half_open->open',
      'half_open->half_open',
      'closed->forced_open',
    ]) {
      expect(reached, edge).toContain(edge);
    }
    expect(tripsBySuccess, 'trips made by a batch of successes').toBeGreaterThan(0);
  }, 180_000);

  it('agrees on a sequence that trips, probes, fails a probe, backs off and heals', async () => {
    const config: CircuitConfig = {
      failureRateThreshold: 0.5,
      slowCallRateThreshold: 1,
      minimumCalls: 2,
      minimumReplicas: 1,
      window: { type: 'time', windowMs: 200, buckets: 4 },
      openBackoff: { baseMs: 20, maxMs: 100, multiplier: 2, jitter: 0.5 },
      probeLeaseMs: 50,
    };
    const trip: Step = {
      op: 'record',
      replica: 'r1',
      counts: { successes: 1, failures: 3, slowSuccesses: 0, slowFailures: 0 },
      random: 0.9,
    };
    await check(config, [
      trip,
      { op: 'beginProbe', token: 't1' },
      { op: 'wait', ms: 40 },
      { op: 'beginProbe', token: 't1' },
      { op: 'beginProbe', token: 't2' },
      { op: 'endProbe', token: 't1', success: false, random: 0.7 },
      { op: 'wait', ms: 60 },
      { op: 'beginProbe', token: 't2' },
      { op: 'wait', ms: 60 },
      { op: 'beginProbe', token: 't1' },
      { op: 'endProbe', token: 't2', success: true, random: 0.5 },
      { op: 'endProbe', token: 't1', success: true, random: 0.5 },
    ]);
  });

  it('agrees on every operator override and its expiry', async () => {
    const config: CircuitConfig = {
      failureRateThreshold: 0.5,
      slowCallRateThreshold: 0.5,
      minimumCalls: 1,
      minimumReplicas: 2,
      window: { type: 'count', size: 3 },
      openBackoff: { baseMs: 20, maxMs: 100, multiplier: 2, jitter: 0 },
      probeLeaseMs: 50,
    };
    const slow: Step = {
      op: 'record',
      replica: 'r1',
      counts: { successes: 0, failures: 0, slowSuccesses: 2, slowFailures: 0 },
      random: 0.3,
    };
    await check(config, [
      slow,
      {
        op: 'record',
        replica: 'r2',
        counts: { successes: 0, failures: 0, slowSuccesses: 1, slowFailures: 0 },
        random: 0.3,
      },
      { op: 'force', mode: 'closed', forMs: 0 },
      { op: 'force', mode: 'closed', forMs: 0 },
      slow,
      { op: 'force', mode: 'reset', forMs: 0 },
      { op: 'force', mode: 'open', forMs: 30 },
      { op: 'beginProbe', token: 't1' },
      { op: 'wait', ms: 40 },
      { op: 'beginProbe', token: 't1' },
      { op: 'force', mode: 'open', forMs: 0 },
      { op: 'wait', ms: 40 },
      { op: 'beginProbe', token: 't2' },
      { op: 'force', mode: 'closed', forMs: 0 },
      { op: 'force', mode: 'open', forMs: 30 },
      { op: 'force', mode: 'open', forMs: 80 },
      { op: 'force', mode: 'open', forMs: 0 },
      { op: 'force', mode: 'reset', forMs: 0 },
      { op: 'force', mode: 'reset', forMs: 0 },
    ]);
    for (const edge of [
      'closed->open',
      'open->forced_closed',
      'forced_closed->closed',
      'closed->forced_open',
      'forced_open->half_open',
      'half_open->forced_open',
      'forced_closed->forced_open',
      'forced_open->closed',
    ]) {
      expect(reached, edge).toContain(edge);
    }
  });
});
