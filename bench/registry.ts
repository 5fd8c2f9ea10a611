/**
 * Every benchmark group and case. To add a case: give it a unique `id`, the
 * `group` it belongs to, the case `file` (under bench/) and the `variant` that
 * file runs; the orchestrator spawns one fresh process per case and pass.
 * To add a group: add its id to {@link GroupId} and an entry to {@link GROUPS}.
 */
import type { CaseParams } from './lib/protocol.js';
import type { Table } from './lib/format.js';
import type { CaseInfo, CaseSummary } from './lib/results.js';
import {
  commandsTable,
  outageLatencyTable,
  outageModesTable,
  propagationTable,
  singleFlightTable,
} from './lib/redis-tables.js';
import { scaleTable } from './lib/scale-table.js';
import { hotPathBreakdown } from './lib/hot-path-section.js';
import type { SectionRenderer } from './lib/sections.js';
import { redisRates } from './groups/redis-rates.js';
import { clusterPubSubTable } from './lib/cluster-tables.js';

/** The groups of the report, in order. */
export type GroupId =
  | 'hot-path'
  | 'open-path'
  | 'heap'
  | 'idle-cpu'
  | 'redis-commands'
  | 'redis-propagation'
  | 'redis-single-flight'
  | 'redis-outage-latency'
  | 'redis-outage-modes'
  | 'scale'
  | 'redis-rates'
  | 'redis-cluster'
  | 'redis-cluster-pubsub'
  | 'ops';

/**
 * Not a group: `--group redis` runs every case that needs Redis (whatever its
 * group) and the cases they are compared with.
 */
export const REDIS_SELECTION = 'redis';

/** How a group's cases are summarised and shown. */
export interface BenchGroup {
  readonly id: GroupId;
  readonly title: string;
  /** How the cases are measured, one paragraph for the report. */
  readonly method: string;
  /** The header of the figure column (with its unit). */
  readonly figureHeader: string;
  /** How a case's samples (pooled over its processes) become its figure. */
  readonly aggregate: 'median' | 'mean';
  /** Decimals of the figure, its spread and derived columns. */
  readonly decimals: number;
  /** When set, each case is also shown as `over` and `x` this case. */
  readonly baseline?: { readonly caseId: string; readonly name: string };
  /** When set, the figure is also shown multiplied by `factor` (e.g. per 10,000 breakers). */
  readonly scaled?: { readonly header: string; readonly factor: number; readonly divisor: number };
  /** When set, the group's table is built by this function instead of the generic one. */
  readonly table?: (summaries: readonly CaseSummary[]) => Table;
  /**
   * When set (with `baseline`), each case's overhead over the baseline is also
   * shown divided by this case's overhead (`overhead ÷ floor’s`).
   */
  readonly overheadRatio?: { readonly caseId: string; readonly name: string };
  /** More of the section under the table: Markdown and files such as plots (bench/lib/sections.ts). */
  readonly extra?: SectionRenderer;
}

/**
 * A group that brings its own cases, table and section from a module of its
 * own (bench/groups/*.ts); listed in {@link GROUP_MODULES}, appended to the
 * report after the groups defined here.
 */
export interface GroupModule {
  readonly group: BenchGroup;
  readonly cases: readonly BenchCase[];
}

/** The group modules, in report order (after the groups of {@link CORE_GROUPS}). */
const GROUP_MODULES: readonly GroupModule[] = [redisRates];

/** One benchmark case: one variant of one case file, run in fresh processes. */
export interface BenchCase {
  /** Unique, stable id (`group/variant`); targets refer to it. */
  readonly id: string;
  readonly group: GroupId;
  /** The row label in the report. */
  readonly label: string;
  /** The case file, relative to bench/. */
  readonly file: string;
  /** The variant the case file runs. */
  readonly variant: string;
  /** Numeric knobs passed to the case (calls, rounds, breakers...). */
  readonly params: CaseParams;
  /** Extra node flags (e.g. `--expose-gc`). */
  readonly nodeFlags: readonly string[];
  /** Fresh processes to run, interleaved with the other cases (one per pass). */
  readonly processes: number;
  /** The process is killed after this long. */
  readonly timeoutMs: number;
  /** True when the case starts a redis-server (selected by `--group redis`). */
  readonly redis?: boolean;
  /** Cases this one is compared with, run along with it whatever groups are selected. */
  readonly alongside?: readonly string[];
  /** A line printed under the group's table from the case's `info`. */
  readonly note?: (info: CaseInfo) => string;
}

