/**
 * docs/options.md against the code: every key of the box's, a breaker's and
 * the jobs' zod schemas (nested keys as dotted paths), and every key of the
 * option types that have no schema, appears as `key` in the page's section
 * for it. The key lists below are checked against the types by the compiler
 * (`satisfies Record<keyof T, true>`): adding an option to a type without
 * adding it here fails `tsc`, and without documenting it fails this test.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type {
  BindQueueOptions,
  BindWorkerOptions,
  DegradedQueueSettings,
  JobsOptions,
} from '../../src/box/box-features.js';
import type { BoxHealthOptions, BreakerBoxOptions } from '../../src/box/box-options.js';
import { boxOptionsSchema } from '../../src/box/box-options.js';
import type {
  BreakerOptions,
  HalfOpenOptions,
  OpenBackoffOptions,
} from '../../src/breaker/breaker-options.js';
import type { ForceOpenOptions } from '../../src/breaker/force-options.js';
import { breakerOptionsSchema } from '../../src/breaker/resolve-breaker-options.js';
import type { HealthCheckOptions, RecordedDependencyOptions } from '../../src/box/health-types.js';
import type { BreakerboxFastifyOptions } from '../../src/fastify/plugin.js';
import { jobsOptionsSchema } from '../../src/jobs/jobs-options.js';
import type { BreakerboxMetricsOptions } from '../../src/metrics/box-metrics.js';

const page = readFileSync(new URL('../../docs/options.md', import.meta.url), 'utf8');

/** The text of the `## ` section whose heading contains `heading`. */
function section(heading: string): string {
  const parts = page.split(/^## /m);
  const found = parts.find((part) => (part.split('\n')[0] ?? '').includes(heading));
  if (found === undefined) throw new Error(`docs/options.md has no section "${heading}"`);
  return found;
}

/** Every key of a zod object schema, nested objects as `parent.child` too. */
function schemaKeys(schema: z.ZodObject, parent = ''): string[] {
  const keys: string[] = [];
  for (const [key, value] of Object.entries(schema.shape)) {
    const path = parent === '' ? key : `${parent}.${key}`;
    keys.push(path);
    const inner: unknown = value instanceof z.ZodOptional ? value.unwrap() : value;
    if (inner instanceof z.ZodObject) keys.push(...schemaKeys(inner, path));
  }
  return keys;
}

function missing(heading: string, keys: readonly string[]): string[] {
  const text = section(heading);
  return keys.filter((key) => !text.includes(`\`${key}\``));
}

const boxKeys = {
  redis: true,
  namespace: true,
  replicaId: true,
  logger: true,
  flushIntervalMs: true,
  commandTimeoutMs: true,
  refreshIntervalMs: true,
  presenceIntervalMs: true,
  connectTimeoutMs: true,
  drainTimeoutMs: true,
  shutdownGraceMs: true,
  retireIdleAfterMs: true,
  recordIdleTtlMs: true,
  health: true,
  clock: true,
  random: true,
  jobs: true,
} satisfies Record<keyof BreakerBoxOptions, true>;
const healthKeys = {
  version: true,
  redisCritical: true,
  checkTimeoutMs: true,
  checkIntervalMs: true,
} satisfies Record<keyof BoxHealthOptions, true>;
const breakerKeys = {
  failureRateThreshold: true,
  slowCallRateThreshold: true,
  slowCallDurationMs: true,
  minimumCalls: true,
  windowType: true,
  windowMs: true,
  windowBuckets: true,
  windowSize: true,
  timeoutMs: true,
  openBackoff: true,
  isFailure: true,
  isResultFailure: true,
  halfOpen: true,
  minimumReplicas: true,
  fallback: true,
  critical: true,
  probe: true,
} satisfies Record<keyof BreakerOptions, true>;
const backoffKeys = {
  baseMs: true,
  maxMs: true,
  multiplier: true,
  jitter: true,
} satisfies Record<keyof OpenBackoffOptions, true>;
const halfOpenKeys = {
  permittedCalls: true,
  successThreshold: true,
  maxDurationMs: true,
} satisfies Record<keyof HalfOpenOptions, true>;
const jobsKeys = {
  probeWorker: true,
  probeConcurrency: true,
  sweepIntervalMs: true,
  sweepGraceMs: true,
  closeTimeoutMs: true,
} satisfies Record<keyof JobsOptions, true>;
const bindKeys = {
  dependencies: true,
  mode: true,
  doNotWaitActive: true,
  reducedConcurrency: true,
} satisfies Record<keyof BindWorkerOptions, true>;
const queueKeys = {
  dependencies: true,
  whileDegraded: true,
} satisfies Record<keyof BindQueueOptions, true>;
const degradedKeys = {
  rateLimit: true,
  concurrency: true,
} satisfies Record<keyof DegradedQueueSettings, true>;
const checkKeys = {
  critical: true,
  timeoutMs: true,
  intervalMs: true,
} satisfies Record<keyof HealthCheckOptions, true>;
const dependencyKeys = {
  critical: true,
  initial: true,
} satisfies Record<keyof RecordedDependencyOptions, true>;
const forceKeys = { forMs: true } satisfies Record<keyof ForceOpenOptions, true>;
const pluginKeys = {
  box: true,
  boxOptions: true,
  adminToken: true,
  prefix: true,
  metrics: true,
  registry: true,
  metricsPrefix: true,
  errorHandler: true,
  dashboard: true,
  dashboardIntervalMs: true,
} satisfies Record<keyof BreakerboxFastifyOptions, true>;
const metricsKeys = {
  registry: true,
  prefix: true,
} satisfies Record<keyof BreakerboxMetricsOptions, true>;

const keysOf = (record: object, parent = ''): string[] =>
  Object.keys(record).map((key) => (parent === '' ? key : `${parent}.${key}`));

describe('docs/options.md names every option', () => {
  it.each([
    ['createBreakerBox', [...keysOf(boxKeys), ...keysOf(healthKeys, 'health')]],
    [
      'box.breaker',
      [
        ...keysOf(breakerKeys),
        ...keysOf(backoffKeys, 'openBackoff'),
        ...keysOf(halfOpenKeys, 'halfOpen'),
      ],
    ],
    ['`jobs`', keysOf(jobsKeys)],
    [
      'box.bindWorker',
      [
        ...keysOf(bindKeys),
        ...keysOf(queueKeys),
        ...keysOf(degradedKeys, 'whileDegraded'),
        'whileDegraded.rateLimit.max',
        'whileDegraded.rateLimit.durationMs',
      ],
    ],
    ['box.addCheck', keysOf(checkKeys)],
    ['box.dependency', keysOf(dependencyKeys)],
    ['breaker.forceOpen', keysOf(forceKeys)],
    ['Fastify plugin', keysOf(pluginKeys)],
    ['registerBreakerboxMetrics', keysOf(metricsKeys)],
  ])('%s', (heading, keys) => {
    expect(missing(heading, keys)).toEqual([]);
  });

  it.each([
    ['createBreakerBox', boxOptionsSchema],
    ['box.breaker', breakerOptionsSchema],
    ['`jobs`', jobsOptionsSchema],
  ])('every key of the %s schema', (heading, schema) => {
    const keys = schemaKeys(schema);
    expect(keys.length).toBeGreaterThan(3);
    expect(missing(heading, keys)).toEqual([]);
  });

  it('a key the page does not have is reported (the check can fail)', () => {
    expect(missing('createBreakerBox', ['noSuchOption'])).toEqual(['noSuchOption']);
  });
});
