/**
 * Every benchmark group and case. To add a case: give it a unique `id`, the
 * `group` it belongs to, the case `file` (under bench/) and the `variant` that
 * file runs; the orchestrator spawns one fresh process per case and pass.
 * To add a group: add its id to {@link GroupId} and an entry to {@link GROUPS}.
 */
import type { CaseParams } from './lib/protocol.js';

/** The groups of the report, in order. */
export type GroupId = 'hot-path' | 'open-path' | 'heap' | 'idle-cpu';

/** How a group's cases are summarised and shown. */
export interface BenchGroup {
  readonly id: GroupId;
  readonly title: string;
  /** How the cases are measured, one paragraph for the report. */
  readonly method: string;
  /** The header of the figure column (with its unit). */
  readonly figureHeader: string;
  /** How a case's samples (pooled over its processes) become its figure. */
  readonly aggregate: 'median' | 'mean';
  /** Decimals of the figure, its spread and derived columns. */
  readonly decimals: number;
  /** When set, each case is also shown as `over` and `x` this case. */
  readonly baseline?: { readonly caseId: string; readonly name: string };
  /** When set, the figure is also shown multiplied by `factor` (e.g. per 10,000 breakers). */
  readonly scaled?: { readonly header: string; readonly factor: number; readonly divisor: number };
}

/** One benchmark case: one variant of one case file, run in fresh processes. */
export interface BenchCase {
  /** Unique, stable id (`group/variant`); targets refer to it. */
  readonly id: string;
  readonly group: GroupId;
  /** The row label in the report. */
  readonly label: string;
  /** The case file, relative to bench/. */
  readonly file: string;
  /** The variant the case file runs. */
  readonly variant: string;
  /** Numeric knobs passed to the case (calls, rounds, breakers...). */
  readonly params: CaseParams;
  /** Extra node flags (e.g. `--expose-gc`). */
  readonly nodeFlags: readonly string[];
  /** Fresh processes to run, interleaved with the other cases (one per pass). */
  readonly processes: number;
  /** The process is killed after this long. */
  readonly timeoutMs: number;
}

/** Every group, in report order. */
export const GROUPS: readonly BenchGroup[] = [
  {
    id: 'hot-path',
    title: 'Closed path: one successful call around `async () => {}`',
    method:
      'Each case awaits the call in a sequential loop: a warm-up of 200,000 calls, then 5 timed rounds of 1,000,000 calls (`timeoutMs`, over 1 µs a call: 50,000, then 5 × 200,000), in 3 fresh processes interleaved with the other cases. The figure is the median of the 15 rounds; `ns over plain` subtracts the plain `await fn()` floor measured in the same run.',
    figureHeader: 'ns/call',
    aggregate: 'median',
    decimals: 0,
    baseline: { caseId: 'hot-path/plain', name: 'plain' },
  },
  {
    id: 'open-path',
    title: 'Open path: a refused call, caught by the caller',
    method:
      'The breaker is forced open (cockatiel: `isolate()`, opossum: `open()`), then each call is awaited in a sequential loop and its rejection caught; a call that resolves fails the case. A warm-up of 50,000 calls, then 5 timed rounds of 200,000 calls, in 3 fresh processes. The two floors are async functions that throw one preallocated error: at once, or after one `await`.',
    figureHeader: 'ns per rejected call',
    aggregate: 'median',
    decimals: 0,
    baseline: { caseId: 'open-path/floor', name: 'floor' },
  },
  {
    id: 'heap',
    title: 'Heap per idle breaker',
    method:
      'Each round creates 10,000 breakers with distinct names (held by name: breakerbox in its box, the others in a `Map`), each having served one call, and divides the growth of `heapUsed` between two full collections (`--expose-gc`) by 10,000. 5 rounds in one fresh process; each round builds a fresh set and drops the previous one. breakerbox is loaded from src/ through tsx (esbuild with `keepNames`), whose `__name` wrapper gives the function each breaker creates a property dictionary that a tsc build does not have: expect the published build to be a few hundred bytes per breaker lighter.',
    figureHeader: 'bytes per breaker',
    aggregate: 'median',
    decimals: 0,
    scaled: { header: 'MB per 10,000', factor: 10_000, divisor: 1_048_576 },
  },
  {
    id: 'idle-cpu',
    title: 'Idle CPU of 10,000 breakers',
    method:
      'Creates 10,000 breakers (one call each), collects garbage, waits 1 s for the collector’s background work to end, then reads `process.cpuUsage()` (user + system) over 5 s of idling in 1-s slices. The figure is the CPU time over the 5 s as a percentage of one core; `no breakers` is the same process with none (the floor of an idle Node process).',
    figureHeader: '% of one core',
    aggregate: 'mean',
    decimals: 3,
  },
];

