import type { Redis } from 'ioredis';
import { isValidName } from '../util/names.js';
import { replicaKeyPrefix } from './keys.js';

/** What one pass of SCAN found in a namespace. */
export interface NamespaceKeys {
  /** Names of the breakers with a record (`<ns>:{<name>}:state`), sorted. */
  readonly breakers: readonly string[];
  /** Presence keys of the replicas (`<ns>:replica:<id>`), sorted. */
  readonly replicaKeys: readonly string[];
  /** SCAN commands the pass took. */
  readonly scans: number;
}

/** Keys SCAN looks at per call: a hint to Redis, not a limit. */
const COUNT_HINT = 1_000;

/**
 * Lists a namespace with SCAN (never KEYS, which blocks Redis for the whole
 * keyspace at once): one pass over `<ns>:*`, picking out breaker records and
 * replica presence keys. Namespaces hold only letters, digits and
 * `. _ - / @ + =`, none of them a glob character, so the pattern is literal.
 * A key written during the pass may or may not be seen (SCAN's guarantee).
 */
export async function scanNamespace(client: Redis, namespace: string): Promise<NamespaceKeys> {
  const recordPrefix = `${namespace}:{`;
  const recordSuffix = '}:state';
  const replicaPrefix = replicaKeyPrefix(namespace);
  const breakers = new Set<string>();
  const replicaKeys = new Set<string>();
  let cursor = '0';
  let scans = 0;
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${namespace}:*`, 'COUNT', COUNT_HINT);
    scans++;
    cursor = next;
    for (const key of keys) {
      if (key.startsWith(replicaPrefix)) {
        replicaKeys.add(key);
      } else if (key.startsWith(recordPrefix) && key.endsWith(recordSuffix)) {
        const name = key.slice(recordPrefix.length, -recordSuffix.length);
        if (isValidName(name)) breakers.add(name);
      }
    }
  } while (cursor !== '0');
  return { breakers: [...breakers].sort(), replicaKeys: [...replicaKeys].sort(), scans };
}
