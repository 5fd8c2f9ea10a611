import { ExecutionError, Redlock, ResourceLockedError } from '@sesamecare-oss/redlock';
import type { Cluster, Redis } from 'ioredis';
import type { Logger } from 'pino';

/** A held probe lock. Its token is the fencing token the end-probe script checks. */
export interface HeldLock {
  readonly token: string;
  /** Releases the lock (best effort: it expires anyway). */
  release(): Promise<void>;
}

/**
 * The distributed lock that makes half-open probing single-flight across the
 * fleet: try once, never wait. Two methods, so the Redlock implementation
 * behind it can change without touching the breaker.
 */
export interface ProbeLock {
  /** Takes the lock on `resource` for `ttlMs`, or answers undefined when someone else holds it. */
  tryAcquire(resource: string, ttlMs: number): Promise<HeldLock | undefined>;
}

/**
 * {@link ProbeLock} on the Redlock algorithm (`@sesamecare-oss/redlock`, the
 * maintained fork of node-redlock v5). With one Redis it is SET NX PX plus a
 * compare-and-delete; give it several independent nodes for a quorum lock.
 */
export class RedlockProbeLock implements ProbeLock {
  private readonly redlock: Redlock;

  constructor(clients: readonly (Redis | Cluster)[], logger: Logger) {
    this.redlock = new Redlock(clients, { retryCount: 0, retryDelay: 0, retryJitter: 0 });
    this.redlock.on('error', (error: unknown) => {
      if (error instanceof ResourceLockedError) return;
      logger.warn({ err: error }, 'probe lock error');
    });
  }

  async tryAcquire(resource: string, ttlMs: number): Promise<HeldLock | undefined> {
    try {
      const lock = await this.redlock.acquire([resource], ttlMs);
      return {
        token: lock.value,
        release: async () => {
          await lock.release();
        },
      };
    } catch (error) {
      if (error instanceof ExecutionError && (await onlyLockedVotes(error))) return undefined;
      throw error;
    }
  }
}

/** True when every vote against was "resource locked" (contention, not a Redis failure). */
async function onlyLockedVotes(error: ExecutionError): Promise<boolean> {
  const stats = await Promise.allSettled(error.attempts);
  for (const attempt of stats) {
    if (attempt.status === 'rejected') return false;
    for (const reason of attempt.value.votesAgainst.values()) {
      if (!(reason instanceof ResourceLockedError)) return false;
    }
  }
  return true;
}
