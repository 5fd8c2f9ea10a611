/**
 * The `breakerbox` command run as a child process (tsx on src) against a
 * spawned redis-server, while a box in this process holds the breakers and
 * hears every override the CLI makes.
 */
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBreakerBox } from '../../src/index.js';
import type { Breaker, BreakerBox, TransitionEvent } from '../../src/index.js';
import { startRedis, stopAllRedis, waitUntil } from '../harness/index.js';
import type { RedisProcess } from '../harness/index.js';
import { runCli } from './run-cli.js';

const NS = 'clitest';
let server: RedisProcess;
let redis: Redis;
let box: BreakerBox;
let payments: Breaker;
let quotes: Breaker;
let ledger: Breaker;
const heard: TransitionEvent[] = [];
let r: string[];

const fail = async (): Promise<never> => {
  await Promise.resolve();
  throw new Error('ECONNRESET from payments-api');
};
const succeed = async (): Promise<number> => {
  await Promise.resolve();
  return 1;
};

beforeAll(async () => {
  server = await startRedis();
  redis = server.client();
  r = ['--redis', server.url, '--namespace', NS];
  box = await createBreakerBox({
    redis: server.url,
    namespace: NS,
    replicaId: 'test-box',
    logger: pino({ level: 'silent' }),
    flushIntervalMs: 20,
    refreshIntervalMs: 200,
  });
  box.on('transition', (t) => heard.push(t));
  payments = box.breaker('payments', {
    windowMs: 60_000,
    windowBuckets: 6,
    minimumCalls: 5,
    openBackoff: { baseMs: 600_000, maxMs: 600_000, jitter: 0 },
  });
  // A count window and a time window with other buckets than the defaults: the
  // CLI reads them right only through the config their replica recorded.
  quotes = box.breaker('quotes', { windowType: 'count', windowSize: 50 });
  ledger = box.breaker('ledger', { windowMs: 60_000, windowBuckets: 3, minimumCalls: 1_000 });
  for (let i = 0; i < 3; i++) await quotes.call(succeed);
  for (let i = 0; i < 4; i++) await ledger.call(succeed);
  await ledger.call(fail).catch(() => undefined);
  for (let i = 0; i < 6; i++) await payments.call(fail).catch(() => undefined);
  await waitUntil(
    async () =>
      payments.state === 'open' &&
      (await ledger.snapshot()).window.calls === 5 &&
      (await quotes.snapshot()).window.calls === 3,
    { timeoutMs: 10_000, description: 'payments open, ledger and quotes flushed' },
  );
}, 60_000);

afterAll(async () => {
  await box.close();
  await stopAllRedis();
});

function rowOf(stdout: string, name: string): string[] {
  const line = stdout.split('\n').find((l) => l.startsWith(`${name} `));
  if (line === undefined) throw new Error(`no row for ${name} in:\n${stdout}`);
  return line.split(/\s{2,}/);
}

describe('status', () => {
  it('prints a table of every breaker and exits 1 while one is open', async () => {
    const { code, stdout, stderr } = await runCli(['status', ...r]);
    expect(stderr).toBe('');
    expect(code).toBe(1);
    expect(stdout.split('\n')[0]).toMatch(/^BREAKER\s+STATE\s+EPOCH\s+CALLS\s+FAILED/);
    expect(rowOf(stdout, 'payments').slice(0, 3)).toEqual(['payments', 'OPEN', '1']);
    expect(stdout).toContain('ECONNRESET from payments-api');
    // name, state, epoch, calls, failed, slow, replicas
    expect(rowOf(stdout, 'quotes').slice(0, 7)).toEqual([
      'quotes',
      'closed',
      '0',
      '3',
      '0%',
      '0%',
      '1',
    ]);
    expect(rowOf(stdout, 'ledger').slice(0, 7)).toEqual([
      'ledger',
      'closed',
      '0',
      '5',
      '20.0%',
      '0%',
      '1',
    ]);
  }, 90_000);

  it('--json gives every snapshot and the open ones', async () => {
    const { code, stdout } = await runCli(['status', '--json', ...r]);
    expect(code).toBe(1);
    const parsed = JSON.parse(stdout) as {
      namespace: string;
      open: string[];
      breakers: {
        name: string;
        state: string;
        circuitState: string;
        epoch: number;
        openUntil: number | null;
        retryAfterMs: number;
        reason: string | null;
        lastError: string | null;
        mode: string;
        windowConfig: string;
        window: { calls: number; failures: number; replicas: Record<string, { calls: number }> };
      }[];
    };
    expect(parsed.namespace).toBe(NS);
    expect(parsed.open).toEqual(['payments']);
    expect(parsed.breakers.map((b) => b.name)).toEqual(['ledger', 'payments', 'quotes']);
    const [ledgerJson, paymentsJson, quotesJson] = parsed.breakers;
    expect(paymentsJson).toMatchObject({
      state: 'open',
      circuitState: 'open',
      epoch: 1,
      reason: 'failure_rate',
      mode: 'shared',
      windowConfig: 'recorded',
    });
    expect(paymentsJson.lastError).toContain('ECONNRESET');
    expect(paymentsJson.retryAfterMs).toBeGreaterThan(500_000);
    expect(ledgerJson.window).toMatchObject({ calls: 5, failures: 1, failureRate: 0.2 });
    expect(ledgerJson.window.replicas['test-box']).toMatchObject({ calls: 5, failures: 1 });
    expect(quotesJson).toMatchObject({ state: 'closed', openUntil: null, window: { calls: 3 } });
  }, 90_000);

  it('status <name>: 0 when closed, 1 when open, 4 when there is no such breaker', async () => {
    const [closed, open, missing] = await Promise.all([
      runCli(['status', 'quotes', ...r]),
      runCli(['status', 'payments', ...r]),
      runCli(['status', 'nope', ...r]),
    ]);
    expect(closed.code).toBe(0);
    expect(closed.stdout).toContain('quotes');
    expect(open.code).toBe(1);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toContain('no breaker "nope" in namespace "clitest"');
  }, 90_000);

  it('says so when the namespace is empty', async () => {
    const { code, stdout } = await runCli(['status', '--redis', server.url, '-n', 'empty']);
    expect(code).toBe(0);
    expect(stdout).toContain('no breakers in namespace "empty"');
  }, 90_000);
});

