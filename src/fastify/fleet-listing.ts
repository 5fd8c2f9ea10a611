import type { FleetReader, FleetRecord } from '../store/fleet-reader.js';
import type { ReplicaPresence } from '../store/replica-presence.js';
import type { TransitionMessage } from '../store/transition-feed.js';

/** How long one SCAN pass is reused: new breakers appear within this, or at once through a transition. */
export const LIST_TTL_MS = 5_000;
/** How long read records are reused: every page and every tick within it share one read. */
export const READ_TTL_MS = 1_000;

/** What the listing reads through (a {@link FleetReader}). */
export type FleetSource = Pick<FleetReader, 'list' | 'records' | 'presences'>;

/** The namespace as last read: every record, every live replica. */
export interface FleetRead {
  readonly records: ReadonlyMap<string, FleetRecord>;
  readonly replicas: readonly ReplicaPresence[];
  /** SCAN commands of the listing in use, and when it was taken (this process's clock). */
  readonly scans: number;
  readonly listedAt: number;
  /** When the records were read (this process's clock). */
  readonly readAt: number;
}

/**
 * The dashboard's cache of the namespace, shared by every open page: one
 * SCAN pass at most every {@link LIST_TTL_MS}, one pipelined read of the
 * records and one MGET of the replicas at most every {@link READ_TTL_MS}
 * (concurrent callers share the read under way). A transition message
 * carries the record's new snapshot: it is patched in with no Redis command.
 */
export class FleetListing {
  private names: readonly string[] = [];
  private replicaKeys: readonly string[] = [];
  private scans = 0;
  private listedAt = Number.NEGATIVE_INFINITY;
  private current: FleetRead | undefined;
  private reading: Promise<FleetRead> | undefined;

  constructor(
    private readonly fleet: FleetSource,
    private readonly now: () => number = Date.now,
  ) {}

  /** The cached read if fresh, else a new one (shared with concurrent callers). */
  read(): Promise<FleetRead> {
    const current = this.current;
    if (current !== undefined && this.now() - current.readAt < READ_TTL_MS)
      return Promise.resolve(current);
    this.reading ??= this.readAgain().finally(() => {
      this.reading = undefined;
    });
    return this.reading;
  }

  /** Adopts a published transition's snapshot (newer epochs only); a new name is listed at once. */
  adopt(message: TransitionMessage): void {
    const current = this.current;
    if (current === undefined) return;
    // A breaker created since the last SCAN: read from now on, without waiting for the next one.
    if (!this.names.includes(message.name)) this.names = [...this.names, message.name].sort();
    const known = current.records.get(message.name);
    if (known !== undefined && known.snapshot.epoch > message.snapshot.epoch) return;
    const records = new Map(current.records);
    records.set(message.name, {
      name: message.name,
      snapshot: message.snapshot,
      storedConfig: known?.storedConfig ?? false,
    });
    this.current = { ...current, records };
  }

  private async readAgain(): Promise<FleetRead> {
    if (this.now() - this.listedAt >= LIST_TTL_MS) {
      const listed = await this.fleet.list();
      this.names = listed.breakers;
      this.replicaKeys = listed.replicaKeys;
      this.scans = listed.scans;
      this.listedAt = this.now();
    }
    const [records, replicas] = await Promise.all([
      this.fleet.records(this.names),
      this.fleet.presences(this.replicaKeys),
    ]);
    const read: FleetRead = {
      records: new Map(records.map((record) => [record.name, record])),
      replicas,
      scans: this.scans,
      listedAt: this.listedAt,
      readAt: this.now(),
    };
    this.current = read;
    return read;
  }
}
