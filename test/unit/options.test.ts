import { describe, expect, it } from 'vitest';
import type { BreakerOptions } from '../../src/breaker/breaker-options.js';
import {
  BREAKER_DEFAULTS,
  resolveBreakerOptions,
} from '../../src/breaker/resolve-breaker-options.js';
import { caught, expectInvalid, makeBox } from './helpers.js';

interface BadCase {
  readonly option: string;
  readonly value: unknown;
  readonly input: unknown;
  readonly label: string;
}

function label(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return `[${value.map(label).join(', ')}]`;
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return String(value);
}

/** Builds `{ a: { b: value } }` from 'a.b', on top of `extra`. */
function inputFor(path: string, value: unknown, extra: Record<string, unknown> = {}): unknown {
  const [head, ...rest] = path.split('.');
  if (rest.length === 0) return { ...extra, [head]: value };
  return { ...extra, [head]: { [rest.join('.')]: value } };
}

function bad(option: string, values: readonly unknown[]): BadCase[] {
  return values.map((value) => ({
    option,
    value,
    input: inputFor(option, value),
    label: label(value),
  }));
}

const NOT_FINITE = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
const WRONG_TYPES = ['1', true, null, [], {}];
const FRACTION_BAD = [...WRONG_TYPES, ...NOT_FINITE, 0, -0.1, 1.0001, 2];
const DURATION_BAD = [...WRONG_TYPES, ...NOT_FINITE, 0, -1, 1.5, 86_400_001];
const COUNT_BAD = [...WRONG_TYPES, ...NOT_FINITE, 0, -1, 2.5, 1_000_001];
const SMALL_COUNT_BAD = [...WRONG_TYPES, ...NOT_FINITE, 0, -1, 1.5, 1_001];
const FUNCTION_BAD = ['() => true', 1, true, null, {}, []];

const BAD_VALUES: readonly BadCase[] = [
  ...bad('failureRateThreshold', FRACTION_BAD),
  ...bad('slowCallRateThreshold', FRACTION_BAD),
  ...bad('slowCallDurationMs', DURATION_BAD),
  ...bad('minimumCalls', COUNT_BAD),
  ...bad('windowType', ['sliding', 'TIME', '', 1, null, true]),
  ...bad('windowMs', DURATION_BAD),
  ...bad('windowBuckets', SMALL_COUNT_BAD),
  ...bad('windowSize', COUNT_BAD),
  ...bad('timeoutMs', DURATION_BAD),
  ...bad('openBackoff', [5, 'fast', true, null, []]),
  ...bad('openBackoff.baseMs', DURATION_BAD),
  ...bad('openBackoff.maxMs', DURATION_BAD),
  ...bad('openBackoff.multiplier', [...WRONG_TYPES, ...NOT_FINITE, 0, 0.5, 0.999, -2, 1_000.5]),
  ...bad('openBackoff.jitter', [...WRONG_TYPES, ...NOT_FINITE, -0.01, 1, 1.5]),
  ...bad('isFailure', FUNCTION_BAD),
  ...bad('halfOpen', [5, 'one', true, null, []]),
  ...bad('halfOpen.permittedCalls', SMALL_COUNT_BAD),
  ...bad('halfOpen.successThreshold', SMALL_COUNT_BAD),
  ...bad('halfOpen.maxDurationMs', DURATION_BAD),
  ...bad('minimumReplicas', [...WRONG_TYPES, ...NOT_FINITE, 0, -1, 1.5, 10_001]),
  ...bad('fallback', FUNCTION_BAD),
  ...bad('critical', ['true', 1, 0, null, {}]),
  ...bad('probe', FUNCTION_BAD),
];