/** The groups defined in this file, in report order. */
const CORE_GROUPS: readonly BenchGroup[] = [
  {
    id: 'hot-path',
    title: 'Closed path: one successful call around `async () => {}`',
    method:
      'Each case awaits the call in a sequential loop: a warm-up of 200,000 calls, then 5 timed rounds of 1,000,000 calls (`timeoutMs`, over 1 µs a call: 50,000, then 5 × 200,000), in 3 fresh processes interleaved with the other cases. A round is timed in the process’s CPU time (user + system, `process.cpuUsage()`): the loop never waits on another process, so on an idle machine this is its elapsed time, and on this shared one it leaves out the time other jobs held the core (the naive breaker, which waits on Redis, is timed in elapsed time). The figure is the median of the 15 rounds; `ns over plain` subtracts the plain `await fn()` measured in the same run, and `overhead ÷ floor’s` divides that by the floor’s (an async wrapper that awaits the call and counts its outcome, bench/lib/floors.ts). The Redis-store rows run against a redis-server of their own on loopback, the box in shared mode. In this loop the calls are microtasks, so nothing else runs during a round (no timer, no I/O) and the store’s flush cannot fire; the two rows with a turn of the event loop every 1,000 calls let it run (one EVALSHA every 100 ms) during the rounds, beside the same loop with the in-memory store.',
    figureHeader: 'ns/call',
    aggregate: 'median',
    decimals: 0,
    baseline: { caseId: 'hot-path/plain', name: 'plain' },
    overheadRatio: { caseId: 'hot-path/floor', name: 'floor' },
    extra: hotPathBreakdown,
  },
  {
    id: 'open-path',
    title: 'Open path: a refused call, caught by the caller',
    method:
      'The breaker is forced open (cockatiel: `isolate()`, opossum: `open()`), then each call is awaited in a sequential loop and its rejection caught; a call that resolves fails the case. A warm-up of 50,000 calls, then 5 timed rounds of 200,000 calls, in 3 fresh processes, each round timed in the process’s CPU time as in the closed path. The two floors are async functions that throw one preallocated error: at once, or after one `await`.',
    figureHeader: 'ns per rejected call',
    aggregate: 'median',
    decimals: 0,
    baseline: { caseId: 'open-path/floor', name: 'floor' },
  },
  {
    id: 'heap',
    title: 'Heap per idle breaker',
    method:
      'Each round creates 10,000 breakers with distinct names (held by name: breakerbox in its box, the others in a `Map`), each having served one call, and divides the growth of `heapUsed` between two full collections (`--expose-gc`) by 10,000. 5 rounds in one fresh process; each round builds a fresh set and drops the previous one. breakerbox is loaded from src/ through tsx (esbuild with `keepNames`), whose `__name` wrapper gives the function each breaker creates a property dictionary that a tsc build does not have: expect the published build to be a few hundred bytes per breaker lighter. The Redis-store box is measured after it settled (shared mode for 1.5 s in a row, its first flushes done); the box’s own connections and scripts are in the figure too, spread over its 10,000 breakers.',
    figureHeader: 'bytes per breaker',
    aggregate: 'median',
    decimals: 0,
    scaled: { header: 'MB per 10,000', factor: 10_000, divisor: 1_048_576 },
  },
  {
    id: 'idle-cpu',
    title: 'Idle CPU of 10,000 breakers',
    method:
      'Creates 10,000 breakers (one call each), collects garbage, waits 1 s for the collector’s background work to end, then reads `process.cpuUsage()` (user + system) over 5 s of idling in 1-s slices. The figure is the CPU time over the 5 s as a percentage of one core; `no breakers` is the same process with none (the floor of an idle Node process). The Redis-store box is connected to its own redis-server and first left to settle (shared mode for 1.5 s in a row, its first flushes done); it idles 22 s instead of 5. While it idles, the spread refresh sweep re-reads 1/60th of the records every `refreshIntervalMs` (about 167 checks a second for 10,000 breakers: one `HMGET` each, in pipelines of at most 256) and the box writes its presence entry every 2 s; the figure is the mean of the 1-s slices, and includes the garbage collector’s threads.',
    figureHeader: '% of one core',
    aggregate: 'mean',
    decimals: 3,
  },
  {
    id: 'redis-commands',
    title: 'Redis commands per call: 4 replicas calling one breaker',
    method:
      '4 replica processes share one breaker on one redis-server (loopback, default box options: flush every 100 ms) and make successful calls around `async () => {}` for 4 s, at a fixed rate (the calls due, every 1 ms) or as fast as each can (bursts of 1,000 awaited calls, then a turn of the event loop); the 62,500/s row is the run of 1,000,000 calls in total. Commands are the `INFO commandstats` delta from just before the calls to two flush intervals after the last, split into commands the clients sent (EVALSHA, EVAL, PING, …; the bench’s own INFO left out) and commands Redis ran inside the scripts (TIME, HGETALL, HINCRBY, …), which `commandstats` counts too. The figure is client commands per second per active breaker per replica, a replica being active from its first call until one flush interval after its last (when its last outcomes are due); over such a span a replica that flushes once per interval sends span / 100 ms commands on average, and at most ceil(span / 100 ms) + 1 (`at most`).',
    figureHeader: 'commands / s / breaker / replica',
    aggregate: 'median',
    decimals: 2,
    table: commandsTable,
  },
  {
    id: 'redis-propagation',
    title: 'Trip propagation: from the tripping flush to 8 replicas refusing',
    method:
      "8 replica processes share one breaker (`minimumCalls: 5`, failure rate 0.5) on one redis-server. In each trial replica A makes 5 failing calls: its unflushed failures would trip the breaker, so it flushes at once, and the record script trips it and publishes the transition. Each replica stamps the moment its box emits the opening (`box.on('transition')`: its view is open then, and a call made right after is checked to be refused) with `performance.timeOrigin + performance.now()`, a clock every process of the machine shares. A trial’s figure is the last of the 7 other replicas’ stamps minus A’s own (when A’s trip reply arrived; another replica can hear the publish first, hence a negative minimum). A resets the breaker between trials and all 8 must see it closed; the replicas are otherwise idle; 5 warm-up trials are left out. Percentiles are nearest-rank.",
    figureHeader: 'p99 ms',
    aggregate: 'median',
    decimals: 2,
    table: propagationTable,
  },
  {
    id: 'redis-single-flight',
    title: 'Single-flight half-open: 8 replicas × 50 concurrent callers',
    method:
      '8 replica processes share one breaker (`openBackoff` 20 ms, jitter 0). Each round replica 0 calls `forceOpen({ forMs: 10 })`; once all 8 have seen it, every replica starts 50 concurrent calls at the same instant (a timer on the shared clock), 5 ms after the override expired, so that a probe is due everywhere. The protected function counts its runs and holds 25 ms, so that the trial outlasts the spread of the replicas’ start; the round ends when all 8 see the breaker closed again. Every run in the fleet counts (a replica that fired late and found the breaker closed would count too: `fired in` shows where each replica’s view was when it fired), and a double probe is a round with more than one run. 5 warm-up rounds are left out.',
    figureHeader: 'double probes',
    aggregate: 'median',
    decimals: 0,
    table: singleFlightTable,
  },
  {
    id: 'redis-outage-latency',
    title: 'Call latency while Redis hangs',
    method:
      'One replica (the case process) on its own redis-server, with the default box options (flush every 100 ms, command timeout 250 ms), runs steady traffic: one awaited call, then a 1-ms timer, over and over, around a dependency that answers on the next turn of the event loop (`setImmediate`), and records each `call()`’s latency. After a first outage that is not judged (local mode’s code runs for the first time), 3 cycles of 1 s with Redis healthy, then 1 s from SIGSTOP (the connections stay open and nothing answers), which includes the switch to local mode (a flush times out), then SIGCONT and back to shared: 3 s healthy and 3 s stopped in all, interleaved so that the machine’s drift touches both alike, and pooled. The p99 of a healthy second varies by tens of µs on this machine (the band shows the three); a call that waited on Redis would add at least one round trip (a PING’s p50, measured by the case before the traffic starts) and, with Redis stopped, up to the command timeout. So the stopped calls’ p99 must stay within one round trip of the healthy p99, and no call may take the command timeout.',
    figureHeader: 'paused p99 µs',
    aggregate: 'median',
    decimals: 1,
    table: outageLatencyTable,
  },
  {
    id: 'redis-outage-modes',
    title: 'Redis hangs and answers again: local mode and back',
    method:
      "The same replica and traffic, 10 trials. SIGSTOP, then the time until `box.on('mode')` reports `local`. Then 5 failing calls trip a second breaker in local mode, and 200 ms later SIGCONT, then the time until the box reports `shared` again, which it does once every breaker’s reconcile script ran. Then `snapshot()` (read from Redis) must show the carried trip (open), and `reset()` closes it for the next trial. Each trial stops Redis at a different phase of the flush timer (a 200–299 ms pause before it).",
    figureHeader: 'ms',
    aggregate: 'median',
    decimals: 1,
    table: outageModesTable,
  },
  {
    id: 'redis-cluster',
    title: 'Trip propagation on Redis Cluster vs one Redis: 8 replicas',
    method:
      'The trip-propagation trials above (8 replica processes, one breaker, A trips it, every replica stamps its opening on the shared clock; 5 warm-up trials left out), run twice in the same bench run: on one redis-server, and on a local Redis Cluster of three masters and three replicas (`redis-cli --cluster create … --cluster-replicas 1`, every node on loopback, the boxes given `{ cluster: startupNodes }`). On the cluster the record script runs on the master of the breaker’s slot and its `PUBLISH` is broadcast over the cluster bus to every node; each replica’s subscriber sits on whichever node ioredis picked. The figure is the p99 over trials of the last replica’s stamp minus A’s.',
    figureHeader: 'p99 ms',
    aggregate: 'median',
    decimals: 2,
    table: propagationTable,
  },
  {
    id: 'redis-cluster-pubsub',
    title: 'Redis Cluster pub/sub: plain PUBLISH vs sharded SPUBLISH',
    method:
      'The transport alone, without breakerbox, on a local cluster of three masters and three replicas: 8 ioredis `Cluster` subscribers in one process listen on `{bench}:transitions` (`SUBSCRIBE`, or `SSUBSCRIBE` with `shardedSubscribers: true`), a publisher `Cluster` client sends a message every 2 ms (500 messages), and each subscriber stamps its arrival on the publisher’s clock (one process: the 8 subscribers share one event loop, alike for both modes). The figure is the p99 over messages of the last subscriber’s arrival. Then 20,000 messages in awaited batches of 100, with the `CLUSTER INFO` bus counters (`cluster_stats_messages_publish_sent`, `…_publishshard_sent`) and `INFO cpu` (`used_cpu_sys` + `used_cpu_user`) summed over the 6 nodes before and after: bus messages and node CPU per publish (the CPU includes the nodes’ own background work over the same seconds).',
    figureHeader: 'p99 ms',
    aggregate: 'median',
    decimals: 2,
    table: clusterPubSubTable,
  },
  {
    id: 'scale',
    title: 'Breakers named from data: 10,000 and 100,000 per box, 4 replicas',
    method:
      '4 replica processes (`--expose-gc`) each create the same N breakers on one redis-server (Redis store, default box options; breakers with `windowMs: 2000` so that idle windows expire within the case) and wait until each was first read. Heap per breaker: the settled heap growth over N, median of the replicas. Active: every replica calls every breaker once, spread evenly over 10 s (100,000: 20 s); records and reads are the record-script calls and sweep reads each replica sent, per second. Redis bytes: mean `MEMORY USAGE` (SAMPLES 0) of the state, window and events keys of 500 breakers, each key over the breakers that have it, right after the active phase (the state hash plus a window holding the 4 replicas’ buckets) and again once the windows expired (idle: the state hash alone). Idle: once no replica has flushed anything for 1 s and after a full collection, 10 s of nothing; CPU (user + system) in % of one core, mean of the replicas; the box’s `commandTimeoutMs` is 2 s (250 ms sends a 100,000-breaker box on this overloaded machine to local mode and back); the replicas populate one after the other. The event-loop delay (`monitorEventLoopDelay`, 5-ms resolution, lateness past it) is the worst replica’s p99 and max while the spread refresh sweep runs (1/60th of the breakers per `refreshIntervalMs`, pipelines of at most 256, a closed breaker checked with one `HMGET`), which counts the machine too (garbage collection of a large heap, a shared CPU); `longest sweep stretch` is the sweep’s own part: the longest it held the event loop in one synchronous stretch (choosing the breakers, building a pipeline, adopting its replies). Retire: every replica retires every breaker (`box.retire`); the share of the heap growth it returned after a full collection. Replicas and Redis share the machine’s cores.',
    figureHeader: 'idle CPU % of a core',
    aggregate: 'mean',
    decimals: 2,
    table: scaleTable,
  },
  {
    id: 'ops',
    title: 'Operations endpoints through the Fastify plugin',
    method:
      '`fastify.inject()` (no socket), in-memory box, 3 fresh processes. `/health`: 100 breakers (one in ten open) and 5 active checks, one of which never settles (timeout 2 s, interval 10 s); after a first request (which waits for the checks’ first results), 5 rounds of 1,000 sequential requests; the figure is the median of the rounds’ p99. `/metrics`: 1,000 breakers, 5 rounds of 20 scrapes; the figure is the median of the rounds’ mean time per scrape.',
    figureHeader: 'ms',
    aggregate: 'median',
    decimals: 2,
  },
];

