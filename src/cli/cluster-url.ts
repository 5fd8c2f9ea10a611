import { InvalidBreakerOptions } from '../errors/invalid-breaker-options.js';
import type { RedisClusterNodes } from '../redis/connection-option.js';

/**
 * The box's `{ cluster }` option from one `redis://` or `rediss://` URL naming
 * a startup node (its credentials and TLS apply to every node).
 * @throws InvalidBreakerOptions for a value that is not such a URL
 */
export function clusterFromUrl(url: string): RedisClusterNodes {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidBreakerOptions(
      'redis',
      url,
      'is not a valid URL (expected redis://host:port)',
    );
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new InvalidBreakerOptions(
      'redis',
      url,
      `has protocol ${parsed.protocol} (expected redis:)`,
    );
  }
  const username = decodeURIComponent(parsed.username);
  const password = decodeURIComponent(parsed.password);
  return {
    cluster: [{ host: parsed.hostname, port: parsed.port === '' ? 6379 : Number(parsed.port) }],
    clusterOptions: {
      redisOptions: {
        ...(username === '' ? {} : { username }),
        ...(password === '' ? {} : { password }),
        ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
      },
    },
  };
}
