/**
 * Open path: the cost of a call refused by an open breaker, caught by the
 * caller, against an async function that throws a preallocated error.
 */
import { param, runCase } from '../lib/case-runner.js';
import type { CaseOutput, CaseParams } from '../lib/protocol.js';
import { cockatielConsecutive, createBox, noop, opossum } from '../lib/subjects.js';
import type { TimedBody } from '../lib/timing.js';
import { timeRejections } from '../lib/timing.js';

async function time(body: TimedBody, params: CaseParams): Promise<CaseOutput> {
  const samples = await timeRejections(body, {
    calls: param(params, 'calls', 1_000_000),
    rounds: param(params, 'rounds', 5),
    warmupCalls: param(params, 'warmupCalls', 200_000),
    // The loop never waits on another process: CPU time leaves out other jobs of a shared machine.
    clock: 'cpu',
  });
  return { samples, info: {} };
}

runCase({
  floor: (params) => {
    const error = new Error('refused');
    // eslint-disable-next-line @typescript-eslint/require-await -- an async function that rejects
    const fn = async (): Promise<void> => {
      throw error;
    };
    return time(() => fn(), params);
  },
  'floor-deferred': (params) => {
    const error = new Error('refused');
    const fn = async (): Promise<void> => {
      await Promise.resolve();
      throw error;
    };
    return time(() => fn(), params);
  },
  breakerbox: async (params) => {
    const box = await createBox();
    const breaker = box.breaker('dependency');
    await breaker.forceOpen();
    const fn = noop;
    const output = await time(() => breaker.call(fn), params);
    await box.close();
    return output;
  },
  'cockatiel-consecutive': async (params) => {
    const policy = cockatielConsecutive();
    const isolation = policy.isolate();
    const fn = noop;
    const output = await time(() => policy.execute(fn), params);
    isolation.dispose();
    return output;
  },
  opossum: async (params) => {
    const breaker = opossum();
    breaker.open();
    const output = await time(() => breaker.fire(), params);
    breaker.shutdown();
    return output;
  },
});
