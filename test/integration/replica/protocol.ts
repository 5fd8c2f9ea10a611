/**
 * The IPC protocol between an integration test (the parent) and a replica
 * child process (replica-main.ts). Every request carries an id; the child
 * answers each with exactly one reply carrying the same id.
 */
import type {
  BreakerOptions,
  BreakerSnapshot,
  BreakerState,
  ModeChangeEvent,
  StoreMode,
  TransitionEvent,
} from '../../../src/index.js';

/** Breaker options that survive JSON (no functions). */
export type JsonBreakerOptions = Omit<BreakerOptions, 'isFailure' | 'fallback' | 'probe'>;

/** Sentinel connection options that survive JSON (what ioredis takes as `{ sentinels, name }`). */
export interface JsonSentinelOptions {
  readonly sentinels: readonly { readonly host: string; readonly port: number }[];
  readonly name: string;
}

/** Redis Cluster startup nodes that survive JSON (the box's `{ cluster: [...] }` option). */
export interface JsonClusterNodes {
  readonly cluster: readonly { readonly host: string; readonly port: number }[];
}

/** How a replica is configured (passed as JSON in the BREAKERBOX_REPLICA env variable). */
export interface ReplicaConfig {
  /** A redis:// URL, Sentinel options, or Cluster startup nodes. */
  readonly redis: string | JsonSentinelOptions | JsonClusterNodes;
  readonly namespace: string;
  readonly replicaId: string;
  readonly flushIntervalMs?: number;
  readonly refreshIntervalMs?: number;
  readonly commandTimeoutMs?: number;
  /** Every breaker the replica creates at start, by name. */
  readonly breakers: Readonly<Record<string, JsonBreakerOptions>>;
  /**
   * Count live timers (every `Timeout`, unref'd ones included) with an
   * async hook, for the `health` command. Off by default: the hook slows
   * every promise a little.
   */
  readonly trackTimers?: boolean;
}

/** The env variable carrying the {@link ReplicaConfig}. */
export const CONFIG_ENV = 'BREAKERBOX_REPLICA';

/** What the protected function does: succeed, throw, or succeed after `slowMs`. */
export type CallOutcome = 'ok' | 'fail' | 'slow';

/** What each refused call was refused with: `DependencyUnhealthy.state` counts, other errors by message. */
export interface Refusals {
  /** Calls refused with DependencyUnhealthy, by its `state`. */
  readonly byState: Readonly<Record<string, number>>;
  /** Calls that failed with anything but DependencyUnhealthy or the function's own error. */
  readonly otherErrors: readonly string[];
}

/** Result of a batch of calls. */
export interface CallsResult extends Refusals {
  /** How many times the protected function ran during the batch. */
  readonly ran: number;
  /** Calls that resolved. */
  readonly ok: number;
  /** Calls that rejected with the function's own error. */
  readonly failed: number;
  /** Calls refused with DependencyUnhealthy. */
  readonly rejected: number;
}

/** Result of the first half of a probe round: every caller was refused or is inside the function. */
export interface ProbeRoundResult extends Refusals {
  readonly round: number;
  /** Callers whose function ran (and, with `hold`, is waiting for `release`). */
  readonly entered: number;
  /** Callers refused with DependencyUnhealthy. */
  readonly rejected: number;
  /** Callers whose call already settled with the function's result (no `hold`). */
  readonly ok: number;
  readonly failed: number;
}

/** Result of releasing a held probe round. */
export interface ReleaseResult {
  readonly ok: number;
  readonly failed: number;
}

/** One breaker's share of a load loop's calls. */
export interface LoadBreakerStats extends Refusals {
  readonly calls: number;
  readonly ok: number;
  /** Calls that rejected with the function's own error. */
  readonly failed: number;
  /** Calls refused with DependencyUnhealthy. */
  readonly rejected: number;
  /** How many calls failed with anything else (`otherErrors` keeps the first few). */
  readonly otherErrorCount: number;
}

/** What a load loop did since it started or since its stats were last reset. */
export interface LoadStats {
  /** Loop iterations (each calls every breaker of the loop once, one after the other). */
  readonly iterations: number;
  readonly byBreaker: Readonly<Record<string, LoadBreakerStats>>;
  /**
   * Per-call latency, from `breaker.call()` to its settlement, in ms. The
   * protected function ends at once, so this is what the breaker itself
   * waited (on Redis, if it ever did).
   */
  readonly latency: { readonly count: number; readonly maxMs: number; readonly p99Ms: number };
  /** The phase measured, on the replica's clock (ms since the Unix epoch). */
  readonly since: number;
  readonly until: number;
}

