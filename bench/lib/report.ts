import type { BenchGroup } from '../registry.js';
import type { Target, Verdict } from '../targets.js';
import type { Table } from './format.js';
import { formatNumber, formatRatio, markdownTable } from './format.js';
import type { MachineInfo } from './machine.js';
import type { CaseSummary, ResultSet } from './results.js';
import type { ReportFile, RunStamp } from './sections.js';

/** Everything the report is written from. */
export interface ReportInput {
  readonly machine: MachineInfo;
  /** When the run started. */
  readonly startedAt: Date;
  readonly command: string;
  readonly runtimeMs: number;
  /** The 1-minute load average when the run ended. */
  readonly loadAtEnd: number;
  readonly groups: readonly BenchGroup[];
  readonly results: ResultSet;
  readonly targets: readonly Target[];
}

/**
 * The table of one group: figure, spread (min–max of the pooled rounds), rounds,
 * and, when the group has them, the overhead over and ratio to its baseline
 * and the figure scaled up. Empty when none of its cases ran.
 */
export function renderGroupTable(group: BenchGroup, results: ResultSet): string {
  const summaries = results.inGroup(group.id);
  if (summaries.length === 0) return '';
  const notes = summaries.flatMap((summary) => {
    const note = summary.spec.note;
    return note === undefined ? [] : [`- ${summary.spec.label}: ${note(summary.info)}.`];
  });
  const table = tableOf(group, summaries, results);
  const rendered = markdownTable(table.headers, table.rows, table.align);
  return notes.length === 0 ? rendered : `${rendered}\n\n${notes.join('\n')}`;
}

function tableOf(group: BenchGroup, summaries: readonly CaseSummary[], results: ResultSet): Table {
  if (group.table !== undefined) return group.table(summaries);
  const baseline = group.baseline;
  const scaled = group.scaled;
  const headers = ['case', group.figureHeader, 'min – max', 'rounds'];
  const align: ('l' | 'r')[] = ['l', 'r', 'r', 'r'];
  if (baseline !== undefined) {
    headers.push(`ns over ${baseline.name}`, `x ${baseline.name}`);
    align.push('r', 'r');
  }
  const overheadRatio = baseline === undefined ? undefined : group.overheadRatio;
  const unit = overheadRatio === undefined ? undefined : results.overBaseline(overheadRatio.caseId);
  if (overheadRatio !== undefined) {
    headers.push(`overhead ÷ ${overheadRatio.name}’s`);
    align.push('r');
  }
  if (scaled !== undefined) {
    headers.push(scaled.header);
    align.push('r');
  }
  const d = group.decimals;
  const rows = summaries.map((summary) => {
    const id = summary.spec.id;
    const row = [
      summary.spec.label,
      `**${formatNumber(summary.figure, d)}**`,
      `${formatNumber(summary.stats.min, d)} – ${formatNumber(summary.stats.max, d)}`,
      String(summary.stats.count),
    ];
    if (baseline !== undefined) {
      const over = results.overBaseline(id);
      const ratio = results.ratioToBaseline(id);
      row.push(
        id === baseline.caseId || over === undefined ? '–' : formatNumber(over, d),
        ratio === undefined ? '–' : formatRatio(ratio),
      );
    }
    if (overheadRatio !== undefined) {
      const over = results.overBaseline(id);
      row.push(
        id === baseline?.caseId || over === undefined || unit === undefined || unit <= 0
          ? '–'
          : formatRatio(over / unit),
      );
    }
    if (scaled !== undefined) {
      row.push(formatNumber((summary.figure * scaled.factor) / scaled.divisor, 1));
    }
    return row;
  });
  return { headers, rows, align };
}

/** The targets table: measured, limit, PASS/FAIL. */
export function renderTargets(targets: readonly Target[], results: ResultSet): string {
  const rows = targets.map((target) => {
    const verdict: Verdict = target.evaluate(results);
    const outcome = verdict.pass === undefined ? 'n/a' : verdict.pass ? '**PASS**' : '**FAIL**';
    return [target.title, verdict.measured, verdict.limit, outcome];
  });
  return markdownTable(['target', 'measured', 'limit', 'verdict'], rows, ['l', 'r', 'r', 'l']);
}

