/**
 * Redis flaps for 10 s under load: every 500 ms it is paused or resumed,
 * killed or restarted empty, in turn. The replicas must not crash, must have no
 * unhandled rejection or uncaught exception, must keep memory and timers flat,
 * and must converge (shared mode, one state and epoch per breaker) within 2 s
 * after the flapping stops.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, stopAllRedis, waitUntil } from '../harness/index.js';
import type { RedisProcess } from '../harness/index.js';
import {
  fleetDiagnostics,
  startFleet,
  stopAllReplicas,
  waitForState,
} from '../integration/replica/fleet.js';
import type { Replica } from '../integration/replica/fleet.js';
import type { BreakerSnapshot } from '../../src/index.js';
import type { ProcessHealth } from '../integration/replica/protocol.js';
import {
  breakerStats,
  expectUnhurt,
  GO_LOCAL_TIMEOUT_MS,
  loadStats,
  LONG_OPEN,
  readRecord,
  RECOVER_TIMEOUT_MS,
  replicaConfig,
  startLoad,
  waitForMode,
} from './fault-fleet.js';

const NAMESPACE = 'fflap';
const BREAKERS = { steady: LONG_OPEN, forced: LONG_OPEN };
const LOADED = ['steady', 'forced'];
const FLAP_EVERY_MS = 500;
const FLAP_FOR_MS = 10_000;
/** The bound: converged within 2 s after the flapping stops. */
const CONVERGE_MS = 2_000;
/** Heap growth tolerated across the flapping (after a full GC on both sides). */
const HEAP_SLACK_BYTES = 3 * 1024 * 1024;
/** Live timers tolerated above the baseline (a load-loop sleep, a command in flight…). */
const TIMER_SLACK = 4;

let server: RedisProcess;
let redis: Redis;
let fleet: Replica[];

beforeAll(async () => {
  server = await startRedis();
  redis = server.client();
  fleet = await startFleet(
    ['replica-a', 'replica-b', 'replica-c'].map((id) =>
      replicaConfig(server.url, NAMESPACE, id, BREAKERS, { trackTimers: true }),
    ),
  );
}, 60_000);

afterAll(async () => {
  if (server.isRunning && server.isPaused) server.resume();
  await Promise.allSettled(fleet.map((replica) => replica.stop()));
  await stopAllReplicas();
  await stopAllRedis();
});

/** How many active resources of `type` (0 when none). */
function countOf(resources: Readonly<Record<string, number>>, type: string): number {
  return type in resources ? resources[type] : 0;
}

/** Every replica's process health. */
function health(): Promise<ProcessHealth[]> {
  return Promise.all(fleet.map((replica) => replica.send({ type: 'health' })));
}

/** One outage and recovery, so that every code path has run (and allocated) once before the baseline. */
async function warmUp(): Promise<void> {
  await server.kill();
  await waitForMode(fleet, 'local', GO_LOCAL_TIMEOUT_MS);
  await server.restart();
  await waitForMode(fleet, 'shared', RECOVER_TIMEOUT_MS);
  server.pause();
  await waitForMode(fleet, 'local', GO_LOCAL_TIMEOUT_MS);
  server.resume();
  await waitForMode(fleet, 'shared', RECOVER_TIMEOUT_MS);
  await sleep(500);
}

/**
 * Pause, resume, kill, restart empty, … every FLAP_EVERY_MS: ending with the
 * hardest recovery (reconnect with backoff, every record rebuilt).
 */
async function flap(): Promise<number> {
  const steps: (() => Promise<void>)[] = [
    () => {
      server.pause();
      return Promise.resolve();
    },
    () => {
      server.resume();
      return Promise.resolve();
    },
    () => server.kill(),
    () => server.restart(),
  ];
  const startedAt = Date.now();
  let toggles = 0;
  for (let at = 0; at < FLAP_FOR_MS; at += FLAP_EVERY_MS) {
    await sleep(Math.max(0, startedAt + at - Date.now()));
    await steps[toggles % steps.length]();
    toggles++;
  }
  return toggles;
}

