import type { CircuitRecord } from '../engine/circuit.js';
import type { ClockOffset } from '../redis/clock-offset.js';
import type { SharedSnapshot } from '../redis/script-reply.js';
import type { DriverSnapshot, StoreMode } from './circuit-driver.js';

/** The shared record as a local engine's starting point: its deadlines moved onto this process's clock. */
export function localRecordFrom(snapshot: SharedSnapshot, offset: ClockOffset): CircuitRecord {
  return {
    state: snapshot.state,
    epoch: snapshot.epoch,
    openUntil: offset.toLocal(snapshot.openUntil),
    backoffStep: snapshot.backoffStep,
    probeToken: snapshot.probeToken,
    probeLeaseUntil: offset.toLocal(snapshot.probeLeaseUntil),
    changedAt: offset.toLocal(snapshot.changedAt),
    reason: snapshot.reason,
    trippedBy: snapshot.trippedBy ?? null,
  };
}

/** A script's snapshot as the store reports it (times stay on the Redis clock). */
export function driverSnapshotOf(s: SharedSnapshot, mode: StoreMode): DriverSnapshot {
  const { calls, failures, slowCalls, replicas } = s.window;
  return {
    record: {
      state: s.state,
      epoch: s.epoch,
      openUntil: s.openUntil,
      backoffStep: s.backoffStep,
      probeToken: s.probeToken,
      probeLeaseUntil: s.probeLeaseUntil,
      changedAt: s.changedAt,
      reason: s.reason,
      trippedBy: s.trippedBy ?? null,
    },
    window: { calls, failures, slowCalls, replicas },
    lastError: s.lastError === '' ? null : s.lastError,
    lastErrorAt: s.lastErrorAt === 0 ? null : s.lastErrorAt,
    mode,
    at: s.now,
  };
}