/** The tables only (targets, then every group that ran), for the terminal. */
export function renderConsole(input: ReportInput): string {
  const sections = [`Targets\n\n${renderTargets(input.targets, input.results)}`];
  for (const group of input.groups) {
    const table = renderGroupTable(group, input.results);
    if (table === '') continue;
    const extra = group.extra?.(input.results, runStamp(input))?.markdown ?? '';
    sections.push(`${group.title}\n\n${table}${extra === '' ? '' : `\n\n${extra}`}`);
  }
  sections.push(`Runtime ${formatNumber(input.runtimeMs / 1000, 0)} s.`);
  return sections.join('\n\n');
}

/** The stamp every section and plot caption carries: machine, date, load, command. */
export function runStamp(input: ReportInput): RunStamp {
  const { machine } = input;
  return {
    date: input.startedAt.toISOString(),
    machine: `${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}`,
    load: `load ${formatNumber(machine.load1, 2)} → ${formatNumber(input.loadAtEnd, 2)}`,
    command: input.command,
  };
}

/** The files the groups' sections link to (plots), paths relative to docs/. */
export function renderFiles(input: ReportInput): ReportFile[] {
  const stamp = runStamp(input);
  return input.groups.flatMap((group) => group.extra?.(input.results, stamp)?.files ?? []);
}

/** The whole of docs/benchmarks.md. */
export function renderDocument(input: ReportInput): string {
  const stamp = runStamp(input);
  const { machine } = input;
  const peers = Object.entries(machine.peers)
    .filter(([name]) => name !== 'ioredis')
    .map(([name, version]) => `${name} ${version}`)
    .join(', ');
  const lines = [
    '# Benchmarks',
    '',
    `Generated by \`${input.command}\` (bench/run.ts); do not edit by hand, run it again.`,
    '',
    '## Machine and run',
    '',
    `- Date: ${input.startedAt.toISOString()}`,
    `- CPU: ${machine.cpuModel}, ${machine.cores} cores`,
    `- Memory: ${formatNumber(machine.memoryGiB, 1)} GiB; ${machine.kernel}`,
    `- Node: ${machine.node}`,
    `- breakerbox commit: ${machine.commit}; peers: ${peers}`,
    `- Redis cases: redis-server ${machine.redisServer} (one per case process, on a free loopback port), ioredis ${machine.peers.ioredis ?? 'unknown'}`,
    `- Command: \`${input.command}\`; runtime ${formatNumber(input.runtimeMs / 1000, 0)} s`,
    `- Load average (1 min): ${formatNumber(machine.load1, 2)} at start, ${formatNumber(input.loadAtEnd, 2)} at end`,
    '',
    'Every case runs in a fresh Node process, and the cases of all groups run in one',
    'run, interleaved, so that the ratios within this page are comparable. The',
    'machine is noisy: compare figures within one run (ns over the floor, x the',
    'floor), not across runs. It is a shared virtual machine: other jobs ran on its',
    'cores during the run (the load averages above), which inflates and spreads the',
    'figures; the interleaving touches every case alike.',
    '',
    '## Targets',
    '',
    renderTargets(input.targets, input.results),
  ];
  for (const group of input.groups) {
    const table = renderGroupTable(group, input.results);
    if (table === '') continue;
    lines.push('', `## ${group.title}`, '', group.method, '', table);
    const extra = group.extra?.(input.results, stamp);
    if (extra !== undefined && extra.markdown !== '') lines.push('', extra.markdown);
    lines.push(
      '',
      `<sub>Measured ${stamp.date} on ${stamp.machine}, ${stamp.load}; \`${input.command}\` (this section alone: \`${input.command} -- --group ${group.id}\`, which writes nothing).</sub>`,
    );
  }
  return `${lines.join('\n')}\n`;
}
