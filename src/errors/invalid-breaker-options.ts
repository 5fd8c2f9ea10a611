import { BreakerBoxError } from './breakerbox-error.js';

/** One refused option: its dotted path, the value given, and why. */
export interface OptionIssue {
  /** Dotted path of the option (`openBackoff.baseMs`, `name`, …). */
  readonly option: string;
  /** The value that was refused. */
  readonly value: unknown;
  /** Why, with the unit and the range (`must be a fraction in (0, 1]: 0.5 means 50%`). */
  readonly reason: string;
}

/**
 * Thrown at construction when options or a breaker name are invalid. Every
 * bad option is listed in `issues` (and in the message); `option` and `value`
 * are the first one's, for code that looks at one.
 */
export class InvalidBreakerOptions extends BreakerBoxError {
  readonly code = 'INVALID_BREAKER_OPTIONS' as const;
  /** Dotted path of the (first) offending option. */
  readonly option: string;
  /** The value that was refused (the first offending option's). */
  readonly value: unknown;
  /** Every refused option, in the order found; at least one. */
  readonly issues: readonly OptionIssue[];

  constructor(option: string, value: unknown, reason: string, more: readonly OptionIssue[] = []) {
    const issues = [{ option, value, reason }, ...more];
    super(
      issues.length === 1
        ? `invalid option ${describeIssue(issues[0])}`
        : `invalid options (${String(issues.length)}): ${issues.map(describeIssue).join('; ')}`,
    );
    this.option = option;
    this.value = value;
    this.issues = Object.freeze(issues.map((issue) => Object.freeze(issue)));
  }

  /**
   * One error for every issue, or undefined when there is none.
   */
  static of(issues: readonly OptionIssue[]): InvalidBreakerOptions | undefined {
    if (issues.length === 0) return undefined;
    const [first, ...more] = issues;
    return new InvalidBreakerOptions(first.option, first.value, first.reason, more);
  }
}

function describeIssue(issue: OptionIssue): string {
  return `${issue.option}: ${issue.reason} (got ${describeValue(issue.value)})`;
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
