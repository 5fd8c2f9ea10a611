/**
 * The performance targets breakerbox is held to. Each reads the run's
 * {@link ResultSet}; a target whose cases did not run is reported as not measured.
 */
import type { ResultSet } from './lib/results.js';
import { formatNumber } from './lib/format.js';

/** A target's outcome in one run. */
export interface Verdict {
  readonly measured: string;
  readonly limit: string;
  /** Undefined when the cases it needs did not run. */
  readonly pass: boolean | undefined;
}

/** One performance target. */
export interface Target {
  readonly title: string;
  evaluate(results: ResultSet): Verdict;
}

const NOT_MEASURED: Verdict = { measured: 'not measured', limit: '', pass: undefined };

/** `ours[i] - theirs[i]` for each process both have. */
function pairedDifferences(ours: readonly number[], theirs: readonly number[]): number[] {
  return ours.slice(0, theirs.length).map((value, index) => value - (theirs[index] ?? value));
}

/** `+3` or `-12` (rounded). */
function signed(value: number): string {
  const rounded = Math.round(value);
  return `${rounded > 0 ? '+' : rounded < 0 ? '−' : '±'}${formatNumber(Math.abs(rounded), 0)}`;
}

/** Every target, in report order. */
export const TARGETS: readonly Target[] = [
  {
    title: 'Closed-path overhead no more than cockatiel ConsecutiveBreaker’s',
    evaluate(results) {
      const ours = results.overBaseline('hot-path/breakerbox-default');
      const theirs = results.overBaseline('hot-path/cockatiel-consecutive');
      if (ours === undefined || theirs === undefined) return NOT_MEASURED;
      // Both cases ran once per pass, seconds apart: their per-pass
      // difference shows how much of the gap is noise.
      const paired = pairedDifferences(
        results.get('hot-path/breakerbox-default')?.perProcess ?? [],
        results.get('hot-path/cockatiel-consecutive')?.perProcess ?? [],
      );
      return {
        measured: `${formatNumber(ours, 0)} ns over plain; ${signed(ours - theirs)} ns vs cockatiel (per pass: ${paired.map(signed).join(', ')})`,
        limit: `≤ ${formatNumber(theirs, 0)} ns (cockatiel’s, same run)`,
        pass: ours <= theirs,
      };
    },
  },
  {
    title: 'Open-path rejection under 1 µs',
    evaluate(results) {
      const ns = results.figure('open-path/breakerbox');
      if (ns === undefined) return NOT_MEASURED;
      return {
        measured: `${formatNumber(ns, 0)} ns per rejected call`,
        limit: '< 1,000 ns',
        pass: ns < 1_000,
      };
    },
  },
  {
    title: 'Heap under 1 KB per idle breaker',
    evaluate(results) {
      const bytes = results.figure('heap/breakerbox');
      if (bytes === undefined) return NOT_MEASURED;
      return {
        measured: `${formatNumber(bytes, 0)} bytes per breaker`,
        limit: '< 1,024 bytes',
        pass: bytes < 1_024,
      };
    },
  },
  {
    title: '10,000 idle breakers under 1% of a core',
    evaluate(results) {
      const percent = results.figure('idle-cpu/breakerbox');
      if (percent === undefined) return NOT_MEASURED;
      const floor = results.figure('idle-cpu/none');
      return {
        measured: `${formatNumber(percent, 3)}% of a core${floor === undefined ? '' : ` (process floor ${formatNumber(floor, 3)}%)`}`,
        limit: '< 1%',
        pass: percent < 1,
      };
    },
  },
];
