/**
 * One replica of a fleet, as its own Node process: a breakerbox box on the
 * case's Redis, driven by the case process over IPC (protocol.ts). Started by
 * fleet.ts with `node --import tsx bench/replica/main.ts` and its config in
 * the BREAKERBOX_BENCH_REPLICA env variable. It reports every transition its
 * box emits, stamped on the common clock when the listener runs, and exits
 * when its parent goes away.
 */
import { pino } from 'pino';
import { createBreakerBox, isDependencyUnhealthy } from '../../src/index.js';
import type { Breaker, BreakerBox } from '../../src/index.js';
import { commonNow, nextTurn, sleep, sleepUntil } from '../lib/timing.js';
import { CONFIG_ENV, isRequest } from './protocol.js';
import { ScaleOps } from './scale-ops.js';
import type {
  ChildMessage,
  Command,
  FailResult,
  FireResult,
  LoadResult,
  ReplicaConfig,
  Seen,
} from './protocol.js';

/** Calls per turn of the event loop when loading as fast as possible. */
const BURST = 1_000;

const noop = async (): Promise<void> => {};
const failure = new Error('dependency failed');
// eslint-disable-next-line @typescript-eslint/require-await -- an async function that rejects
const failing = async (): Promise<void> => {
  throw failure;
};

function send(message: ChildMessage): void {
  process.send?.(message);
}

class Replica {
  private readonly last = new Map<string, Seen>();
  /** Reports go out in the order the transitions happened. */
  private reports: Promise<void> = Promise.resolve();
  private readonly scale: ScaleOps;

  constructor(
    private readonly box: BreakerBox,
    private readonly breakers: ReadonlyMap<string, Breaker>,
  ) {
    this.scale = new ScaleOps(box);
    box.on('mode', ({ from, to, reason }) => {
      const at = commonNow();
      this.reports = this.reports.then(() => {
        send({ kind: 'mode', from, to, reason, at });
      });
    });
    box.on('transition', (event) => {
      const at = commonNow();
      this.last.set(event.breaker, { epoch: event.epoch, to: event.to, at });
      const { breaker, from, to, epoch, openUntil } = event;
      // An opening is proved by a call made right then being refused, but only while
      // no probe is due (a due probe would make that call the fleet's trial).
      const check =
        to === 'open' && openUntil !== null && Date.now() < openUntil - 1_000
          ? this.refuses(breaker)
          : Promise.resolve(false);
      this.reports = this.reports.then(async () => {
        const refuses = await check;
        send({ kind: 'transition', breaker, from, to, epoch, at, refuses });
      });
    });
  }

  private refuses(name: string): Promise<boolean> {
    return this.breaker(name)
      .call(noop)
      .then(
        () => false,
        (error: unknown) => isDependencyUnhealthy(error),
      );
  }

  async handle(command: Command): Promise<unknown> {
    switch (command.op) {
      case 'load':
        return this.load(this.breaker(command.breaker), command);
      case 'fail':
        return this.fail(this.breaker(command.breaker), command.calls);
      case 'reset':
        await this.breaker(command.breaker).reset();
        return this.seen(command.breaker);
      case 'force-open':
        await this.breaker(command.breaker).forceOpen({ forMs: command.forMs });
        return this.seen(command.breaker);
      case 'fire':
        return this.fire(command);
      case 'populate':
        return this.scale.populate(command);
      case 'spread':
        return this.scale.spread(command.durationMs);
      case 'observe':
        return this.scale.observe(command.durationMs);
      case 'retire-all':
        return this.scale.retireAll();
      case 'close':
        await this.box.close();
        return null;
    }
  }

  private breaker(name: string): Breaker {
    const breaker = this.breakers.get(name);
    if (breaker === undefined) throw new Error(`no breaker ${name} on this replica`);
    return breaker;
  }

  private seen(name: string): Seen {
    return this.last.get(name) ?? { epoch: 0, to: 'none', at: 0 };
  }

