/**
 * Idle CPU: create `breakers` breakers (one call each), collect garbage, then
 * measure the process's CPU time while it idles, in one-second slices. What
 * remains is the cost of the breakers' own timers. Needs `--expose-gc`.
 */
import type { Variant } from '../lib/case-runner.js';
import { param, runCase } from '../lib/case-runner.js';
import { measureIdleCpu } from '../lib/cpu.js';
import { collectGarbage } from '../lib/memory.js';
import type { Populate } from '../lib/populations.js';
import { POPULATIONS } from '../lib/populations.js';
import { sleep } from '../lib/timing.js';

function idleCpu(populate: Populate): Variant {
  return async (params) => {
    const breakers = param(params, 'breakers', 10_000);
    const population = await populate(breakers, 'idle');
    collectGarbage();
    await sleep(param(params, 'settleMs', 1_000));
    const idle = await measureIdleCpu(param(params, 'slices', 5), param(params, 'sliceMs', 1_000));
    await population.dispose();
    return {
      samples: idle.slices,
      info: { breakers: population.size, totalPercent: idle.total, wallMs: idle.wallMs },
    };
  };
}

runCase(
  Object.fromEntries(
    Object.entries(POPULATIONS).map(([name, populate]) => [name, idleCpu(populate)]),
  ),
);
