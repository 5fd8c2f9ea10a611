import { z } from 'zod';

/**
 * Option schemas whose every refusal says the unit and the range, so that
 * `failureRateThreshold: 50` is told it is a fraction (0.5 means 50%).
 */

/** `1000000` as `1,000,000`. */
function grouped(n: number): string {
  return n.toLocaleString('en-US');
}

/** A fraction in (0, 1]: a rate threshold. */
export function fraction(): z.ZodNumber {
  const error = 'must be a fraction in (0, 1]: 0.5 means 50%';
  return z.number({ error }).gt(0, { error }).lte(1, { error });
}

/** A fraction in [0, 1): a spread either way. */
export function spread(): z.ZodNumber {
  const error = 'must be a fraction in [0, 1): 0.2 means ±20%';
  return z.number({ error }).min(0, { error }).lt(1, { error });
}

/** Whole milliseconds in [min, max]. */
export function wholeMs(min: number, max: number): z.ZodNumber {
  const error = `must be a whole number of milliseconds from ${grouped(min)} to ${grouped(max)}`;
  return z.int({ error }).min(min, { error }).max(max, { error });
}

/** A whole number in [min, max]. */
export function whole(min: number, max: number): z.ZodNumber {
  const error = `must be a whole number from ${grouped(min)} to ${grouped(max)}`;
  return z.int({ error }).min(min, { error }).max(max, { error });
}

/** A number in [min, max] (not necessarily whole). */
export function ranged(min: number, max: number, what: string): z.ZodNumber {
  const error = `must be a number from ${grouped(min)} to ${grouped(max)} (${what})`;
  return z.number({ error }).min(min, { error }).max(max, { error });
}
