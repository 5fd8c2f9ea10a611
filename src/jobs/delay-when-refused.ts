import { DelayedError } from 'bullmq';
import type { Job } from 'bullmq';
import { isDependencyUnhealthy } from '../errors/dependency-unhealthy.js';
import { InvalidBreakerOptions } from '../errors/invalid-breaker-options.js';

/** Options of {@link delayWhenRefused}. */
export interface DelayWhenRefusedOptions {
  /** The shortest delay, in ms (a refusal's `retryAfterMs` can be 0). Default 100. */
  readonly minDelayMs?: number;
  /** Up to this fraction of the delay is added at random, so delayed jobs do not return at once. Default 0.1. */
  readonly jitter?: number;
  /** Called when a job is delayed (for logs or metrics). */
  readonly onDelayed?: (job: Job, delayMs: number, error: unknown) => void;
}

type Processor<D, R> = (job: Job<D, R>, token?: string) => Promise<R>;

/**
 * Wraps a BullMQ processor: when the job meets an open breaker (the processor
 * throws `DependencyUnhealthy`, as `breaker.call` does when it refuses), the
 * job is moved to delayed until the refusal's `retryAfterMs` instead of
 * failing. BullMQ's delayed-job pattern (`job.moveToDelayed` +
 * `DelayedError`): `attemptsMade` is not spent, and the job runs again, on
 * any worker, once the breaker lets calls through. Other errors fail the job
 * as usual.
 * @throws InvalidBreakerOptions for bad options
 */
export function delayWhenRefused<D, R>(
  processor: Processor<D, R>,
  options: DelayWhenRefusedOptions = {},
): Processor<D, R> {
  const minDelayMs = options.minDelayMs ?? 100;
  const jitter = options.jitter ?? 0.1;
  if (!Number.isFinite(minDelayMs) || minDelayMs < 0)
    throw new InvalidBreakerOptions('minDelayMs', minDelayMs, 'must be a number of ms >= 0');
  if (!Number.isFinite(jitter) || jitter < 0 || jitter > 1)
    throw new InvalidBreakerOptions('jitter', jitter, 'must be a number from 0 to 1');
  return async (job, token) => {
    try {
      return await processor(job, token);
    } catch (error) {
      // Without the worker's token the job cannot be moved: fail it as usual.
      if (!isDependencyUnhealthy(error) || token === undefined) throw error;
      const base = Math.max(minDelayMs, error.retryAfterMs);
      const delayMs = Math.round(base * (1 + jitter * Math.random()));
      await job.moveToDelayed(Date.now() + delayMs, token);
      options.onDelayed?.(job as Job, delayMs, error);
      throw new DelayedError(`${error.message} (job delayed ${String(delayMs)} ms)`);
    }
  };
}
