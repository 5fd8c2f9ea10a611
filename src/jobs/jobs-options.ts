import { z } from 'zod';
import type { JobsOptions } from '../box/box-features.js';
import { parseOptions } from '../util/schema.js';

/** The `jobs` option after defaults and validation. */
export type ResolvedJobsOptions = Required<JobsOptions>;

/** The schema of the box's `jobs` option (docs/options.md lists every key; a test checks it). */
export const jobsOptionsSchema = z.strictObject({
  probeWorker: z.boolean().optional(),
  probeConcurrency: z.int().min(1).max(1_000).optional(),
  sweepIntervalMs: z.int().min(100).max(86_400_000).optional(),
  sweepGraceMs: z.int().min(0).max(3_600_000).optional(),
  closeTimeoutMs: z.int().min(0).max(600_000).optional(),
});

/**
 * Validates the `jobs` option and fills in defaults.
 * @throws InvalidBreakerOptions naming the first bad option (`jobs.…`) and its value
 */
export function resolveJobsOptions(input: unknown): ResolvedJobsOptions {
  const options = parseOptions(jobsOptionsSchema, input ?? {}, 'jobs');
  return Object.freeze({
    probeWorker: options.probeWorker ?? true,
    probeConcurrency: options.probeConcurrency ?? 4,
    sweepIntervalMs: options.sweepIntervalMs ?? 30_000,
    sweepGraceMs: options.sweepGraceMs ?? 2_000,
    closeTimeoutMs: options.closeTimeoutMs ?? 5_000,
  });
}
