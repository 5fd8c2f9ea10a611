/**
 * The table of the Redis Cluster pub/sub group (plain PUBLISH vs sharded
 * SPUBLISH), built from each case's `info`.
 */
import type { Table } from './format.js';
import { formatNumber } from './format.js';
import type { CaseInfo, CaseSummary } from './results.js';

function cell(info: CaseInfo, key: string, decimals: number): string {
  const value = info[key];
  return value === undefined ? '–' : formatNumber(value, decimals);
}

/** Latency to the last of the subscribers, and what one message costs the cluster. */
export function clusterPubSubTable(summaries: readonly CaseSummary[]): Table {
  return {
    headers: [
      'case',
      'messages',
      'p50 ms',
      '**p99 ms**',
      'each subscriber p50 / p99 ms',
      'cluster-bus messages per publish',
      'node CPU µs per publish (all nodes)',
    ],
    align: ['l', 'r', 'r', 'r', 'r', 'r', 'r'],
    rows: summaries.map(({ spec, info }) => [
      spec.label,
      cell(info, 'trials', 0),
      cell(info, 'p50Ms', 2),
      `**${cell(info, 'p99Ms', 2)}**`,
      `${cell(info, 'subscriberP50Ms', 2)} / ${cell(info, 'subscriberP99Ms', 2)}`,
      cell(info, 'busMessagesPerPublish', 1),
      cell(info, 'nodeCpuMicrosPerPublish', 1),
    ]),
  };
}
