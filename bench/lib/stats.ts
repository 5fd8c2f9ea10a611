/** Summary statistics of one case's samples. */
export interface Stats {
  /** Number of samples. */
  readonly count: number;
  readonly median: number;
  readonly mean: number;
  readonly min: number;
  readonly max: number;
}

/**
 * The median of `values` (the mean of the two middle values for an even count).
 * @throws RangeError when `values` is empty
 */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2;
}

/**
 * The arithmetic mean of `values`.
 * @throws RangeError when `values` is empty
 */
export function mean(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('mean of no values');
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

/**
 * Count, median, mean, min and max of `values`.
 * @throws RangeError when `values` is empty
 */
export function summarize(values: readonly number[]): Stats {
  return {
    count: values.length,
    median: median(values),
    mean: mean(values),
    min: Math.min(...values),
    max: Math.max(...values),
  };
}

/**
 * The `q` quantile of `values` by the nearest-rank method (the smallest value
 * with at least `q` of the values at or below it): `quantile(v, 0.99)` of 100
 * values is the 99th smallest.
 * @throws RangeError when `values` is empty or `q` is outside [0, 1]
 */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) throw new RangeError('quantile of no values');
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be in [0, 1], got ${q}`);
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1] ?? Number.NaN;
}

/** p50, p99 and max of `values` (nearest rank), for latency tables. */
export interface Percentiles {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/**
 * {@link Percentiles} of `values`.
 * @throws RangeError when `values` is empty
 */
export function percentiles(values: readonly number[]): Percentiles {
  return { p50: quantile(values, 0.5), p99: quantile(values, 0.99), max: Math.max(...values) };
}
