import { z } from 'zod';
import type { BreakerOptions } from '../breaker/breaker-options.js';

/**
 * The config the breaker's replicas last recorded with (the `cfg` field of
 * its record, the JSON the scripts decide with; see `src/redis/script-args.ts`).
 */
const storedConfigSchema = z.object({
  f: z.number(),
  s: z.number(),
  m: z.number(),
  q: z.number(),
  w: z.enum(['time', 'count']),
  wm: z.number(),
  wb: z.number(),
  ws: z.number(),
  bb: z.number(),
  bx: z.number(),
  bm: z.number(),
  bj: z.number(),
  pl: z.number(),
});

/**
 * The breaker options that give the scripts the stored config back, so that
 * the CLI reads a breaker's window exactly as its replicas sum it. Answers
 * undefined when there is none (no replica recorded outcomes yet) or it
 * cannot be read: the breaker is then read with the default options.
 */
export function optionsFromStoredConfig(raw: string | null): BreakerOptions | undefined {
  if (raw === null || raw === '') return undefined;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return undefined;
  }
  const parsed = storedConfigSchema.safeParse(json);
  if (!parsed.success) return undefined;
  const c = parsed.data;
  const window: BreakerOptions =
    c.w === 'time'
      ? { windowType: 'time', windowMs: c.wm, windowBuckets: c.wb }
      : { windowType: 'count', windowSize: c.ws };
  return {
    failureRateThreshold: c.f,
    slowCallRateThreshold: c.s,
    minimumCalls: c.m,
    minimumReplicas: c.q,
    ...window,
    openBackoff: { baseMs: c.bb, maxMs: c.bx, multiplier: c.bm, jitter: c.bj },
    halfOpen: { maxDurationMs: c.pl },
  };
}
