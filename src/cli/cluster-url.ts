import type { RedisClusterNodes } from '../redis/connection-option.js';
import { parseRedisUrl } from '../redis/redis-url.js';

/**
 * The box's `{ cluster }` option from one `redis://` or `rediss://` URL naming
 * a startup node (its credentials and TLS apply to every node).
 * @throws InvalidBreakerOptions for a value that is not such a URL
 */
export function clusterFromUrl(url: string): RedisClusterNodes {
  const parsed = parseRedisUrl(url);
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
