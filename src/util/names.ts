import { InvalidBreakerOptions } from '../errors/invalid-breaker-options.js';

/** Longest breaker name accepted. */
export const MAX_NAME_LENGTH = 128;

const NAME_PATTERN = /^[A-Za-z0-9._\-/@+=]+$/;
/** Printable ASCII but for the braces. */
const REPLICA_PATTERN = /^[\x21-\x7a|~]+$/;

/**
 * Checks a breaker name (or namespace): 1 to 128 characters of letters,
 * digits and `. _ - / @ + =`. Braces would break the Redis Cluster hash tag,
 * colons the key layout; whitespace and control characters are refused too.
 * @throws InvalidBreakerOptions naming `option`
 */
export function validateName(value: unknown, option = 'name'): string {
  if (typeof value !== 'string') throw new InvalidBreakerOptions(option, value, 'must be a string');
  if (value.length === 0) throw new InvalidBreakerOptions(option, value, 'must not be empty');
  if (value.length > MAX_NAME_LENGTH) {
    throw new InvalidBreakerOptions(option, value, `must be at most ${MAX_NAME_LENGTH} characters`);
  }
  if (!NAME_PATTERN.test(value)) {
    throw new InvalidBreakerOptions(
      option,
      value,
      `may hold only letters, digits and . _ - / @ + = (no braces, colons, whitespace or control characters; found ${describeOffender(value, NAME_PATTERN)})`,
    );
  }
  return value;
}

/** Whether `value` is a name a breaker (or namespace) can have; see {@link validateName}. */
export function isValidName(value: string): boolean {
  return value.length > 0 && value.length <= MAX_NAME_LENGTH && NAME_PATTERN.test(value);
}

/**
 * Checks a replica id: 1 to 128 printable characters with no whitespace and
 * no braces (colons are fine: the default is `hostname:pid`).
 * @throws InvalidBreakerOptions naming `replicaId`
 */
export function validateReplicaId(value: unknown): string {
  if (typeof value !== 'string')
    throw new InvalidBreakerOptions('replicaId', value, 'must be a string');
  if (value.length === 0 || value.length > MAX_NAME_LENGTH) {
    throw new InvalidBreakerOptions(
      'replicaId',
      value,
      `must be 1 to ${MAX_NAME_LENGTH} characters`,
    );
  }
  if (!REPLICA_PATTERN.test(value)) {
    throw new InvalidBreakerOptions(
      'replicaId',
      value,
      `must be printable ASCII without whitespace or braces (found ${describeOffender(value, REPLICA_PATTERN)})`,
    );
  }
  return value;
}

function describeOffender(value: string, pattern: RegExp): string {
  for (const char of value) {
    if (!pattern.test(char)) {
      const code = char.codePointAt(0) ?? 0;
      return code < 0x20 || code === 0x7f || /\s/.test(char)
        ? `U+${code.toString(16).toUpperCase().padStart(4, '0')}`
        : JSON.stringify(char);
    }
  }
  return 'an invalid character';
}
