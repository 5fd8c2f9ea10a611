/**
 * The tables of the Redis groups, built from each case's `info` (the figures
 * its process computed: percentiles, counts, command deltas).
 */
import type { Table } from './format.js';
import { formatNumber } from './format.js';
import type { CaseInfo as Info, CaseSummary } from './results.js';

/** `info[key]` with `decimals` decimals, or `–` when the case did not report it. */
function cell(info: Info, key: string, decimals: number): string {
  const value = info[key];
  return value === undefined ? '–' : formatNumber(value, decimals);
}

/** `info[key]` (ms) in µs. */
function micros(info: Info, key: string): string {
  const value = info[key];
  return value === undefined ? '–' : formatNumber(value * 1_000, 0);
}

export function commandsTable(summaries: readonly CaseSummary[]): Table {
  return {
    headers: [
      'case',
      'calls/s per replica',
      'calls',
      'client commands (EVALSHA)',
      'in scripts',
      'client commands per 1M calls',
      '**commands / s / breaker / replica**',
      'at most (once per 100 ms)',
    ],
    align: ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    rows: summaries.map(({ spec, info, figure }) => [
      spec.label,
      cell(info, 'callsPerSecondPerReplica', 0),
      cell(info, 'calls', 0),
      `${cell(info, 'clientCommands', 0)} (${cell(info, 'evalsha', 0)})`,
      cell(info, 'scriptCommands', 0),
      cell(info, 'clientCommandsPerMillionCalls', 1),
      `**${formatNumber(figure, 2)}**`,
      cell(info, 'maxCommands', 0),
    ]),
  };
}

export function propagationTable(summaries: readonly CaseSummary[]): Table {
  return {
    headers: [
      'case',
      'trials',
      'p50 ms',
      '**p99 ms**',
      'max ms',
      'min ms',
      'each replica p50 / p99 ms',
      'trials with every replica refusing',
    ],
    align: ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    rows: summaries.map(({ spec, info }) => [
      spec.label,
      cell(info, 'trials', 0),
      cell(info, 'p50Ms', 2),
      `**${cell(info, 'p99Ms', 2)}**`,
      cell(info, 'maxMs', 2),
      cell(info, 'minMs', 2),
      `${cell(info, 'replicaP50Ms', 2)} / ${cell(info, 'replicaP99Ms', 2)}`,
      cell(info, 'refusedEverywhere', 0),
    ]),
  };
}

export function singleFlightTable(summaries: readonly CaseSummary[]): Table {
  return {
    headers: [
      'case',
      'rounds',
      '**double probes**',
      'rounds with no run',
      'runs',
      'refused calls',
      'fired in open / half-open / closed',
      'start spread p50 / max ms',
      'seconds',
    ],
    align: ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    rows: summaries.map(({ spec, info }) => [
      spec.label,
      cell(info, 'rounds', 0),
      `**${cell(info, 'doubleProbes', 0)}**`,
      cell(info, 'roundsWithoutProbe', 0),
      cell(info, 'runs', 0),
      cell(info, 'rejected', 0),
      `${cell(info, 'firedOpen', 0)} / ${cell(info, 'firedHalfOpen', 0)} / ${cell(info, 'firedClosed', 0)}`,
      `${cell(info, 'spreadP50Ms', 1)} / ${cell(info, 'spreadMaxMs', 1)}`,
      cell(info, 'seconds', 0),
    ]),
  };
}

export function outageLatencyTable(summaries: readonly CaseSummary[]): Table {
  const rows = summaries.flatMap(({ spec, info }) => [
    [
      `${spec.label}: Redis healthy`,
      cell(info, 'healthyCalls', 0),
      micros(info, 'healthyP50Ms'),
      `**${micros(info, 'healthyP99Ms')}**`,
      micros(info, 'healthyMaxMs'),
    ],
    [
      `${spec.label}: Redis stopped (switch to local included)`,
      cell(info, 'pausedCalls', 0),
      micros(info, 'pausedP50Ms'),
      `**${micros(info, 'pausedP99Ms')}**`,
      micros(info, 'pausedMaxMs'),
    ],
    [
      '… of which before local mode',
      cell(info, 'transitionCalls', 0),
      micros(info, 'transitionP50Ms'),
      micros(info, 'transitionP99Ms'),
      micros(info, 'transitionMaxMs'),
    ],
    [
      '… of which in local mode',
      '',
      micros(info, 'localP50Ms'),
      micros(info, 'localP99Ms'),
      micros(info, 'localMaxMs'),
    ],
    [
      'the first outage of the process (not judged: local mode’s code runs for the first time)',
      '',
      micros(info, 'firstOutageP50Ms'),
      micros(info, 'firstOutageP99Ms'),
      micros(info, 'firstOutageMaxMs'),
    ],
    [
      'noise band: p99 of a healthy second, lowest – highest',
      '',
      '',
      `${micros(info, 'healthySecondP99MinMs')} – ${micros(info, 'healthySecondP99MaxMs')}`,
      '',
    ],
    ['one Redis round trip (PING, p50)', '', micros(info, 'roundTripP50Ms'), '', ''],
  ]);
  return {
    headers: ['case', 'calls', 'p50 µs', '**p99 µs**', 'max µs'],
    align: ['l', 'r', 'r', 'r', 'r'],
    rows,
  };
}

export function outageModesTable(summaries: readonly CaseSummary[]): Table {
  const rows = summaries.flatMap(({ spec, info }) => [
    [
      `${spec.label}: SIGSTOP → local mode`,
      cell(info, 'trials', 0),
      cell(info, 'toLocalMinMs', 1),
      cell(info, 'toLocalP50Ms', 1),
      `**${cell(info, 'toLocalMaxMs', 1)}**`,
      '–',
    ],
    [
      `${spec.label}: SIGCONT → shared mode, reconciled`,
      cell(info, 'trials', 0),
      cell(info, 'toSharedMinMs', 1),
      cell(info, 'toSharedP50Ms', 1),
      `**${cell(info, 'toSharedMaxMs', 1)}**`,
      `${cell(info, 'reconciled', 0)} of ${cell(info, 'trials', 0)} (tripped locally: ${cell(info, 'trippedLocally', 0)})`,
    ],
  ]);
  return {
    headers: [
      'case',
      'trials',
      'min ms',
      'p50 ms',
      '**max ms**',
      'local trip in the shared record',
    ],
    align: ['l', 'r', 'r', 'r', 'r', 'r'],
    rows,
  };
}
