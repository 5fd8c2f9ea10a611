import { sleep } from './timing.js';

/** CPU used by this process while it idled. */
export interface IdleCpu {
  /** Percent of one core in each slice. */
  readonly slices: readonly number[];
  /** Percent of one core over the whole measurement. */
  readonly total: number;
  /** Wall-clock milliseconds measured. */
  readonly wallMs: number;
}

/**
 * Measures this process's CPU time (user + system, `process.cpuUsage()`) while
 * it does nothing but run its timers, in `slices` slices of `sliceMs`.
 */
export async function measureIdleCpu(slices: number, sliceMs: number): Promise<IdleCpu> {
  const percents: number[] = [];
  let cpuMicros = 0;
  let wallNanos = 0;
  for (let slice = 0; slice < slices; slice++) {
    const cpuStart = process.cpuUsage();
    const wallStart = process.hrtime.bigint();
    await sleep(sliceMs);
    const used = process.cpuUsage(cpuStart);
    const wall = Number(process.hrtime.bigint() - wallStart);
    const micros = used.user + used.system;
    percents.push(((micros * 1_000) / wall) * 100);
    cpuMicros += micros;
    wallNanos += wall;
  }
  return {
    slices: percents,
    total: ((cpuMicros * 1_000) / wallNanos) * 100,
    wallMs: wallNanos / 1e6,
  };
}
