/**
 * The redis-rates group: Redis commands per second for breakerbox and the
 * naive design, against the call rate and against replicas × breakers, with
 * its table and two plots (docs/bench/*.svg). A group module: the registry
 * lists it in `GROUP_MODULES`.
 */
import type { GroupModule } from '../registry.js';
import type { BenchCase } from '../registry.js';
import type { Table } from '../lib/format.js';
import { formatNumber } from '../lib/format.js';
import type { CaseSummary, ResultSet } from '../lib/results.js';
import type { RunStamp, SectionExtra } from '../lib/sections.js';
import { captionOf } from '../lib/sections.js';
import type { Series } from '../lib/svg-plot.js';
import { renderSvgPlot } from '../lib/svg-plot.js';

type Design = 'breakerbox' | 'naive';

/** Call rates per replica of the rate sweep (4 replicas, one breaker). */
const RATES = [100, 1_000, 5_000] as const;
/** The breakerbox-only top rate (the naive design cannot keep up there on this machine). */
const TOP_RATE = 25_000;
/** Replicas × breakers of the scale sweep (1,000 calls/s per replica over its breakers). */
const SCALES = [
  [1, 1],
  [2, 10],
  [4, 25],
  [8, 100],
] as const;
const SCALE_RATE = 1_000;
const DURATION_MS = 3_000;

function rateCase(design: Design, perSecond: number): BenchCase {
  return {
    id: `redis-rates/${design}-rate-${perSecond}`,
    group: 'redis-rates',
    label: `${design}, 4 replicas × 1 breaker, ${formatNumber(perSecond, 0)} calls/s per replica`,
    file: 'cases/redis-rates.ts',
    variant: design,
    params: { replicas: 4, breakers: 1, perSecond, durationMs: DURATION_MS },
    nodeFlags: [],
    processes: 1,
    timeoutMs: 120_000,
    redis: true,
  };
}

