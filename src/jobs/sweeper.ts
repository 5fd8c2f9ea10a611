import type { FeatureHost } from '../box/box-features.js';
import { probeJobId } from './job-ids.js';
import type { ProbeJobs } from './probe-jobs.js';

/**
 * One sweep (run by the sweeper job on whichever replica takes it): every
 * breaker with a `probe` that this replica sees open past `openUntil` (or
 * half-open past its probe lease) by more than `graceMs`, and whose probe job
 * is gone (a replica crashed between opening and enqueueing, or mid-probe),
 * gets its probe job again. Answers how many were enqueued.
 */
export async function sweepForLostProbes(
  host: FeatureHost,
  probes: ProbeJobs,
  graceMs: number,
): Promise<number> {
  let enqueued = 0;
  const now = host.clock.now();
  for (const breaker of host.breakers()) {
    if (breaker.options.probe === undefined) continue;
    const view = breaker.view;
    const dueAt =
      view.state === 'open' || view.state === 'forced_open'
        ? view.openUntil
        : view.state === 'half_open'
          ? view.probeLeaseUntil
          : 0;
    if (dueAt === 0 || now < dueAt + graceMs) continue;
    const id = probeJobId(breaker.name, view.epoch);
    const job = await probes.queue.getJob(id);
    if (job !== undefined) {
      const state = await job.getState();
      if (state !== 'completed' && state !== 'failed' && state !== 'unknown') continue;
      await job.remove().catch(() => undefined);
    }
    host.logger.info(
      { breaker: breaker.name, epoch: view.epoch },
      'sweeper: probe job missing for a breaker past due; enqueueing it',
    );
    await probes.enqueue(breaker.name, view.epoch, 0);
    enqueued++;
  }
  return enqueued;
}
