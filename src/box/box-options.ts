import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Clock, RandomSource } from '../util/clock.js';
import { systemClock } from '../util/clock.js';
import { validateName, validateReplicaId } from '../util/names.js';
import { wholeMs } from '../util/option-ranges.js';
import { checkOptions, isSound, throwIssues } from '../util/schema.js';
import type { OptionIssue } from '../errors/invalid-breaker-options.js';
import { InvalidBreakerOptions } from '../errors/invalid-breaker-options.js';
import { createDefaultLogger, silentLogger } from '../logging/default-logger.js';
import type { RedisConnectionOption } from '../redis/connection-option.js';
import type { JobsOptions } from './box-features.js';

/** Options of {@link createBreakerBox}; every one is optional. */
export interface BreakerBoxOptions {
  /**
   * Where the fleet's shared state lives: a `redis://` URL, ioredis options, or
   * an ioredis `Redis` instance. Omitted: every breaker lives in this process.
   */
  readonly redis?: RedisConnectionOption | undefined;
  /** Key prefix in Redis (same charset as breaker names). Default `breakerbox`. */
  readonly namespace?: string | undefined;
  /** This replica's id in the shared record. Default `${hostname}:${pid}`. */
  readonly replicaId?: string | undefined;
  /**
   * A pino logger, or `false` for none (nothing is logged). Default: pino at
   * `info` on stdout, named `breakerbox`.
   */
  readonly logger?: Logger | false | undefined;
  /** How often a replica reports its counted outcomes, in ms. Default 100. */
  readonly flushIntervalMs?: number | undefined;
  /** No Redis command waits longer than this, in ms. Default 250. */
  readonly commandTimeoutMs?: number | undefined;
  /** How often records that may be stale (breakers not closed) are re-read from Redis, in ms. Default 1,000. */
  readonly refreshIntervalMs?: number | undefined;
  /**
   * How often a replica with Redis writes its presence entry (mode, health,
   * bound workers, call rates) for the dashboard, in ms; `0` writes none. One
   * `SET … PX` per interval, expiring after three. Default 2,000.
   */
  readonly presenceIntervalMs?: number | undefined;
  /** How long `createBreakerBox` waits for Redis to answer, in ms. Default 2,000. */
  readonly connectTimeoutMs?: number | undefined;
  /** How long `close()` waits for calls in flight, in ms. Default 5,000. */
  readonly drainTimeoutMs?: number | undefined;
  /**
   * How long `close()` keeps serving calls after `/health/ready` turned 503,
   * so load balancers stop routing before the drain begins, in ms. Default 0.
   */
  readonly shutdownGraceMs?: number | undefined;
  /**
   * Retire a breaker that stayed closed and untouched (no call started, no
   * listener, nothing bound to it, nothing left to flush) this long, in ms:
   * its memory on this replica is freed and `box.breaker(name)` creates it
   * afresh. Omitted: breakers live until `close()`. See docs/scale.md.
   */
  readonly retireIdleAfterMs?: number | undefined;
  /**
   * Let a closed breaker's record expire in Redis after this long without a
   * change, in ms (never before two of its time windows). Open records live
   * until due plus this long; forced ones never expire. Omitted: records never
   * expire. See docs/scale.md.
   */
  readonly recordIdleTtlMs?: number | undefined;
  /** The health registry's settings. */
  readonly health?: BoxHealthOptions | undefined;
  /** Time source (tests use a fake). Default `Date.now`. */
  readonly clock?: Clock | undefined;
  /** Random numbers in [0, 1) for jitter (tests use a fixed one). Default `Math.random`. */
  readonly random?: RandomSource | undefined;
  /** BullMQ probe jobs and bindings (see docs/jobs.md); validated by the jobs feature. */
  readonly jobs?: JobsOptions | undefined;
}

/** Health settings of a box. */
export interface BoxHealthOptions {
  /** Reported as `version` by `box.health()`. Default `npm_package_version`, else `0.0.0`. */
  readonly version?: string | undefined;
  /** Local mode makes the Redis component unhealthy and critical (default: degraded, not critical). */
  readonly redisCritical?: boolean | undefined;
  /** Default timeout of an active check, in ms. Default 2,000. */
  readonly checkTimeoutMs?: number | undefined;
  /** Default interval (and cache life) of an active check, in ms. Default 10,000. */
  readonly checkIntervalMs?: number | undefined;
}

/** Box options after defaults and validation. */
export interface ResolvedBoxOptions {
  readonly redis: RedisConnectionOption | undefined;
  readonly namespace: string;
  readonly replicaId: string;
  readonly logger: Logger;
  readonly flushIntervalMs: number;
  readonly commandTimeoutMs: number;
  readonly refreshIntervalMs: number;
  readonly presenceIntervalMs: number;
  readonly connectTimeoutMs: number;
  readonly drainTimeoutMs: number;
  readonly shutdownGraceMs: number;
  /** 0: never retire idle breakers. */
  readonly retireIdleAfterMs: number;
  /** 0: records never expire. */
  readonly recordIdleTtlMs: number;
  readonly health: {
    readonly version: string;
    readonly redisCritical: boolean;
    readonly checkTimeoutMs: number;
    readonly checkIntervalMs: number;
  };
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly jobs: JobsOptions | undefined;
}

