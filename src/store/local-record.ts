import type { CircuitRecord } from '../engine/circuit.js';
import type { ClockOffset } from '../redis/clock-offset.js';
import type { SharedSnapshot } from '../redis/script-reply.js';

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
  };
}
