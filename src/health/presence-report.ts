import type { FeatureHost, HealthService, JobsService, SafetyGate } from '../box/box-features.js';
import type { ReplicaPresence } from '../store/replica-presence.js';
import { aggregateStatus } from './aggregate.js';

/** Breakers whose rates one entry carries at most, busiest first: the entry stays a few kB. */
const MOST_RATES = 200;

/** A breaker's counts as of the previous entry (updated in place). */
interface Counted {
  calls: number;
  refusals: number;
}

/**
 * Builds this replica's presence entry (see `src/store/replica-presence.ts`)
 * from the box and its features: mode, aggregate health, bound workers,
 * gate refusals, and each busy breaker's calls and refusals per second since
 * the previous entry. Reads only what is in memory: no Redis, no checks run.
 */
export class PresenceReport {
  private readonly previous = new Map<string, Counted>();
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
    // Every presence interval: only the components that are not healthy are built.
    const components = this.health.notHealthy(now);
    let gateRefusals = 0;
    for (const count of this.gate.refusals.values()) gateRefusals += count;
    const breakers = this.host.breakers();
    return {
      replicaId: this.host.replicaId,
      mode: this.host.mode,
      health: aggregateStatus(components),
      unhealthy: components.map((c) => c.name),
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
    const breakers = this.host.breakers();
    const busy: [string, number, number][] = [];
    // Runs every presence interval over every breaker: an idle breaker costs
    // a lookup and no allocation (10,000 of them allocated 20,000 objects a
    // round, which was most of an idle box's CPU).
    for (const breaker of breakers) {
      const s = breaker.stats;
      const calls = s.successes + s.failures + s.slowSuccesses + s.slowFailures;
      const refusals = s.refusals;
      const before = this.previous.get(breaker.name);
      if (before === undefined) {
        if (calls === 0 && refusals === 0) continue;
        this.previous.set(breaker.name, { calls, refusals });
        busy.push([breaker.name, calls / seconds, refusals / seconds]);
        continue;
      }
      if (before.calls === calls && before.refusals === refusals) continue;
      const callRate = Math.max(0, calls - before.calls) / seconds;
      const refusalRate = Math.max(0, refusals - before.refusals) / seconds;
      before.calls = calls;
      before.refusals = refusals;
      if (callRate > 0 || refusalRate > 0) busy.push([breaker.name, callRate, refusalRate]);
    }
    if (this.previous.size > breakers.length) this.forgetRetired(breakers);
    this.previousAt = now;
    busy.sort((a, b) => b[1] + b[2] - (a[1] + a[2]));
    const rates: Record<string, readonly [number, number]> = {};
    for (const [name, calls, refusals] of busy.slice(0, MOST_RATES))
      rates[name] = [round(calls), round(refusals)];
    return rates;
  }

  /** Drops the counts of breakers the box no longer has (retired). */
  private forgetRetired(breakers: readonly { readonly name: string }[]): void {
    const live = new Set(breakers.map((breaker) => breaker.name));
    for (const name of this.previous.keys()) if (!live.has(name)) this.previous.delete(name);
  }
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
