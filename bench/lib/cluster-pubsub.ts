/**
 * Plain PUBLISH vs sharded SPUBLISH on a local Redis Cluster, without
 * breakerbox: `subscribers` ioredis Cluster clients in this process listen on
 * one channel (`SUBSCRIBE`, or `SSUBSCRIBE` with `shardedSubscribers: true`),
 * a publisher client sends one message every `gapMs`, and each subscriber
 * stamps its arrival (`performance.now()`, the publisher's clock). Then the
 * cost: `costMessages` messages in awaited batches of 100, with the
 * `CLUSTER INFO` bus counters (`cluster_stats_messages_publish*_sent`) and
 * the `INFO cpu` time of every node read before and after.
 */
import { Cluster } from 'ioredis';
import type { RedisCluster } from '../../test/harness/index.js';
import { percentiles } from './stats.js';
import { sleep } from './timing.js';

/** What to measure. */
export interface PubSubRun {
  readonly sharded: boolean;
  readonly subscribers: number;
  readonly trials: number;
  readonly gapMs: number;
  readonly costMessages: number;
}

const CHANNEL = '{bench}:transitions';

/** Bus messages sent and CPU seconds used, summed over every node. */
async function nodeCounters(cluster: RedisCluster): Promise<{ bus: number; cpuS: number }> {
  let bus = 0;
  let cpuS = 0;
  for (const node of cluster.nodes) {
    const client = node.client();
    const clusterInfo = await client.cluster('INFO');
    for (const match of clusterInfo.matchAll(
      /^cluster_stats_messages_publish(?:shard)?_sent:(\d+)/gm,
    )) {
      bus += Number(match[1]);
    }
    const cpu = await client.info('cpu');
    for (const match of cpu.matchAll(/^used_cpu_(?:sys|user):([\d.]+)/gm)) cpuS += Number(match[1]);
  }
  return { bus, cpuS };
}

/** Measures one mode; answers the case's samples (each message's last arrival, ms) and figures. */
export async function measurePubSub(
  cluster: RedisCluster,
  run: PubSubRun,
): Promise<{ samples: number[]; info: Record<string, number> }> {
  const options = run.sharded ? { shardedSubscribers: true } : {};
  const arrivals = new Map<number, number[]>();
  const sentAt = new Map<number, number>();
  let received = 0;
  const subscribers = Array.from({ length: run.subscribers }, () => {
    const client = new Cluster(cluster.startupNodes, options);
    client.on('error', () => undefined);
    const onMessage = (channel: string, message: string): void => {
      if (channel !== CHANNEL) return;
      received++;
      const id = Number(message);
      const sent = sentAt.get(id);
      if (sent === undefined) return;
      const list = arrivals.get(id) ?? [];
      list.push(performance.now() - sent);
      arrivals.set(id, list);
    };
    client.on(run.sharded ? 'smessage' : 'message', onMessage);
    return client;
  });
  const publisher = new Cluster(cluster.startupNodes);
  publisher.on('error', () => undefined);
  const publish = (id: number): Promise<unknown> =>
    run.sharded ? publisher.spublish(CHANNEL, String(id)) : publisher.publish(CHANNEL, String(id));
  try {
    await Promise.all(
      subscribers.map((client) =>
        run.sharded ? client.ssubscribe(CHANNEL) : client.subscribe(CHANNEL),
      ),
    );
    await sleep(500);
    for (let id = 0; id < run.trials; id++) {
      sentAt.set(id, performance.now());
      await publish(id);
      await sleep(run.gapMs);
    }
    await sleep(500);
    const lastArrival: number[] = [];
    const each: number[] = [];
    for (let id = 0; id < run.trials; id++) {
      const list = arrivals.get(id) ?? [];
      if (list.length < run.subscribers)
        throw new Error(`message ${id}: ${list.length} of ${run.subscribers} arrived`);
      lastArrival.push(Math.max(...list));
      each.push(...list);
    }

    received = 0;
    const before = await nodeCounters(cluster);
    const costBase = run.trials;
    for (let sent = 0; sent < run.costMessages; sent += 100) {
      await Promise.all(Array.from({ length: 100 }, (_, i) => publish(costBase + sent + i)));
    }
    const deadline = Date.now() + 30_000;
    while (received < run.costMessages * run.subscribers && Date.now() < deadline) await sleep(20);
    const after = await nodeCounters(cluster);
    const last = percentiles(lastArrival);
    const all = percentiles(each);
    return {
      samples: lastArrival,
      info: {
        subscribers: run.subscribers,
        trials: run.trials,
        p50Ms: last.p50,
        p99Ms: last.p99,
        subscriberP50Ms: all.p50,
        subscriberP99Ms: all.p99,
        busMessagesPerPublish: (after.bus - before.bus) / run.costMessages,
        nodeCpuMicrosPerPublish: ((after.cpuS - before.cpuS) * 1e6) / run.costMessages,
        delivered: received / (run.costMessages * run.subscribers),
      },
    };
  } finally {
    publisher.disconnect();
    for (const client of subscribers) client.disconnect();
  }
}
