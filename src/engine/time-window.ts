import type { OutcomeWindow, EvaluatedTotals } from './outcome-window.js';
import { Tally, totalsOf } from './tally.js';
import type { Outcome, OutcomeCounts } from './types.js';

class Bucket {
  index = -1;
  readonly byReplica = new Map<string, Tally>();
}

/**
 * A time-based sliding window of `buckets` buckets of `ceil(windowMs / buckets)`
 * ms each. Bucket `i` holds calls whose time `t` has `floor(t / bucketMs) = i`;
 * the window at time `now` is the `buckets` newest bucket indexes up to now's.
 * Buckets are allocated on first use and reused in a ring, so an idle window
 * costs almost nothing and a busy one allocates nothing.
 */
export class TimeWindow implements OutcomeWindow {
  private readonly bucketMs: number;
  private ring: Bucket[] | undefined;
  private lastIndex = -1;
  private lastReplica = '';
  private lastTally: Tally | undefined;

  constructor(
    windowMs: number,
    private readonly buckets: number,
  ) {
    this.bucketMs = Math.ceil(windowMs / buckets);
  }

  addOne(replica: string, outcome: Outcome, now: number): void {
    this.tallyFor(replica, now).addOne(outcome);
  }

  add(replica: string, counts: OutcomeCounts, now: number): void {
    this.tallyFor(replica, now).addCounts(counts);
  }

  totals(now: number): EvaluatedTotals {
    const current = Math.floor(now / this.bucketMs);
    const byReplica = new Map<string, Tally>();
    for (const bucket of this.ring ?? []) {
      if (bucket.index <= current - this.buckets || bucket.index > current) continue;
      for (const [replica, tally] of bucket.byReplica) {
        let sum = byReplica.get(replica);
        if (sum === undefined) byReplica.set(replica, (sum = new Tally()));
        sum.addTally(tally);
      }
    }
    return totalsOf(byReplica);
  }

  clear(): void {
    this.ring = undefined;
    this.lastIndex = -1;
    this.lastTally = undefined;
  }

  private tallyFor(replica: string, now: number): Tally {
    const index = Math.floor(now / this.bucketMs);
    if (index === this.lastIndex && replica === this.lastReplica && this.lastTally !== undefined) {
      return this.lastTally;
    }
    this.ring ??= Array.from({ length: this.buckets }, () => new Bucket());
    const bucket = this.ring[index % this.buckets];
    if (bucket.index < index) {
      bucket.index = index;
      bucket.byReplica.clear();
    }
    let tally = bucket.byReplica.get(replica);
    if (tally === undefined) bucket.byReplica.set(replica, (tally = new Tally()));
    this.lastIndex = index;
    this.lastReplica = replica;
    this.lastTally = tally;
    return tally;
  }
}
