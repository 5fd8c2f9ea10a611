/**
 * One replica of a service, as a real Node process: a breakerbox box on a
 * shared Redis, driven by its parent test over IPC (see protocol.ts).
 *
 * Started with `node --import tsx replica-main.ts` and the JSON config in the
 * BREAKERBOX_REPLICA env variable. It counts every run of the protected
 * function, records every transition and mode event it receives, keeps its
 * warn-and-above log lines (also written to stderr) for the parent to read,
 * can run a steady load loop that measures each call's latency, and counts
 * unhandled rejections and uncaught exceptions instead of dying of them.
 */
import { createHook } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { createBreakerBox, isBreakerBoxError, isDependencyUnhealthy } from '../../../src/index.js';
import type { Breaker, BreakerBox, ModeChangeEvent, TransitionEvent } from '../../../src/index.js';
import { CONFIG_ENV, isRequest } from './protocol.js';
import type {
  CallOutcome,
  CallsResult,
  ChildMessage,
  Command,
  LoadBreakerStats,
  LoadStats,
  LogLine,
  ProbeRoundResult,
  ProcessHealth,
  ReleaseResult,
  ReplicaConfig,
} from './protocol.js';

/** The protected function's own failure (as opposed to a refusal by the breaker). */
class DependencyFailure extends Error {
  override name = 'DependencyFailure';
}

/** Counts the settlements of a batch of calls. */
class Tally {
  ok = 0;
  failed = 0;
  rejected = 0;
  readonly byState: Record<string, number> = {};
  readonly otherErrors: string[] = [];

  settle(call: Promise<unknown>): Promise<void> {
    return call.then(
      () => {
        this.ok++;
      },
      (error: unknown) => {
        if (isDependencyUnhealthy(error)) {
          this.rejected++;
          this.byState[error.state] = (this.byState[error.state] ?? 0) + 1;
        } else if (error instanceof DependencyFailure) {
          this.failed++;
        } else {
          this.otherErrors.push(
            error instanceof Error ? `${error.name}: ${error.message}` : String(error),
          );
        }
      },
    );
  }
}

interface HeldRound {
  readonly release: (outcome: 'ok' | 'fail') => void;
  readonly tally: Tally;
  readonly settled: Promise<unknown>;
}

const config = JSON.parse(process.env[CONFIG_ENV] ?? 'null') as ReplicaConfig | null;
if (config === null) throw new Error(`${CONFIG_ENV} is not set`);

