import { createHash, timingSafeEqual } from 'node:crypto';

const PREFIX = 'Bearer ';

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * Checks `Authorization: Bearer <token>` against the admin token in constant
 * time: both sides are hashed to equal-length digests before
 * `crypto.timingSafeEqual`, so neither the token's length nor its prefix leaks.
 */
export function bearerMatcher(token: string): (header: string | undefined) => boolean {
  const expected = digest(token);
  return (header) => {
    const given = header?.startsWith(PREFIX) === true ? header.slice(PREFIX.length) : '';
    // Compare even when the header is missing, so every refusal takes the same time.
    const equal = timingSafeEqual(digest(given), expected);
    return equal && given.length > 0;
  };
}