const HOT = { calls: 1_000_000, rounds: 5, warmupCalls: 200_000 };
/** For cases of a microsecond or more per call, to keep the run short. */
const SLOW = { calls: 200_000, rounds: 5, warmupCalls: 50_000 };
/** The naive breaker waits on two Redis round trips per call: far fewer calls. */
const NAIVE = { calls: 5_000, rounds: 5, warmupCalls: 2_000, wallClock: 1 };
const HEAP = { breakers: 10_000, rounds: 5, warmupBreakers: 200 };
const IDLE = { breakers: 10_000, slices: 5, sliceMs: 1_000, settleMs: 1_000 };

function hotPath(variant: string, label: string, params: CaseParams = HOT): BenchCase {
  return {
    id: `hot-path/${variant}`,
    group: 'hot-path',
    label,
    file: 'cases/hot-path.ts',
    variant,
    params,
    nodeFlags: [],
    processes: 3,
    timeoutMs: 90_000,
  };
}

function openPath(variant: string, label: string, params: CaseParams = SLOW): BenchCase {
  return {
    id: `open-path/${variant}`,
    group: 'open-path',
    label,
    file: 'cases/open-path.ts',
    variant,
    params,
    nodeFlags: [],
    processes: 3,
    timeoutMs: 90_000,
  };
}