describe('events', () => {
  it('lists the transitions stream, as a table and as JSON; 4 for an unknown breaker', async () => {
    const [table, json, missing] = await Promise.all([
      runCli(['events', 'payments', ...r]),
      runCli(['events', 'payments', '--json', '--count', '5', ...r]),
      runCli(['events', 'nope', ...r]),
    ]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/closed -> open\s+failure_rate\s+\S+\s+test-box/);
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout) as { events: Record<string, unknown>[] };
    expect(parsed.events).toHaveLength(1);
    expect(parsed.events[0]).toMatchObject({
      from: 'closed',
      to: 'open',
      reason: 'failure_rate',
      epoch: 1,
      replicaId: 'test-box',
    });
    expect(missing.code).toBe(4);
  }, 90_000);
});

describe('trip, close, reset', () => {
  it('trip --for forces the breaker open fleet-wide through the force script', async () => {
    const cfgBefore = await redis.hget(`${NS}:{quotes}:state`, 'cfg');
    const { code, stdout } = await runCli(['trip', 'quotes', '--for', '30s', ...r]);
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^quotes: FORCED OPEN \(timed\) until \S+ \(\d+(\.\d)?s\), epoch 1 \(was closed\)/,
    );
    await waitUntil(() => Promise.resolve(quotes.state === 'open'), {
      timeoutMs: 5_000,
      description: 'the box sees quotes open',
    });
    const event = heard.find((t) => t.breaker === 'quotes' && t.to === 'forced_open');
    expect(event?.replicaId).toMatch(/^cli:/);
    expect(event?.epoch).toBe(1);
    const snapshot = await quotes.snapshot();
    expect(snapshot.circuitState).toBe('forced_open');
    expect(snapshot.retryAfterMs).toBeGreaterThan(20_000);
    expect(snapshot.retryAfterMs).toBeLessThanOrEqual(30_000);
    // The CLI's breaker options never replace what the breaker's replicas recorded.
    expect(await redis.hget(`${NS}:{quotes}:state`, 'cfg')).toBe(cfgBefore);
    const stream = await redis.xrange(`${NS}:{quotes}:events`, '-', '+');
    expect(stream.at(-1)?.[1]).toEqual(expect.arrayContaining(['to', 'forced_open']));
  }, 90_000);

  it('close forces it closed and reset brings it back to closed', async () => {
    const closed = await runCli(['close', 'quotes', ...r]);
    expect(closed.code).toBe(0);
    expect(closed.stdout).toContain('quotes: forced closed, epoch 2 (was FORCED OPEN (timed))');
    await waitUntil(async () => (await quotes.snapshot()).circuitState === 'forced_closed', {
      timeoutMs: 5_000,
      description: 'quotes forced closed',
    });
    const reset = await runCli(['reset', 'quotes', '--json', ...r]);
    expect(reset.code).toBe(0);
    const parsed = JSON.parse(reset.stdout) as {
      action: string;
      before: { circuitState: string };
      after: { circuitState: string; epoch: number; reason: string };
    };
    expect(parsed).toMatchObject({
      action: 'reset',
      before: { circuitState: 'forced_closed' },
      after: { circuitState: 'closed', epoch: 3, reason: 'reset' },
    });
    await waitUntil(
      () => Promise.resolve(heard.some((t) => t.breaker === 'quotes' && t.reason === 'reset')),
      {
        timeoutMs: 5_000,
        description: 'the box hears the reset',
      },
    );
    expect(quotes.state).toBe('closed');
  }, 90_000);

  it('trip without --for stays open until closed; trip on an open breaker keeps it open', async () => {
    const { code, stdout } = await runCli(['trip', 'payments', ...r]);
    expect(code).toBe(0);
    expect(stdout).toContain('payments: FORCED OPEN until closed or reset, epoch 2 (was OPEN)');
    expect((await payments.snapshot()).openUntil).toBeNull();
  }, 90_000);

  it('refuses an unknown breaker (exit 4, nothing created) unless --create is given', async () => {
    const [trip, close, reset] = await Promise.all([
      runCli(['trip', 'ghost', ...r]),
      runCli(['close', 'ghost', ...r]),
      runCli(['reset', 'ghost', ...r]),
    ]);
    expect([trip.code, close.code, reset.code]).toEqual([4, 4, 4]);
    expect(trip.stderr).toContain('pass --create to trip it anyway');
    expect(await redis.exists(`${NS}:{ghost}:state`)).toBe(0);
    const created = await runCli(['trip', 'ghost', '--create', '--for', '5m', ...r]);
    expect(created.code).toBe(0);
    expect(await redis.hget(`${NS}:{ghost}:state`, 'st')).toBe('forced_open');
    // A replica that starts using it later finds it forced open.
    const ghost = box.breaker('ghost');
    await waitUntil(() => Promise.resolve(ghost.state === 'open'), {
      timeoutMs: 5_000,
      description: 'a new breaker adopts the forced record',
    });
  }, 90_000);
});
