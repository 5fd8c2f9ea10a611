import { z } from 'zod';
import { parseOptions } from '../util/schema.js';

/** Options of `breaker.forceOpen()`. */
export interface ForceOpenOptions {
  /** How long the override lasts, in ms (1 to 7 days); omitted: until `forceClosed()` or `reset()`. */
  readonly forMs?: number;
}

/** The longest `forMs`: 7 days. */
export const MAX_FORCE_MS = 7 * 86_400_000;

const schema = z.strictObject({
  forMs: z
    .int({ message: `must be a whole number of ms from 1 to ${String(MAX_FORCE_MS)} (7 days)` })
    .min(1, { message: `must be a whole number of ms from 1 to ${String(MAX_FORCE_MS)} (7 days)` })
    .max(MAX_FORCE_MS, {
      message: `must be a whole number of ms from 1 to ${String(MAX_FORCE_MS)} (7 days)`,
    })
    .optional(),
});

/**
 * Validates `forceOpen()`'s options (unknown keys refused, as breaker options
 * are) and answers the override's length in ms, 0 for "until cleared".
 * @throws InvalidBreakerOptions naming every bad option
 */
export function resolveForceOpen(input: unknown): number {
  return parseOptions(schema, input, '').forMs ?? 0;
}
