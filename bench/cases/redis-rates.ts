/**
 * Redis commands against the call rate and against replicas × breakers, for
 * breakerbox and for the naive design (bench/lib/naive-breaker.ts: GET before
 * and INCR after every call). One process plays `replicas` replicas, each its
 * own box (or naive client) with its own connections, calling `breakers`
 * breakers in turn at `perSecond` calls per second per replica (every
 * millisecond, the calls due by then, concurrently) for `durationMs`.
 *
 * Commands are the `INFO commandstats` delta from just before the calls to
 * two flush intervals after the last (breakerbox's last outcomes go out at
 * its next flush); every command a client sent counts (for breakerbox the
 * commands run inside its scripts are left out, as in redis-commands). The
 * figure is commands per second over the calls' span plus one flush interval.
 */
import type { Redis } from 'ioredis';
import type { Breaker, BreakerBox } from '../../src/index.js';
import { param, runCase } from '../lib/case-runner.js';
import type { CaseOutput, CaseParams } from '../lib/protocol.js';
import { NaiveBreaker } from '../lib/naive-breaker.js';
import {
  benchRedis,
  commandCounts,
  commandDelta,
  createRedisBox,
  settleBox,
} from '../lib/redis.js';
import { noop } from '../lib/subjects.js';
import { sleep } from '../lib/timing.js';

const FLUSH_MS = 100;

/** Something with a `call` to drive: a breakerbox breaker or a naive one. */
interface Callable {
  call(fn: () => Promise<void>): Promise<unknown>;
}

interface Drive {
  readonly calls: number;
  readonly errors: number;
  readonly ms: number;
}

/** Every millisecond, the calls due by then at `perSecond`, spread over `targets` in turn. */
async function drive(
  targets: readonly Callable[],
  perSecond: number,
  durationMs: number,
): Promise<Drive> {
  let done = 0;
  let errors = 0;
  let next = 0;
  const start = performance.now();
  for (;;) {
    const elapsed = performance.now() - start;
    if (elapsed >= durationMs) break;
    const due = Math.floor((elapsed * perSecond) / 1_000) + 1;
    const batch: Promise<unknown>[] = [];
    for (; done < due; done++) {
      const target = targets[next];
      next = (next + 1) % targets.length;
      batch.push(
        target.call(noop).catch(() => {
          errors++;
        }),
      );
    }
    await Promise.all(batch);
    await sleep(1);
  }
  return { calls: done, errors, ms: performance.now() - start };
}

/** The replicas' callables, and how to end them. */
interface Fleet {
  readonly replicas: readonly (readonly Callable[])[];
  close(): Promise<void>;
}

function names(breakers: number): string[] {
  return Array.from({ length: breakers }, (_, i) => `dependency-${i}`);
}

async function breakerboxFleet(url: string, replicas: number, breakers: number): Promise<Fleet> {
  const boxes: BreakerBox[] = [];
  const all: Breaker[][] = [];
  for (let r = 0; r < replicas; r++) {
    const box = await createRedisBox(url, {
      namespace: 'rates',
      replicaId: `replica-${r}`,
      flushIntervalMs: FLUSH_MS,
    });
    boxes.push(box);
    all.push(names(breakers).map((name) => box.breaker(name)));
  }
  await Promise.all(boxes.map((box) => settleBox(box, 500)));
  return {
    replicas: all,
    close: async () => {
      await Promise.all(boxes.map((box) => box.close()));
    },
  };
}

function naiveFleet(client: () => Redis, replicas: number, breakers: number): Fleet {
  const clients = Array.from({ length: replicas }, client);
  return {
    replicas: clients.map((redis) => names(breakers).map((name) => new NaiveBreaker(redis, name))),
    close: () => Promise.resolve(),
  };
}

function measure(design: 'breakerbox' | 'naive') {
  return async (params: CaseParams): Promise<CaseOutput> => {
    const replicas = param(params, 'replicas', 4);
    const breakers = param(params, 'breakers', 1);
    const perSecond = param(params, 'perSecond', 1_000);
    const durationMs = param(params, 'durationMs', 3_000);
    const server = await benchRedis();
    const admin = server.client();
    const fleet =
      design === 'breakerbox'
        ? await breakerboxFleet(server.url, replicas, breakers)
        : naiveFleet(() => server.client(), replicas, breakers);
    // Warm-up, then let its outcomes go out.
    await Promise.all(fleet.replicas.map((targets) => drive(targets, perSecond, 500)));
    await sleep(3 * FLUSH_MS);

    const before = await commandCounts(admin);
    const drives = await Promise.all(
      fleet.replicas.map((targets) => drive(targets, perSecond, durationMs)),
    );
    await sleep(2 * FLUSH_MS + 50);
    const after = await commandCounts(admin);
    await fleet.close();

    const delta = commandDelta(before, after);
    // The naive design sends GET, INCR (SET, DEL) itself; breakerbox only runs those in scripts.
    const commands =
      design === 'breakerbox'
        ? delta.client
        : Object.entries(delta.byCommand).reduce(
            (sum, [name, count]) => (name === 'info' ? sum : sum + (count ?? 0)),
            0,
          );
    const calls = drives.reduce((sum, d) => sum + d.calls, 0);
    const errors = drives.reduce((sum, d) => sum + d.errors, 0);
    if (errors > 0) throw new Error(`${errors} of ${calls} calls failed`);
    const seconds = drives.reduce((sum, d) => sum + d.ms, 0) / replicas / 1_000;
    const perSecondAll = commands / (seconds + FLUSH_MS / 1_000);
    return {
      samples: [perSecondAll],
      info: {
        replicas,
        breakers,
        targetPerSecond: perSecond,
        callsPerSecondPerReplica: calls / replicas / seconds,
        calls,
        commands,
        perBreakerPerReplica: perSecondAll / (replicas * breakers),
        commandsPerCall: commands / calls,
      },
    };
  };
}

runCase({ breakerbox: measure('breakerbox'), naive: measure('naive') });
