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
  private lastTally: Tally | undefined;
  /** The window's sums as of bucket `sumIndex`, kept up to date by every add (NaN: to recompute). */
  private readonly sum = new Tally();
  private sumIndex = Number.NaN;

  constructor(
    windowMs: number,
    private readonly buckets: number,
  ) {
    this.bucketMs = Math.ceil(windowMs / buckets);
  }

  addOne(replica: string, outcome: Outcome, now: number): void {
    this.tallyFor(replica, now).addOne(outcome);
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
    this.sumIndex = Number.NaN;
    return false;
  }

  sums(now: number): WindowCounts {
    const current = Math.floor(now / this.bucketMs);
    const sum = this.sum;
    if (current === this.sumIndex) return sum;
    sum.reset();
    this.sumIndex = current;
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
    this.sumIndex = Number.NaN;
    this.ring = undefined;
    this.last = undefined;
    this.lastTally = undefined;
  }

  private tallyFor(replica: string, now: number): Tally {
    const index = Math.floor(now / this.bucketMs);
    const last = this.last;
    if (
      last !== undefined &&
      last.index === index &&
      replica === this.lastReplica &&
      this.lastTally !== undefined
    ) {
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
    return tally;
  }
}
