import { describe, expect, it } from 'vitest';
import * as api from '../../src/index.js';
import { BreakerBoxClosed, isBreakerBoxClosed } from '../../src/errors/breakerbox-closed.js';
import type { BreakerBoxErrorCode } from '../../src/errors/breakerbox-error.js';
import { BreakerBoxError, isBreakerBoxError } from '../../src/errors/breakerbox-error.js';
import { CallTimeout, isCallTimeout } from '../../src/errors/call-timeout.js';
import {
  DependencyUnhealthy,
  formatRetry,
  isDependencyUnhealthy,
} from '../../src/errors/dependency-unhealthy.js';
import { BreakerInUse, isBreakerInUse } from '../../src/errors/breaker-in-use.js';
import { BreakerRetired, isBreakerRetired } from '../../src/errors/breaker-retired.js';
import { IllegalTransition, isIllegalTransition } from '../../src/errors/illegal-transition.js';
import {
  InvalidBreakerOptions,
  describeValue,
  isInvalidBreakerOptions,
} from '../../src/errors/invalid-breaker-options.js';
import { caught, failCalls, makeBox } from './helpers.js';

interface Case {
  readonly name: string;
  readonly make: () => BreakerBoxError;
  readonly code: BreakerBoxErrorCode;
  readonly guard: (value: unknown) => boolean;
}

const CASES: readonly Case[] = [
  {
    name: 'DependencyUnhealthy',
    make: () => new DependencyUnhealthy({ dependency: 'p', retryAfterMs: 1, state: 'open' }),
    code: 'DEPENDENCY_UNHEALTHY',
    guard: isDependencyUnhealthy,
  },
  {
    name: 'InvalidBreakerOptions',
    make: () => new InvalidBreakerOptions('windowMs', 0, 'must be positive'),
    code: 'INVALID_BREAKER_OPTIONS',
    guard: isInvalidBreakerOptions,
  },
  {
    name: 'CallTimeout',
    make: () => new CallTimeout('p', 10),
    code: 'CALL_TIMEOUT',
    guard: isCallTimeout,
  },
  {
    name: 'BreakerBoxClosed',
    make: () => new BreakerBoxClosed('call p'),
    code: 'BREAKERBOX_CLOSED',
    guard: isBreakerBoxClosed,
  },
  {
    name: 'BreakerRetired',
    make: () => new BreakerRetired('p', 'call p'),
    code: 'BREAKER_RETIRED',
    guard: isBreakerRetired,
  },
  {
    name: 'BreakerInUse',
    make: () => new BreakerInUse('p', 'calls_in_flight'),
    code: 'BREAKER_IN_USE',
    guard: isBreakerInUse,
  },
  {
    name: 'IllegalTransition',
    make: () => new IllegalTransition('closed', 'half_open'),
    code: 'ILLEGAL_TRANSITION',
    guard: isIllegalTransition,
  },
];

describe('error classes', () => {
  it.each(CASES)('$name has code $code, its name, and is a real Error', ({ name, make, code }) => {
    const error = make();
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(BreakerBoxError);
    expect(error.name).toBe(name);
    expect(error.code).toBe(code);
    expect(error.message).not.toBe('');
    expect(Object.prototype.toString.call(error)).toBe('[object Error]');
  });

  it.each(CASES)(
    "$name's type guard accepts it and refuses every other error",
    ({ make, guard, code }) => {
      expect(guard(make())).toBe(true);
      expect(isBreakerBoxError(make())).toBe(true);
      expect(isBreakerBoxError(make(), code)).toBe(true);
      for (const other of CASES.filter((c) => c.code !== code)) {
        expect(guard(other.make())).toBe(false);
        expect(isBreakerBoxError(make(), other.code)).toBe(false);
      }
      for (const value of [new Error(code), { code }, code, null, undefined, 0]) {
        expect(guard(value)).toBe(false);
        expect(isBreakerBoxError(value)).toBe(false);
      }
    },
  );

  it('the package entry exports every error class and guard', () => {
    expect(api.DependencyUnhealthy).toBe(DependencyUnhealthy);
    expect(api.InvalidBreakerOptions).toBe(InvalidBreakerOptions);
    expect(api.CallTimeout).toBe(CallTimeout);
    expect(api.BreakerBoxClosed).toBe(BreakerBoxClosed);
    expect(api.IllegalTransition).toBe(IllegalTransition);
    expect(api.isDependencyUnhealthy).toBe(isDependencyUnhealthy);
    expect(api.isInvalidBreakerOptions).toBe(isInvalidBreakerOptions);
    expect(api.isCallTimeout).toBe(isCallTimeout);
    expect(api.isBreakerBoxClosed).toBe(isBreakerBoxClosed);
    expect(api.isIllegalTransition).toBe(isIllegalTransition);
    expect(api.isBreakerBoxError).toBe(isBreakerBoxError);
  });
});

