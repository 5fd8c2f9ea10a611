/** The CLI's parsing pieces: durations, the command line, health URLs, tables, the stored config. */
import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../../src/cli/args.js';
import { isCliError } from '../../src/cli/cli-error.js';
import { formatMs, parseDuration } from '../../src/cli/duration.js';
import { healthUrl } from '../../src/cli/commands/health.js';
import { renderTable } from '../../src/cli/render/table.js';
import { optionsFromStoredConfig } from '../../src/store/stored-config.js';
import { scriptConfig } from '../../src/redis/script-args.js';
import { resolveBreakerOptions } from '../../src/breaker/resolve-breaker-options.js';

function usageMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (isCliError(error) && error.code === 'USAGE' && error.exitCode === 2) return error.message;
    throw error;
  }
  throw new Error('no usage error');
}

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['1.5m', 90_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration('--for', text, 1, 7 * 86_400_000)).toBe(ms);
  });

  it.each(['30', '', 's', '-1s', '10 parsecs', '1e3ms', '0ms', '8d'])('refuses %j', (text) => {
    expect(usageMessage(() => parseDuration('--for', text, 1, 7 * 86_400_000))).toContain('--for');
  });

  it('formats durations for people', () => {
    expect(formatMs(850)).toBe('850ms');
    expect(formatMs(4_200)).toBe('4.2s');
    expect(formatMs(185_000)).toBe('3m 05s');
    expect(formatMs(7_800_000)).toBe('2h 10m');
    expect(formatMs(-5)).toBe('0ms');
  });
});

describe('parseCommandLine', () => {
  it('reads a command, its argument and options', () => {
    const line = parseCommandLine(['trip', 'payments', '--for', '30s', '--redis', 'redis://x:1']);
    expect(line).toMatchObject({
      command: 'trip',
      args: ['payments'],
      for: '30s',
      redis: 'redis://x:1',
    });
  });

  it('answers help without a command, and for a command', () => {
    expect(parseCommandLine(['--help']).help).toBe(true);
    expect(parseCommandLine(['status', '-h'])).toMatchObject({ command: 'status', help: true });
  });

  it.each([
    [[], 'no command'],
    [['explode'], 'unknown command'],
    [['status', '--frobnicate'], 'frobnicate'],
    [['events'], 'needs <name>'],
    [['trip', 'a', 'b'], 'takes <name>'],
    [['status', '--for', '3s'], '--for does not apply to "status"'],
    [['reset', 'a', '--create'], '--create does not apply to "reset"'],
    [['status', '--redis'], 'redis'],
  ])('refuses %j', (argv, fragment) => {
    expect(usageMessage(() => parseCommandLine(argv))).toContain(fragment);
  });
});

describe('healthUrl', () => {
  it.each([
    ['http://h:3000', 'http://h:3000/health'],
    ['http://h:3000/', 'http://h:3000/health'],
    ['http://h/api', 'http://h/api/health'],
    ['http://h/health', 'http://h/health'],
    ['http://h/api/health/ready', 'http://h/api/health/ready'],
    ['https://h/liveness?x=1', 'https://h/liveness?x=1'],
  ])('%s -> %s', (given, expected) => {
    expect(healthUrl(given).href).toBe(expected);
  });

  it.each(['not a url', 'ftp://h/health', 'redis://h:6379'])('refuses %j', (given) => {
    expect(usageMessage(() => healthUrl(given))).toMatch(/URL/);
  });
});

describe('renderTable', () => {
  it('pads columns, flattens newlines and cuts long cells', () => {
    const table = renderTable(
      ['A', 'BB'],
      [
        ['xxxx', 'line\none'],
        ['y', 'z'.repeat(20)],
      ],
      10,
    );
    expect(table.split('\n')).toEqual(['A     BB', 'xxxx  line one', `y     ${'z'.repeat(9)}…`]);
  });
});

describe('optionsFromStoredConfig', () => {
  it('gives back the options whose script config is the stored one', () => {
    for (const options of [
      { windowMs: 60_000, windowBuckets: 6, minimumCalls: 5, failureRateThreshold: 0.25 },
      { windowType: 'count', windowSize: 50, slowCallRateThreshold: 0.5, minimumReplicas: 2 },
      { openBackoff: { baseMs: 500, maxMs: 9_000, multiplier: 3, jitter: 0 } },
      { halfOpen: { maxDurationMs: 4_000 } },
    ] as const) {
      const stored = scriptConfig(resolveBreakerOptions(options).circuit);
      const back = optionsFromStoredConfig(stored);
      expect(scriptConfig(resolveBreakerOptions(back).circuit)).toBe(stored);
    }
  });

  it('answers undefined for no config or an unreadable one', () => {
    expect(optionsFromStoredConfig(null)).toBeUndefined();
    expect(optionsFromStoredConfig('')).toBeUndefined();
    expect(optionsFromStoredConfig('{not json')).toBeUndefined();
    expect(optionsFromStoredConfig('{"f":1}')).toBeUndefined();
  });
});
