/**
 * The half-open lease (`halfOpen.maxDurationMs`, also the probe lock's TTL)
 * with real replica processes: a prober that dies mid-trial does not leave
 * the breaker stuck half-open, and a prober whose result comes after its
 * lease (frozen, or its verdict delayed in transit) is fenced off by the probe
 * token while another replica has taken over.
 */
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FatalWaitError, startRedis, stopAllRedis, waitUntil } from '../harness/index.js';
import type { RedisProcess } from '../harness/index.js';
import type { BreakerSnapshot } from '../../src/index.js';
import {
  CONVERGE_TIMEOUT_MS,
  fleetDiagnostics,
  readEvents,
  redisNow,
  startFleet,
  stopAllReplicas,
  waitForRedisTime,
  waitForState,
} from './replica/fleet.js';
import type { Replica } from './replica/fleet.js';
import type { JsonBreakerOptions, ProbeRoundResult, ReplicaConfig } from './replica/protocol.js';
import { SelectiveProxy } from './replica/selective-proxy.js';

const NAMESPACE = 'itlease';
const LEASE_MS = 1_500;
const OPTIONS: JsonBreakerOptions = {
  failureRateThreshold: 0.5,
  minimumCalls: 5,
  windowMs: 10_000,
  openBackoff: { baseMs: 200, maxMs: 1_600, multiplier: 2, jitter: 0 },
  halfOpen: { maxDurationMs: LEASE_MS },
};

type Events = Record<string, string>[];

let server: RedisProcess;
let redis: Redis;

beforeAll(async () => {
  server = await startRedis();
  redis = server.client();
}, 30_000);

afterAll(async () => {
  await stopAllReplicas();
  await stopAllRedis();
});

function replicaConfig(
  replicaId: string,
  breakers: Readonly<Record<string, JsonBreakerOptions>>,
  overrides: Partial<ReplicaConfig> = {},
): ReplicaConfig {
  return {
    redis: server.url,
    namespace: NAMESPACE,
    replicaId,
    flushIntervalMs: 25,
    refreshIntervalMs: 200,
    breakers,
    ...overrides,
  };
}

function describeEvents(events: Events): string[] {
  return events.map((event) => `${event.reason}@${event.replica}`);
}

function probeToken(breaker: string): Promise<string | null> {
  return redis.hget(`${NAMESPACE}:{${breaker}}:state`, 'pt');
}

/** Trips `breaker` from `tripper`, waits until every replica sees it open and the open period is over. */
async function tripAndWaitOut(
  fleet: readonly Replica[],
  tripper: Replica,
  breaker: string,
): Promise<void> {
  await tripper.send({ type: 'calls', breaker, count: 10, concurrency: 2, outcome: 'fail' });
  await waitForState(fleet, breaker, 'open');
  const opened = await tripper.send({ type: 'snapshot', breaker });
  await waitForRedisTime(redis, (opened.openUntil ?? 0) + 50);
}

/** Starts a held trial on `prober` alone; returns its round and the half-open record. */
async function holdTrial(
  prober: Replica,
  observer: Replica,
  breaker: string,
): Promise<{ round: ProbeRoundResult; record: BreakerSnapshot }> {
  const round = await prober.send({
    type: 'probeRound',
    breaker,
    callers: 5,
    hold: true,
    outcome: 'ok',
  });
  expect(round).toMatchObject({ entered: 1, rejected: 4, otherErrors: [] });
  const record = await observer.send({ type: 'snapshot', breaker });
  expect(record).toMatchObject({ state: 'half_open', reason: 'probe_started' });
  expect(record.probe).not.toBeNull();
  return { round, record };
}

/**
 * Fires 5 callers on each of `replicas` at once, again and again, until one
 * of them runs the function (the trial); more than one in a go fails at once.
 * With `hold` the trial waits for `release`; else it ends at once with `outcome`.
 */
