/**
 * What a case process (the coordinator) and its replica processes exchange
 * over the IPC channel. Times are {@link commonNow} stamps (ms since the Unix
 * epoch, shared by every process of the machine), so stamps from different
 * replicas can be subtracted.
 */
import type { BreakerOptions, CircuitState } from '../../src/index.js';

/** The env variable that carries a replica's {@link ReplicaConfig} as JSON. */
export const CONFIG_ENV = 'BREAKERBOX_BENCH_REPLICA';

/** Breaker options that survive JSON (no functions). */
export type PlainBreakerOptions = Omit<BreakerOptions, 'fallback' | 'isFailure' | 'probe'>;

/** How a replica builds its box. */
export interface ReplicaConfig {
  readonly redisUrl: string;
  /** When set, the box connects to this Redis Cluster (startup nodes) instead of `redisUrl`. */
  readonly clusterNodes?: readonly { readonly host: string; readonly port: number }[];
  readonly replicaId: string;
  readonly namespace: string;
  readonly flushIntervalMs?: number;
  readonly commandTimeoutMs?: number;
  readonly refreshIntervalMs?: number;
  /** How long the box waits for Redis at start (8 processes connecting to a cluster at once take a while). */
  readonly connectTimeoutMs?: number;
  /** Node flags of the replica process (e.g. `--expose-gc` for heap figures). */
  readonly nodeFlags?: readonly string[];
  /** The breakers to create at start, by name. */
  readonly breakers: Readonly<Record<string, PlainBreakerOptions>>;
}

/** A command to one replica. */
export type Command =
  | {
      /**
       * Successful calls around `async () => {}`, at `perSecond` (0: as fast as
       * it can), until `calls` calls or `durationMs` (0: no limit), whichever first.
       */
      readonly op: 'load';
      readonly breaker: string;
      readonly calls: number;
      readonly perSecond: number;
      readonly durationMs: number;
    }
  | {
      /** `calls` awaited calls whose function throws. */
      readonly op: 'fail';
      readonly breaker: string;
      readonly calls: number;
    }
  | { readonly op: 'reset'; readonly breaker: string }
  | { readonly op: 'force-open'; readonly breaker: string; readonly forMs: number }
  | {
      /**
       * At `at`, starts `callers` concurrent calls whose function counts its
       * runs and holds `holdMs`; answers once they settled and this replica
       * sees the breaker closed again (or after `closeTimeoutMs`).
       */
      readonly op: 'fire';
      readonly breaker: string;
      readonly at: number;
      readonly callers: number;
      readonly holdMs: number;
      readonly closeTimeoutMs: number;
    }
  | {
      /**
       * Creates `count` breakers `<prefix><i>` with `options` and waits until
       * every one was first read from Redis; reports the heap around it.
       */
      readonly op: 'populate';
      readonly prefix: string;
      readonly count: number;
      readonly options: PlainBreakerOptions;
    }
  | {
      /** One successful call to each populated breaker, spread evenly over `durationMs`, observed. */
      readonly op: 'spread';
      readonly durationMs: number;
    }
  | {
      /** Does nothing for `durationMs`, observed (CPU, event loop, store traffic). */
      readonly op: 'observe';
      readonly durationMs: number;
    }
  | { /** Retires every populated breaker; reports the heap after. */ readonly op: 'retire-all' }
  | { readonly op: 'close' };

/** What `populate` did. */
export interface PopulateResult {
  /** Settled heap (after a full collection) before and after, bytes. */
  readonly heapBefore: number;
  readonly heapAfter: number;
  /** From the first breaker created to every one read. */
  readonly readyMs: number;
}

/** What one replica did and cost over an observed span. */
export interface Observation {
  readonly ms: number;
  /** CPU (user + system) as a percentage of one core. */
  readonly cpuPercent: number;
  /** Event-loop delay (perf_hooks.monitorEventLoopDelay), ms. */
  readonly loopP50Ms: number;
  readonly loopP99Ms: number;
  readonly loopMaxMs: number;
  /** Record script calls (flushes) and record reads (refresh sweep) this replica sent. */
  readonly records: number;
  readonly reads: number;
  /** The largest pipeline of reads the sweep sent. */
  readonly largestReadBurst: number;
  /** The longest the sweep held the event loop in one synchronous stretch, ms. */
  readonly longestSweepSliceMs: number;
  readonly calls: number;
}

/** What `retire-all` did. */
export interface RetireResult {
  readonly retired: number;
  readonly ms: number;
  /** Settled heap after, bytes; breakers the store still holds. */
  readonly heapAfter: number;
  readonly storeSize: number;
}

/** What a load did. */
export interface LoadResult {
  readonly calls: number;
  readonly errors: number;
  /** When the first call started and the last one ended. */
  readonly firstAt: number;
  readonly lastAt: number;
}

/** What a series of failing calls did. */
export interface FailResult {
  readonly failed: number;
  readonly rejected: number;
}

/** The last transition this replica saw on a breaker after an operation. */
export interface Seen {
  readonly epoch: number;
  readonly to: CircuitState | 'none';
  readonly at: number;
}

/** What a `fire` did on one replica. */
export interface FireResult {
  /** Runs of the protected function (trial calls and any call that found the breaker closed). */
  readonly runs: number;
  /** Runs that started while this replica's view was not closed (half-open trials). */
  readonly trialRuns: number;
  readonly rejected: number;
  readonly otherErrors: number;
  /** When the calls started, and how late that was after `at`. */
  readonly firedAt: number;
  readonly lateMs: number;
  /** The breaker's state on this replica just before the calls. */
  readonly stateAtFire: string;
  /** False when the breaker was not closed again within `closeTimeoutMs`. */
  readonly closedAgain: boolean;
}

/** The reply type of each command. */
export interface Replies {
  load: LoadResult;
  fail: FailResult;
  reset: Seen;
  'force-open': Seen;
  fire: FireResult;
  populate: PopulateResult;
  spread: Observation;
  observe: Observation;
  'retire-all': RetireResult;
  close: null;
}

/** Coordinator → replica. */
export interface Request {
  readonly id: number;
  readonly command: Command;
}

/** A transition a replica saw, stamped when its listener ran. */
export interface TransitionSeen {
  readonly kind: 'transition';
  readonly breaker: string;
  readonly from: CircuitState;
  readonly to: CircuitState;
  readonly epoch: number;
  readonly at: number;
  /** For an opening: whether a call made right then was refused. */
  readonly refuses: boolean;
}

/** A change of the replica's box mode (shared ↔ local). */
export interface ModeSeen {
  readonly kind: 'mode';
  readonly from: string;
  readonly to: string;
  readonly reason: string;
  readonly at: number;
}

/** Replica → coordinator. */
export type ChildMessage =
  | { readonly kind: 'ready' }
  | { readonly kind: 'fatal'; readonly error: string }
  | { readonly kind: 'reply'; readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly kind: 'reply'; readonly id: number; readonly ok: false; readonly error: string }
  | TransitionSeen
  | ModeSeen;

/** True when `value` looks like a {@link ChildMessage}. */
export function isChildMessage(value: unknown): value is ChildMessage {
  return typeof value === 'object' && value !== null && 'kind' in value;
}

/** True when `value` looks like a {@link Request}. */
export function isRequest(value: unknown): value is Request {
  return typeof value === 'object' && value !== null && 'id' in value && 'command' in value;
}
