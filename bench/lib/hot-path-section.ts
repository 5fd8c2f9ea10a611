/**
 * The hot-path group's breakdown: where breakerbox's closed-path overhead goes,
 * step by step from the floor (bench/lib/floors.ts), and why each step stays.
 */
import { formatNumber, formatRatio, markdownTable } from './format.js';
import type { ResultSet } from './results.js';
import type { SectionExtra } from './sections.js';

/** Case ids of the steps, each adding one piece of work over the one before. */
const PLAIN = 'hot-path/plain';
const FLOOR = 'hot-path/floor';
const CLOCK = 'hot-path/floor-clock';
const WINDOW = 'hot-path/floor-window';
const MEMORY = 'hot-path/breakerbox-default';
const REDIS = 'hot-path/breakerbox-redis';

interface Step {
  readonly label: string;
  readonly from: string;
  readonly to: string;
  readonly why: string;
}

const STEPS: readonly Step[] = [
  {
    label: 'the floor: an async wrapper that awaits the call and counts its outcome',
    from: PLAIN,
    to: FLOOR,
    why: 'the least any breaker around an async call does: one more async frame and its promise',
  },
  {
    label: '+ one clock read (`Date.now()`)',
    from: FLOOR,
    to: CLOCK,
    why: 'the time window puts each outcome in the bucket of its time, and health reports when a call last succeeded; a cached clock would need a timer ticking in every idle process, or would go stale during a long synchronous stretch (outcomes counted in an old bucket). On this virtual machine a clock read costs about as much as the rest of the floor',
  },
  {
    label: '+ the state machine and time window (`Circuit.recordOne`)',
    from: CLOCK,
    to: WINDOW,
    why: 'counts the outcome in its bucket and checks the trip rules on running sums: no failure-rate division while the window holds no failure, nothing allocated',
  },
  {
    label: '+ the rest of breakerbox (in-memory store)',
    from: WINDOW,
    to: MEMORY,
    why: 'the state check that decides the call, the in-flight count that lets `close()` drain, the per-breaker counters metrics and health read at scrape time, and the listener check',
  },
];

/** The breakdown table and the Redis store's share, or undefined when the floors did not run. */
export function hotPathBreakdown(results: ResultSet): SectionExtra | undefined {
  const figure = (id: string): number | undefined => results.figure(id);
  const plain = figure(PLAIN);
  const floor = figure(FLOOR);
  if (plain === undefined || floor === undefined) return undefined;
  const floorOverhead = floor - plain;
  const rows = STEPS.flatMap((step) => {
    const from = figure(step.from);
    const to = figure(step.to);
    if (from === undefined || to === undefined) return [];
    return [
      [
        step.label,
        formatNumber(to - from, 0),
        formatNumber(to - plain, 0),
        formatRatio((to - plain) / floorOverhead),
        step.why,
      ],
    ];
  });
  const lines = [
    '### Where the closed-path overhead goes',
    '',
    'Each row adds one piece of work to the row before (the floors are in bench/lib/floors.ts). `adds` is the difference of the two medians, so it carries the noise of both; `overhead ÷ floor’s` divides the overhead over the plain call by the floor’s.',
    '',
    markdownTable(['step', 'adds ns', 'overhead ns', 'overhead ÷ floor’s', 'why it stays'], rows, [
      'l',
      'r',
      'r',
      'r',
      'l',
    ]),
  ];
  const redis = figure(REDIS);
  const clock = figure(CLOCK);
  if (redis !== undefined && clock !== undefined) {
    lines.push(
      '',
      `With the Redis store (shared mode) the window is in Redis, so a call only adds its outcome to four pending counters: ${formatNumber(redis - plain, 0)} ns over plain, ${formatRatio((redis - plain) / floorOverhead)} the floor’s overhead, ${formatNumber(redis - clock, 0)} ns over the floor with its clock read (the same state check, in-flight count and counters as in memory).`,
    );
  }
  const metrics = figure('hot-path/breakerbox-metrics');
  const memory = figure(MEMORY);
  if (metrics !== undefined && memory !== undefined) {
    lines.push(
      '',
      `Metrics on (prom-client, read at scrape time from the counters a call bumps anyway): ${formatNumber(metrics - plain, 0)} ns over plain, against ${formatNumber(memory - plain, 0)} ns without; nothing is added per call (the difference is the run’s noise).`,
    );
  }
  return { markdown: lines.join('\n'), files: [] };
}
