/**
 * The merge rules of reconciliation (docs/redis-outages.md), in one process:
 * boxes on one spawned Redis, the one(s) under test behind a TCP proxy that
 * cuts them off (blackhole) while the others stay connected.
 */
import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createBreakerBox } from '../../src/index.js';
import type {
  BreakerBox,
  BreakerBoxOptions,
  BreakerOptions,
  ModeChangeEvent,
  StoreMode,
} from '../../src/index.js';
import { scriptSource } from '../../src/redis/scripts.js';
import { startRedis, startTcpProxy, stopAllRedis, waitUntil } from '../harness/index.js';
import type { RedisProcess, TcpProxy } from '../harness/index.js';
import { clientsNamed, readEvents } from '../integration/replica/fleet.js';
import { SelectiveProxy } from '../integration/replica/selective-proxy.js';
import {
  GO_LOCAL_TIMEOUT_MS,
  LONG_OPEN,
  NO_WAIT_BOUND_MS,
  readRecord,
  RECOVER_TIMEOUT_MS,
  TIMINGS,
} from './fault-fleet.js';

/** One box and what it said: its log lines (info and up) and its mode events. */
interface Member {
  readonly box: BreakerBox;
  readonly logs: { level: number; msg: string }[];
  readonly modes: ModeChangeEvent[];
}

let server: RedisProcess;
let redis: Redis;
const boxes: BreakerBox[] = [];
let namespaceSeq = 0;

beforeAll(async () => {
  server = await startRedis();
  redis = server.client();
});

afterEach(async () => {
  await Promise.all(boxes.splice(0).map((box) => box.close()));
});

afterAll(async () => {
  await stopAllRedis();
});

async function member(
  url: string,
  namespace: string,
  replicaId: string,
  extra: Partial<BreakerBoxOptions> = {},
): Promise<Member> {
  const logs: Member['logs'] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString().split('\n')) {
        if (line === '') continue;
        const parsed = JSON.parse(line) as { level: number; msg: string };
        logs.push({ level: parsed.level, msg: parsed.msg });
      }
      callback();
    },
  });
  const box = await createBreakerBox({
    redis: url,
    namespace,
    replicaId,
    logger: pino({ level: 'info' }, sink),
    ...TIMINGS,
    ...extra,
  });
  boxes.push(box);
  const modes: ModeChangeEvent[] = [];
  box.on('mode', (event) => {
    modes.push(event);
  });
  return { box, logs, modes };
}

/** A fresh namespace, a proxy to Redis, and boxes: `cut` behind the proxy, `connected` direct. */
async function setUp(
  cut: readonly string[],
  connected: readonly string[],
): Promise<{ namespace: string; proxy: TcpProxy; members: Record<string, Member> }> {
  const namespace = `frec${String(++namespaceSeq)}`;
  const proxy = await startTcpProxy({ targetHost: server.host, targetPort: server.port });
  const members: Record<string, Member> = {};
  for (const id of cut) members[id] = await member(proxy.url, namespace, id);
  for (const id of connected) members[id] = await member(server.url, namespace, id);
  return { namespace, proxy, members };
}

function waitForMode(box: BreakerBox, mode: StoreMode, timeoutMs: number): Promise<true> {
  return waitUntil(() => Promise.resolve(box.mode === mode), {
    timeoutMs,
    intervalMs: 10,
    description: `${box.replicaId} in mode ${mode}`,
  });
}

/** Cuts the proxy's boxes off and waits until they decide locally (a call makes them notice). */
async function cutOff(proxy: TcpProxy, cut: readonly BreakerBox[]): Promise<void> {
  proxy.blackhole();
  for (const box of cut) {
    await box.breaker('dep').call(() => 'ok');
    await waitForMode(box, 'local', GO_LOCAL_TIMEOUT_MS);
  }
}

