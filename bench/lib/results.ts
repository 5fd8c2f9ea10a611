import type { BenchCase, BenchGroup } from '../registry.js';
import type { CaseOutput } from './protocol.js';
import type { Stats } from './stats.js';
import { mean, median, summarize } from './stats.js';

/** One case's results over all its processes. */
export interface CaseSummary {
  readonly spec: BenchCase;
  readonly group: BenchGroup;
  /** Statistics of every sample of every process, pooled. */
  readonly stats: Stats;
  /** The figure reported: the pooled median or mean, as the group says. */
  readonly figure: number;
  /** The same figure for each process alone, in the order they ran. */
  readonly perProcess: readonly number[];
  /** Each `info` entry's median over the processes (an entry a case did not report is missing). */
  readonly info: CaseInfo;
}

/** The `info` figures of a case, by name; any may be missing. */
export type CaseInfo = Readonly<Partial<Record<string, number>>>;

/**
 * The results of one run, by case id, with the derived figures the report
 * and the targets use (overhead over a baseline, ratio to it).
 */
export class ResultSet {
  private readonly byId = new Map<string, CaseSummary>();

  /** Pools each case's outputs; cases with no output are left out. */
  constructor(
    private readonly groups: readonly BenchGroup[],
    cases: readonly BenchCase[],
    outputs: ReadonlyMap<string, readonly CaseOutput[]>,
  ) {
    for (const spec of cases) {
      const runs = outputs.get(spec.id) ?? [];
      const group = groups.find((candidate) => candidate.id === spec.group);
      if (runs.length === 0 || group === undefined) continue;
      const aggregate = group.aggregate === 'median' ? median : mean;
      const stats = summarize(runs.flatMap((run) => run.samples));
      this.byId.set(spec.id, {
        spec,
        group,
        stats,
        figure: aggregate(runs.flatMap((run) => run.samples)),
        perProcess: runs.map((run) => aggregate(run.samples)),
        info: mergeInfo(runs),
      });
    }
  }

  /** The summaries of one group's cases, in registry order. */
  inGroup(groupId: string): CaseSummary[] {
    return [...this.byId.values()].filter((summary) => summary.spec.group === groupId);
  }

  /** The summary of case `id`, if it ran. */
  get(id: string): CaseSummary | undefined {
    return this.byId.get(id);
  }

  /** The figure of case `id`, if it ran. */
  figure(id: string): number | undefined {
    return this.byId.get(id)?.figure;
  }

  /** The figure of case `id` minus its group's baseline figure (undefined without a baseline). */
  overBaseline(id: string): number | undefined {
    const baseline = this.baselineOf(id);
    const figure = this.figure(id);
    return baseline === undefined || figure === undefined ? undefined : figure - baseline;
  }

  /** The figure of case `id` divided by its group's baseline figure (undefined without a baseline). */
  ratioToBaseline(id: string): number | undefined {
    const baseline = this.baselineOf(id);
    const figure = this.figure(id);
    return baseline === undefined || figure === undefined ? undefined : figure / baseline;
  }

  private baselineOf(id: string): number | undefined {
    const summary = this.byId.get(id);
    const group = this.groups.find((candidate) => candidate.id === summary?.spec.group);
    const baselineId = group?.baseline?.caseId;
    return baselineId === undefined ? undefined : this.figure(baselineId);
  }
}

function mergeInfo(runs: readonly CaseOutput[]): Record<string, number> {
  const collected = new Map<string, number[]>();
  for (const run of runs) {
    for (const [key, value] of Object.entries(run.info)) {
      collected.set(key, [...(collected.get(key) ?? []), value]);
    }
  }
  return Object.fromEntries([...collected].map(([key, values]) => [key, median(values)]));
}
