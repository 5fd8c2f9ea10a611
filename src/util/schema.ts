import type { z } from 'zod';
import type { OptionIssue } from '../errors/invalid-breaker-options.js';
import { InvalidBreakerOptions } from '../errors/invalid-breaker-options.js';

/** What {@link checkOptions} found: the parsed options when valid, and every issue. */
export interface CheckedOptions<T> {
  /** The parsed options; undefined when any issue was found. */
  readonly data: T | undefined;
  /** Every refused option (one per path), in the order found. */
  readonly issues: OptionIssue[];
}

/**
 * Parses `input` with a zod schema and lists every problem as an
 * {@link OptionIssue} naming the option (dotted path under `prefix`) and the
 * value given. Unknown keys are one issue each.
 */
export function checkOptions<T>(
  schema: z.ZodType<T>,
  input: unknown,
  prefix: string,
): CheckedOptions<T> {
  const result = schema.safeParse(input);
  if (result.success) return { data: result.data, issues: [] };
  const issues: OptionIssue[] = [];
  const seen = new Set<string>();
  const add = (path: readonly PropertyKey[], reason: string): void => {
    const option = dotted(prefix, path);
    if (seen.has(option)) return;
    seen.add(option);
    issues.push({ option, value: valueAt(input, path), reason });
  };
  for (const issue of result.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) add([...issue.path, key], 'is not a known option');
    } else {
      add(issue.path, humanize(issue.message));
    }
  }
  return { data: undefined, issues };
}

/**
 * Parses `input` with a zod schema.
 * @throws InvalidBreakerOptions listing every bad option (the first in `option`/`value`)
 */
export function parseOptions<T>(schema: z.ZodType<T>, input: unknown, prefix: string): T {
  const { data, issues } = checkOptions(schema, input, prefix);
  throwIssues(issues);
  if (data === undefined) throw new InvalidBreakerOptions(dotted(prefix, []), input, 'is invalid');
  return data;
}

/**
 * Throws one {@link InvalidBreakerOptions} for all `issues`, if there are any.
 * @throws InvalidBreakerOptions
 */
export function throwIssues(issues: readonly OptionIssue[]): void {
  const error = InvalidBreakerOptions.of(issues);
  if (error !== undefined) throw error;
}

/** True when no issue is about `path` or an object holding it (its value can be trusted). */
export function isSound(issues: readonly OptionIssue[], path: string): boolean {
  return !issues.some(
    (issue) =>
      issue.option === 'options' ||
      issue.option === path ||
      path.startsWith(`${issue.option}.`) ||
      issue.option.startsWith(`${path}.`),
  );
}

function dotted(prefix: string, path: readonly PropertyKey[]): string {
  const joined = [prefix, ...path.map(String)].filter((part) => part !== '').join('.');
  return joined === '' ? 'options' : joined;
}

function humanize(message: string): string {
  return message.replace(/^Invalid input: /, '').replace(/^(Too (big|small)): /, '');
}

/** The value at a dotted-path's keys inside `input` (undefined when absent). */
export function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}