describe('DependencyUnhealthy', () => {
  it.each([
    {
      state: 'open' as const,
      retryAfterMs: 4_200,
      healthState: 'unhealthy',
      message: 'payments is unhealthy (circuit open); retry in 4.2s',
    },
    {
      state: 'forced_open' as const,
      retryAfterMs: 850,
      healthState: 'unhealthy',
      message: 'payments is unhealthy (circuit forced open); retry in 850ms',
    },
    {
      state: 'half_open' as const,
      retryAfterMs: 185_000,
      healthState: 'degraded',
      message:
        'payments is degraded (circuit half-open, recovery trial in progress); retry in 3m05s',
    },
  ])('$state: fields and message', ({ state, retryAfterMs, healthState, message }) => {
    const error = new DependencyUnhealthy({ dependency: 'payments', retryAfterMs, state });
    expect(error).toMatchObject({
      name: 'DependencyUnhealthy',
      code: 'DEPENDENCY_UNHEALTHY',
      dependency: 'payments',
      retryAfterMs,
      state,
      healthState,
    });
    expect(error.message).toBe(message);
  });

  it('a refused call carries the time left until openUntil: "payments is unhealthy (circuit open); retry in 4.2s"', async () => {
    const { box, clock } = await makeBox();
    const breaker = box.breaker('payments', {
      minimumCalls: 1,
      openBackoff: { baseMs: 10_000, maxMs: 60_000, jitter: 0 },
    });
    await failCalls(breaker, 1);
    clock.advance(5_800);
    const error = await caught(() => breaker.call(() => 'x'));
    expect(isDependencyUnhealthy(error)).toBe(true);
    expect(error).toMatchObject({
      dependency: 'payments',
      state: 'open',
      healthState: 'unhealthy',
      retryAfterMs: 4_200,
      message: 'payments is unhealthy (circuit open); retry in 4.2s',
    });
    await box.close();
  });
});

describe('formatRetry', () => {
  it.each([
    [0, '0ms'],
    [-5, '0ms'],
    [1, '1ms'],
    [850, '850ms'],
    [999, '999ms'],
    [1_000, '1.0s'],
    [1_001, '1.1s'],
    [4_150, '4.2s'],
    [4_200, '4.2s'],
    [4_201, '4.3s'],
    [59_000, '59.0s'],
    [60_000, '1m00s'],
    [60_001, '1m01s'],
    [185_000, '3m05s'],
    [3_600_000, '60m00s'],
  ])('%i ms -> %s (rounded up, never a shorter hint than the truth)', (ms, text) => {
    expect(formatRetry(ms)).toBe(text);
  });
});

describe('InvalidBreakerOptions', () => {
  it('names the option and the value in fields and message', () => {
    const error = new InvalidBreakerOptions('openBackoff.baseMs', -1, 'must be >= 1');
    expect(error.option).toBe('openBackoff.baseMs');
    expect(error.value).toBe(-1);
    expect(error.message).toBe('invalid option openBackoff.baseMs: must be >= 1 (got -1)');
  });

  it.each([
    ['short', '"short"'],
    ['x'.repeat(50), `"${'x'.repeat(40)}…"`],
    [() => 1, 'a function'],
    [Number.NaN, 'NaN'],
    [null, 'null'],
    [undefined, 'undefined'],
    [[1, 2, 3], 'an array of 3'],
    [{ a: 1 }, '{"a":1}'],
    [{ long: 'y'.repeat(80) }, `${JSON.stringify({ long: 'y'.repeat(80) }).slice(0, 60)}…`],
  ])('describes %s as %s', (value, text) => {
    expect(describeValue(value)).toBe(text);
  });

  it('describes a circular object without throwing', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(describeValue(circular)).toBe('an object');
  });
});

describe('CallTimeout, BreakerBoxClosed and IllegalTransition details', () => {
  it('CallTimeout names the dependency and the timeout', () => {
    const error = new CallTimeout('payments', 2_000);
    expect(error).toMatchObject({ dependency: 'payments', timeoutMs: 2_000 });
    expect(error.message).toBe('payments call timed out after 2000ms');
  });

  it('BreakerBoxClosed names the refused operation', () => {
    expect(new BreakerBoxClosed('call payments').message).toBe(
      'breakerbox is closed: cannot call payments',
    );
  });

  it('IllegalTransition names both states', () => {
    const error = new IllegalTransition('forced_closed', 'open');
    expect(error).toMatchObject({ from: 'forced_closed', to: 'open' });
    expect(error.message).toBe('illegal breaker transition forced_closed -> open');
  });
});
