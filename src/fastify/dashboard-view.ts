import type { BreakerBox } from '../box/breaker-box.js';
import type { ComponentHealth, HealthStatus } from '../box/health-types.js';
import type { Breaker } from '../breaker/breaker.js';
import type { BreakerSnapshot } from '../breaker/breaker-snapshot.js';
import { aggregateStatus } from '../health/aggregate.js';
import type { StoreMode } from '../store/circuit-driver.js';
import { errorMessage } from '../util/error-message.js';

/** What this replica has counted for one breaker since it started (the sparkline's source). */
export interface DashboardCounters {
  readonly calls: number;
  readonly refusals: number;
}

/** One breaker on the dashboard: its shared snapshot (or, if that read failed, this replica's view) and counters. */
export type DashboardBreaker =
  | (BreakerSnapshot & { readonly source: 'snapshot'; readonly counters: DashboardCounters })
  | {
      readonly source: 'view';
      readonly name: string;
      readonly state: string;
      /** Why the shared snapshot could not be read. */
      readonly error: string;
      readonly counters: DashboardCounters;
    };

/** Everything the dashboard page shows, sent as one `snapshot` event. */
export interface DashboardView {
  readonly replicaId: string;
  readonly mode: StoreMode;
  readonly health: HealthStatus;
  readonly components: readonly ComponentHealth[];
  readonly breakers: readonly DashboardBreaker[];
  /** The server's clock, so the page counts `openUntil` down against it, not its own. */
  readonly at: number;
}

function counters(breaker: Breaker<unknown>): DashboardCounters {
  const s = breaker.stats;
  return {
    calls: s.successes + s.failures + s.slowSuccesses + s.slowFailures,
    refusals: s.refusals,
  };
}

async function describe(breaker: Breaker<unknown>): Promise<DashboardBreaker> {
  try {
    const snapshot = await breaker.snapshot();
    return { ...snapshot, source: 'snapshot', counters: counters(breaker) };
  } catch (error) {
    return {
      source: 'view',
      name: breaker.name,
      state: breaker.state,
      error: errorMessage(error),
      counters: counters(breaker),
    };
  }
}

/**
 * Builds the dashboard's view: every breaker this replica has, each with the
 * shared record (the fleet's window, per-replica shares included), and this
 * replica's mode and health.
 */
export async function dashboardView(box: BreakerBox): Promise<DashboardView> {
  const breakers = await Promise.all(box.breakers().map(describe));
  breakers.sort((a, b) => a.name.localeCompare(b.name));
  const components = box.healthComponents();
  return {
    replicaId: box.replicaId,
    mode: box.mode,
    health: aggregateStatus(components),
    components,
    breakers,
    at: Date.now(),
  };
}