/** Thirty days: the longest idle time the retirement and record TTL options take. */
const MAX_IDLE_MS = 30 * 24 * 3_600_000;

const isFunction = (value: unknown): boolean => typeof value === 'function';
const loggerSchema = z.custom<Logger | false>(
  (value) =>
    value === false ||
    (typeof value === 'object' &&
      value !== null &&
      ['info', 'warn', 'error', 'debug', 'child'].every((method) =>
        isFunction((value as Record<string, unknown>)[method]),
      )),
  {
    message: 'must be a pino logger (with info, warn, error, debug and child), or false for none',
  },
);

/** The schema box options are checked with (docs/options.md lists every key; a test checks it). */
export const boxOptionsSchema = z.strictObject({
  redis: z.unknown().optional(),
  namespace: z.string().optional(),
  replicaId: z.string().optional(),
  logger: loggerSchema.optional(),
  flushIntervalMs: wholeMs(5, 60_000).optional(),
  commandTimeoutMs: wholeMs(1, 60_000).optional(),
  refreshIntervalMs: wholeMs(10, 600_000).optional(),
  presenceIntervalMs: wholeMs(0, 600_000).optional(),
  connectTimeoutMs: wholeMs(10, 600_000).optional(),
  drainTimeoutMs: wholeMs(0, 600_000).optional(),
  shutdownGraceMs: wholeMs(0, 600_000).optional(),
  retireIdleAfterMs: wholeMs(1_000, MAX_IDLE_MS).optional(),
  recordIdleTtlMs: wholeMs(1_000, MAX_IDLE_MS).optional(),
  health: z
    .strictObject({
      version: z.string().min(1).max(128).optional(),
      redisCritical: z.boolean().optional(),
      checkTimeoutMs: wholeMs(1, 600_000).optional(),
      checkIntervalMs: wholeMs(10, 3_600_000).optional(),
    })
    .optional(),
  clock: z
    .custom<Clock>(
      (value) =>
        typeof value === 'object' &&
        value !== null &&
        isFunction((value as Record<string, unknown>).now),
      {
        message: 'must be an object with a now() method',
      },
    )
    .optional(),
  random: z
    .custom<RandomSource>(isFunction, { message: 'must be a function returning [0, 1)' })
    .optional(),
  jobs: z.unknown().optional(),
});

/**
 * Validates box options and fills in defaults.
 * @throws InvalidBreakerOptions listing every bad option (the first in `option`/`value`)
 */
export function resolveBoxOptions(input: BreakerBoxOptions | undefined): ResolvedBoxOptions {
  const checked = checkOptions(boxOptionsSchema, input ?? {}, '');
  const issues = [...checked.issues];
  const namespace = validated(issues, 'namespace', () =>
    validateName(checked.data?.namespace ?? input?.namespace ?? 'breakerbox', 'namespace'),
  );
  const replicaId = validated(issues, 'replicaId', () =>
    validateReplicaId(
      checked.data?.replicaId ?? input?.replicaId ?? `${hostname()}:${process.pid}`,
    ),
  );
  throwIssues(issues);
  const options = checked.data ?? {};
  return Object.freeze({
    redis: input?.redis,
    namespace,
    replicaId,
    logger: options.logger === false ? silentLogger() : (options.logger ?? createDefaultLogger()),
    flushIntervalMs: options.flushIntervalMs ?? 100,
    commandTimeoutMs: options.commandTimeoutMs ?? 250,
    refreshIntervalMs: options.refreshIntervalMs ?? 1_000,
    presenceIntervalMs: options.presenceIntervalMs ?? 2_000,
    connectTimeoutMs: options.connectTimeoutMs ?? 2_000,
    drainTimeoutMs: options.drainTimeoutMs ?? 5_000,
    shutdownGraceMs: options.shutdownGraceMs ?? 0,
    retireIdleAfterMs: options.retireIdleAfterMs ?? 0,
    recordIdleTtlMs: options.recordIdleTtlMs ?? 0,
    health: Object.freeze({
      version: options.health?.version ?? process.env.npm_package_version ?? '0.0.0',
      redisCritical: options.health?.redisCritical ?? false,
      checkTimeoutMs: options.health?.checkTimeoutMs ?? 2_000,
      checkIntervalMs: options.health?.checkIntervalMs ?? 10_000,
    }),
    clock: options.clock ?? systemClock,
    random: options.random ?? Math.random,
    jobs: input?.jobs,
  });
}

/** Runs a validator whose option passed the schema, adding its refusal to `issues`. */
function validated(issues: OptionIssue[], option: string, validate: () => string): string {
  if (!isSound(issues, option)) return '';
  try {
    return validate();
  } catch (error) {
    if (!(error instanceof InvalidBreakerOptions)) throw error;
    issues.push(...error.issues);
    return '';
  }
}