async function probeUntilTaken(
  replicas: readonly Replica[],
  breaker: string,
  outcome: 'ok' | 'fail',
  hold = false,
): Promise<{ taker: Replica; round: ProbeRoundResult }> {
  let last: ProbeRoundResult[] = [];
  return waitUntil(
    async () => {
      last = await Promise.all(
        replicas.map((replica) =>
          replica.send({ type: 'probeRound', breaker, callers: 5, hold, outcome }),
        ),
      );
      const entered = last.reduce((sum, result) => sum + result.entered, 0);
      if (entered > 1 || last.some((result) => result.otherErrors.length > 0)) {
        throw new FatalWaitError(`not single flight: ${JSON.stringify(last)}`);
      }
      const index = last.findIndex((result) => result.entered === 1);
      const taker = replicas.at(index);
      const round = last.at(index);
      return index === -1 || taker === undefined || round === undefined
        ? undefined
        : { taker, round };
    },
    {
      timeoutMs: CONVERGE_TIMEOUT_MS,
      intervalMs: 50,
      description: `another replica to take over the probe of ${breaker}`,
      details: () => `${JSON.stringify(last)}\n${fleetDiagnostics(replicas)}`,
    },
  );
}

describe('a prober killed mid-trial', () => {
  afterEach(async () => {
    await stopAllReplicas();
  });

  it('leaves a lease that expires; another replica probes and the breaker closes', async () => {
    const breaker = 'orphaned';
    const fleet = await startFleet(
      ['replica-a', 'replica-b', 'replica-c'].map((id) =>
        replicaConfig(id, { [breaker]: OPTIONS }),
      ),
    );
    const [a, b, c] = fleet as [Replica, Replica, Replica];
    await tripAndWaitOut(fleet, b, breaker);
    const { record } = await holdTrial(a, b, breaker);
    const leaseUntil = record.probe?.leaseUntil ?? 0;
    expect(leaseUntil - (record.changedAt ?? 0)).toBe(LEASE_MS);

    const survivorRuns = async (): Promise<number> =>
      (await Promise.all([b, c].map((replica) => replica.send({ type: 'ran' })))).reduce(
        (sum, n) => sum + n,
        0,
      );
    const runsBefore = await survivorRuns();
    await a.kill('SIGKILL');
    expect(a.isAlive).toBe(false);

    // While the dead prober's lease runs, the survivors refuse (checked only if
    // the round ended before the lease did: a slow machine may get past it).
    const during = await Promise.all(
      [b, c].map((replica) =>
        replica.send({ type: 'probeRound', breaker, callers: 5, hold: false, outcome: 'ok' }),
      ),
    );
    if ((await redisNow(redis)) < leaseUntil) {
      for (const result of during) {
        expect(result).toMatchObject({ entered: 0, rejected: 5 });
        expect(Object.keys(result.byState)).toEqual(['half_open']);
      }
    }

    const { taker } = await probeUntilTaken([b, c], breaker, 'ok');
    await waitForState([b, c], breaker, 'closed');
    expect(await c.send({ type: 'snapshot', breaker })).toMatchObject({
      state: 'closed',
      reason: 'probe_succeeded',
      backoffStep: 0,
      probe: null,
    });

    const events = await readEvents(redis, NAMESPACE, breaker);
    expect(describeEvents(events)).toEqual([
      'failure_rate@replica-b',
      'probe_started@replica-a',
      `probe_lease_expired@${taker.id}`,
      `probe_succeeded@${taker.id}`,
    ]);
    // The lease was honoured: the takeover came after it, on the Redis clock.
    expect(Number(events[2]?.at)).toBeGreaterThanOrEqual(leaseUntil);
    // The taker released the probe lock.
    await waitUntil(async () => (await redis.exists(`${NAMESPACE}:{${breaker}}:probe`)) === 0, {
      timeoutMs: CONVERGE_TIMEOUT_MS,
      description: 'the probe lock to be released',
    });
    // Of all the survivors' callers, only the taker's trial ran.
    expect((await survivorRuns()) - runsBefore).toBe(1);
  }, 60_000);
});

