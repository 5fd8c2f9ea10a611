import type { Logger } from 'pino';
import type { BoxFeature } from './box-features.js';
import type { BreakerStore, StoreCloseStage } from '../store/breaker-store.js';

const STORE_STAGES: Readonly<Record<StoreCloseStage, string>> = {
  flush: 'flushing pending outcomes',
  release_probe_locks: 'releasing probe locks',
  unsubscribe: 'unsubscribing from transitions',
  quit: 'quitting connections',
};

/** What the shutdown drives. */
export interface ShutdownParts {
  readonly logger: Logger;
  readonly store: BreakerStore;
  /** Features, in the order their hooks run. */
  readonly features: readonly BoxFeature[];
  readonly graceMs: number;
  /** Stops letting calls in. */
  readonly refuseCalls: () => void;
  /** Resolves when calls in flight are done, or false after `drainTimeoutMs`. */
  readonly drain: () => Promise<boolean>;
  /** Runs once the drain ended (releases the breakers' timers). */
  readonly afterDrain: () => void;
  readonly inFlight: () => number;
}

/**
 * The box's ordered close, each stage logged: an optional grace delay (calls
 * still served, readiness already 503), refuse new calls and stop active
 * checks, wait for calls in flight, the features' close hooks, flush, release
 * probe locks, unsubscribe, quit; then `shutdown complete`.
 */
export async function orderedShutdown(parts: ShutdownParts): Promise<void> {
  const log = parts.logger.child({ component: 'shutdown' });
  const started = Date.now();
  if (parts.graceMs > 0) {
    log.info({ stage: 'grace', graceMs: parts.graceMs }, 'shutdown: grace delay before draining');
    await new Promise((resolve) => setTimeout(resolve, parts.graceMs));
  }
  parts.refuseCalls();
  for (const feature of parts.features) feature.beginClose?.();
  log.info({ stage: 'refuse' }, 'shutdown: refusing new calls; active checks stopped');
  const inFlight = parts.inFlight();
  log.info({ stage: 'drain', inFlight }, `shutdown: waiting for ${inFlight} calls in flight`);
  if (!(await parts.drain())) {
    log.warn(
      { stage: 'drain', inFlight: parts.inFlight() },
      'shutdown: calls still in flight after drainTimeoutMs',
    );
  }
  parts.afterDrain();
  for (const feature of parts.features) {
    try {
      await feature.close?.();
    } catch (error) {
      log.error({ err: error }, 'shutdown: a feature failed to close');
    }
  }
  await parts.store.close((stage) => {
    log.info({ stage }, `shutdown: ${STORE_STAGES[stage]}`);
  });
  log.info({ stage: 'complete', tookMs: Date.now() - started }, 'shutdown complete');
}
