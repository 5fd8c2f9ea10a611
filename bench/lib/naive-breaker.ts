/**
 * The design breakerbox is not, written only for the bench: a "distributed"
 * breaker that asks Redis on every call. Before each call it reads the state
 * (GET), and after it counts the outcome (INCR), tripping with a SET when the
 * failures reach the threshold. Correct enough to compare, and it shows what
 * breakerbox avoids: two round trips per call on the call's path, and Redis
 * commands that grow with the call rate.
 */
import type { Redis } from 'ioredis';

/** Thrown by {@link NaiveBreaker.call} while the shared state says open. */
export class NaiveOpen extends Error {
  constructor(name: string) {
    super(`${name} is open`);
    this.name = 'NaiveOpen';
  }
}

/** One naive breaker: every call is a GET before and an INCR after, on `redis`. */
export class NaiveBreaker {
  private readonly stateKey: string;
  private readonly successKey: string;
  private readonly failureKey: string;

  constructor(
    private readonly redis: Redis,
    private readonly name: string,
    private readonly failureThreshold = 20,
    private readonly openMs = 10_000,
  ) {
    // One hash tag per breaker, as breakerbox's keys have (Cluster-safe).
    this.stateKey = `naive:{${name}}:state`;
    this.successKey = `naive:{${name}}:successes`;
    this.failureKey = `naive:{${name}}:failures`;
  }

  /**
   * Runs `fn` unless Redis says open; counts its outcome in Redis.
   * @throws NaiveOpen while open; whatever `fn` throws
   */
  async call<T>(fn: () => Promise<T>): Promise<T> {
    if ((await this.redis.get(this.stateKey)) === 'open') throw new NaiveOpen(this.name);
    let result: T;
    try {
      result = await fn();
    } catch (error) {
      const failures = await this.redis.incr(this.failureKey);
      if (failures >= this.failureThreshold) {
        await this.redis.set(this.stateKey, 'open', 'PX', this.openMs);
        await this.redis.del(this.failureKey);
      }
      throw error;
    }
    await this.redis.incr(this.successKey);
    return result;
  }
}