function heap(variant: string, label: string): BenchCase {
  return {
    id: `heap/${variant}`,
    group: 'heap',
    label,
    file: 'cases/heap.ts',
    variant,
    params: HEAP,
    nodeFlags: ['--expose-gc'],
    processes: 1,
    timeoutMs: 120_000,
  };
}

function idleCpu(variant: string, label: string): BenchCase {
  return {
    id: `idle-cpu/${variant}`,
    group: 'idle-cpu',
    label,
    file: 'cases/idle-cpu.ts',
    variant,
    params: IDLE,
    nodeFlags: ['--expose-gc'],
    processes: 1,
    timeoutMs: 60_000,
  };
}

/** A case that starts its own redis-server, run along with the cases it is compared with. */
function withRedis(
  spec: BenchCase,
  alongside: readonly string[],
  note?: BenchCase['note'],
): BenchCase {
  return { ...spec, redis: true, alongside, ...(note === undefined ? {} : { note }) };
}

/** A case of one of the Redis groups: one process, with its own redis-server (and replicas). */
function redisCase(
  id: `${GroupId}/${string}`,
  label: string,
  run: { readonly file: string; readonly variant: string },
  params: CaseParams,
  timeoutMs: number,
): BenchCase {
  const group = id.slice(0, id.indexOf('/')) as GroupId;
  return { id, group, label, ...run, params, nodeFlags: [], processes: 1, timeoutMs, redis: true };
}

