import type { OutcomeWindow, EvaluatedTotals } from './outcome-window.js';
import { Tally, totalsOf } from './tally.js';
import type { Outcome, OutcomeCounts, WindowCounts } from './types.js';

class Entry extends Tally {
  replica = '';
}

/**
 * A count-based sliding window over the last `size` calls. Each report (one
 * call in process, one replica's batch in Redis) is one entry; the oldest
 * entry is dropped once the newer entries alone hold `size` calls, so with
 * one call per entry this is exactly the last `size` calls. Sums are kept
 * running (add on push, subtract on evict), per replica too.
 */
export class CountWindow implements OutcomeWindow {
  private entries: Entry[] = [];
  private head = 0;
  private length = 0;
  private readonly sum = new Tally();
  private readonly byReplica = new Map<string, Tally>();

  constructor(private readonly size: number) {}

  addOne(replica: string, outcome: Outcome, _now: number): void {
    const entry = this.push(replica);
    entry.addOne(outcome);
    this.account(entry);
  }

  add(replica: string, counts: OutcomeCounts, _now: number): void {
    const entry = this.push(replica);
    entry.addCounts(counts);
    this.account(entry);
  }

  sums(_now: number): WindowCounts {
    return this.sum;
  }

  totals(_now: number): EvaluatedTotals {
    return totalsOf(this.byReplica);
  }

  clear(): void {
    this.entries = [];
    this.head = 0;
    this.length = 0;
    this.sum.reset();
    this.byReplica.clear();
  }

  private push(replica: string): Entry {
    if (this.length === this.entries.length) this.grow();
    const entry = this.entries[(this.head + this.length) % this.entries.length];
    this.length++;
    entry.reset();
    entry.replica = replica;
    return entry;
  }

  private account(entry: Entry): void {
    this.sum.addTally(entry);
    let tally = this.byReplica.get(entry.replica);
    if (tally === undefined) this.byReplica.set(entry.replica, (tally = new Tally()));
    tally.addTally(entry);
    while (this.length > 1) {
      const oldest = this.entries[this.head];
      if (this.sum.calls - oldest.calls < this.size) break;
      this.evictOldest(oldest);
    }
  }

  private evictOldest(oldest: Entry): void {
    this.sum.subtractTally(oldest);
    const tally = this.byReplica.get(oldest.replica);
    if (tally !== undefined) {
      tally.subtractTally(oldest);
      if (tally.calls === 0) this.byReplica.delete(oldest.replica);
    }
    this.head = (this.head + 1) % this.entries.length;
    this.length--;
  }

  private grow(): void {
    const capacity = Math.min(this.size + 1, Math.max(4, this.entries.length * 2));
    const grown: Entry[] = [];
    for (let i = 0; i < this.length; i++) {
      grown.push(this.entries[(this.head + i) % this.entries.length]);
    }
    while (grown.length < capacity) grown.push(new Entry());
    this.entries = grown;
    this.head = 0;
  }
}
