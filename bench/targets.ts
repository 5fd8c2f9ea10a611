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

/** `1.04x`. */
function ratio(value: number): string {
  return `${value.toFixed(2)}x`;
}

/** The Redis command cases, slowest call rate first. */
const COMMAND_CASES = [
  'redis-commands/rate-6k',
  'redis-commands/rate-62k',
  'redis-commands/rate-max',
];

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
    title:
      'Closed-path overhead within 1.3x the floor’s (an async wrapper that awaits and counts), memory and Redis store, metrics on, no listener',
    evaluate(results) {
      const floor = results.overBaseline('hot-path/floor');
      const memory = results.overBaseline('hot-path/breakerbox-metrics');
      const redis = results.overBaseline('hot-path/breakerbox-redis-metrics');
      if (floor === undefined || memory === undefined || floor <= 0) return NOT_MEASURED;
      const clock = results.overBaseline('hot-path/floor-clock');
      const parts = [`memory ${formatNumber(memory, 0)} ns (${ratio(memory / floor)})`];
      if (redis !== undefined)
        parts.push(`Redis ${formatNumber(redis, 0)} ns (${ratio(redis / floor)})`);
      const worst = Math.max(memory, redis ?? memory);
      return {
        measured: `${parts.join(', ')} over plain; the floor ${formatNumber(floor, 0)} ns${clock === undefined ? '' : `, the floor with one clock read ${formatNumber(clock, 0)} ns (${ratio(clock / floor)})`}: see “Where the closed-path overhead goes”`,
        limit: `≤ 1.30x the floor’s = ${formatNumber(1.3 * floor, 0)} ns`,
        pass: worst <= 1.3 * floor,
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
  {
    title: 'Closed path with the Redis store within 1.1x the in-memory store (no per-call I/O)',
    evaluate(results) {
      const redis = results.get('hot-path/breakerbox-redis');
      const memory = results.get('hot-path/breakerbox-default');
      if (redis === undefined || memory === undefined) return NOT_MEASURED;
      const perPass = redis.perProcess
        .slice(0, memory.perProcess.length)
        .map((value, index) => value / (memory.perProcess[index] ?? value));
      const value = redis.figure / memory.figure;
      return {
        measured: `${formatNumber(redis.figure, 0)} vs ${formatNumber(memory.figure, 0)} ns/call: ${ratio(value)} (per pass: ${perPass.map(ratio).join(', ')})`,
        limit: '≤ 1.10x (same run)',
        pass: value <= 1.1,
      };
    },
  },
  {
    title:
      'Redis commands at most 10 per second per active breaker per replica, whatever the call rate',
    evaluate(results) {
      const cases = COMMAND_CASES.flatMap((id) => results.get(id) ?? []);
      if (cases.length === 0) return NOT_MEASURED;
      const rates = cases.map(
        (c) =>
          `${formatNumber(c.figure, 2)}/s at ${formatNumber(c.info.callsPerSecondPerReplica ?? 0, 0)} calls/s`,
      );
      const million = results.get('redis-commands/rate-62k')?.info;
      const perMillion =
        million === undefined
          ? ''
          : `; ${formatNumber(million.clientCommands ?? 0, 0)} client commands (+${formatNumber(million.scriptCommands ?? 0, 0)} inside scripts) per 1,000,000 calls`;
      const bounds = cases.map(
        (c) =>
          `${formatNumber(c.info.clientCommands ?? 0, 0)} ≤ ${formatNumber(c.info.maxCommands ?? 0, 0)}`,
      );
      return {
        measured: `${rates.join('; ')} per replica${perMillion}`,
        limit: `≤ 10/s: ≤ one command per 100-ms flush per replica (commands ≤ the most over those spans: ${bounds.join(', ')})`,
        pass: cases.every((c) => (c.info.clientCommands ?? 0) <= (c.info.maxCommands ?? 0)),
      };
    },
  },
  {
    title: 'Trip propagation to all 8 replicas under 10 ms at p99 (loopback)',
    evaluate(results) {
      const info = results.get('redis-propagation/fleet')?.info;
      if (info?.p99Ms === undefined) return NOT_MEASURED;
      const refused = info.refusedEverywhere ?? 0;
      const trials = info.trials ?? 0;
      return {
        measured: `p50 ${formatNumber(info.p50Ms ?? 0, 2)} ms, p99 ${formatNumber(info.p99Ms, 2)} ms, max ${formatNumber(info.maxMs ?? 0, 2)} ms over ${trials} trials; every replica refused in ${refused} of ${trials}`,
        limit: 'p99 < 10 ms, and every replica refuses',
        pass: info.p99Ms < 10 && refused === trials,
      };
    },
  },
  {
    title: 'Single-flight half-open: no double probe (1,000 rounds × 8 replicas × 50 callers)',
    evaluate(results) {
      const info = results.get('redis-single-flight/fleet')?.info;
      if (info?.doubleProbes === undefined) return NOT_MEASURED;
      return {
        measured: `${formatNumber(info.doubleProbes, 0)} double probes in ${formatNumber(info.rounds ?? 0, 0)} rounds (${formatNumber(info.roundsWithoutProbe ?? 0, 0)} rounds with no run)`,
        limit: '0',
        pass: info.doubleProbes === 0,
      };
    },
  },
  {
    title: 'Call latency with Redis stopped: no difference beyond noise (no call waits on Redis)',
    evaluate(results) {
      const info = results.get('redis-outage-latency/steady')?.info;
      if (info?.pausedP99Ms === undefined || info.healthyP99Ms === undefined) return NOT_MEASURED;
      const us = (ms: number | undefined): string => formatNumber((ms ?? 0) * 1_000, 0);
      const roundTrip = info.roundTripP50Ms ?? 0;
      const limit = info.healthyP99Ms + roundTrip;
      const maxMs = info.pausedMaxMs ?? 0;
      return {
        measured: `p99 ${us(info.pausedP99Ms)} µs stopped vs ${us(info.healthyP99Ms)} µs healthy (healthy seconds: ${us(info.healthySecondP99MinMs)}–${us(info.healthySecondP99MaxMs)} µs); p50 ${us(info.pausedP50Ms)} vs ${us(info.healthyP50Ms)} µs; max ${us(maxMs)} µs stopped`,
        limit: `p99 ≤ healthy p99 + one Redis round trip (${us(roundTrip)} µs, the least a call waiting on Redis adds) = ${us(limit)} µs; max < 250 ms (the command timeout)`,
        pass: info.pausedP99Ms <= limit && maxMs < 250,
      };
    },
  },
  {
    title: 'Redis hung → local mode within commandTimeoutMs + flushIntervalMs',
    evaluate(results) {
      const info = results.get('redis-outage-modes/steady')?.info;
      if (info?.toLocalMaxMs === undefined) return NOT_MEASURED;
      const limit = (info.commandTimeoutMs ?? 250) + (info.flushIntervalMs ?? 100);
      return {
        measured: `max ${formatNumber(info.toLocalMaxMs, 1)} ms, p50 ${formatNumber(info.toLocalP50Ms ?? 0, 1)} ms, min ${formatNumber(info.toLocalMinMs ?? 0, 1)} ms over ${info.trials ?? 0} trials`,
        limit: `≤ ${limit} ms (250 + 100), every trial`,
        pass: info.toLocalMaxMs <= limit,
      };
    },
  },
  {
    title: 'Redis answers again → shared mode, local trip reconciled, under 1 s',
    evaluate(results) {
      const info = results.get('redis-outage-modes/steady')?.info;
      if (info?.toSharedMaxMs === undefined) return NOT_MEASURED;
      const trials = info.trials ?? 0;
      const reconciled = info.reconciled ?? 0;
      return {
        measured: `max ${formatNumber(info.toSharedMaxMs, 1)} ms, p50 ${formatNumber(info.toSharedP50Ms ?? 0, 1)} ms; trip carried into Redis in ${reconciled} of ${trials} trials`,
        limit: '< 1,000 ms, every trial reconciled',
        pass: info.toSharedMaxMs < 1_000 && reconciled === trials,
      };
    },
  },
];
