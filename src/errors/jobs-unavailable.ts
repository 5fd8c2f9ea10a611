import { BreakerBoxError } from './breakerbox-error.js';

/**
 * A BullMQ feature was asked of a box that cannot provide it: `bindQueue`
 * (fleet-wide) on a box with no Redis, or any of them on a box created
 * without the jobs feature.
 */
export class JobsUnavailable extends BreakerBoxError {
  readonly code = 'JOBS_UNAVAILABLE' as const;

  constructor(
    /** What was asked, e.g. `bindQueue`. */
    readonly operation: string,
    reason: string,
  ) {
    super(`${operation} is not available: ${reason}`);
  }
}

/** Type guard for {@link JobsUnavailable}. */
export function isJobsUnavailable(value: unknown): value is JobsUnavailable {
  return value instanceof JobsUnavailable;
}
