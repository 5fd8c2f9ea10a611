/**
 * The Redis side of the Redis-store cases: each case process starts its own
 * throwaway redis-server (test/harness: a free port, never 6379, no
 * persistence, killed by pid when the process exits) and reads its
 * `INFO commandstats`.
 */
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import type { BreakerBox, BreakerBoxOptions } from '../../src/index.js';
import { createBreakerBox } from '../../src/index.js';
import type { RedisProcess } from '../../test/harness/index.js';
import { startRedis, stopAllRedis } from '../../test/harness/index.js';
import { onCaseEnd } from './case-runner.js';
import { sleep } from './timing.js';

let server: Promise<RedisProcess> | undefined;

/**
 * This case's redis-server, started on first use and stopped (with every
 * client and replica process the harness tracks) when the case ends.
 */
export function benchRedis(): Promise<RedisProcess> {
  if (server === undefined) {
    server = startRedis();
    onCaseEnd(stopAllRedis);
  }
  return server;
}

/** A box on `url` with a silent logger (the defaults otherwise, unless `options` say). */
export function createRedisBox(
  url: string,
  options: Omit<BreakerBoxOptions, 'redis' | 'logger'> = {},
): Promise<BreakerBox> {
  return createBreakerBox({ ...options, redis: url, logger: pino({ level: 'silent' }) });
}

/** Calls per command since the server started, from `INFO commandstats` (`client|setname` style names). */
export type CommandCounts = Readonly<Record<string, number>>;

/** Reads `INFO commandstats`. */
export async function commandCounts(client: Redis): Promise<CommandCounts> {
  const text = await client.info('commandstats');
  const counts: Record<string, number> = {};
  for (const match of text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    const [, name = '', calls = '0'] = match;
    counts[name] = Number(calls);
  }
  return counts;
}

/**
 * Commands breakerbox (and Redlock, for the probe lock) only ever run inside
 * their Lua scripts. Redis counts a script's inner commands in
 * `commandstats` too; everything else is a command a client sent.
 */
const SCRIPT_ONLY: ReadonlySet<string> = new Set([
  'time',
  'hgetall',
  'hget',
  // Also the refresh sweep's check of a closed record (rare in the cases that count commands).
  'hmget',
  'hset',
  'hincrby',
  'hkeys',
  'hdel',
  'del',
  'pexpire',
  'pexpireat',
  'persist',
  'xadd',
  'publish',
  'exists',
  'set',
  'get',
]);

/** The commands Redis ran between two {@link commandCounts}, split by who sent them. */
export interface CommandDelta {
  /** Commands clients sent (EVALSHA, EVAL, PING, ...), without the excluded ones. */
  readonly client: number;
  /** Commands run inside the scripts (TIME, HGETALL, HINCRBY, PUBLISH, ...). */
  readonly inScripts: number;
  /** Every command's own delta, excluded ones included (commands Redis did not run are missing). */
  readonly byCommand: Readonly<Partial<Record<string, number>>>;
}

/**
 * The change from `before` to `after`. `exclude` names commands the bench
 * itself sent (by default `info`, its own reads; breakerbox sends INFO only
 * when it connects).
 */
export function commandDelta(
  before: CommandCounts,
  after: CommandCounts,
  exclude: readonly string[] = ['info'],
): CommandDelta {
  const byCommand: Record<string, number> = {};
  let client = 0;
  let inScripts = 0;
  for (const [name, calls] of Object.entries(after)) {
    const delta = calls - (before[name] ?? 0);
    if (delta === 0) continue;
    byCommand[name] = delta;
    if (exclude.includes(name)) continue;
    if (SCRIPT_ONLY.has(name)) inScripts += delta;
    else client += delta;
  }
  return { client, inScripts, byCommand };
}

/** CPU time (user + system) a process has used, in ms, from /proc/<pid>/stat (Linux). */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks * 10; // USER_HZ is 100 on Linux
}

/** What {@link settleBox} saw while it waited. */
export interface Settled {
  /** Mode changes (shared → local → shared ...) while the box settled. */
  readonly modeChanges: number;
  /** How long it took, ms. */
  readonly ms: number;
}

/**
 * Waits until `box` has been in shared mode for `quietMs` in a row (its first
 * flushes done, any excursion to local mode over), at most `timeoutMs`.
 * @throws Error when the box is still not settled after `timeoutMs`
 */
export async function settleBox(
  box: BreakerBox,
  quietMs = 1_500,
  timeoutMs = 60_000,
): Promise<Settled> {
  const start = performance.now();
  let changes = 0;
  let lastChange = start;
  const unsubscribe = box.on('mode', () => {
    changes++;
    lastChange = performance.now();
  });
  try {
    for (;;) {
      const now = performance.now();
      if (box.mode === 'shared' && now - lastChange >= quietMs) {
        return { modeChanges: changes, ms: now - start };
      }
      if (now - start > timeoutMs) {
        throw new Error(
          `box still ${box.mode} after ${timeoutMs} ms (${changes} mode changes): it never settled`,
        );
      }
      await sleep(50);
    }
  } finally {
    unsubscribe();
  }
}
