/** Reading what BullMQ and breakerbox wrote to Redis, for the jobs tests. */
import type { Redis } from 'ioredis';
import { waitUntil } from '../harness/index.js';
import type { JobsReplica } from './replica/jobs-fleet.js';

/** Fields of every entry of a stream, oldest first. */
export async function streamEntries(redis: Redis, key: string): Promise<Record<string, string>[]> {
  const entries = await redis.xrange(key, '-', '+');
  return entries.map(([, fields]) => {
    const record: Record<string, string> = {};
    for (let i = 0; i + 1 < fields.length; i += 2) record[fields[i] ?? ''] = fields[i + 1] ?? '';
    return record;
  });
}

/** The ids of probe jobs of `breaker` added to the probe queue, one entry per add (duplicates excluded). */
export async function addedProbeJobs(
  redis: Redis,
  namespace: string,
  breaker: string,
): Promise<string[]> {
  const events = await streamEntries(redis, `{${namespace}}:breakerbox-probes:events`);
  return events
    .filter((event) => event.event === 'added' && event.jobId.startsWith(`probe.${breaker}.`))
    .map((event) => event.jobId);
}

/** The epochs at which `breaker` went open (its transition stream). */
export async function openings(
  redis: Redis,
  namespace: string,
  breaker: string,
): Promise<number[]> {
  const events = await streamEntries(redis, `${namespace}:{${breaker}}:events`);
  return events.filter((event) => event.to === 'open').map((event) => Number(event.epoch));
}

/** Waits until every replica reports `state` for `dep`. */
export async function waitForFleetState(
  replicas: readonly JobsReplica[],
  state: string,
  timeoutMs = 10_000,
): Promise<void> {
  await waitUntil(
    async () => {
      const states = await Promise.all(replicas.map((replica) => replica.send({ type: 'state' })));
      return states.every((seen) => seen === state);
    },
    { timeoutMs, intervalMs: 20, description: `every replica to see dep ${state}` },
  );
}

/** The shared record's state (`st` of `<ns>:{<breaker>}:state`). */
export async function sharedState(
  redis: Redis,
  namespace: string,
  breaker: string,
): Promise<string> {
  return (await redis.hget(`${namespace}:{${breaker}}:state`, 'st')) ?? 'closed';
}
