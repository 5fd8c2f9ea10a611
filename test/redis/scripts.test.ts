import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveBreakerOptions } from '../../src/breaker/resolve-breaker-options.js';
import { RedisScriptError } from '../../src/errors/redis-script-error.js';
import { breakerKeys, transitionsChannel } from '../../src/redis/keys.js';
import { scriptConfig } from '../../src/redis/script-args.js';
import { parseScriptReply, ResultCode } from '../../src/redis/script-reply.js';
import { defineScripts, SCRIPTS, scriptSource } from '../../src/redis/scripts.js';
import type { RedisCluster, RedisProcess } from '../harness/index.js';
import { startCluster, startRedis, stopAllRedis } from '../harness/index.js';

const config = scriptConfig(
  resolveBreakerOptions({ minimumCalls: 2, openBackoff: { baseMs: 5_000, jitter: 0 } }).circuit,
);

function recordArgs(name: string, failures: number, successes = 0): string[] {
  const keys = breakerKeys('t', name);
  return [
    keys.state,
    keys.window,
    keys.events,
    config,
    name,
    'replica-1',
    String(successes),
    String(failures),
    '0',
    '0',
    'boom',
    '0.5',
    transitionsChannel('t'),
    'inc-1',
  ];
}

describe('Lua scripts on a real redis-server', () => {
  let server: RedisProcess;
  let redis: Redis;

  beforeAll(async () => {
    server = await startRedis();
    redis = server.client();
    defineScripts(redis);
  });

  afterAll(async () => {
    await stopAllRedis();
  });

  it('every script has a header naming its KEYS, ARGV and result codes, and no key built inside Lua', () => {
    for (const file of Object.values(SCRIPTS)) {
      const source = scriptSource(file);
      expect(source, file).toMatch(/KEYS\[1\]/);
      expect(source, file).toMatch(/Output:/);
      expect(source, file).not.toMatch(/KEYS\[\d\]\s*\.\./);
      expect(source, file).not.toMatch(/--- @include/);
    }
  });

  it('trips with Redis TIME, writes the events stream and publishes the snapshot', async () => {
    const subscriber = server.client();
    const messages: string[] = [];
    subscriber.on('message', (_channel: string, message: string) => messages.push(message));
    await subscriber.subscribe(transitionsChannel('t'));
    const [seconds] = await redis.time();
    const reply = parseScriptReply(
      'record',
      await redis.breakerboxRecordV1(...recordArgs('trips', 2)),
      [ResultCode.Ok],
    );
    expect(reply.transition).toMatchObject({
      from: 'closed',
      to: 'open',
      reason: 'failure_rate',
      epoch: 1,
    });
    expect(Math.abs(reply.snapshot.now - seconds * 1000)).toBeLessThan(5_000);
    expect(reply.snapshot.openUntil).toBe(reply.snapshot.now + 5_000);
    expect(reply.snapshot.lastError).toBe('boom');
    const events = await redis.xrange(breakerKeys('t', 'trips').events, '-', '+');
    expect(events).toHaveLength(1);
    expect(events[0]?.[1]).toEqual(
      expect.arrayContaining(['from', 'closed', 'to', 'open', 'replica', 'replica-1']),
    );
    await expect.poll(() => messages.length).toBe(1);
    const published = JSON.parse(messages[0] ?? '{}') as {
      n: string;
      r: string;
      s: { state: string };
    };
    expect(published).toMatchObject({ n: 'trips', r: 'replica-1', s: { state: 'open' } });
  });

  it('evaluates a batch of successes that brings the window up to minimumCalls (issue 7 item 2)', async () => {
    // minimumCalls 2, threshold 0.5: one failure alone is below the minimum;
    // the success that follows makes 1/2 = 50%.
    const first = parseScriptReply(
      'record',
      await redis.breakerboxRecordV1(...recordArgs('min-by-ok', 1)),
      [ResultCode.Ok],
    );
    expect(first.snapshot.state).toBe('closed');
    const second = parseScriptReply(
      'record',
      await redis.breakerboxRecordV1(...recordArgs('min-by-ok', 0, 1)),
      [ResultCode.Ok],
    );
    expect(second.transition).toMatchObject({ from: 'closed', to: 'open', reason: 'failure_rate' });
  });

  it('force open on a forced-open record moves the expiry without a transition (issue 7 item 6)', async () => {
    const keys = breakerKeys('t', 'reforce');
    const force = async (mode: string, forMs: number) =>
      parseScriptReply(
        'force',
        await redis.breakerboxForceV1(
          keys.state,
          keys.window,
          keys.events,
          config,
          'reforce',
          'replica-1',
          mode,
          String(forMs),
          transitionsChannel('t'),
          'inc-1',
        ),
        [ResultCode.Ok],
      );
    const first = await force('open', 1_000);
    expect(first.transition).toMatchObject({ from: 'closed', to: 'forced_open', epoch: 1 });
    const again = await force('open', 60_000);
    expect(again.transition).toBeUndefined();
    expect(again.snapshot).toMatchObject({ state: 'forced_open', epoch: 1 });
    expect(again.snapshot.openUntil).toBe(again.snapshot.now + 60_000);
    const untilCleared = await force('open', 0);
    expect(untilCleared.transition).toBeUndefined();
    expect(untilCleared.snapshot).toMatchObject({ epoch: 1, openUntil: 0 });
    expect(await redis.xlen(keys.events)).toBe(1);
    expect((await force('closed', 0)).transition).toMatchObject({ epoch: 2 });
    expect((await force('closed', 0)).transition).toBeUndefined();
    expect(await redis.xlen(keys.events)).toBe(2);
  });

  it('keeps what tripped the record until it closes (issue 7 item 7)', async () => {
    const keys = breakerKeys('t', 'cause');
    const trip = parseScriptReply(
      'record',
      await redis.breakerboxRecordV1(...recordArgs('cause', 3, 1)),
      [ResultCode.Ok],
    );
    expect(trip.snapshot.window.calls).toBe(0);
    expect(trip.snapshot.trippedBy).toEqual({
      rule: 'failure_rate',
      calls: 4,
      failures: 3,
      slowCalls: 0,
    });
    expect(await redis.hmget(keys.state, 'tr', 'tc', 'tf', 'ts')).toEqual([
      'failure_rate',
      '4',
      '3',
      '0',
    ]);
    const read = parseScriptReply(
      'snapshot',
      await redis.breakerboxSnapshotV1(keys.state, keys.window, config),
      [ResultCode.Ok],
    );
    expect(read.snapshot.trippedBy).toEqual(trip.snapshot.trippedBy);
    const reset = parseScriptReply(
      'force',
      await redis.breakerboxForceV1(
        keys.state,
        keys.window,
        keys.events,
        config,
        'cause',
        'replica-1',
        'reset',
        '0',
        transitionsChannel('t'),
        'inc-1',
      ),
      [ResultCode.Ok],
    );
    expect(reset.snapshot.trippedBy).toBeUndefined();
  });

  it('reconcile carries a replica\u2019s local trip with its cause (issue 7 item 7)', async () => {
    const keys = breakerKeys('t', 'carried');
    const reply = parseScriptReply(
      'reconcile',
      await redis.breakerboxReconcileV1(
        keys.state,
        keys.window,
        keys.events,
        config,
        'carried',
        'replica-1',
        'open',
        '0',
        '0',
        'failure_rate',
        '0',
        JSON.stringify({ rule: 'failure_rate', calls: 20, failures: 11, slowCalls: 2 }),
        transitionsChannel('t'),
        'inc-1',
      ),
      [ResultCode.Ok, ResultCode.Carried],
    );
    expect(reply.code).toBe(ResultCode.Carried);
    expect(reply.snapshot.trippedBy).toEqual({
      rule: 'failure_rate',
      calls: 20,
      failures: 11,
      slowCalls: 2,
    });
  });

  it('keeps each replica\u2019s share of the window', async () => {
    const keys = breakerKeys('t', 'shares');
    const base = [keys.state, keys.window, keys.events, config, 'shares'];
    await redis.breakerboxRecordV1(...base, 'a', '3', '0', '0', '0', '', '0.5', 'c', 'i');
    const raw = await redis.breakerboxRecordV1(
      ...base,
      'b',
      '1',
      '1',
      '0',
      '0',
      '',
      '0.5',
      'c',
      'i',
    );
    const { snapshot } = parseScriptReply('record', raw, [ResultCode.Ok]);
    expect(snapshot.window.replicas).toEqual({
      a: { calls: 3, failures: 0, slowCalls: 0 },
      b: { calls: 2, failures: 1, slowCalls: 0 },
    });
  });

  it('is served again after SCRIPT FLUSH (NOSCRIPT is handled by re-sending the script)', async () => {
    await redis.breakerboxRecordV1(...recordArgs('flushed', 0, 1));
    await redis.script('FLUSH');
    const reply = parseScriptReply(
      'record',
      await redis.breakerboxRecordV1(...recordArgs('flushed', 0, 1)),
      [ResultCode.Ok],
    );
    expect(reply.snapshot.window.calls).toBe(2);
  });

  it('maps an unexpected result code to a typed RedisScriptError', async () => {
    const keys = breakerKeys('t', 'codes');
    const raw = await redis.breakerboxForceV1(
      keys.state,
      keys.window,
      keys.events,
      config,
      'codes',
      'r',
      'sideways',
      '0',
      'c',
      'i',
    );
    const error = (() => {
      try {
        parseScriptReply('force', raw, [ResultCode.Ok]);
        return undefined;
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(RedisScriptError);
    expect(error).toMatchObject({ code: 'REDIS_SCRIPT_ERROR', resultCode: ResultCode.UnknownMode });
  });

  it('refuses a stale token at end_probe (fencing)', async () => {
    const keys = breakerKeys('t', 'fenced');
    const base = [keys.state, keys.window, keys.events];
    await redis.breakerboxForceV1(...base, config, 'fenced', 'r', 'open', '1', 'c', 'i');
    await new Promise((resolve) => setTimeout(resolve, 5));
    const begun = parseScriptReply(
      'begin',
      await redis.breakerboxBeginProbeV1(...base, config, 'fenced', 'r', 'token-a', 'c', 'i'),
      [ResultCode.Ok],
    );
    expect(begun.snapshot.state).toBe('half_open');
    const stale = parseScriptReply(
      'end',
      await redis.breakerboxEndProbeV1(
        ...base,
        config,
        'fenced',
        'r',
        'token-b',
        '1',
        '0.5',
        '',
        'c',
        'i',
      ),
      [ResultCode.Ok, ResultCode.StaleProbe],
    );
    expect(stale.code).toBe(ResultCode.StaleProbe);
    expect(stale.snapshot.state).toBe('half_open');
  });
});

describe('Lua scripts on Redis Cluster', () => {
  let cluster: RedisCluster;

  beforeAll(async () => {
    cluster = await startCluster({ masters: 3 });
  }, 60_000);

  afterAll(async () => {
    await stopAllRedis();
  });

  it('runs every script on one slot: all of a breaker\u2019s keys share its hash tag', async () => {
    const client = cluster.client();
    defineScripts(client);
    for (const name of ['payments', 'search', 'quotes-api', 'a/b@c']) {
      const keys = breakerKeys('orders', name);
      const base = [keys.state, keys.window, keys.events];
      const recorded = parseScriptReply(
        'record',
        await client.breakerboxRecordV1(
          ...base,
          config,
          name,
          'r',
          '0',
          '2',
          '0',
          '0',
          '',
          '0.5',
          'c',
          'i',
        ),
        [ResultCode.Ok],
      );
      expect(recorded.snapshot.state).toBe('open');
      const read = await client.breakerboxSnapshotV1(keys.state, keys.window, config);
      expect(parseScriptReply('snapshot', read, [ResultCode.Ok]).snapshot.epoch).toBe(1);
    }
    await client.quit();
  });
});
