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

/** The probe lock was not settled within the wait limit: Redis did not answer in time. */
export class ProbeLockTimeout extends Error {
  override name = 'ProbeLockTimeout';
}

/**
 * {@link ProbeLock} on the Redlock algorithm (`@sesamecare-oss/redlock`, the
 * maintained fork of node-redlock v5). With one Redis it is SET NX PX plus a
 * compare-and-delete; give it several independent nodes for a quorum lock.
 */
export class RedlockProbeLock implements ProbeLock {
  private readonly redlock: Redlock;

  /**
   * @param waitLimitMs the longest `tryAcquire` waits (the command timeout):
   *   Redlock cleans up a failed attempt with one more round trip before it
   *   answers, which would double the wait of a caller when Redis hangs.
   */
  constructor(
    clients: readonly (Redis | Cluster)[],
    private readonly logger: Logger,
    private readonly waitLimitMs: number,
  ) {
    this.redlock = new Redlock(clients, { retryCount: 0, retryDelay: 0, retryJitter: 0 });
    this.redlock.on('error', (error: unknown) => {
      if (error instanceof ResourceLockedError) return;
      logger.warn({ err: error }, 'probe lock error');
    });
  }

  /** @throws ProbeLockTimeout when not settled within the wait limit (a lock taken later is let go) */
  async tryAcquire(resource: string, ttlMs: number): Promise<HeldLock | undefined> {
    const attempt = this.acquire(resource, ttlMs);
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(resolve, this.waitLimitMs, 'timeout');
    });
    let first: HeldLock | undefined | 'timeout';
    try {
      first = await Promise.race([attempt, limit]);
    } finally {
      clearTimeout(timer);
    }
    if (first !== 'timeout') return first;
    attempt
      .then(
        (late) => late?.release(),
        () => undefined,
      )
      .catch((error: unknown) => {
        this.logger.debug({ err: error, resource }, 'late probe lock release failed (it expires)');
      });
    throw new ProbeLockTimeout(
      `probe lock on ${resource} not settled within ${this.waitLimitMs} ms`,
    );
  }

  private async acquire(resource: string, ttlMs: number): Promise<HeldLock | undefined> {
    try {
      const lock = await this.redlock.acquire([resource], ttlMs);
      return {
        token: lock.value,
        release: async () => {
          await lock.release();
        },
      };
    } catch (error) {
      if (!(error instanceof ExecutionError)) throw error;
      const reason = await firstRealFailure(error);
      if (reason === undefined) return undefined;
      // Redis's own error (NOPERM, READONLY, …), not Redlock's "quorum" summary.
      throw reason instanceof Error ? reason : new Error('probe lock failed', { cause: reason });
    }
  }
}

/**
 * The first vote against that is a Redis failure, or undefined when every
 * vote against was "resource locked" (contention, not a failure).
 */
async function firstRealFailure(error: ExecutionError): Promise<unknown> {
  const stats = await Promise.allSettled(error.attempts);
  for (const attempt of stats) {
    if (attempt.status === 'rejected') return attempt.reason ?? error;
    for (const reason of attempt.value.votesAgainst.values()) {
      if (!(reason instanceof ResourceLockedError)) return reason;
    }
  }
  return undefined;
}