const HOT = { calls: 1_000_000, rounds: 5, warmupCalls: 200_000 };
/** For cases of a microsecond or more per call, to keep the run short. */
const SLOW = { calls: 200_000, rounds: 5, warmupCalls: 50_000 };
const HEAP = { breakers: 10_000, rounds: 5, warmupBreakers: 200 };
const IDLE = { breakers: 10_000, slices: 5, sliceMs: 1_000, settleMs: 1_000 };

function hotPath(variant: string, label: string, params: CaseParams = HOT): BenchCase {
  return {
    id: `hot-path/${variant}`,
    group: 'hot-path',
    label,
    file: 'cases/hot-path.ts',
    variant,
    params,
    nodeFlags: [],
    processes: 3,
    timeoutMs: 90_000,
  };
}

function openPath(variant: string, label: string, params: CaseParams = SLOW): BenchCase {
  return {
    id: `open-path/${variant}`,
    group: 'open-path',
    label,
    file: 'cases/open-path.ts',
    variant,
    params,
    nodeFlags: [],
    processes: 3,
    timeoutMs: 90_000,
  };
}

function heap(variant: string, label: string): BenchCase {
  return {
    id: `heap/${variant}`,
    group: 'heap',
    label,
    file: 'cases/heap.ts',
    variant,
    params: HEAP,
    nodeFlags: ['--expose-gc'],
    processes: 1,
    timeoutMs: 120_000,
  };
}

function idleCpu(variant: string, label: string): BenchCase {
  return {
    id: `idle-cpu/${variant}`,
    group: 'idle-cpu',
    label,
    file: 'cases/idle-cpu.ts',
    variant,
    params: IDLE,
    nodeFlags: ['--expose-gc'],
    processes: 1,
    timeoutMs: 60_000,
  };
}

/** Every case, in report order within its group. */
export const CASES: readonly BenchCase[] = [
  hotPath('plain', 'plain `await fn()` (the floor)'),
  hotPath('breakerbox-default', 'breakerbox, default options'),
  hotPath('breakerbox-timeout', 'breakerbox, `timeoutMs: 1000`', SLOW),
  hotPath('cockatiel-consecutive', 'cockatiel ConsecutiveBreaker(5)'),
  hotPath('cockatiel-sampling', 'cockatiel SamplingBreaker(0.5, 10 s)'),
  hotPath('opossum-no-timeout', 'opossum `{ timeout: false }`'),
  hotPath('opossum-defaults', 'opossum defaults'),
  openPath('floor', 'floor: async fn throwing a preallocated error'),
  openPath('floor-deferred', 'floor: the same, after one `await`'),
  openPath('breakerbox', 'breakerbox, `forceOpen()`'),
  openPath('cockatiel-consecutive', 'cockatiel ConsecutiveBreaker, `isolate()`'),
  openPath('opossum', 'opossum, `open()`'),
  heap('breakerbox', 'breakerbox'),
  heap('cockatiel-consecutive', 'cockatiel ConsecutiveBreaker'),
  heap('cockatiel-sampling', 'cockatiel SamplingBreaker'),
  heap('opossum', 'opossum defaults'),
  idleCpu('none', 'no breakers (the floor)'),
  idleCpu('breakerbox', 'breakerbox'),
  idleCpu('cockatiel-consecutive', 'cockatiel ConsecutiveBreaker'),
  idleCpu('opossum', 'opossum defaults'),
];

/**
 * Checks the registry: unique case ids, known groups, baselines that exist in their group.
 * @throws Error naming the first inconsistency
 */
export function validateRegistry(groups: readonly BenchGroup[], cases: readonly BenchCase[]): void {
  const ids = new Set<string>();
  for (const spec of cases) {
    if (ids.has(spec.id)) throw new Error(`duplicate case id ${spec.id}`);
    ids.add(spec.id);
    if (!groups.some((group) => group.id === spec.group)) {
      throw new Error(`case ${spec.id} has unknown group ${spec.group}`);
    }
    if (spec.processes < 1) throw new Error(`case ${spec.id} needs at least one process`);
  }
  for (const group of groups) {
    const baseline = group.baseline?.caseId;
    if (
      baseline !== undefined &&
      !cases.some((spec) => spec.id === baseline && spec.group === group.id)
    ) {
      throw new Error(`group ${group.id} has baseline ${baseline}, which is not one of its cases`);
    }
  }
}