const COMMANDS = { file: 'cases/redis-commands.ts', variant: 'fleet' };

const YIELDING = { ...HOT, yieldEvery: 1_000 };
const FLEET_SECONDS = 4_000;

/** How a Redis-store population settled, for the note under its table. */
function settledNote(info: CaseInfo): string {
  const changes = info.modeChanges ?? 0;
  const seconds = ((info.settleMs ?? 0) / 1_000).toFixed(1);
  return `the box settled ${seconds} s after its breakers were created, after ${changes} mode change(s) (shared → local → shared: see bench/README.md, “Known issues the Redis cases meet”)`;
}

function ops(variant: string, label: string): BenchCase {
  return {
    id: `ops/${variant}`,
    group: 'ops',
    label,
    file: 'cases/ops.ts',
    variant,
    params: {},
    nodeFlags: [],
    processes: 3,
    timeoutMs: 120_000,
  };
}

/** The cases of {@link CORE_GROUPS}, in report order within their group. */
const CORE_CASES: readonly BenchCase[] = [
  ops('health-p99', '`/health` p99, 100 breakers, 5 active checks (one hanging)'),
  ops('metrics-scrape', '`/metrics` scrape, 1,000 breakers'),
  hotPath('plain', 'plain `await fn()`'),
  hotPath('floor', 'floor: async wrapper awaiting the call, counting its outcome'),
  hotPath('floor-clock', 'floor + one `Date.now()`'),
  hotPath('floor-window', 'floor + clock + breakerbox’s state machine and time window'),
  hotPath('breakerbox-default', 'breakerbox, default options'),
  hotPath(
    'breakerbox-metrics',
    'breakerbox, default options, metrics registered, no call listener',
  ),
  withRedis(hotPath('breakerbox-redis', 'breakerbox, default options, Redis store (shared mode)'), [
    'hot-path/breakerbox-default',
  ]),
  withRedis(
    hotPath(
      'breakerbox-redis-metrics',
      'breakerbox, Redis store (shared mode), metrics registered, no call listener',
    ),
    ['hot-path/breakerbox-metrics'],
  ),
  hotPath(
    'breakerbox-default-yielding',
    'breakerbox, default options, a turn of the event loop every 1,000 calls',
    YIELDING,
  ),
  withRedis(
    hotPath(
      'breakerbox-redis-yielding',
      'breakerbox, Redis store, a turn of the event loop every 1,000 calls (flushes run)',
      YIELDING,
    ),
    ['hot-path/breakerbox-default-yielding'],
  ),
  hotPath('breakerbox-listener', 'breakerbox, default options, one `success` listener'),
  hotPath('breakerbox-timeout', 'breakerbox, `timeoutMs: 1000`', SLOW),
  hotPath(
    'breakerbox-timeout-signal',
    'breakerbox, `timeoutMs: 1000`, a function that takes the signal',
    SLOW,
  ),
  hotPath('cockatiel-consecutive', 'cockatiel ConsecutiveBreaker(5)'),
  hotPath('cockatiel-sampling', 'cockatiel SamplingBreaker(0.5, 10 s)'),
  hotPath('opossum-no-timeout', 'opossum `{ timeout: false }`'),
  hotPath('opossum-defaults', 'opossum defaults'),
  withRedis(
    hotPath(
      'naive-redis',
      'naive breaker: GET before and INCR after every call (Redis; wall time, as it waits on Redis)',
      NAIVE,
    ),
    ['hot-path/breakerbox-redis'],
  ),
  openPath('floor', 'floor: async fn throwing a preallocated error'),
  openPath('floor-deferred', 'floor: the same, after one `await`'),
  openPath('breakerbox', 'breakerbox, `forceOpen()`'),
  openPath('cockatiel-consecutive', 'cockatiel ConsecutiveBreaker, `isolate()`'),
  openPath('opossum', 'opossum, `open()`'),
  heap('breakerbox', 'breakerbox'),
  withRedis(
    { ...heap('breakerbox-redis', 'breakerbox, Redis store (shared mode)'), timeoutMs: 300_000 },
    ['heap/breakerbox'],
    settledNote,
  ),
  heap('cockatiel-consecutive', 'cockatiel ConsecutiveBreaker'),
  heap('cockatiel-sampling', 'cockatiel SamplingBreaker'),
  heap('opossum', 'opossum defaults'),
  idleCpu('none', 'no breakers (the floor)'),
  idleCpu('breakerbox', 'breakerbox'),
  withRedis(
    {
      ...idleCpu('breakerbox-redis', 'breakerbox, Redis store (shared mode), over 22 s'),
      params: { ...IDLE, slices: 22 },
      timeoutMs: 120_000,
    },
    ['idle-cpu/breakerbox'],
    (info) =>
      `${settledNote(info)}; while it idled: ${info.laterModeChanges ?? 0} mode change(s), the busiest 1-s slice ${(info.maxSlicePercent ?? 0).toFixed(1)}% of a core, and the redis-server used ${(info.redisServerPercent ?? 0).toFixed(3)}% of a core`,
  ),
  idleCpu('cockatiel-consecutive', 'cockatiel ConsecutiveBreaker'),
  idleCpu('opossum', 'opossum defaults'),
  redisCase(
    'redis-commands/rate-6k',
    '6,250 calls/s per replica, 4 s',
    COMMANDS,
    { replicas: 4, perSecond: 6_250, calls: 0, durationMs: FLEET_SECONDS },
    120_000,
  ),
  redisCase(
    'redis-commands/rate-62k',
    '62,500 calls/s per replica: 1,000,000 calls',
    COMMANDS,
    { replicas: 4, perSecond: 62_500, calls: 1_000_000, durationMs: 0 },
    120_000,
  ),
  redisCase(
    'redis-commands/rate-max',
    'as fast as each replica can, 4 s',
    COMMANDS,
    { replicas: 4, perSecond: 0, calls: 0, durationMs: FLEET_SECONDS },
    120_000,
  ),
  redisCase(
    'redis-propagation/fleet',
    '8 replicas, 100 trials',
    { file: 'cases/redis-propagation.ts', variant: 'fleet' },
    { replicas: 8, trials: 100, warmupTrials: 5 },
    180_000,
  ),
  redisCase(
    'redis-single-flight/fleet',
    '8 replicas × 50 callers, 1,000 rounds',
    { file: 'cases/redis-single-flight.ts', variant: 'fleet' },
    {
      replicas: 8,
      rounds: 1_000,
      warmupRounds: 5,
      callers: 50,
      forMs: 10,
      marginMs: 5,
      holdMs: 25,
    },
    300_000,
  ),
  redisCase(
    'redis-cluster/single',
    'one redis-server, 8 replicas, 100 trials',
    { file: 'cases/redis-cluster.ts', variant: 'single' },
    { replicas: 8, trials: 100, warmupTrials: 5 },
    180_000,
  ),
  redisCase(
    'redis-cluster/cluster',
    'Redis Cluster (3 masters + 3 replicas), 8 replicas, 100 trials',
    { file: 'cases/redis-cluster.ts', variant: 'cluster' },
    { replicas: 8, trials: 100, warmupTrials: 5 },
    240_000,
  ),
  redisCase(
    'redis-cluster-pubsub/plain',
    'plain `PUBLISH` / `SUBSCRIBE` (what breakerbox uses)',
    { file: 'cases/redis-cluster.ts', variant: 'pubsub-plain' },
    { subscribers: 8, trials: 500, gapMs: 2, costMessages: 20_000 },
    180_000,
  ),
  redisCase(
    'redis-cluster-pubsub/sharded',
    'sharded `SPUBLISH` / `SSUBSCRIBE`',
    { file: 'cases/redis-cluster.ts', variant: 'pubsub-sharded' },
    { subscribers: 8, trials: 500, gapMs: 2, costMessages: 20_000 },
    180_000,
  ),
  redisCase(
    'scale/10k',
    '10,000 breakers per box × 4 replicas',
    { file: 'cases/scale.ts', variant: 'fleet' },
    { replicas: 4, breakers: 10_000, activeMs: 10_000, idleMs: 10_000 },
    600_000,
  ),
  redisCase(
    'scale/100k',
    '100,000 breakers per box × 4 replicas',
    { file: 'cases/scale.ts', variant: 'fleet' },
    { replicas: 4, breakers: 100_000, activeMs: 20_000, idleMs: 10_000 },
    1_200_000,
  ),
  redisCase(
    'redis-outage-latency/steady',
    'a call every 1 ms, dependency answers on the next turn',
    { file: 'cases/redis-outage.ts', variant: 'latency' },
    { cycles: 3, segmentMs: 1_000, everyMs: 1 },
    120_000,
  ),
  redisCase(
    'redis-outage-modes/steady',
    'a call every 1 ms; 10 trials',
    { file: 'cases/redis-outage.ts', variant: 'modes' },
    { trials: 10, everyMs: 1, localMs: 200 },
    120_000,
  ),
];

