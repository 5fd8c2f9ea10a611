/**
 * Heap per idle breaker: create `breakers` breakers with distinct names, each
 * serving one call, and divide the settled heap growth by their number. Each
 * round builds a fresh set (and a fresh box) and disposes of it afterwards.
 * Needs `--expose-gc`.
 */
import type { Variant } from '../lib/case-runner.js';
import { param, runCase } from '../lib/case-runner.js';
import { settledHeapUsed } from '../lib/memory.js';
import type { Populate, Population } from '../lib/populations.js';
import { POPULATIONS } from '../lib/populations.js';
import { sleep } from '../lib/timing.js';

const DISPOSE_SETTLE_MS = 200;

function heapPerBreaker(populate: Populate): Variant {
  return async (params) => {
    const breakers = param(params, 'breakers', 10_000);
    const rounds = param(params, 'rounds', 5);
    const warm = await populate(param(params, 'warmupBreakers', 200), 'warm');
    await warm.dispose();
    await sleep(DISPOSE_SETTLE_MS);
    const samples: number[] = [];
    const deltas: number[] = [];
    const settled: Record<string, number[]> = {};
    // Declared outside the loop and cleared after each round: an async function keeps its
    // locals in its context, and the previous round's set must not be alive at `before`.
    let population: Population | undefined;
    for (let round = 0; round < rounds; round++) {
      const before = settledHeapUsed();
      population = await populate(breakers, `round${round}`);
      const delta = settledHeapUsed() - before;
      for (const [key, value] of Object.entries(population.info?.() ?? {})) {
        (settled[key] ??= []).push(value);
      }
      await population.dispose();
      population = undefined;
      // A closed Redis-store box stays reachable through its connections until
      // their sockets have closed: let the event loop run before the next `before`.
      await sleep(DISPOSE_SETTLE_MS);
      deltas.push(delta);
      samples.push(delta / breakers);
    }
    // A population's own figures (how a Redis-store box settled): the worst round's.
    const worst = Object.fromEntries(
      Object.entries(settled).map(([key, values]) => [key, Math.max(...values)]),
    );
    return { samples, info: { breakers, maxHeapDeltaBytes: Math.max(...deltas), ...worst } };
  };
}

runCase(
  Object.fromEntries(
    Object.entries(POPULATIONS).map(([name, populate]) => [name, heapPerBreaker(populate)]),
  ),
);