/** Fails calls until the breaker is open on this box; no call waits on Redis. */
async function trip(
  box: BreakerBox,
  name = 'dep',
  options: BreakerOptions = LONG_OPEN,
): Promise<void> {
  const breaker = box.breaker(name, options);
  for (let i = 0; i < 50 && breaker.state === 'closed'; i++) {
    const started = performance.now();
    await breaker.call(() => Promise.reject(new Error('down'))).catch(() => undefined);
    expect(performance.now() - started).toBeLessThan(NO_WAIT_BOUND_MS);
    // Shared, the trip comes back with the flush's reply.
    if (box.mode === 'shared') await sleep(10);
  }
  expect(breaker.state).toBe('open');
}

function waitForRecord(
  namespace: string,
  name: string,
  match: (record: Record<string, string>) => boolean,
  description: string,
): Promise<Record<string, string>> {
  return waitUntil(
    async () => {
      const record = await readRecord(redis, namespace, name);
      return match(record) ? record : undefined;
    },
    { timeoutMs: RECOVER_TIMEOUT_MS, description },
  );
}

/** A record's state fields (not lastError: outcomes counted during an outage are flushed after it). */
function stateOf(record: Record<string, string>): Record<string, string | undefined> {
  const { st, ep, ou, bs, pt, pl, ca, rs, inc } = record;
  return { st, ep, ou, bs, pt, pl, ca, rs, inc };
}

/** Makes sure the record exists (a few flushed successes); returns it. */
async function seed(box: BreakerBox, namespace: string): Promise<Record<string, string>> {
  const breaker = box.breaker('dep', LONG_OPEN);
  for (let i = 0; i < 3; i++) await breaker.call(() => 'ok');
  return waitForRecord(namespace, 'dep', (record) => record.st === 'closed', 'dep recorded');
}