/** Every replica's snapshot of `breaker`, once they all agree with each other and with Redis. */
async function waitForAgreement(breaker: string, timeoutMs: number): Promise<BreakerSnapshot> {
  let last: BreakerSnapshot[] = [];
  let record: Record<string, string> = {};
  return waitUntil(
    async () => {
      last = await Promise.all(fleet.map((replica) => replica.send({ type: 'snapshot', breaker })));
      record = await readRecord(redis, NAMESPACE, breaker);
      const first = last[0];
      const agreed =
        last.length > 0 &&
        last.every(
          (seen) =>
            seen.mode === 'shared' &&
            seen.circuitState === first.circuitState &&
            seen.epoch === first.epoch,
        ) &&
        record.st === first.circuitState &&
        Number(record.ep) === first.epoch;
      return agreed ? first : undefined;
    },
    {
      timeoutMs,
      intervalMs: 25,
      description: `every replica to agree on ${breaker} with Redis`,
      details: () =>
        `replicas: ${JSON.stringify(last.map(({ circuitState, epoch, mode }) => ({ circuitState, epoch, mode })))}\nredis: ${JSON.stringify(record)}\n${fleetDiagnostics(fleet)}`,
    },
  );
}

describe('Redis flapping every 500 ms for 10 s under load', () => {
  it('no crash, no unhandled rejection, flat memory and timers, converged within 2 s', async () => {
    await fleet[0]?.send({ type: 'force', breaker: 'forced', mode: 'open', forMs: 120_000 });
    await waitForState(fleet, 'forced', 'open');
    await startLoad(fleet, LOADED);
    await warmUp();
    const baseline = await health();
    await loadStats(fleet, true);

    const toggles = await flap();
    expect(toggles).toBe(FLAP_FOR_MS / FLAP_EVERY_MS);
    const stoppedAt = Date.now();
    await waitForMode(fleet, 'shared', CONVERGE_MS);
    const steady = await waitForAgreement(
      'steady',
      Math.max(1, stoppedAt + CONVERGE_MS - Date.now()),
    );
    const forced = await waitForAgreement(
      'forced',
      Math.max(1, stoppedAt + CONVERGE_MS - Date.now()),
    );
    expect(steady.circuitState).toBe('closed');
    // Forced open before the flapping; Redis lost it five times; the replicas rebuilt it each time.
    expect(forced.circuitState).toBe('forced_open');

    const stats = await loadStats(fleet, true);
    stats.forEach((phase, i) => {
      expectUnhurt(
        phase,
        { breakers: LOADED, healthy: ['steady'], minCalls: 500 },
        `replica ${fleet[i].id} while Redis flapped`,
      );
      const forcedCalls = breakerStats(phase, 'forced', fleet[i].id);
      expect(forcedCalls.byState).toEqual({ forced_open: forcedCalls.calls });
    });

    await sleep(500);
    const after = await health();
    fleet.forEach((replica, i) => {
      const was = baseline[i];
      const now = after[i];
      expect(replica.isAlive, replica.id).toBe(true);
      expect(now.crashes, replica.id).toEqual([]);
      expect(now.unhandledRejections, replica.id).toBe(0);
      expect(now.uncaughtExceptions, replica.id).toBe(0);
      const heap = `${replica.id} heap ${was.heapUsedBytes} -> ${now.heapUsedBytes}`;
      expect(now.heapUsedBytes, heap).toBeLessThan(was.heapUsedBytes + HEAP_SLACK_BYTES);
      const timers = `${replica.id} timers ${was.timers} -> ${now.timers}`;
      expect(was.timers, timers).toBeGreaterThan(0);
      expect(now.timers, timers).toBeLessThanOrEqual(was.timers + TIMER_SLACK);
      const handles = `${replica.id} resources ${JSON.stringify(was.resources)} -> ${JSON.stringify(now.resources)}`;
      expect(countOf(now.resources, 'TCPSocketWrap'), handles).toBeLessThanOrEqual(
        countOf(was.resources, 'TCPSocketWrap'),
      );
      expect(countOf(now.resources, 'Timeout'), handles).toBeLessThanOrEqual(
        countOf(was.resources, 'Timeout') + TIMER_SLACK,
      );
    });
  });
});
