import { z } from 'zod';
import type { BindQueueOptions, BindWorkerOptions } from '../box/box-features.js';
import type { Breaker } from '../breaker/breaker.js';
import { InvalidBreakerOptions } from '../errors/invalid-breaker-options.js';
import { parseOptions } from '../util/schema.js';

const dependencies = z.array(z.string()).min(1, 'must name at least one breaker');

const workerSchema = z.strictObject({
  dependencies,
  mode: z.enum(['pause', 'slow']).optional(),
  doNotWaitActive: z.boolean().optional(),
  reducedConcurrency: z.int().min(1).max(10_000).optional(),
});

const queueSchema = z.strictObject({
  dependencies,
  whileDegraded: z
    .strictObject({
      rateLimit: z.strictObject({ max: z.int().min(1), durationMs: z.int().min(1) }).optional(),
      concurrency: z.int().min(1).optional(),
    })
    .optional(),
});

/**
 * Validates `bindWorker` options.
 * @throws InvalidBreakerOptions naming the bad option
 */
export function parseBindWorkerOptions(input: unknown): BindWorkerOptions {
  return parseOptions(workerSchema, input, '');
}

/**
 * Validates `bindQueue` options.
 * @throws InvalidBreakerOptions naming the bad option
 */
export function parseBindQueueOptions(input: unknown): BindQueueOptions {
  return parseOptions(queueSchema, input, '');
}

/**
 * The breakers named in `dependencies`, which must exist on this replica.
 * @throws InvalidBreakerOptions for a name with no breaker
 */
export function findDependencies(
  names: readonly string[],
  find: (name: string) => Breaker<unknown> | undefined,
): Breaker<unknown>[] {
  return [...new Set(names)].map((name) => {
    const breaker = find(name);
    if (breaker === undefined)
      throw new InvalidBreakerOptions(
        'dependencies',
        name,
        'names no breaker of this box (create it with box.breaker() first)',
      );
    return breaker;
  });
}
