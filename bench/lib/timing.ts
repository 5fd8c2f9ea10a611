/** How many calls a timed loop makes. */
export interface LoopOptions {
  /** Calls per timed round. */
  readonly calls: number;
  /** Timed rounds; each gives one sample. */
  readonly rounds: number;
  /** Untimed calls first, so that the code under test is optimised. */
  readonly warmupCalls: number;
  /**
   * 0: the calls run back to back, in microtasks, and nothing else runs
   * meanwhile (no timer, no I/O). n: a turn of the event loop after every n
   * calls, as in a server, so that timers and I/O run during the round.
   */
  readonly yieldEvery?: number;
  /**
   * `wall` (default): elapsed time. `cpu`: this process's CPU time (user +
   * system), which leaves out the time other processes of a shared machine
   * held the core; right for a loop that never waits (no I/O, no timer), wrong
   * for one that waits on another process (it would leave the wait out).
   */
  readonly clock?: 'wall' | 'cpu';
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
  const yieldEvery = options.yieldEvery ?? 0;
  const loop = (calls: number): Promise<void> =>
    yieldEvery === 0 ? callLoop(body, calls) : yieldingLoop(body, calls, yieldEvery);
  await loop(options.warmupCalls);
  const samples: number[] = [];
  for (let round = 0; round < options.rounds; round++) {
    const stop = startRound(options.clock ?? 'wall');
    await loop(options.calls);
    samples.push(stop() / options.calls);
  }
  return samples;
}

/** Starts timing a round on `clock`; the function returned gives the nanoseconds since. */
function startRound(clock: 'wall' | 'cpu'): () => number {
  if (clock === 'cpu') {
    const start = process.cpuUsage();
    return () => {
      const used = process.cpuUsage(start);
      return (used.user + used.system) * 1_000;
    };
  }
  const start = process.hrtime.bigint();
  return () => Number(process.hrtime.bigint() - start);
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
    const stop = startRound(options.clock ?? 'wall');
    await rejectionLoop(body, options.calls);
    samples.push(stop() / options.calls);
  }
  return samples;
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves on the next turn of the event loop (after I/O and timers had their turn). */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Milliseconds since the Unix epoch on a clock every process of the machine
 * shares (`performance.timeOrigin + performance.now()`, sub-microsecond
 * resolution): stamps taken in different processes can be subtracted.
 */
export function commonNow(): number {
  return performance.timeOrigin + performance.now();
}

/** Resolves once {@link commonNow} has reached `at` (a timer, then a short spin of at most 1 ms). */
export async function sleepUntil(at: number): Promise<void> {
  const early = at - commonNow() - 1;
  if (early > 0) await sleep(early);
  while (commonNow() < at) await nextTurn();
}

async function callLoop(body: TimedBody, calls: number): Promise<void> {
  for (let i = 0; i < calls; i++) await body();
}

async function yieldingLoop(body: TimedBody, calls: number, every: number): Promise<void> {
  for (let i = 0; i < calls; i++) {
    await body();
    if ((i + 1) % every === 0) await nextTurn();
  }
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
