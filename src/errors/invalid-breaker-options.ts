import { BreakerBoxError } from './breakerbox-error.js';

/**
 * Thrown at construction when an option or a breaker name is invalid.
 * `option` is the dotted path of the offending option (`openBackoff.baseMs`,
 * `name`, …) and `value` the value that was given.
 */
export class InvalidBreakerOptions extends BreakerBoxError {
  readonly code = 'INVALID_BREAKER_OPTIONS' as const;
  /** Dotted path of the offending option. */
  readonly option: string;
  /** The value that was refused. */
  readonly value: unknown;

  constructor(option: string, value: unknown, reason: string) {
    super(`invalid option ${option}: ${reason} (got ${describeValue(value)})`);
    this.option = option;
    this.value = value;
  }
}

/** Renders any value briefly and safely for an error message. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string')
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'function') return 'a function';
  if (value === null || typeof value !== 'object') return String(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  try {
    const text = JSON.stringify(value);
    return text.length > 60 ? `${text.slice(0, 60)}…` : text;
  } catch {
    return 'an object';
  }
}

/** Type guard for {@link InvalidBreakerOptions}. */
export function isInvalidBreakerOptions(value: unknown): value is InvalidBreakerOptions {
  return value instanceof InvalidBreakerOptions;
}
