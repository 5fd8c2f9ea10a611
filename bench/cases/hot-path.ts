/**
 * Hot path: the cost of one successful call through a closed breaker around
 * `async () => {}`, against a plain `await fn()`. One variant per process.
 * The loop never yields to the event loop unless `yieldEvery` says (so timers,
 * such as the Redis store's flush, run only in the `-yielding` variants).
 */
import type { Variant } from '../lib/case-runner.js';
import { param, runCase } from '../lib/case-runner.js';
import type { CaseOutput, CaseParams } from '../lib/protocol.js';
import { benchRedis, createRedisBox } from '../lib/redis.js';
import {
  cockatielConsecutive,
  cockatielSampling,
  createBox,
  noop,
  opossum,
} from '../lib/subjects.js';
import type { LoopOptions, TimedBody } from '../lib/timing.js';
import { timeCalls } from '../lib/timing.js';
import { Registry } from 'prom-client';
import { registerBreakerboxMetrics } from '../../src/index.js';
import { clockedFloorCall, floorCall, floorCounts, windowedFloorCall } from '../lib/floors.js';
import { NaiveBreaker } from '../lib/naive-breaker.js';

/** CPU time (the loops never wait on another process), but wall time when `wallClock` is 1. */
function loopOptions(params: CaseParams): LoopOptions {
  return {
    calls: param(params, 'calls', 1_000_000),
    rounds: param(params, 'rounds', 5),
    warmupCalls: param(params, 'warmupCalls', 200_000),
    yieldEvery: param(params, 'yieldEvery', 0),
    clock: param(params, 'wallClock', 0) === 1 ? 'wall' : 'cpu',
  };
}

async function time(body: TimedBody, params: CaseParams): Promise<CaseOutput> {
  return { samples: await timeCalls(body, loopOptions(params)), info: {} };
}

/** Like {@link noop}, but declares the signal: a timed call then builds an AbortSignal of its own. */
const takesSignal = (signal: AbortSignal): Promise<void> =>
  signal.aborted ? Promise.reject(new Error('aborted')) : noop();

function breakerbox(
  timeoutMs: number | undefined,
  store: 'memory' | 'redis' = 'memory',
  fn: (signal: AbortSignal) => Promise<void> = noop,
): Variant {
  return async (params) => {
    const box =
      store === 'memory' ? await createBox() : await createRedisBox((await benchRedis()).url);
    const breaker = box.breaker('dependency', timeoutMs === undefined ? undefined : { timeoutMs });
    const output = await time(() => breaker.call(fn), params);
    if (breaker.state !== 'closed') throw new Error(`breaker ended ${breaker.state}`);
    if (store === 'redis' && box.mode !== 'shared') throw new Error(`box ended ${box.mode}`);
    await box.close();
    return output;
  };
}

/**
 * The default breaker with its metrics registered (read at scrape time) and no
 * call listener; one scrape after the rounds checks that they counted every call.
 */
function withMetrics(store: 'memory' | 'redis'): Variant {
  return async (params) => {
    const box =
      store === 'memory' ? await createBox() : await createRedisBox((await benchRedis()).url);
    const registry = new Registry();
    registerBreakerboxMetrics(box, { registry });
    const breaker = box.breaker('dependency');
    const fn = noop;
    const output = await time(() => breaker.call(fn), params);
    const scraped = await registry.getSingleMetricAsString('breakerbox_calls_total');
    if (!scraped.includes('outcome="success"')) throw new Error(`no success counted: ${scraped}`);
    if (store === 'redis' && box.mode !== 'shared') throw new Error(`box ended ${box.mode}`);
    await box.close();
    return output;
  };
}

/** A floor of the closed path (bench/lib/floors.ts); checks that it counted every call. */
function floor(wrap: (fn: () => Promise<void>) => Promise<void>): Variant {
  return async (params) => {
    const fn = noop;
    const output = await time(() => wrap(fn), params);
    const expected = loopOptions(params);
    const calls = expected.warmupCalls + expected.calls * expected.rounds;
    if (floorCounts.successes !== calls) {
      throw new Error(`the floor counted ${floorCounts.successes} of ${calls} calls`);
    }
    return output;
  };
}

/** The naive design (bench/lib/naive-breaker.ts): GET before and INCR after every call. */
const naive: Variant = async (params) => {
  const server = await benchRedis();
  const breaker = new NaiveBreaker(server.client(), 'dependency');
  const fn = noop;
  return time(() => breaker.call(fn), params);
};

/** The default breaker with one `success` listener: what per-call events cost once used. */
const withListener: Variant = async (params) => {
  const box = await createBox();
  const breaker = box.breaker('dependency');
  let seen = 0;
  breaker.on('success', () => {
    seen++;
  });
  const fn = noop;
  const output = await time(() => breaker.call(fn), params);
  await box.close();
  return { samples: output.samples, info: { ...output.info, seen } };
};

runCase({
  floor: floor(floorCall),
  'floor-clock': floor(clockedFloorCall),
  'floor-window': floor(windowedFloorCall),
  'naive-redis': naive,
  'breakerbox-metrics': withMetrics('memory'),
  'breakerbox-redis-metrics': withMetrics('redis'),
  'breakerbox-listener': withListener,
  plain: (params) => {
    const fn = noop;
    return time(() => fn(), params);
  },
  'breakerbox-default': breakerbox(undefined),
  'breakerbox-timeout': breakerbox(1_000),
  'breakerbox-timeout-signal': breakerbox(1_000, 'memory', takesSignal),
  'breakerbox-redis': breakerbox(undefined, 'redis'),
  'breakerbox-default-yielding': breakerbox(undefined),
  'breakerbox-redis-yielding': breakerbox(undefined, 'redis'),
  'cockatiel-consecutive': (params) => {
    const policy = cockatielConsecutive();
    const fn = noop;
    return time(() => policy.execute(fn), params);
  },
  'cockatiel-sampling': (params) => {
    const policy = cockatielSampling();
    const fn = noop;
    return time(() => policy.execute(fn), params);
  },
  'opossum-defaults': async (params) => {
    const breaker = opossum();
    const output = await time(() => breaker.fire(), params);
    breaker.shutdown();
    return output;
  },
  'opossum-no-timeout': async (params) => {
    const breaker = opossum({ timeout: false });
    const output = await time(() => breaker.fire(), params);
    breaker.shutdown();
    return output;
  },
});