const UNKNOWN_KEYS: readonly BadCase[] = [
  { option: 'bogus', value: 1, input: { bogus: 1 }, label: 'top-level bogus' },
  {
    option: 'failureRate',
    value: 0.5,
    input: { failureRate: 0.5 },
    label: 'top-level misspelling',
  },
  {
    option: 'timeout',
    value: 1_000,
    input: { timeoutMs: 100, timeout: 1_000 },
    label: 'top-level beside a valid key',
  },
  {
    option: 'openBackoff.base',
    value: 10,
    input: { openBackoff: { base: 10 } },
    label: 'in openBackoff',
  },
  {
    option: 'openBackoff.maxDelayMs',
    value: 10,
    input: { openBackoff: { baseMs: 10, maxDelayMs: 10 } },
    label: 'in openBackoff beside a valid key',
  },
  {
    option: 'halfOpen.permitted',
    value: 2,
    input: { halfOpen: { permitted: 2 } },
    label: 'in halfOpen',
  },
  {
    option: 'halfOpen.timeoutMs',
    value: 2,
    input: { halfOpen: { timeoutMs: 2 } },
    label: 'in halfOpen (a top-level name)',
  },
];

const CROSS_FIELD: readonly BadCase[] = [
  {
    option: 'openBackoff.maxMs',
    value: 4_000,
    input: { openBackoff: { baseMs: 5_000, maxMs: 4_000 } },
    label: 'maxMs < baseMs',
  },
  {
    option: 'openBackoff.maxMs',
    value: 60_000,
    input: { openBackoff: { baseMs: 60_001 } },
    label: 'baseMs above the default maxMs',
  },
  {
    option: 'halfOpen.successThreshold',
    value: 3,
    input: { halfOpen: { permittedCalls: 2, successThreshold: 3 } },
    label: 'successThreshold > permittedCalls',
  },
  {
    option: 'halfOpen.successThreshold',
    value: 2,
    input: { halfOpen: { successThreshold: 2 } },
    label: 'successThreshold > the default permittedCalls',
  },
  {
    option: 'timeoutMs',
    value: 1_000,
    input: { timeoutMs: 1_000, halfOpen: { maxDurationMs: 1_000 } },
    label: 'timeoutMs == halfOpen.maxDurationMs',
  },
  {
    option: 'timeoutMs',
    value: 1_001,
    input: { timeoutMs: 1_001, halfOpen: { maxDurationMs: 1_000 } },
    label: 'timeoutMs > halfOpen.maxDurationMs',
  },
  {
    option: 'timeoutMs',
    value: 30_000,
    input: { timeoutMs: 30_000 },
    label: 'timeoutMs == the default maxDurationMs',
  },
];

const NOT_AN_OBJECT: readonly BadCase[] = [5, 'options', true, [], () => undefined].map(
  (value) => ({ option: 'options', value, input: value, label: label(value) }),
);

describe('bad breaker options (each refused with InvalidBreakerOptions naming the option and value)', () => {
  it.each(BAD_VALUES)('$option = $label', async ({ option, value, input }) => {
    const { box } = await makeBox();
    const error = await caught(() => box.breaker('payments', input as BreakerOptions));
    expectInvalid(error, option, value);
    expect(box.breakers()).toEqual([]);
    await box.close();
  });

  it.each(UNKNOWN_KEYS)('unknown key $option ($label)', async ({ option, value, input }) => {
    const { box } = await makeBox();
    const error = await caught(() => box.breaker('payments', input as BreakerOptions));
    expectInvalid(error, option, value);
    expect((error as Error).message).toContain('is not a known option');
    await box.close();
  });

  it.each(CROSS_FIELD)('cross-field: $label', async ({ option, value, input }) => {
    const { box } = await makeBox();
    const error = await caught(() => box.breaker('payments', input as BreakerOptions));
    expectInvalid(error, option, value);
    await box.close();
  });

  it.each(NOT_AN_OBJECT)('options = $label', async ({ option, value, input }) => {
    const { box } = await makeBox();
    const error = await caught(() => box.breaker('payments', input as BreakerOptions));
    expectInvalid(error, option, value);
    await box.close();
  });

  it('a refused breaker can be created afterwards with good options', async () => {
    const { box } = await makeBox();
    await caught(() => box.breaker('payments', { minimumCalls: 0 }));
    const breaker = box.breaker('payments', { minimumCalls: 1 });
    expect(breaker.options.circuit.minimumCalls).toBe(1);
    await box.close();
  });
});

