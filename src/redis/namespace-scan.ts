import { isValidName } from '../util/names.js';
import type { RedisClient } from './connection-option.js';
import { replicaKeyPrefix } from './keys.js';
import { scanKeys } from './scan-keys.js';

/** What one pass of SCAN found in a namespace. */
export interface NamespaceKeys {
  /** Names of the breakers with a record (`<ns>:{<name>}:state`), sorted. */
  readonly breakers: readonly string[];
  /** Presence keys of the replicas (`<ns>:replica:<id>`), sorted. */
  readonly replicaKeys: readonly string[];
  /** SCAN commands the pass took. */
  readonly scans: number;
}

/**
 * Lists a namespace with SCAN (never KEYS, which blocks Redis for the whole
 * keyspace at once): one pass over `<ns>:*`, picking out breaker records and
 * replica presence keys. Namespaces hold only letters, digits and
 * `. _ - / @ + =`, none of them a glob character, so the pattern is literal.
 * A key written during the pass may or may not be seen (SCAN's guarantee).
 * On a Cluster the pass runs on every master ({@link scanKeys}).
 */
export async function scanNamespace(
  client: RedisClient,
  namespace: string,
): Promise<NamespaceKeys> {
  const recordPrefix = `${namespace}:{`;
  const recordSuffix = '}:state';
  const replicaPrefix = replicaKeyPrefix(namespace);
  const breakers = new Set<string>();
  const replicaKeys = new Set<string>();
  const { keys, scans } = await scanKeys(client, `${namespace}:*`);
  for (const key of keys) {
    if (key.startsWith(replicaPrefix)) {
      replicaKeys.add(key);
    } else if (key.startsWith(recordPrefix) && key.endsWith(recordSuffix)) {
      const name = key.slice(recordPrefix.length, -recordSuffix.length);
      if (isValidName(name)) breakers.add(name);
    }
  }
  return { breakers: [...breakers].sort(), replicaKeys: [...replicaKeys].sort(), scans };
}
