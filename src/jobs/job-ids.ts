/** The queue of probe jobs and sweeps (under the box's hash-tagged prefix). */
export const PROBE_QUEUE = 'breakerbox-probes';

/** The job scheduler (and job name) of the sweeper. */
export const SWEEP_SCHEDULER = 'sweep';

/**
 * The id of the probe job of one opening. BullMQ ignores a job added with an
 * id that exists, so replicas racing make one; ids must not hold `:` (breaker
 * names cannot) nor be all digits (the `probe.` prefix sees to that).
 */
export function probeJobId(breaker: string, epoch: number): string {
  return `probe.${breaker}.${String(epoch)}`;
}

/** The id of the backpressure job of one transition of `breaker`. */
export function backpressureJobId(breaker: string, epoch: number): string {
  return `bp.${breaker}.${String(epoch)}`;
}

/** The control queue that applies the fleet-wide actions of a bound queue. */
export function controlQueueName(queueName: string): string {
  return `breakerbox-bp.${queueName}`;
}