  /**
   * Awaited calls, one after the other. As fast as possible: bursts of
   * {@link BURST} calls, then a turn of the event loop (so that timers and
   * I/O run, as in a server). At a rate: every millisecond, the calls due by then.
   */
  private async load(
    breaker: Breaker,
    { calls, perSecond, durationMs }: Extract<Command, { op: 'load' }>,
  ): Promise<LoadResult> {
    let done = 0;
    let errors = 0;
    const firstAt = commonNow();
    const start = performance.now();
    const end = durationMs === 0 ? Number.POSITIVE_INFINITY : start + durationMs;
    while (done < calls && performance.now() < end) {
      const due =
        perSecond === 0
          ? done + BURST
          : Math.floor(((performance.now() - start) * perSecond) / 1_000) + 1;
      const until = Math.min(calls, due, done + 10 * BURST);
      for (; done < until; done++) {
        try {
          await breaker.call(noop);
        } catch {
          errors++;
        }
      }
      if (perSecond === 0) await nextTurn();
      else await sleep(1);
    }
    return { calls: done, errors, firstAt, lastAt: commonNow() };
  }

  private async fail(breaker: Breaker, calls: number): Promise<FailResult> {
    let failed = 0;
    let rejected = 0;
    for (let i = 0; i < calls; i++) {
      try {
        await breaker.call(failing);
      } catch (error) {
        if (isDependencyUnhealthy(error)) rejected++;
        else failed++;
      }
    }
    return { failed, rejected };
  }

  private async fire(command: Extract<Command, { op: 'fire' }>): Promise<FireResult> {
    const breaker = this.breaker(command.breaker);
    let runs = 0;
    let trialRuns = 0;
    const trial = async (): Promise<void> => {
      runs++;
      if (breaker.state !== 'closed') trialRuns++;
      await sleep(command.holdMs);
    };
    await sleepUntil(command.at);
    const firedAt = commonNow();
    const stateAtFire = breaker.state;
    const calls: Promise<void>[] = [];
    for (let i = 0; i < command.callers; i++) calls.push(breaker.call(trial));
    const settled = await Promise.allSettled(calls);
    let rejected = 0;
    let otherErrors = 0;
    for (const result of settled) {
      if (result.status === 'fulfilled') continue;
      if (isDependencyUnhealthy(result.reason)) rejected++;
      else otherErrors++;
    }
    const deadline = performance.now() + command.closeTimeoutMs;
    while (breaker.state !== 'closed' && performance.now() < deadline) await sleep(1);
    return {
      runs,
      trialRuns,
      rejected,
      otherErrors,
      firedAt,
      lateMs: firedAt - command.at,
      stateAtFire,
      closedAgain: breaker.state === 'closed',
    };
  }
}

function readConfig(): ReplicaConfig {
  const raw = process.env[CONFIG_ENV];
  if (raw === undefined) throw new Error(`${CONFIG_ENV} is not set`);
  return JSON.parse(raw) as ReplicaConfig;
}

async function main(): Promise<void> {
  // The coordinator gone (it ended, failed or was killed): nothing left to do.
  process.on('disconnect', () => process.exit(0));
  const config = readConfig();
  const box = await createBreakerBox({
    redis:
      config.clusterNodes === undefined ? config.redisUrl : { cluster: [...config.clusterNodes] },
    namespace: config.namespace,
    replicaId: config.replicaId,
    logger: pino({ level: 'silent' }),
    ...(config.flushIntervalMs === undefined ? {} : { flushIntervalMs: config.flushIntervalMs }),
    ...(config.commandTimeoutMs === undefined ? {} : { commandTimeoutMs: config.commandTimeoutMs }),
    ...(config.refreshIntervalMs === undefined
      ? {}
      : { refreshIntervalMs: config.refreshIntervalMs }),
    ...(config.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: config.connectTimeoutMs }),
  });
  const breakers = new Map<string, Breaker>();
  for (const [name, options] of Object.entries(config.breakers)) {
    breakers.set(name, box.breaker(name, options));
  }
  const replica = new Replica(box, breakers);
  process.on('message', (message: unknown) => {
    if (!isRequest(message)) return;
    replica.handle(message.command).then(
      (value) => {
        send({ kind: 'reply', id: message.id, ok: true, value: value ?? null });
      },
      (error: unknown) => {
        const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
        send({ kind: 'reply', id: message.id, ok: false, error: text });
      },
    );
  });
  send({ kind: 'ready' });
}

main().catch((error: unknown) => {
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  send({ kind: 'fatal', error: text });
  process.stderr.write(`${text}\n`);
  process.exitCode = 1;
  if (process.connected) process.disconnect();
});