function scaleCase(design: Design, replicas: number, breakers: number): BenchCase {
  return {
    id: `redis-rates/${design}-scale-${replicas}x${breakers}`,
    group: 'redis-rates',
    label: `${design}, ${plural(replicas, 'replica')} × ${plural(breakers, 'breaker')}, ${formatNumber(SCALE_RATE, 0)} calls/s per replica`,
    file: 'cases/redis-rates.ts',
    variant: design,
    params: { replicas, breakers, perSecond: SCALE_RATE, durationMs: DURATION_MS },
    nodeFlags: [],
    processes: 1,
    timeoutMs: 120_000,
    redis: true,
  };
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

const DESIGNS: readonly Design[] = ['breakerbox', 'naive'];

const CASES: readonly BenchCase[] = [
  ...DESIGNS.flatMap((design) => RATES.map((rate) => rateCase(design, rate))),
  rateCase('breakerbox', TOP_RATE),
  ...DESIGNS.flatMap((design) => SCALES.map(([r, b]) => scaleCase(design, r, b))),
];

function table(summaries: readonly CaseSummary[]): Table {
  return {
    headers: [
      'case',
      'calls/s per replica (made)',
      'calls',
      'commands',
      '**commands / s**',
      'per breaker per replica',
      'commands per call',
    ],
    align: ['l', 'r', 'r', 'r', 'r', 'r', 'r'],
    rows: summaries.map(({ spec, info, figure }) => [
      spec.label,
      formatNumber(info.callsPerSecondPerReplica ?? 0, 0),
      formatNumber(info.calls ?? 0, 0),
      formatNumber(info.commands ?? 0, 0),
      `**${formatNumber(figure, 0)}**`,
      formatNumber(info.perBreakerPerReplica ?? 0, 2),
      formatNumber(info.commandsPerCall ?? 0, 4),
    ]),
  };
}

const COLORS: Readonly<Record<Design, string>> = { breakerbox: '#1f77b4', naive: '#d62728' };

/** The points of `design` among `summaries`: x from `x(info)`, y the figure (commands/s). */
function points(
  results: ResultSet,
  ids: readonly string[],
  x: (summary: CaseSummary) => number,
): [number, number][] {
  return ids.flatMap((id) => {
    const summary = results.get(id);
    return summary === undefined ? [] : [[x(summary), summary.figure] as [number, number]];
  });
}

function plots(results: ResultSet, stamp: RunStamp): SectionExtra | undefined {
  if (results.inGroup('redis-rates').length === 0) return undefined;
  const caption = captionOf(stamp);
  const rateSeries: Series[] = DESIGNS.map((design) => ({
    name: design === 'breakerbox' ? 'breakerbox' : 'naive (GET + INCR per call)',
    color: COLORS[design],
    points: points(
      results,
      CASES.filter((c) => c.variant === design && c.id.includes('-rate-')).map((c) => c.id),
      (s) => (s.info.callsPerSecondPerReplica ?? 0) * (s.info.replicas ?? 1),
    ),
  }));
  const scaleIds = (design: Design): string[] =>
    CASES.filter((c) => c.variant === design && c.id.includes('-scale-')).map((c) => c.id);
  const product = (s: CaseSummary): number => (s.info.replicas ?? 1) * (s.info.breakers ?? 1);
  const scaleSeries: Series[] = DESIGNS.map((design) => ({
    name: design === 'breakerbox' ? 'breakerbox' : 'naive (GET + INCR per call)',
    color: COLORS[design],
    points: points(results, scaleIds(design), product),
  }));
  const bound = SCALES.map(
    ([r, b]) => [r * b, Math.min(r * b * 10, r * SCALE_RATE)] as [number, number],
  );
  scaleSeries.push({
    name: 'bound: min(10/s per breaker per replica, calls/s)',
    color: '#7f7f7f',
    dashed: true,
    points: bound,
  });
  const files = [
    {
      path: 'bench/redis-commands-vs-call-rate.svg',
      content: renderSvgPlot({
        title: 'Redis commands/s vs calls/s (4 replicas, 1 breaker)',
        x: { label: 'calls/s, all replicas', log: true },
        y: { label: 'Redis commands/s', log: true },
        series: rateSeries,
        caption,
      }),
    },
    {
      path: 'bench/redis-commands-vs-replicas-breakers.svg',
      content: renderSvgPlot({
        title: `Redis commands/s vs replicas × breakers (${formatNumber(SCALE_RATE, 0)} calls/s per replica)`,
        x: { label: 'replicas × breakers', log: true },
        y: { label: 'Redis commands/s', log: true },
        series: scaleSeries,
        caption,
      }),
    },
  ];
  const markdown = [
    '![Redis commands per second against the call rate](bench/redis-commands-vs-call-rate.svg)',
    '',
    'breakerbox sends one script per flush interval (100 ms) per breaker that counted a call, whatever the call rate: a flat line. The naive design sends two commands per call: a line that rises with the call rate, until Redis or the client cannot keep up.',
    '',
    '![Redis commands per second against replicas × breakers](bench/redis-commands-vs-replicas-breakers.svg)',
    '',
    'With many breakers, breakerbox sends at most one command per breaker per replica per flush interval, and never more than one per call (a breaker that counted nothing is not flushed): the dashed bound. The naive design’s commands depend on the calls alone.',
  ].join('\n');
  return { markdown, files };
}

/** The redis-rates group and its cases. */
export const redisRates: GroupModule = {
  group: {
    id: 'redis-rates',
    title:
      'Redis commands against the call rate and replicas × breakers: breakerbox vs a naive breaker',
    method: `One process plays the replicas, each its own box (breakerbox, default options, flush every 100 ms) or its own ioredis connection (the naive breaker of bench/lib/naive-breaker.ts: GET before and INCR after every call), on one redis-server. Each replica calls its breakers in turn at a fixed rate (every millisecond, the calls due, concurrently) for ${DURATION_MS / 1_000} s after a 0.5-s warm-up. Commands are the \`INFO commandstats\` delta from just before the calls to two flush intervals after the last: for breakerbox the commands its clients sent (the script’s inner commands left out, as in the table above), for the naive breaker every command. The figure is commands per second over the calls’ span plus one flush interval.`,
    figureHeader: 'commands / s',
    aggregate: 'median',
    decimals: 0,
    table,
    extra: plots,
  },
  cases: CASES,
};
