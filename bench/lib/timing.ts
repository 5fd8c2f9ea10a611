/** How many calls a timed loop makes. */
export interface LoopOptions {
  /** Calls per timed round. */
  readonly calls: number;
  /** Timed rounds; each gives one sample. */
  readonly rounds: number;
  /** Untimed calls first, so that the code under test is optimised. */
  readonly warmupCalls: number;
}

/** A call under test: one sequential, awaited invocation per iteration. */
export type TimedBody = () => Promise<unknown>;

/**
 * Times `body` awaited `calls` times in a row, `rounds` times after a warm-up,
 * and returns the nanoseconds per call of each round. Every hot-path case goes
 * through this same loop, so the loop's own cost is in the plain-call floor too.
 * @throws whatever `body` throws (a hot-path call is expected to succeed)
 */
export async function timeCalls(body: TimedBody, options: LoopOptions): Promise<number[]> {
  await callLoop(body, options.warmupCalls);
  const samples: number[] = [];
  for (let round = 0; round < options.rounds; round++) {
    const start = process.hrtime.bigint();
    await callLoop(body, options.calls);
    samples.push(Number(process.hrtime.bigint() - start) / options.calls);
  }
  return samples;
}

/**
 * Like {@link timeCalls}, for calls that are expected to reject: each rejection
 * is caught in the loop. Returns the nanoseconds per rejected call of each round.
 * @throws Error when a call resolves instead of rejecting
 */
export async function timeRejections(body: TimedBody, options: LoopOptions): Promise<number[]> {
  await rejectionLoop(body, options.warmupCalls);
  const samples: number[] = [];
  for (let round = 0; round < options.rounds; round++) {
    const start = process.hrtime.bigint();
    await rejectionLoop(body, options.calls);
    samples.push(Number(process.hrtime.bigint() - start) / options.calls);
  }
  return samples;
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function callLoop(body: TimedBody, calls: number): Promise<void> {
  for (let i = 0; i < calls; i++) await body();
}

async function rejectionLoop(body: TimedBody, calls: number): Promise<void> {
  let rejected = 0;
  for (let i = 0; i < calls; i++) {
    try {
      await body();
    } catch {
      rejected++;
    }
  }
  if (rejected !== calls) throw new Error(`expected ${calls} rejections, got ${rejected}`);
}