/** The replica process's own health, for leak checks. */
export interface ProcessHealth {
  /** `heapUsed` after a forced full GC (the replica runs with --expose-gc). */
  readonly heapUsedBytes: number;
  readonly rssBytes: number;
  /** Live `Timeout` objects, unref'd ones included (only with `trackTimers`; -1 otherwise). */
  readonly timers: number;
  /** `process.getActiveResourcesInfo()`, counted by type (ref'd handles and timers only). */
  readonly resources: Readonly<Record<string, number>>;
  readonly unhandledRejections: number;
  readonly uncaughtExceptions: number;
  /** The first few of those, as text. */
  readonly crashes: readonly string[];
}

/** A captured log line (warn and above). */
export interface LogLine {
  readonly level: number;
  readonly msg: string;
}

/** Requests, by type. */
export type Command =
  | {
      readonly type: 'calls';
      readonly breaker: string;
      readonly count: number;
      readonly concurrency: number;
      readonly outcome: CallOutcome;
      readonly slowMs?: number;
    }
  | { readonly type: 'state'; readonly breaker: string }
  | { readonly type: 'snapshot'; readonly breaker: string }
  | {
      readonly type: 'force';
      readonly breaker: string;
      readonly mode: 'open' | 'closed' | 'reset';
      readonly forMs?: number;
    }
  | {
      /**
       * `callers` calls at once. With `hold`, the function (if it runs) waits
       * for `release`; the reply comes once every caller is refused or inside
       * the function. Without it, the function ends at once with `outcome` and
       * the reply comes once every call settled.
       */
      readonly type: 'probeRound';
      readonly breaker: string;
      readonly callers: number;
      readonly hold: boolean;
      readonly outcome: 'ok' | 'fail';
    }
  | { readonly type: 'release'; readonly round: number; readonly outcome: 'ok' | 'fail' }
  | { readonly type: 'events' }
  | { readonly type: 'logs' }
  | { readonly type: 'ran' }
  /** The box's mode: `shared` or `local`. */
  | { readonly type: 'mode' }
  /** Every `mode` event the box emitted, oldest first. */
  | { readonly type: 'modeEvents' }
  /**
   * Starts a load loop: every `intervalMs`, one call to each breaker in turn,
   * the function succeeding (or failing, see `loadOutcome`). One loop at most.
   */
  | {
      readonly type: 'startLoad';
      readonly breakers: readonly string[];
      readonly intervalMs: number;
    }
  /** What the load loop's function does for `breaker` from now on (default `ok`). */
  | { readonly type: 'loadOutcome'; readonly breaker: string; readonly outcome: 'ok' | 'fail' }
  /** The load loop's stats since it started or the last reset; `reset` starts a new phase. */
  | { readonly type: 'loadStats'; readonly reset: boolean }
  /** Stops the load loop (after its current iteration); answers its last stats. */
  | { readonly type: 'stopLoad' }
  /** Forces a GC and reports memory, timers, handles and crash counters. */
  | { readonly type: 'health' }
  | { readonly type: 'exit' };

/** The reply payload of each request type. */
export interface Replies {
  calls: CallsResult;
  state: BreakerState;
  snapshot: BreakerSnapshot;
  force: null;
  probeRound: ProbeRoundResult;
  release: ReleaseResult;
  events: TransitionEvent[];
  logs: LogLine[];
  ran: number;
  mode: StoreMode;
  modeEvents: ModeChangeEvent[];
  startLoad: null;
  loadOutcome: null;
  loadStats: LoadStats;
  stopLoad: LoadStats;
  health: ProcessHealth;
  exit: null;
}

/** Parent to child. */
export interface Request {
  readonly id: number;
  readonly command: Command;
}

/** Child to parent. */
export type ChildMessage =
  | { readonly kind: 'ready'; readonly replicaId: string; readonly pid: number }
  | { readonly kind: 'fatal'; readonly error: string; readonly code: string | undefined }
  | { readonly kind: 'reply'; readonly id: number; readonly result: unknown }
  | { readonly kind: 'error'; readonly id: number; readonly error: string };

/** True when `value` looks like a {@link ChildMessage}. */
export function isChildMessage(value: unknown): value is ChildMessage {
  return (
    typeof value === 'object' &&
    value !== null &&
    'kind' in value &&
    typeof value.kind === 'string' &&
    ['ready', 'fatal', 'reply', 'error'].includes(value.kind)
  );
}

/** True when `value` looks like a {@link Request}. */
export function isRequest(value: unknown): value is Request {
  return (
    typeof value === 'object' &&
    value !== null &&
    'id' in value &&
    typeof value.id === 'number' &&
    'command' in value &&
    typeof value.command === 'object' &&
    value.command !== null
  );
}
