import { InvalidBreakerOptions } from '../errors/invalid-breaker-options.js';

/**
 * Parses a `redis://` or `rediss://` URL given as the `redis` option (or to
 * the CLI's `--redis`).
 * @throws InvalidBreakerOptions for a value that is not such a URL
 */
export function parseRedisUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidBreakerOptions(
      'redis',
      url,
      'is not a valid URL (expected redis://host:port or rediss://…)',
    );
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new InvalidBreakerOptions(
      'redis',
      url,
      `has protocol ${parsed.protocol} (expected redis: or rediss:)`,
    );
  }
  return parsed;
}
