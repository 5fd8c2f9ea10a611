import type { SharedSnapshot } from '../../src/redis/script-reply.js';

/** A shared record as a script answers it: closed, epoch 0, no incarnation, unless overridden. */
export function snapshot(overrides: Partial<SharedSnapshot>): SharedSnapshot {
  return {
    state: 'closed',
    epoch: 0,
    openUntil: 0,
    backoffStep: 0,
    probeToken: '',
    probeLeaseUntil: 0,
    changedAt: 0,
    reason: '',
    lastError: '',
    lastErrorAt: 0,
    incarnation: '',
    now: 0,
    window: { calls: 0, failures: 0, slowCalls: 0, badReplicas: 0, replicas: {} },
    ...overrides,
  };
}