describe('reconciliation after an outage', () => {
  it('a local trip opens a closed shared record, once, and the fleet sees it', async () => {
    const { namespace, proxy, members } = await setUp(['a'], ['b']);
    const a = members.a;
    const b = members.b;
    const before = await seed(b.box, namespace);
    a.box.breaker('dep', LONG_OPEN);

    await cutOff(proxy, [a.box]);
    await trip(a.box);
    expect((await a.box.breaker('dep').snapshot()).mode).toBe('local');
    expect(b.box.breaker('dep').state).toBe('closed');
    expect(await readRecord(redis, namespace, 'dep')).toMatchObject({ st: 'closed' });

    proxy.forward();
    await waitForMode(a.box, 'shared', RECOVER_TIMEOUT_MS);
    const record = await waitForRecord(namespace, 'dep', (r) => r.st === 'open', 'dep open');
    expect(record).toMatchObject({ rs: 'failure_rate', inc: before.inc });
    expect(Number(record.ep)).toBe(Number(before.ep) + 1);
    await waitUntil(() => Promise.resolve(b.box.breaker('dep').state === 'open'), {
      timeoutMs: RECOVER_TIMEOUT_MS,
      description: 'b to see the carried trip',
    });
    const events = await readEvents(redis, namespace, 'dep');
    expect(events.map((event) => `${event.to}/${event.replica}`)).toEqual(['open/a']);
    expect(a.modes.map(({ from, to }) => `${from}>${to}`)).toEqual([
      'shared>local',
      'local>shared',
    ]);
    expect(a.logs).toContainEqual({
      level: 40,
      msg: 'redis unhealthy: breakers decide locally',
    });
    expect(a.logs).toContainEqual({
      level: 30,
      msg: 'redis healthy again: breakers shared and reconciled',
    });
    expect(b.modes).toEqual([]);
  });

  it('a forced state in the shared record wins over a local trip', async () => {
    const { namespace, proxy, members } = await setUp(['a'], ['b']);
    const a = members.a;
    const b = members.b;
    await seed(b.box, namespace);
    a.box.breaker('dep', LONG_OPEN);

    await cutOff(proxy, [a.box]);
    await b.box.breaker('dep').forceClosed();
    const forced = await readRecord(redis, namespace, 'dep');
    expect(forced.st).toBe('forced_closed');
    await trip(a.box);

    proxy.forward();
    await waitForMode(a.box, 'shared', RECOVER_TIMEOUT_MS);
    expect(stateOf(await readRecord(redis, namespace, 'dep'))).toEqual(stateOf(forced));
    const seen = await a.box.breaker('dep').snapshot();
    expect(seen).toMatchObject({
      circuitState: 'forced_closed',
      mode: 'shared',
      epoch: Number(forced.ep),
    });
    expect(await a.box.breaker('dep').call(() => 'ran')).toBe('ran');
  });

  it('a forceOpen made on a replica during the outage is carried, with its expiry', async () => {
    const { namespace, proxy, members } = await setUp(['a'], ['b']);
    const a = members.a;
    const b = members.b;
    await seed(b.box, namespace);
    a.box.breaker('dep', LONG_OPEN);

    await cutOff(proxy, [a.box]);
    await a.box.breaker('dep').forceOpen({ forMs: 60_000 });
    const local = await a.box.breaker('dep').snapshot();
    expect(local).toMatchObject({ circuitState: 'forced_open', mode: 'local' });

    proxy.forward();
    await waitForMode(a.box, 'shared', RECOVER_TIMEOUT_MS);
    const record = await waitForRecord(namespace, 'dep', (r) => r.st === 'forced_open', 'forced');
    expect(Math.abs(Number(record.ou) - (local.openUntil ?? 0))).toBeLessThan(1_000);
    await waitUntil(() => Promise.resolve(b.box.breaker('dep').state === 'open'), {
      timeoutMs: RECOVER_TIMEOUT_MS,
      description: 'b to see the carried override',
    });
    expect(await b.box.breaker('dep').snapshot()).toMatchObject({
      forced: 'open',
      epoch: Number(record.ep),
    });
  });

  it('a replica that healed alone does not close the shared open record', async () => {
    const { namespace, proxy, members } = await setUp(['a'], ['b']);
    const a = members.a;
    const b = members.b;
    const shortOpen: BreakerOptions = {
      ...LONG_OPEN,
      openBackoff: { baseMs: 400, maxMs: 400, jitter: 0 },
    };
    const aDep = a.box.breaker('dep', shortOpen);
    await trip(b.box, 'dep', shortOpen);
    const opened = await waitForRecord(namespace, 'dep', (r) => r.st === 'open', 'dep open');
    await waitUntil(() => Promise.resolve(aDep.state === 'open'), {
      timeoutMs: RECOVER_TIMEOUT_MS,
      description: 'a to see the trip',
    });

    proxy.blackhole();
    await waitForMode(a.box, 'local', GO_LOCAL_TIMEOUT_MS);
    const local = await aDep.snapshot();
    expect(local).toMatchObject({ state: 'open', mode: 'local' });
    await waitUntil(() => Promise.resolve(Date.now() > (local.openUntil ?? 0) + 20), {
      timeoutMs: RECOVER_TIMEOUT_MS,
      description: 'the probe to be due',
    });
    // The trial call succeeds: this replica alone closes its local breaker.
    expect(await aDep.call(() => 'healed')).toBe('healed');
    expect(aDep.state).toBe('closed');

    proxy.forward();
    await waitForMode(a.box, 'shared', RECOVER_TIMEOUT_MS);
    expect(stateOf(await readRecord(redis, namespace, 'dep'))).toEqual(stateOf(opened));
    expect(aDep.state).toBe('open');
    expect((await aDep.snapshot()).epoch).toBe(Number(opened.ep));
  });

  it('two replicas reconciling at once move the epoch once', async () => {
    const { namespace, proxy, members } = await setUp(['a', 'b'], ['c']);
    const a = members.a;
    const b = members.b;
    const c = members.c;
    const before = await seed(c.box, namespace);
    a.box.breaker('dep', LONG_OPEN);
    b.box.breaker('dep', LONG_OPEN);

    await cutOff(proxy, [a.box, b.box]);
    await trip(a.box);
    await trip(b.box);

    proxy.forward();
    await Promise.all([
      waitForMode(a.box, 'shared', RECOVER_TIMEOUT_MS),
      waitForMode(b.box, 'shared', RECOVER_TIMEOUT_MS),
    ]);
    const record = await waitForRecord(namespace, 'dep', (r) => r.st === 'open', 'dep open');
    expect(Number(record.ep)).toBe(Number(before.ep) + 1);
    const events = await readEvents(redis, namespace, 'dep');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ from: 'closed', to: 'open', epoch: record.ep });
    await waitUntil(() => Promise.resolve(c.box.breaker('dep').state === 'open'), {
      timeoutMs: RECOVER_TIMEOUT_MS,
      description: 'c to see the trip',
    });
    for (const box of [a.box, b.box, c.box]) {
      expect(await box.breaker('dep').snapshot(), box.replicaId).toMatchObject({
        state: 'open',
        mode: 'shared',
        epoch: Number(record.ep),
      });
    }
  });
});

