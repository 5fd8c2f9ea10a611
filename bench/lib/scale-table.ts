/**
 * The table of the scale group (bench/cases/scale.ts), built from each case's
 * `info`: per-breaker memory (heap, Redis), commands per second, idle CPU,
 * event-loop delay during the refresh sweep, and the heap retiring returned.
 */
import type { Table } from './format.js';
import { formatNumber } from './format.js';
import type { CaseInfo, CaseSummary } from './results.js';

function cell(info: CaseInfo, key: string, decimals: number, scale = 1): string {
  const value = info[key];
  return value === undefined ? '–' : formatNumber(value * scale, decimals);
}

export function scaleTable(summaries: readonly CaseSummary[]): Table {
  return {
    headers: [
      'case',
      'heap B / breaker',
      'Redis B / breaker active (idle)',
      'records / s / replica active',
      'reads / s / replica active (idle)',
      '**idle CPU % of a core**',
      '**event-loop p99 ms during the sweep** (max)',
      'longest sweep stretch ms',
      'active p99 ms (max)',
      'heap returned by retiring',
    ],
    align: ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    rows: summaries.map(({ spec, info, figure }) => [
      spec.label,
      cell(info, 'heapPerBreaker', 0),
      `${cell(info, 'activeRedisBytesPerBreaker', 0)} (${cell(info, 'idleRedisBytesPerBreaker', 0)})`,
      cell(info, 'activeRecordsPerSecondPerReplica', 0),
      `${cell(info, 'activeReadsPerSecondPerReplica', 0)} (${cell(info, 'idleReadsPerSecondPerReplica', 0)})`,
      `**${formatNumber(figure, 2)}**`,
      `**${cell(info, 'sweepLoopP99Ms', 1)}** (${cell(info, 'sweepLoopMaxMs', 0)})`,
      cell(info, 'longestSweepSliceMs', 1),
      `${cell(info, 'activeLoopP99Ms', 1)} (${cell(info, 'activeLoopMaxMs', 0)})`,
      `${cell(info, 'heapReturnedFraction', 0, 100)}%`,
    ]),
  };
}
