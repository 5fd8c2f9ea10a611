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
