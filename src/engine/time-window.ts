import type { OutcomeWindow, EvaluatedTotals } from './outcome-window.js';
import { Tally, totalsOf } from './tally.js';
import type { Outcome, OutcomeCounts, WindowCounts } from './types.js';

/**
 * One bucket. The first replica counted in it keeps its tally inline (in
 * process that is the only one); others get a map only when they appear,
 * so an in-process bucket is two small objects.
 */
class Bucket {
  replica = '';
  readonly tally = new Tally();
  others: Map<string, Tally> | undefined;

  constructor(public index: number) {}

  reuse(index: number): void {
    this.index = index;
    this.replica = '';
    this.tally.reset();
    this.others = undefined;
  }

  tallyOf(replica: string): Tally {
    if (replica === this.replica) return this.tally;
    if (this.replica === '') {
      this.replica = replica;
      return this.tally;
    }
    this.others ??= new Map();
    let tally = this.others.get(replica);
    if (tally === undefined) this.others.set(replica, (tally = new Tally()));
    return tally;
  }

  addInto(sum: Tally): void {
    sum.addTally(this.tally);
    if (this.others !== undefined) for (const tally of this.others.values()) sum.addTally(tally);
  }

  addTo(sums: Map<string, Tally>): void {
    if (this.replica !== '') add(sums, this.replica, this.tally);
    if (this.others !== undefined)
      for (const [replica, tally] of this.others) add(sums, replica, tally);
  }
}

/** The last tally before any call: never counted into (the span that selects it is empty). */
const UNUSED = new Tally();

function add(sums: Map<string, Tally>, replica: string, tally: Tally): void {
  let sum = sums.get(replica);
  if (sum === undefined) sums.set(replica, (sum = new Tally()));
  sum.addTally(tally);
}

/**
 * A time-based sliding window of `buckets` buckets of `ceil(windowMs / buckets)`
 * ms each. Bucket `i` holds calls whose time `t` has `floor(t / bucketMs) = i`;
 * the window at time `now` is the `buckets` newest bucket indexes up to now's.
 * Buckets are created on first use and reused in a ring, so an idle window
 * costs almost nothing and a busy one allocates nothing.
 */
export class TimeWindow implements OutcomeWindow {
  private readonly bucketMs: number;
  private ring: (Bucket | undefined)[] | undefined;
  private last: Bucket | undefined;
  private lastReplica = '';
  private lastTally: Tally = UNUSED;
  /**
   * The times `[lastFrom, lastTo)` of the last bucket counted into: a call in
   * that span by the last replica goes to `lastTally` after two comparisons,
   * with no division (empty span: none yet).
   */
  private lastFrom = 0;
  private lastTo = 0;
  /** The window's sums as of bucket `sumIndex`, kept up to date by every add (NaN: to recompute). */
  private readonly sum = new Tally();
  private sumIndex = Number.NaN;
  /** The times `[sumFrom, sumTo)` of bucket `sumIndex` (empty span when NaN). */
  private sumFrom = 0;
  private sumTo = 0;

  constructor(
    windowMs: number,
    private readonly buckets: number,
  ) {
    this.bucketMs = Math.ceil(windowMs / buckets);
  }

  addOne(replica: string, outcome: Outcome, now: number): void {
    // The closed path: the same replica in the same bucket as the call before.
    const tally =
      now >= this.lastFrom && now < this.lastTo && replica === this.lastReplica
        ? this.lastTally
        : this.tallyFor(replica, now);
    tally.addOne(outcome);
    if (this.sumCovers()) this.sum.addOne(outcome);
  }

  add(replica: string, counts: OutcomeCounts, now: number): void {
    this.tallyFor(replica, now).addCounts(counts);
    if (this.sumCovers()) this.sum.addCounts(counts);
  }

  /**
   * Whether the kept sums take the call just counted as it comes: only when
   * it went into the bucket they were summed at. Any other bucket makes them
   * stale (the next `sums` adds the ring up again).
   */
  private sumCovers(): boolean {
    if (this.last !== undefined && this.last.index === this.sumIndex) return true;
    this.forgetSums();
    return false;
  }

  private forgetSums(): void {
    this.sumIndex = Number.NaN;
    this.sumFrom = this.sumTo = 0;
  }

  sums(now: number): WindowCounts {
    const sum = this.sum;
    if (now >= this.sumFrom && now < this.sumTo) return sum;
    const current = Math.floor(now / this.bucketMs);
    if (current === this.sumIndex) return sum;
    sum.reset();
    this.sumIndex = current;
    this.sumFrom = current * this.bucketMs;
    this.sumTo = this.sumFrom + this.bucketMs;
    const ring = this.ring;
    if (ring === undefined) return sum;
    for (const bucket of ring) {
      if (bucket === undefined || bucket.index <= current - this.buckets || bucket.index > current)
        continue;
      bucket.addInto(sum);
    }
    return sum;
  }

  totals(now: number): EvaluatedTotals {
    const current = Math.floor(now / this.bucketMs);
    const sums = new Map<string, Tally>();
    for (const bucket of this.ring ?? []) {
      if (bucket === undefined || bucket.index <= current - this.buckets || bucket.index > current)
        continue;
      bucket.addTo(sums);
    }
    return totalsOf(sums);
  }

  clear(): void {
    this.forgetSums();
    this.ring = undefined;
    this.last = undefined;
    this.lastTally = UNUSED;
    this.lastFrom = this.lastTo = 0;
  }

  private tallyFor(replica: string, now: number): Tally {
    const index = Math.floor(now / this.bucketMs);
    const last = this.last;
    if (last !== undefined && last.index === index && replica === this.lastReplica) {
      return this.lastTally;
    }
    const ring = (this.ring ??= new Array<Bucket | undefined>(this.buckets));
    const slot = index % this.buckets;
    let bucket = ring[slot];
    if (bucket === undefined) ring[slot] = bucket = new Bucket(index);
    else if (bucket.index < index) bucket.reuse(index);
    const tally = bucket.tallyOf(replica);
    this.last = bucket;
    this.lastReplica = replica;
    this.lastTally = tally;
    this.lastFrom = index * this.bucketMs;
    this.lastTo = this.lastFrom + this.bucketMs;
    return tally;
  }
}