describe('good breaker options', () => {
  it.each<{ label: string; input: BreakerOptions<unknown> }>([
    { label: 'no options', input: {} },
    { label: 'thresholds at 1', input: { failureRateThreshold: 1, slowCallRateThreshold: 1 } },
    {
      label: 'tiny thresholds',
      input: { failureRateThreshold: 1e-9, slowCallRateThreshold: 1e-9 },
    },
    { label: 'longest durations', input: { slowCallDurationMs: 86_400_000, windowMs: 86_400_000 } },
    {
      label: 'smallest durations',
      input: { slowCallDurationMs: 1, windowMs: 1, windowBuckets: 1, timeoutMs: 1 },
    },
    {
      label: 'count bounds',
      input: { windowType: 'count', minimumCalls: 1_000_000, windowSize: 1_000_000 },
    },
    { label: 'smallest count window', input: { windowType: 'count', windowSize: 1 } },
    { label: 'most buckets', input: { windowBuckets: 1_000 } },
    { label: 'maxMs == baseMs', input: { openBackoff: { baseMs: 5_000, maxMs: 5_000 } } },
    { label: 'multiplier 1, jitter 0', input: { openBackoff: { multiplier: 1, jitter: 0 } } },
    {
      label: 'multiplier 1000, jitter 0.999',
      input: { openBackoff: { multiplier: 1_000, jitter: 0.999 } },
    },
    {
      label: 'successThreshold == permittedCalls',
      input: { halfOpen: { permittedCalls: 1_000, successThreshold: 1_000 } },
    },
    {
      label: 'timeoutMs just below maxDurationMs',
      input: { timeoutMs: 999, halfOpen: { maxDurationMs: 1_000 } },
    },
    { label: 'minimumReplicas 10000', input: { minimumReplicas: 10_000 } },
    { label: 'explicit undefined', input: { timeoutMs: undefined, isFailure: undefined } },
  ])('accepts $label', async ({ input }) => {
    const { box } = await makeBox();
    expect(box.breaker('payments', input).name).toBe('payments');
    await box.close();
  });
});

describe('resolveBreakerOptions defaults', () => {
  it('fills in the documented defaults', () => {
    const resolved = resolveBreakerOptions(undefined);
    const circuit = {
      failureRateThreshold: 0.5,
      slowCallRateThreshold: 1,
      minimumCalls: 20,
      minimumReplicas: 1,
      window: { type: 'time', windowMs: 10_000, buckets: 10 },
      openBackoff: { baseMs: 1_000, maxMs: 60_000, multiplier: 2, jitter: 0.2 },
      probeLeaseMs: 30_000,
    };
    expect(resolved).toEqual({
      circuit,
      localCircuit: circuit,
      slowCallDurationMs: 60_000,
      measuresDuration: false,
      timeoutMs: undefined,
      permittedCalls: 1,
      successThreshold: 1,
      critical: true,
      isFailure: undefined,
      fallback: undefined,
      probe: undefined,
    });
    expect(Object.isFrozen(resolved)).toBe(true);
    expect(Object.isFrozen(resolved.circuit)).toBe(true);
    expect(BREAKER_DEFAULTS.openBackoff.baseMs).toBe(resolved.circuit.openBackoff.baseMs);
  });

  it('gives one replica deciding alone a quorum of one', () => {
    const resolved = resolveBreakerOptions({ minimumReplicas: 3, minimumCalls: 7 });
    expect(resolved.circuit.minimumReplicas).toBe(3);
    expect(resolved.localCircuit).toEqual({ ...resolved.circuit, minimumReplicas: 1 });
  });

  it('merges nested options over the nested defaults', () => {
    const resolved = resolveBreakerOptions({
      openBackoff: { maxMs: 9_000 },
      halfOpen: { permittedCalls: 4 },
      windowType: 'count',
      windowSize: 50,
      slowCallRateThreshold: 0.5,
    });
    expect(resolved.circuit.openBackoff).toEqual({
      baseMs: 1_000,
      maxMs: 9_000,
      multiplier: 2,
      jitter: 0.2,
    });
    expect(resolved.permittedCalls).toBe(4);
    expect(resolved.successThreshold).toBe(1);
    expect(resolved.circuit.window).toEqual({ type: 'count', size: 50 });
    expect(resolved.measuresDuration).toBe(true);
  });
});
