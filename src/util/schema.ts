import type { z } from 'zod';
import { InvalidBreakerOptions } from '../errors/invalid-breaker-options.js';

/**
 * Parses `input` with a zod schema, turning the first problem into an
 * {@link InvalidBreakerOptions} that names the option (dotted path under
 * `prefix`) and the value that was given.
 * @throws InvalidBreakerOptions
 */
export function parseOptions<T>(schema: z.ZodType<T>, input: unknown, prefix: string): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const [issue] = result.error.issues;
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '?';
    const path = [...issue.path, key];
    return fail(prefix, path, valueAt(input, path), 'is not a known option');
  }
  return fail(prefix, issue.path, valueAt(input, issue.path), humanize(issue.message));
}

function fail(prefix: string, path: readonly PropertyKey[], value: unknown, reason: string): never {
  const dotted = [prefix, ...path.map(String)].filter((part) => part !== '').join('.');
  throw new InvalidBreakerOptions(dotted === '' ? 'options' : dotted, value, reason);
}

function humanize(message: string): string {
  return message.replace(/^Invalid input: /, '').replace(/^(Too (big|small)): /, '');
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}