describe('a stale prober', () => {
  // A longer lease where the taker's own trial must stay open while the stale result arrives.
  const breakers = {
    'frozen-prober': { ...OPTIONS, halfOpen: { maxDurationMs: 3_000 } },
    'delayed-verdict': OPTIONS,
  };
  let proxy: SelectiveProxy;
  let fleet: Replica[];
  let a: Replica;
  let b: Replica;
  let c: Replica;

  beforeAll(async () => {
    proxy = await SelectiveProxy.start(server.port);
    // replica-a, the prober, reaches Redis through the proxy and never sweeps:
    // it hears of other replicas' transitions only through pub/sub, which the
    // proxy can delay. Its commands may wait long (the proxy delays one).
    fleet = await startFleet([
      replicaConfig('replica-a', breakers, {
        redis: proxy.url,
        refreshIntervalMs: 600_000,
        commandTimeoutMs: 20_000,
      }),
      replicaConfig('replica-b', breakers),
      replicaConfig('replica-c', breakers),
    ]);
    [a, b, c] = fleet as [Replica, Replica, Replica];
  }, 60_000);

  afterAll(async () => {
    await stopAllReplicas();
    await proxy.close();
  });

  /** Waits until replica-a's end_probe was refused, then checks that the record and events are as before it. */
  async function expectFenced(
    breaker: string,
    before: BreakerSnapshot,
    events: Events,
  ): Promise<void> {
    await waitUntil(
      async () =>
        (await a.send({ type: 'logs' })).some((line) => line.msg === 'stale probe result refused'),
      {
        timeoutMs: CONVERGE_TIMEOUT_MS,
        intervalMs: 25,
        description: "replica-a's end_probe to be refused",
        details: () => fleetDiagnostics(fleet),
      },
    );
    const after = await c.send({ type: 'snapshot', breaker });
    for (const field of [
      'state',
      'circuitState',
      'epoch',
      'openUntil',
      'backoffStep',
      'changedAt',
      'reason',
      'probe',
    ] as const) {
      expect(after[field], field).toEqual(before[field]);
    }
    expect(await readEvents(redis, NAMESPACE, breaker)).toEqual(events);
  }

  it("frozen past its lease, its late failure is refused while the taker's trial runs", async () => {
    const breaker = 'frozen-prober';
    await tripAndWaitOut(fleet, b, breaker);
    const { record: held } = await holdTrial(a, b, breaker);
    const staleToken = await probeToken(breaker);

    // replica-a freezes mid-trial (think: a long GC pause) and its pub/sub goes quiet.
    proxy.holdDelivery();
    a.pause();
    try {
      await waitForRedisTime(redis, held.probe?.leaseUntil ?? 0);
      // replica-b takes over with a new token; its trial runs on.
      const { taker, round } = await probeUntilTaken([b], breaker, 'fail', true);
      expect(taker.id).toBe('replica-b');
      const takenOver = await c.send({ type: 'snapshot', breaker });
      expect(takenOver).toMatchObject({
        state: 'half_open',
        reason: 'probe_lease_expired',
        epoch: held.epoch + 1,
      });
      const takerToken = await probeToken(breaker);
      expect(takerToken).toMatch(/.+/);
      expect(takerToken).not.toBe(staleToken);
      const events = await readEvents(redis, NAMESPACE, breaker);
      expect(describeEvents(events).slice(-2)).toEqual([
        'probe_started@replica-a',
        'probe_lease_expired@replica-b',
      ]);

      // replica-a wakes: its trial's timeout (the lease) fires late, and it
      // reports a failure with its old token. It would re-open the breaker under
      // replica-b's trial; it is refused and changes nothing.
      a.resume();
      await expectFenced(breaker, takenOver, events);
      expect(await probeToken(breaker)).toBe(takerToken);
      expect(await a.state(breaker)).toBe('half_open');

      // replica-b's verdict is the one that counts.
      await b.send({ type: 'release', round: round.round, outcome: 'fail' });
      await waitForState([b, c], breaker, 'open');
      expect(await c.send({ type: 'snapshot', breaker })).toMatchObject({
        state: 'open',
        reason: 'probe_failed',
        epoch: held.epoch + 2,
        backoffStep: held.backoffStep + 1,
      });
      expect(describeEvents(await readEvents(redis, NAMESPACE, breaker)).slice(-3)).toEqual([
        'probe_started@replica-a',
        'probe_lease_expired@replica-b',
        'probe_failed@replica-b',
      ]);
    } finally {
      a.resume();
      proxy.deliver();
    }
    // The held messages arrive late; replica-a ends up with the fleet's view.
    await waitForState(fleet, breaker, 'open');
  }, 60_000);

  it('its verdict delayed in transit past its lease is refused after the taker closed the breaker', async () => {
    const breaker = 'delayed-verdict';
    await tripAndWaitOut(fleet, b, breaker);
    const { round, record: held } = await holdTrial(a, b, breaker);
    const token = await probeToken(breaker);
    if (token === null || token === '') throw new Error('no probe token in the record');

    // replica-a's trial fails in time, but its end_probe (which carries the token) is held in transit.
    proxy.holdCommandsContaining(token);
    try {
      expect(await a.send({ type: 'release', round: round.round, outcome: 'fail' })).toEqual({
        ok: 0,
        failed: 1,
      });
      await waitUntil(() => Promise.resolve(proxy.heldUpstreamChunks('command') > 0), {
        timeoutMs: CONVERGE_TIMEOUT_MS,
        intervalMs: 10,
        description: "replica-a's end_probe to reach the proxy",
      });
      expect(await b.send({ type: 'snapshot', breaker })).toMatchObject({
        state: 'half_open',
        epoch: held.epoch,
      });

      // The lease runs out; replica-b takes over and closes the breaker.
      await waitForRedisTime(redis, held.probe?.leaseUntil ?? 0);
      const { taker } = await probeUntilTaken([b], breaker, 'ok');
      expect(taker.id).toBe('replica-b');
      await waitForState([b, c], breaker, 'closed');
      const closed = await c.send({ type: 'snapshot', breaker });
      expect(closed).toMatchObject({
        state: 'closed',
        reason: 'probe_succeeded',
        epoch: held.epoch + 2,
      });
      const events = await readEvents(redis, NAMESPACE, breaker);
      expect(describeEvents(events).slice(-3)).toEqual([
        'probe_started@replica-a',
        'probe_lease_expired@replica-b',
        'probe_succeeded@replica-b',
      ]);

      // The failure arrives now: it would re-open the breaker, but its token is stale.
      proxy.passCommands();
      await expectFenced(breaker, closed, events);
      expect(await probeToken(breaker)).toBe('');
    } finally {
      proxy.passCommands();
    }
    // The refusal's reply told replica-a the truth.
    await waitForState(fleet, breaker, 'closed');
  }, 60_000);
});

