import { describe, expect, it } from 'vitest';
import { resolveBreakerOptions } from '../../src/breaker/resolve-breaker-options.js';
import { createBreakerBox } from '../../src/create-breaker-box.js';
import type { BreakerBoxOptions } from '../../src/box/box-options.js';
import { InvalidBreakerOptions } from '../../src/errors/invalid-breaker-options.js';
import { caught, failCalls, makeBox, silentLogger } from './helpers.js';

function refusal(input: unknown): InvalidBreakerOptions {
  try {
    resolveBreakerOptions(input);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidBreakerOptions);
    return error as InvalidBreakerOptions;
  }
  throw new Error(`expected ${JSON.stringify(input)} to be refused`);
}

describe('a count window smaller than minimumCalls (issue 7 item 1)', () => {
  it('windowSize 10 with the default minimumCalls trips: the default is capped at the window', async () => {
    const { box } = await makeBox();
    const breaker = box.breaker('b', { windowType: 'count', windowSize: 10 });
    expect(breaker.options.circuit.minimumCalls).toBe(10);
    await failCalls(breaker, 9);
    expect(breaker.state).toBe('closed');
    await failCalls(breaker, 1);
    expect(breaker.state).toBe('open');
    await box.close();
  });

  it('the default minimumCalls stays 20 for a count window of 20 or more', () => {
    expect(resolveBreakerOptions({ windowType: 'count' }).circuit.minimumCalls).toBe(20);
    expect(
      resolveBreakerOptions({ windowType: 'count', windowSize: 20 }).circuit.minimumCalls,
    ).toBe(20);
  });

  it('an explicit minimumCalls above windowSize is refused, naming both', () => {
    const error = refusal({ windowType: 'count', windowSize: 10, minimumCalls: 11 });
    expect(error.option).toBe('minimumCalls');
    expect(error.value).toBe(11);
    expect(error.message).toContain('windowSize');
    expect(error.message).toContain('10');
    // equal is fine: the window must be full before rates count
    expect(
      resolveBreakerOptions({ windowType: 'count', windowSize: 10, minimumCalls: 10 }).circuit
        .minimumCalls,
    ).toBe(10);
  });

  it.each<{ label: string; input: Record<string, unknown>; option: string; mentions: string }>([
    {
      label: 'windowSize with the (default) time window',
      input: { windowSize: 50 },
      option: 'windowSize',
      mentions: "windowType: 'count'",
    },
    {
      label: 'windowSize with windowType time',
      input: { windowType: 'time', windowSize: 50 },
      option: 'windowSize',
      mentions: "windowType: 'count'",
    },
    {
      label: 'windowMs with a count window',
      input: { windowType: 'count', windowMs: 5_000 },
      option: 'windowMs',
      mentions: "windowType: 'time'",
    },
    {
      label: 'windowBuckets with a count window',
      input: { windowType: 'count', windowBuckets: 5 },
      option: 'windowBuckets',
      mentions: "windowType: 'time'",
    },
    {
      label: 'a time window shorter than its bucket count in ms',
      input: { windowMs: 5, windowBuckets: 10 },
      option: 'windowMs',
      mentions: 'windowBuckets',
    },
    {
      label: 'a slow-call rule that no call can meet (timeoutMs below slowCallDurationMs)',
      input: { slowCallRateThreshold: 0.5, slowCallDurationMs: 5_000, timeoutMs: 2_000 },
      option: 'slowCallDurationMs',
      mentions: 'timeoutMs',
    },
  ])('refuses $label', ({ input, option, mentions }) => {
    const error = refusal(input);
    expect(error.option).toBe(option);
    expect(error.message).toContain(mentions);
  });

  it('accepts the boundary cases of those rules', () => {
    expect(() => resolveBreakerOptions({ windowMs: 10, windowBuckets: 10 })).not.toThrow();
    expect(() =>
      resolveBreakerOptions({
        slowCallRateThreshold: 0.5,
        slowCallDurationMs: 2_000,
        timeoutMs: 2_000,
      }),
    ).not.toThrow();
    // the slow-call rule off: slowCallDurationMs does nothing, whatever timeoutMs is
    expect(() =>
      resolveBreakerOptions({ slowCallDurationMs: 5_000, timeoutMs: 2_000 }),
    ).not.toThrow();
  });
});

describe('option errors name the unit and report every bad option (issue 7 item 17)', () => {
  it('failureRateThreshold: 50 says it is a fraction: 0.5 means 50%', () => {
    const error = refusal({ failureRateThreshold: 50 });
    expect(error.option).toBe('failureRateThreshold');
    expect(error.message).toContain('fraction');
    expect(error.message).toContain('0.5 means 50%');
  });

  it.each([
    ['slowCallRateThreshold', { slowCallRateThreshold: 80 }, 'fraction'],
    ['openBackoff.jitter', { openBackoff: { jitter: 20 } }, 'fraction'],
    ['windowMs', { windowMs: 1.5 }, 'milliseconds'],
    ['timeoutMs', { timeoutMs: -1 }, 'milliseconds'],
    ['minimumCalls', { minimumCalls: 0 }, 'whole number'],
  ])('%s names its unit', (option, input, unit) => {
    const error = refusal(input);
    expect(error.option).toBe(option);
    expect(error.message).toContain(unit);
  });

  it('one error lists every bad option, the first in option/value', () => {
    const error = refusal({
      failureRateThreshold: 50,
      windowMs: 0,
      bogus: true,
      openBackoff: { baseMs: 5_000, maxMs: 1_000, multiplier: 0 },
      halfOpen: { successThreshold: 3 },
    });
    expect(error.option).toBe(error.issues[0]?.option);
    expect(error.value).toBe(error.issues[0]?.value);
    const options = error.issues.map((issue) => issue.option).sort();
    expect(options).toEqual(
      [
        'bogus',
        'failureRateThreshold',
        'halfOpen.successThreshold',
        'openBackoff.maxMs',
        'openBackoff.multiplier',
        'windowMs',
      ].sort(),
    );
    for (const issue of error.issues) expect(error.message).toContain(issue.option);
    expect(error.issues.find((i) => i.option === 'failureRateThreshold')).toMatchObject({
      value: 50,
    });
  });

  it('a single bad option keeps the one-issue message', () => {
    const error = refusal({ minimumCalls: 0 });
    expect(error.issues).toHaveLength(1);
    expect(error.message).toMatch(/^invalid option minimumCalls: /);
  });

  it('through box.breaker() too', async () => {
    const { box } = await makeBox();
    const error = await caught(() =>
      box.breaker('p', { failureRateThreshold: 50, minimumCalls: -1 }),
    );
    expect((error as InvalidBreakerOptions).issues).toHaveLength(2);
    await box.close();
  });

  it('box options report every bad option at once as well', async () => {
    const error = await caught(() =>
      createBreakerBox({
        logger: silentLogger(),
        flushIntervalMs: 1,
        commandTimeoutMs: 'fast',
        namespace: 'has space',
        extra: 1,
      } as unknown as BreakerBoxOptions),
    );
    expect(error).toBeInstanceOf(InvalidBreakerOptions);
    const options = (error as InvalidBreakerOptions).issues.map((i) => i.option).sort();
    expect(options).toEqual(['commandTimeoutMs', 'extra', 'flushIntervalMs', 'namespace']);
    expect((error as Error).message).toContain('milliseconds');
  });
});
