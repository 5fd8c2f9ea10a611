import type { BreakerBox } from '../box/breaker-box.js';
import type { ComponentHealth, HealthStatus } from '../box/health-types.js';
import type { Breaker } from '../breaker/breaker.js';
import type { BreakerSnapshot } from '../breaker/breaker-snapshot.js';
import { toBreakerSnapshot } from '../breaker/breaker-snapshot.js';
import { aggregateStatus } from '../health/aggregate.js';
import type { StoreMode } from '../store/circuit-driver.js';
import type { FleetRecord } from '../store/fleet-reader.js';
import { driverSnapshotOf } from '../store/record-conversions.js';
import type { ReplicaPresence } from '../store/replica-presence.js';
import { errorMessage } from '../util/error-message.js';
import type { FleetListing } from './fleet-listing.js';

/** What this replica has counted for one breaker since it started (the sparkline's own share). */
export interface DashboardCounters {
  readonly calls: number;
  readonly refusals: number;
}

/** Calls and refusals per second of the other replicas, from their presence entries. */
export interface FleetRates {
  readonly calls: number;
  readonly refusals: number;
}

interface Shown {
  /** Whether this replica created the breaker (its counters are then live). */
  readonly local: boolean;
  readonly counters: DashboardCounters | null;
  readonly others: FleetRates;
}

/** One breaker on the dashboard: a shared record (`fleet`/`snapshot`), or this replica's view when none could be read. */
export type DashboardBreaker =
  | (BreakerSnapshot &
      Shown & {
        readonly source: 'fleet' | 'snapshot';
        /** `recorded`: the window was summed with its replicas' stored config; `default`: none stored yet. */
        readonly windowConfig?: 'recorded' | 'default';
      })
  | (Shown & {
      readonly source: 'view';
      readonly name: string;
      readonly state: string;
      /** Why the shared snapshot could not be read. */
      readonly error: string;
    });

/** Everything the dashboard page shows, sent as one `snapshot` event. */
export interface DashboardView {
  readonly replicaId: string;
  readonly mode: StoreMode;
  readonly health: HealthStatus;
  readonly components: readonly ComponentHealth[];
  readonly breakers: readonly DashboardBreaker[];
  /** Every live replica's presence entry (empty without Redis). */
  readonly replicas: readonly ReplicaPresence[];
  /** `fleet`: every breaker of the namespace; `replica`: only this replica's (no Redis, or it failed: `fleetError`). */
  readonly scope: 'fleet' | 'replica';
  readonly fleetError?: string;
  /** The server's clock, so the page counts `openUntil` down against it, not its own. */
  readonly at: number;
}

const NO_RATES: FleetRates = { calls: 0, refusals: 0 };

function counters(breaker: Breaker<unknown> | undefined): DashboardCounters | null {
  if (breaker === undefined) return null;
  const s = breaker.stats;
  return {
    calls: s.successes + s.failures + s.slowSuccesses + s.slowFailures,
    refusals: s.refusals,
  };
}

function othersRates(replicas: readonly ReplicaPresence[], self: string): Map<string, FleetRates> {
  const sums = new Map<string, FleetRates>();
  for (const replica of replicas) {
    if (replica.replicaId === self) continue;
    for (const [name, [calls, refusals]] of Object.entries(replica.rates)) {
      const sum = sums.get(name) ?? NO_RATES;
      sums.set(name, { calls: sum.calls + calls, refusals: sum.refusals + refusals });
    }
  }
  return sums;
}

async function describeLocal(breaker: Breaker<unknown>): Promise<DashboardBreaker> {
  const shown = { local: true, counters: counters(breaker), others: NO_RATES };
  try {
    return { ...(await breaker.snapshot()), ...shown, source: 'snapshot' };
  } catch (error) {
    const { name, state } = breaker;
    return { name, state, error: errorMessage(error), ...shown, source: 'view' };
  }
}

function describeRecord(
  record: FleetRecord,
  box: BreakerBox,
  others: ReadonlyMap<string, FleetRates>,
): DashboardBreaker {
  const breaker = box.findBreaker(record.name);
  const critical = breaker?.options.critical ?? false;
  return {
    ...toBreakerSnapshot(record.name, critical, driverSnapshotOf(record.snapshot, 'shared')),
    local: breaker !== undefined,
    counters: counters(breaker),
    others: others.get(record.name) ?? NO_RATES,
    source: 'fleet',
    windowConfig: record.storedConfig ? 'recorded' : 'default',
  };
}

function replicaPart(
  box: BreakerBox,
): Pick<DashboardView, 'replicaId' | 'mode' | 'health' | 'components' | 'at'> {
  const components = box.healthComponents();
  return {
    replicaId: box.replicaId,
    mode: box.mode,
    health: aggregateStatus(components),
    components,
    at: Date.now(),
  };
}

/**
 * Builds the dashboard's view. With Redis: every breaker of the namespace
 * from the shared listing (created on this replica or not), every live
 * replica's presence, and this replica's counters where it has the breaker.
 * Without Redis, or while the fleet cannot be read (local mode): this
 * replica's breakers only, saying why.
 */
export async function dashboardView(
  box: BreakerBox,
  listing: FleetListing | undefined,
): Promise<DashboardView> {
  let fleetError: string | undefined;
  if (listing !== undefined && box.mode === 'shared') {
    try {
      const read = await listing.read();
      const others = othersRates(read.replicas, box.replicaId);
      const breakers = [...read.records.values()].map((r) => describeRecord(r, box, others));
      // Created here but with no record yet (no outcome flushed): still shown.
      for (const breaker of box.breakers())
        if (!read.records.has(breaker.name)) breakers.push(await describeLocal(breaker));
      breakers.sort((a, b) => a.name.localeCompare(b.name));
      return { ...replicaPart(box), breakers, replicas: read.replicas, scope: 'fleet' };
    } catch (error) {
      fleetError = errorMessage(error);
    }
  } else if (listing !== undefined) {
    fleetError = `the store is in ${box.mode} mode: Redis is not answering`;
  }
  const breakers = await Promise.all(box.breakers().map(describeLocal));
  breakers.sort((a, b) => a.name.localeCompare(b.name));
  return {
    ...replicaPart(box),
    breakers,
    replicas: [],
    scope: 'replica',
    ...(fleetError === undefined ? {} : { fleetError }),
  };
}
