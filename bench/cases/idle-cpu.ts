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
import { processCpuMs } from '../lib/redis.js';
import { sleep } from '../lib/timing.js';

function idleCpu(populate: Populate): Variant {
  return async (params) => {
    const breakers = param(params, 'breakers', 10_000);
    const population = await populate(breakers, 'idle');
    collectGarbage();
    await sleep(param(params, 'settleMs', 1_000));
    const pid = population.serverPid;
    const serverBefore = pid === undefined ? 0 : processCpuMs(pid);
    const idle = await measureIdleCpu(param(params, 'slices', 5), param(params, 'sliceMs', 1_000));
    const server: Record<string, number> =
      pid === undefined
        ? {}
        : { redisServerPercent: ((processCpuMs(pid) - serverBefore) / idle.wallMs) * 100 };
    await population.dispose();
    return {
      samples: idle.slices,
      info: {
        breakers: population.size,
        totalPercent: idle.total,
        wallMs: idle.wallMs,
        maxSlicePercent: Math.max(...idle.slices),
        ...population.info?.(),
        ...server,
      },
    };
  };
}

runCase(
  Object.fromEntries(
    Object.entries(POPULATIONS).map(([name, populate]) => [name, idleCpu(populate)]),
  ),
);
