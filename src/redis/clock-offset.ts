/**
 * This replica's offset to the Redis clock. Every script returns Redis TIME;
 * the offset is taken from the round trip with the smallest delay seen lately
 * (its midpoint is the best estimate), so replicas never trust their own
 * clocks for `openUntil`: local deadline = Redis deadline - offset.
 */
export class ClockOffset {
  private offsetMs = 0;
  private bestRttMs = Number.POSITIVE_INFINITY;
  private bestAt = 0;
  private known = false;

  /** How long a best sample stays best before any sample may replace it. */
  constructor(private readonly sampleTtlMs = 10_000) {}

  /** Records a round trip: sent and received on the local clock, `redisNow` read by the script. */
  observe(redisNow: number, sentAt: number, receivedAt: number): void {
    const rtt = Math.max(0, receivedAt - sentAt);
    if (!this.known || rtt <= this.bestRttMs || receivedAt - this.bestAt > this.sampleTtlMs) {
      this.offsetMs = redisNow - (sentAt + receivedAt) / 2;
      this.bestRttMs = rtt;
      this.bestAt = receivedAt;
      this.known = true;
    }
  }

  /** Redis time minus local time, in ms. */
  get offset(): number {
    return this.offsetMs;
  }

  /** A Redis timestamp on the local clock (0 stays 0: "none"). */
  toLocal(redisMs: number): number {
    return redisMs === 0 ? 0 : redisMs - this.offsetMs;
  }

  /** A local timestamp on the Redis clock (0 stays 0: "none"). */
  toRedis(localMs: number): number {
    return localMs === 0 ? 0 : Math.round(localMs + this.offsetMs);
  }
}
