import { Cluster } from 'ioredis';
import type { Redis } from 'ioredis';
import type { RedisClient } from './connection-option.js';

/** Keys per SCAN call: a hint to Redis, not a limit. */
const SCAN_COUNT = 1_000;

/** What a SCAN pass found, and how many SCAN commands it took. */
export interface ScannedKeys {
  readonly keys: string[];
  readonly scans: number;
}

/**
 * Every key matching `pattern`, once each. On a Cluster, SCAN only sees the
 * keys of the node it is sent to, so it runs on every master (the replicas
 * hold copies of the same keys); on one Redis it runs there. ioredis offers
 * `scanStream` per node but nothing across a cluster: hence this helper.
 */
export async function scanKeys(client: RedisClient, pattern: string): Promise<ScannedKeys> {
  const nodes: Redis[] = client instanceof Cluster ? client.nodes('master') : [client];
  const found = new Set<string>();
  let scans = 0;
  await Promise.all(
    nodes.map(async (node) => {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT);
        scans++;
        cursor = next;
        for (const key of keys) found.add(key);
      } while (cursor !== '0');
    }),
  );
  return { keys: [...found], scans };
}
