import calculateSlot from 'cluster-key-slot';
import { Cluster } from 'ioredis';
import type { RedisClient } from './connection-option.js';

/**
 * Splits `items` into groups whose keys are served by one node, so that each
 * group can be one pipeline: an ioredis Cluster pipeline must target one node
 * (it fails with "All keys in the pipeline should belong to the same slots
 * allocation group" otherwise). On one Redis everything is one group. The
 * node is read from the client's slot map (master first); a slot not yet
 * mapped gets a group of its own, which is always safe. Order within a
 * group is kept.
 */
export function groupByNode<T>(
  client: RedisClient,
  items: readonly T[],
  keyOf: (item: T) => string,
): T[][] {
  if (!(client instanceof Cluster)) return items.length === 0 ? [] : [[...items]];
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const slot = calculateSlot(keyOf(item));
    const node = client.slots[slot]?.[0] ?? `slot:${String(slot)}`;
    let group = groups.get(node);
    if (group === undefined) {
      group = [];
      groups.set(node, group);
    }
    group.push(item);
  }
  return [...groups.values()];
}

/**
 * Pings what the box depends on: the one Redis, or every master of a
 * Cluster (a `PING` on a Cluster reaches one node only, and a failed master
 * leaves the others answering while its slots do not).
 */
export async function pingAll(client: RedisClient): Promise<void> {
  if (!(client instanceof Cluster)) {
    await client.ping();
    return;
  }
  const masters = client.nodes('master');
  if (masters.length === 0) throw new Error('no cluster master known');
  await Promise.all(masters.map((node) => node.ping()));
}
