import type { ResolvedBreakerOptions } from './resolve-breaker-options.js';

/**
 * The dotted path of the first option that differs between two resolved
 * option sets, or undefined when they are the same. Functions compare by
 * identity, so pass the same function (or the same options object) again.
 */
export function firstDifference(
  a: ResolvedBreakerOptions,
  b: ResolvedBreakerOptions,
): { readonly path: string; readonly value: unknown } | undefined {
  return diff(a, b, '');
}

function diff(a: unknown, b: unknown, path: string): { path: string; value: unknown } | undefined {
  if (Object.is(a, b)) return undefined;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') {
    return { path: path === '' ? 'options' : path, value: b };
  }
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) {
    const found = diff(
      (a as Record<string, unknown>)[key],
      (b as Record<string, unknown>)[key],
      path === '' ? key : `${path}.${key}`,
    );
    if (found !== undefined) return found;
  }
  return undefined;
}