describe('the default lease of a breaker with timeoutMs', () => {
  afterEach(async () => {
    await stopAllReplicas();
  });

  it('is timeoutMs plus a margin: a SIGKILLed prober blacks the fleet out seconds, not 30 s', async () => {
    const breaker = 'bounded';
    const bounded: JsonBreakerOptions = {
      failureRateThreshold: 0.5,
      minimumCalls: 5,
      windowMs: 10_000,
      openBackoff: { baseMs: 200, maxMs: 1_600, multiplier: 2, jitter: 0 },
      timeoutMs: 2_000,
    };
    const fleet = await startFleet(
      ['replica-a', 'replica-b', 'replica-c'].map((id) =>
        replicaConfig(id, { [breaker]: bounded }),
      ),
    );
    const [a, b, c] = fleet as [Replica, Replica, Replica];
    await tripAndWaitOut(fleet, b, breaker);
    const { record } = await holdTrial(a, b, breaker);
    const lease = (record.probe?.leaseUntil ?? 0) - (record.changedAt ?? 0);
    expect(lease).toBe(3_000);
    await a.kill('SIGKILL');
    const killedAt = performance.now();
    await probeUntilTaken([b, c], breaker, 'ok');
    const blackoutMs = performance.now() - killedAt;
    process.stdout.write(
      `blackout after a prober SIGKILL (timeoutMs 2000): ${blackoutMs.toFixed(0)} ms\n`,
    );
    expect(blackoutMs).toBeLessThan(3_000 + 2_000);
  }, 60_000);
});
