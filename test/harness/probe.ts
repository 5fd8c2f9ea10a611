import { Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';
import { assertAllowedPort } from './free-port.js';

/** Where a probe connects: a TCP host/port or a unix socket path. */
export type ProbeTarget = { host: string; port: number } | { path: string };

/** Options of a probe connection: short timeouts, no retries, no offline queue. */
function probeOptions(target: ProbeTarget, timeoutMs: number): RedisOptions {
  const base: RedisOptions = {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    enableReadyCheck: false,
    disableClientInfo: true,
    protocol: 2,
  };
  if ('path' in target) return { ...base, path: target.path };
  assertAllowedPort(target.port);
  return { ...base, host: target.host, port: target.port };
}

/**
 * Opens a short-lived, non-retrying ioredis connection to `target`, runs `fn`
 * with it, and always disconnects. Used for readiness and state polling; the
 * connection is never shared with tests.
 */
export async function withProbe<T>(
  target: ProbeTarget,
  fn: (redis: Redis) => Promise<T>,
  timeoutMs = 1_000,
): Promise<T> {
  const redis = new Redis(probeOptions(target, timeoutMs));
  redis.on('error', () => {
    // Failures surface through the rejected promises below.
  });
  try {
    await redis.connect();
    return await fn(redis);
  } finally {
    redis.disconnect();
  }
}

/** Sends one raw command through a probe connection and returns the reply. */
export function probeCommand(
  target: ProbeTarget,
  command: string,
  args: readonly (string | number)[] = [],
  timeoutMs = 1_000,
): Promise<unknown> {
  return withProbe(target, (redis) => redis.call(command, ...args), timeoutMs);
}

/**
 * Parses `INFO`-style text ("field:value" lines) into a map.
 */
export function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

/** Runs `INFO <section>` through a probe connection and parses it. */
export async function probeInfo(
  target: ProbeTarget,
  section: string,
  timeoutMs = 1_000,
): Promise<Map<string, string>> {
  const text = await withProbe(target, (redis) => redis.info(section), timeoutMs);
  return parseInfo(text);
}
