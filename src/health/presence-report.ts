import type { FeatureHost, HealthService, JobsService, SafetyGate } from '../box/box-features.js';
import type { ReplicaPresence } from '../store/replica-presence.js';
import { aggregateStatus } from './aggregate.js';

/** Breakers whose rates one entry carries at most, busiest first: the entry stays a few kB. */
const MOST_RATES = 200;

interface Counted {
  readonly calls: number;
  readonly refusals: number;
}

/**
 * Builds this replica's presence entry (see `src/store/replica-presence.ts`)
 * from the box and its features: mode, aggregate health, bound workers,
 * gate refusals, and each busy breaker's calls and refusals per second since
 * the previous entry. Reads only what is in memory: no Redis, no checks run.
 */
export class PresenceReport {
  private previous = new Map<string, Counted>();
  private previousAt: number;

  constructor(
    private readonly host: FeatureHost,
    private readonly health: HealthService,
    private readonly gate: SafetyGate,
    private readonly jobs: JobsService,
    private readonly startedAt: number,
  ) {
    this.previousAt = startedAt;
  }

  /** The entry as of now. */
  build(): ReplicaPresence {
    const now = this.host.clock.now();
    const components = this.health.components(now);
    let gateRefusals = 0;
    for (const count of this.gate.refusals.values()) gateRefusals += count;
    const breakers = this.host.breakers();
    return {
      replicaId: this.host.replicaId,
      mode: this.host.mode,
      health: aggregateStatus(components),
      unhealthy: components.filter((c) => c.status !== 'healthy').map((c) => c.name),
      breakers: breakers.length,
      workers: this.jobs.boundWorkers(),
      gateRefusals,
      rates: this.rates(now),
      startedAt: this.startedAt,
      at: now,
    };
  }

  private rates(now: number): Record<string, readonly [number, number]> {
    const seconds = Math.max(0.001, (now - this.previousAt) / 1000);
    const current = new Map<string, Counted>();
    const busy: [string, number, number][] = [];
    for (const breaker of this.host.breakers()) {
      const s = breaker.stats;
      const counted = {
        calls: s.successes + s.failures + s.slowSuccesses + s.slowFailures,
        refusals: s.refusals,
      };
      current.set(breaker.name, counted);
      const before = this.previous.get(breaker.name) ?? { calls: 0, refusals: 0 };
      const calls = Math.max(0, counted.calls - before.calls) / seconds;
      const refusals = Math.max(0, counted.refusals - before.refusals) / seconds;
      if (calls > 0 || refusals > 0) busy.push([breaker.name, calls, refusals]);
    }
    this.previous = current;
    this.previousAt = now;
    busy.sort((a, b) => b[1] + b[2] - (a[1] + a[2]));
    const rates: Record<string, readonly [number, number]> = {};
    for (const [name, calls, refusals] of busy.slice(0, MOST_RATES))
      rates[name] = [round(calls), round(refusals)];
    return rates;
  }
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
