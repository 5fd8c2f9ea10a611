/**
 * Collects garbage until the heap stops shrinking (at most 5 passes).
 * @throws Error when the process was not started with `--expose-gc`
 */
export function collectGarbage(): void {
  const gc = globalThis.gc;
  if (gc === undefined) throw new Error('run this case with --expose-gc');
  let previous = Number.POSITIVE_INFINITY;
  for (let pass = 0; pass < 5; pass++) {
    gc();
    const used = process.memoryUsage().heapUsed;
    if (used >= previous) return;
    previous = used;
  }
}

/** Bytes of V8 heap in use after a full collection. */
export function settledHeapUsed(): number {
  collectGarbage();
  return process.memoryUsage().heapUsed;
}
