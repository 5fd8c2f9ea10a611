/**
 * The scale commands of a replica (protocol.ts: populate, spread, observe,
 * retire-all): many breakers named from data on one box, what they cost it
 * (heap, CPU, event-loop delay, Redis traffic), and what retiring them frees.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Breaker, BreakerBox } from '../../src/index.js';
import { RedisStore } from '../../src/store/redis-store.js';
import { settledHeapUsed } from '../lib/memory.js';
import { sleep } from '../lib/timing.js';
import type { Command, Observation, PopulateResult, RetireResult } from './protocol.js';

const noop = async (): Promise<void> => {};

/** Everything a replica keeps for the scale commands. */
export class ScaleOps {
  private names: string[] = [];

  constructor(private readonly box: BreakerBox) {}

  private get store(): RedisStore {
    const store = this.box.store;
    if (!(store instanceof RedisStore)) throw new Error('the scale case needs the Redis store');
    return store;
  }

  async populate(command: Extract<Command, { op: 'populate' }>): Promise<PopulateResult> {
    const heapBefore = settledHeapUsed();
    const start = performance.now();
    const breakers: Breaker[] = [];
    for (let i = 0; i < command.count; i++) {
      const name = `${command.prefix}${i}`;
      this.names.push(name);
      breakers.push(this.box.breaker(name, command.options));
    }
    // Every breaker's first read goes through the sweep; wait for all of them.
    const drivers = breakers.map((breaker) => breaker['driver']);
    while (drivers.some((driver) => 'lastSyncAt' in driver && driver.lastSyncAt === 0)) {
      await sleep(50);
    }
    const readyMs = performance.now() - start;
    breakers.length = 0;
    drivers.length = 0;
    await sleep(500);
    return { heapBefore, heapAfter: settledHeapUsed(), readyMs };
  }

  /** One call to each breaker, spread evenly over `durationMs` (a slice every 10 ms). */
  spread(durationMs: number): Promise<Observation> {
    return this.observed(durationMs, async (end) => {
      const names = this.names;
      const start = performance.now();
      let done = 0;
      while (done < names.length) {
        const due = Math.min(
          names.length,
          Math.ceil(((performance.now() - start) / durationMs) * names.length),
        );
        for (; done < due; done++) await this.box.breaker(names[done] ?? '').call(noop);
        if (performance.now() >= end && done >= names.length) break;
        await sleep(10);
      }
      return done;
    });
  }

  /** Idle once the flush backlog drained (no record sent for a second) and after a full collection. */
  async observe(durationMs: number): Promise<Observation> {
    let records = -1;
    while (records !== this.store.flushStats.records) {
      records = this.store.flushStats.records;
      await sleep(1_000);
    }
    settledHeapUsed();
    return this.observed(durationMs, async () => {
      await sleep(durationMs);
      return 0;
    });
  }

  async retireAll(): Promise<RetireResult> {
    const start = performance.now();
    let retired = 0;
    for (const name of this.names) if (await this.box.retire(name)) retired++;
    this.names = [];
    const ms = performance.now() - start;
    await sleep(500);
    return { retired, ms, heapAfter: settledHeapUsed(), storeSize: this.store.size };
  }

  private async observed(
    durationMs: number,
    work: (end: number) => Promise<number>,
  ): Promise<Observation> {
    const store = this.store;
    const records = store.flushStats.records;
    const reads = store.sweep.stats.reads;
    store.sweep.stats.largestBurst = 0;
    store.sweep.stats.longestSliceMs = 0;
    const histogram = monitorEventLoopDelay({ resolution: 5 });
    histogram.enable();
    const cpu = process.cpuUsage();
    const start = performance.now();
    const calls = await work(start + durationMs);
    const ms = performance.now() - start;
    const used = process.cpuUsage(cpu);
    histogram.disable();
    // The histogram counts how late a 5-ms timer fired, in ns.
    const late = (value: number): number => Math.max(0, value / 1e6 - 5);
    return {
      ms,
      cpuPercent: ((used.user + used.system) / 1_000 / ms) * 100,
      loopP50Ms: late(histogram.percentile(50)),
      loopP99Ms: late(histogram.percentile(99)),
      loopMaxMs: late(histogram.max),
      records: store.flushStats.records - records,
      reads: store.sweep.stats.reads - reads,
      largestReadBurst: store.sweep.stats.largestBurst,
      longestSweepSliceMs: store.sweep.stats.longestSliceMs,
      calls,
    };
  }
}