/** Every group, in report order. */
export const GROUPS: readonly BenchGroup[] = [
  ...CORE_GROUPS,
  ...GROUP_MODULES.map((module) => module.group),
];

/** Every case, in report order within its group. */
export const CASES: readonly BenchCase[] = [
  ...CORE_CASES,
  ...GROUP_MODULES.flatMap((module) => module.cases),
];

/**
 * Checks the registry: unique case ids, known groups, baselines that exist in their group.
 * @throws Error naming the first inconsistency
 */
export function validateRegistry(groups: readonly BenchGroup[], cases: readonly BenchCase[]): void {
  const ids = new Set<string>();
  for (const spec of cases) {
    if (ids.has(spec.id)) throw new Error(`duplicate case id ${spec.id}`);
    ids.add(spec.id);
    if (!groups.some((group) => group.id === spec.group)) {
      throw new Error(`case ${spec.id} has unknown group ${spec.group}`);
    }
    if (spec.processes < 1) throw new Error(`case ${spec.id} needs at least one process`);
  }
  for (const spec of cases) {
    const missing = spec.alongside?.find((id) => !ids.has(id));
    if (missing !== undefined) throw new Error(`case ${spec.id} runs alongside unknown ${missing}`);
  }
  for (const group of groups) {
    const baseline = group.baseline?.caseId;
    if (
      baseline !== undefined &&
      !cases.some((spec) => spec.id === baseline && spec.group === group.id)
    ) {
      throw new Error(`group ${group.id} has baseline ${baseline}, which is not one of its cases`);
    }
  }
}