// Counted and reported (`health`), so a test can assert there were none; the
// replica keeps running so that the count can be read.
let unhandledRejections = 0;
let uncaughtExceptions = 0;
const crashes: string[] = [];
function noteCrash(kind: string, error: unknown): void {
  const text = `${kind}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
  if (crashes.length < 10) crashes.push(text);
  process.stderr.write(`${text}\n`);
}
process.on('unhandledRejection', (reason) => {
  unhandledRejections++;
  noteCrash('unhandledRejection', reason);
});
process.on('uncaughtExceptionMonitor', (error) => {
  uncaughtExceptions++;
  noteCrash('uncaughtException', error);
});

// Every live Timeout, unref'd ones included (getActiveResourcesInfo() only lists ref'd ones).
const liveTimers = new Set<number>();
if (config.trackTimers === true) {
  createHook({
    init(asyncId, type) {
      if (type === 'Timeout') liveTimers.add(asyncId);
    },
    destroy(asyncId) {
      liveTimers.delete(asyncId);
    },
  }).enable();
}

const logLines: LogLine[] = [];
const logSink = new Writable({
  write(chunk: Buffer | string, _encoding, callback) {
    const text = chunk.toString();
    for (const line of text.split('\n')) {
      if (line === '') continue;
      try {
        const parsed = JSON.parse(line) as { level?: unknown; msg?: unknown };
        logLines.push({
          level: typeof parsed.level === 'number' ? parsed.level : 0,
          msg: typeof parsed.msg === 'string' ? parsed.msg : '',
        });
      } catch {
        logLines.push({ level: 0, msg: line });
      }
    }
    process.stderr.write(text);
    callback();
  },
});
const logger = pino({ level: 'warn', base: { replica: config.replicaId } }, logSink);

const events: TransitionEvent[] = [];
const modeEvents: ModeChangeEvent[] = [];
const heldRounds = new Map<number, HeldRound>();
let ran = 0;
let roundSeq = 0;

function send(message: ChildMessage): void {
  process.send?.(message);
}

function protectedCall(outcome: CallOutcome, slowMs: number): () => Promise<string> {
  return async () => {
    ran++;
    if (outcome === 'slow') await sleep(slowMs);
    if (outcome === 'fail')
      throw new DependencyFailure(`dependency failed on ${config?.replicaId ?? '?'}`);
    return 'ok';
  };
}

async function runCalls(
  breaker: Breaker,
  count: number,
  concurrency: number,
  outcome: CallOutcome,
  slowMs: number,
): Promise<CallsResult> {
  const ranBefore = ran;
  const tally = new Tally();
  let started = 0;
  const worker = async (): Promise<void> => {
    while (started < count) {
      started++;
      await tally.settle(breaker.call(protectedCall(outcome, slowMs)));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, count)) }, worker));
  return { ran: ran - ranBefore, ...tallyResult(tally) };
}

function tallyResult(tally: Tally): Omit<CallsResult, 'ran'> {
  return {
    ok: tally.ok,
    failed: tally.failed,
    rejected: tally.rejected,
    byState: { ...tally.byState },
    otherErrors: [...tally.otherErrors],
  };
}

/**
 * `callers` calls in the same tick. Resolves once every caller has either
 * been refused (its call settled) or is inside the protected function.
 */
async function probeRound(
  breaker: Breaker,
  callers: number,
  hold: boolean,
  outcome: 'ok' | 'fail',
): Promise<ProbeRoundResult> {
  const round = ++roundSeq;
  let release: (outcome: 'ok' | 'fail') => void = () => undefined;
  const gate = new Promise<'ok' | 'fail'>((resolve) => {
    release = resolve;
  });
  const tally = new Tally();
  let entered = 0;
  const decided: Promise<void>[] = [];
  const settled: Promise<void>[] = [];
  for (let i = 0; i < callers; i++) {
    let markDecided: () => void = () => undefined;
    decided.push(
      new Promise<void>((resolve) => {
        markDecided = resolve;
      }),
    );
    const call = breaker.call(async () => {
      ran++;
      entered++;
      markDecided();
      const result = hold ? await gate : outcome;
      if (result === 'fail')
        throw new DependencyFailure(`probe failed on ${config?.replicaId ?? '?'}`);
      return 'ok';
    });
    const done = tally.settle(call);
    settled.push(done);
    void done.then(markDecided);
  }
  await Promise.all(hold ? decided : settled);
  if (hold) heldRounds.set(round, { release, tally, settled: Promise.all(settled) });
  return { round, entered, ...tallyResult(tally) };
}

async function releaseRound(round: number, outcome: 'ok' | 'fail'): Promise<ReleaseResult> {
  const held = heldRounds.get(round);
  if (held === undefined) throw new Error(`no held round ${round}`);
  heldRounds.delete(round);
  const okBefore = held.tally.ok;
  const failedBefore = held.tally.failed;
  held.release(outcome);
  await held.settled;
  return { ok: held.tally.ok - okBefore, failed: held.tally.failed - failedBefore };
}

/** One phase of a load loop's counts. */
class LoadPhase {
  readonly since = Date.now();
  iterations = 0;
  readonly tallies = new Map<string, { tally: Tally; otherErrorCount: number; calls: number }>();
  readonly latencies: number[] = [];

  stats(): LoadStats {
    const byBreaker: Record<string, LoadBreakerStats> = {};
    for (const [name, { tally, otherErrorCount, calls }] of this.tallies) {
      byBreaker[name] = { calls, otherErrorCount, ...tallyResult(tally) };
    }
    const sorted = [...this.latencies].sort((x, y) => x - y);
    const p99 = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? 0;
    return {
      iterations: this.iterations,
      byBreaker,
      latency: { count: sorted.length, maxMs: sorted.at(-1) ?? 0, p99Ms: p99 },
      since: this.since,
      until: Date.now(),
    };
  }
}

/**
 * A steady load: every `intervalMs`, one call to each breaker in turn. The
 * function ends at once (succeeds, or fails for breakers set to `fail`), so
 * a call's latency is the breaker's own: it should never wait on Redis.
 */
class LoadLoop {
  private running = true;
  private phase = new LoadPhase();
  private readonly outcomes = new Map<string, 'ok' | 'fail'>();
  readonly done: Promise<void>;

  constructor(
    private readonly breakers: readonly Breaker[],
    private readonly intervalMs: number,
  ) {
    this.done = this.run();
  }

  setOutcome(breaker: string, outcome: 'ok' | 'fail'): void {
    this.outcomes.set(breaker, outcome);
  }

  stats(reset: boolean): LoadStats {
    const stats = this.phase.stats();
    if (reset) this.phase = new LoadPhase();
    return stats;
  }

  async stop(): Promise<LoadStats> {
    this.running = false;
    await this.done;
    return this.phase.stats();
  }

  private async run(): Promise<void> {
    while (this.running) {
      const phase = this.phase;
      for (const breaker of this.breakers) {
        const outcome = this.outcomes.get(breaker.name) ?? 'ok';
        let entry = phase.tallies.get(breaker.name);
        if (entry === undefined) {
          entry = { tally: new Tally(), otherErrorCount: 0, calls: 0 };
          phase.tallies.set(breaker.name, entry);
        }
        const others = entry.tally.otherErrors.length;
        const started = performance.now();
        await entry.tally.settle(
          breaker.call(() => {
            ran++;
            if (outcome === 'fail') {
              return Promise.reject(
                new DependencyFailure(`dependency failed on ${config?.replicaId ?? '?'}`),
              );
            }
            return Promise.resolve('ok');
          }),
        );
        phase.latencies.push(performance.now() - started);
        entry.calls++;
        if (entry.tally.otherErrors.length > others) {
          entry.otherErrorCount++;
          // Keep the first few messages only.
          if (entry.tally.otherErrors.length > 5) entry.tally.otherErrors.pop();
        }
      }
      phase.iterations++;
      await sleep(this.intervalMs);
    }
  }
}

let loadLoop: LoadLoop | undefined;

function health(): ProcessHealth {
  globalThis.gc?.();
  const memory = process.memoryUsage();
  const resources: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) resources[type] = (resources[type] ?? 0) + 1;
  return {
    heapUsedBytes: memory.heapUsed,
    rssBytes: memory.rss,
    timers: config?.trackTimers === true ? liveTimers.size : -1,
    resources,
    unhandledRejections,
    uncaughtExceptions,
    crashes: [...crashes],
  };
}

async function execute(box: BreakerBox, command: Command): Promise<unknown> {
  const breakerOf = (name: string): Breaker => {
    if (!(name in (config?.breakers ?? {}))) throw new Error(`breaker ${name} is not configured`);
    return box.breaker(name);
  };
  switch (command.type) {
    case 'calls':
      return runCalls(
        breakerOf(command.breaker),
        command.count,
        command.concurrency,
        command.outcome,
        command.slowMs ?? 0,
      );
    case 'state':
      return breakerOf(command.breaker).state;
    case 'snapshot':
      return breakerOf(command.breaker).snapshot();
    case 'force': {
      const breaker = breakerOf(command.breaker);
      if (command.mode === 'open') {
        await breaker.forceOpen(command.forMs === undefined ? {} : { forMs: command.forMs });
      } else if (command.mode === 'closed') {
        await breaker.forceClosed();
      } else {
        await breaker.reset();
      }
      return null;
    }
    case 'probeRound':
      return probeRound(breakerOf(command.breaker), command.callers, command.hold, command.outcome);
    case 'release':
      return releaseRound(command.round, command.outcome);
    case 'events':
      return events;
    case 'logs':
      return logLines;
    case 'ran':
      return ran;
    case 'mode':
      return box.mode;
    case 'modeEvents':
      return modeEvents;
    case 'startLoad':
      if (loadLoop !== undefined) throw new Error('a load loop is already running');
      loadLoop = new LoadLoop(command.breakers.map(breakerOf), command.intervalMs);
      return null;
    case 'loadOutcome':
      breakerOf(command.breaker);
      requireLoop().setOutcome(command.breaker, command.outcome);
      return null;
    case 'loadStats':
      return requireLoop().stats(command.reset);
    case 'stopLoad': {
      const stats = await requireLoop().stop();
      loadLoop = undefined;
      return stats;
    }
    case 'health':
      return health();
    case 'exit':
      await loadLoop?.stop();
      await box.close();
      return null;
  }
}

function requireLoop(): LoadLoop {
  if (loadLoop === undefined) throw new Error('no load loop is running');
  return loadLoop;
}

async function main(replica: ReplicaConfig): Promise<void> {
  let box: BreakerBox;
  try {
    box = await createBreakerBox({
      redis:
        typeof replica.redis === 'string'
          ? replica.redis
          : 'cluster' in replica.redis
            ? { cluster: replica.redis.cluster.map(({ host, port }) => ({ host, port })) }
            : {
                sentinels: replica.redis.sentinels.map(({ host, port }) => ({ host, port })),
                name: replica.redis.name,
              },
      namespace: replica.namespace,
      replicaId: replica.replicaId,
      logger,
      flushIntervalMs: replica.flushIntervalMs ?? 25,
      refreshIntervalMs: replica.refreshIntervalMs ?? 200,
      commandTimeoutMs: replica.commandTimeoutMs ?? 1_000,
    });
  } catch (error) {
    const fatal: ChildMessage = {
      kind: 'fatal',
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      code: isBreakerBoxError(error) ? error.code : undefined,
    };
    process.send?.(fatal, () => {
      process.exit(1);
    });
    return;
  }
  box.on('transition', (event) => {
    events.push(event);
  });
  box.on('mode', (event) => {
    modeEvents.push(event);
  });
  const breakers = Object.entries(replica.breakers).map(([name, options]) =>
    box.breaker(name, options),
  );
  // Start from the shared record, so the parent's first look is not the default view.
  await Promise.all(breakers.map((breaker) => breaker.snapshot()));

  process.on('message', (message: unknown) => {
    if (!isRequest(message)) return;
    const { id, command } = message;
    execute(box, command).then(
      (result) => {
        if (command.type === 'exit') {
          process.send?.({ kind: 'reply', id, result } satisfies ChildMessage, () => {
            process.exit(0);
          });
          return;
        }
        send({ kind: 'reply', id, result });
      },
      (error: unknown) => {
        send({
          kind: 'error',
          id,
          error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
        });
      },
    );
  });
  send({ kind: 'ready', replicaId: replica.replicaId, pid: process.pid });
}

// An orphaned replica (its test process died) must not linger.
process.on('disconnect', () => {
  process.exit(0);
});

void main(config);
