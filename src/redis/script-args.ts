import { randomUUID } from 'node:crypto';
import type { CircuitConfig } from '../engine/types.js';

/**
 * The config the scripts decide with, as the JSON they decode. Short keys:
 * f failure rate, s slow-call rate, m minimum calls, q minimum replicas,
 * w window type, wm window ms, wb buckets, ws window size, bb/bx/bm/bj backoff
 * base, max, multiplier, jitter, pl probe lease ms, it the record's idle TTL
 * in ms (present only when the box sets `recordIdleTtlMs`). Numbers survive
 * the trip bit-for-bit (shortest round-trip decimals, parsed by strtod).
 */
export function scriptConfig(config: CircuitConfig, idleTtlMs = 0): string {
  const window = config.window;
  const fields = {
    f: config.failureRateThreshold,
    s: config.slowCallRateThreshold,
    m: config.minimumCalls,
    q: config.minimumReplicas,
    w: window.type,
    wm: window.type === 'time' ? window.windowMs : 0,
    wb: window.type === 'time' ? window.buckets : 1,
    ws: window.type === 'count' ? window.size : 0,
    bb: config.openBackoff.baseMs,
    bx: config.openBackoff.maxMs,
    bm: config.openBackoff.multiplier,
    bj: config.openBackoff.jitter,
    pl: config.probeLeaseMs,
  };
  return JSON.stringify(idleTtlMs > 0 ? { ...fields, it: idleTtlMs } : fields);
}

/**
 * ARGV of every script that may change a record: `config, name, replica,
 * …its own arguments…, channel, incarnation` (the incarnation id is used only
 * if the script creates the record).
 */
export function mutationArgs(
  config: string,
  name: string,
  replicaId: string,
  own: readonly string[],
  channel: string,
): string[] {
  return [config, name, replicaId, ...own, channel, randomUUID()];
}
