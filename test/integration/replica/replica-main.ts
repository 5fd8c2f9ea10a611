/**
 * One replica of a service, as a real Node process: a breakerbox box on a
 * shared Redis, driven by its parent test over IPC (see protocol.ts).
 *
 * Started with `node --import tsx replica-main.ts` and the JSON config in the
 * BREAKERBOX_REPLICA env variable. It counts every run of the protected
 * function, records every transition event it receives, and keeps its
 * warn-and-above log lines (also written to stderr) for the parent to read.
 */
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { createBreakerBox, isBreakerBoxError, isDependencyUnhealthy } from '../../../src/index.js';
import type { Breaker, BreakerBox, TransitionEvent } from '../../../src/index.js';
import { CONFIG_ENV, isRequest } from './protocol.js';
import type {
  CallOutcome,
  CallsResult,
  ChildMessage,
  Command,
  LogLine,
  ProbeRoundResult,
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
    case 'exit':
      await box.close();
      return null;
  }
}

async function main(replica: ReplicaConfig): Promise<void> {
  let box: BreakerBox;
  try {
    box = await createBreakerBox({
      redis: replica.redis,
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