/** What a reconcile script call looks like on the wire: EVAL with its source, or EVALSHA. */
const RECONCILE_MARKERS = [
  'reconcile: carries what one replica decided alone',
  createHash('sha1').update(scriptSource('reconcile-3.lua')).digest('hex'),
];

describe('a transition heard while reconciling', () => {
  it('is not undone by the older reconcile reply', async () => {
    const namespace = `frec${String(++namespaceSeq)}`;
    const cut = await startTcpProxy({ targetHost: server.host, targetPort: server.port });
    const slow = await SelectiveProxy.start(server.port);
    const a = await member(cut.url, namespace, 'a');
    // b's replies may be held a while without timing out, and b never sweeps:
    // only what it hears (script replies, the transitions channel) moves its view.
    const b = await member(slow.url, namespace, 'b', {
      commandTimeoutMs: 5_000,
      refreshIntervalMs: 600_000,
    });
    const before = await seed(a.box, namespace);
    const bDep = b.box.breaker('dep', LONG_OPEN);
    expect((await bDep.snapshot()).epoch).toBe(Number(before.ep));

    await cutOff(cut, [a.box]);
    await trip(a.box);

    // b loses its connection too and reconciles as soon as it is back: Redis runs
    // its reconcile (nothing to carry, the record stays closed); the reply is held.
    slow.holdRepliesToCommandsContaining(RECONCILE_MARKERS);
    const connections = await clientsNamed(redis, 'breakerbox:b');
    expect(connections).toHaveLength(1);
    await redis.call('CLIENT', 'KILL', 'ID', connections[0].id);
    await waitUntil(() => Promise.resolve(slow.heldReplyChunks > 0), {
      timeoutMs: RECOVER_TIMEOUT_MS,
      description: "b's reconcile reply on its way back",
    });
    expect(b.box.mode).toBe('local');

    // a comes back and carries its trip; b hears it on the transitions channel.
    cut.forward();
    await waitForMode(a.box, 'shared', RECOVER_TIMEOUT_MS);
    const record = await waitForRecord(namespace, 'dep', (r) => r.st === 'open', 'dep open');
    expect(Number(record.ep)).toBe(Number(before.ep) + 1);
    await sleep(200);

    // Then b's (older) reply arrives: b must stay on the newer record.
    slow.passReplies();
    await waitForMode(b.box, 'shared', RECOVER_TIMEOUT_MS);
    await waitUntil(() => Promise.resolve(bDep.state === 'open'), {
      timeoutMs: 2_000,
      intervalMs: 10,
      description: 'b to keep the trip it heard while reconciling',
    });
    expect(await bDep.snapshot()).toMatchObject({ state: 'open', epoch: Number(record.ep) });
  });
});

describe('closing a box', () => {
  it('does not hang while Redis hangs', async () => {
    const { proxy, members } = await setUp(['a'], []);
    const a = members.a;
    await seed(a.box, `frec${String(namespaceSeq)}`);
    proxy.blackhole();
    const closing = a.box.close();
    // Bounded by the command timeout (QUIT on each connection), with room for a busy machine.
    const outcome = await Promise.race([
      closing.then(() => 'closed'),
      new Promise((resolve) => setTimeout(resolve, 5_000, 'still closing')),
    ]);
    proxy.forward();
    expect(outcome).toBe('closed');
  });
});
