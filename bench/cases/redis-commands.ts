/**
 * Redis commands per call: `replicas` replica processes share one breaker on
 * one Redis and make successful calls at `perSecond` calls per second per
 * replica (0: as fast as each can, in bursts of 1,000 awaited calls per turn
 * of the event loop) for `durationMs`, or until `calls` calls in total (an
 * equal share each), whichever comes first. The commands are
 * the `INFO commandstats` delta from just before the calls to one flush after
 * the last (when the last outcomes are reported), split into commands clients
 * sent and commands run inside the scripts.
 *
 * The figure is client commands per second per active breaker per replica,
 * where a replica is active from its first call until one flush interval
 * after its last (when its last outcomes are due): over a span of W ms a
 * replica flushing once per interval P sends W / P + 1 commands on average
 * (its timer's phase is random), hence the P added to each span. `maxCommands`
 * is the most it can send, ceil(W / P) + 1 per replica: the target compares
 * against that count, not against the estimate, which is exactly 1000 / P
 * only on average.
 */
import { param, runCase } from '../lib/case-runner.js';
import type { CaseOutput, CaseParams } from '../lib/protocol.js';
import { benchRedis, commandCounts, commandDelta } from '../lib/redis.js';
import { sleep } from '../lib/timing.js';
import { Fleet } from '../replica/fleet.js';

const BREAKER = 'dependency';

async function commandsPerCall(params: CaseParams): Promise<CaseOutput> {
  const replicas = param(params, 'replicas', 4);
  const calls = param(params, 'calls', 1_000_000);
  const perSecond = param(params, 'perSecond', 0);
  const durationMs = param(params, 'durationMs', 0);
  const flushIntervalMs = param(params, 'flushIntervalMs', 100);
  const server = await benchRedis();
  const admin = server.client();
  const fleet = await Fleet.start(replicas, (index) => ({
    redisUrl: server.url,
    replicaId: `replica-${index}`,
    namespace: 'commands',
    flushIntervalMs,
    breakers: { [BREAKER]: {} },
  }));
  // Warm-up: optimise the call path, then let the warm-up's outcomes be flushed.
  await Promise.all(
    fleet.replicas.map((r) =>
      r.send({ op: 'load', breaker: BREAKER, calls: 20_000, perSecond: 0, durationMs: 0 }),
    ),
  );
  await sleep(3 * flushIntervalMs);

  const before = await commandCounts(admin);
  const share = calls === 0 ? Number.MAX_SAFE_INTEGER : Math.floor(calls / replicas);
  const loads = await Promise.all(
    fleet.replicas.map((r) =>
      r.send({ op: 'load', breaker: BREAKER, calls: share, perSecond, durationMs }),
    ),
  );
  // The last outcomes go out at each replica's next flush.
  await sleep(2 * flushIntervalMs + 50);
  const after = await commandCounts(admin);
  const modeChanges = fleet.modeChanges;
  await fleet.stop();

  const delta = commandDelta(before, after);
  const made = loads.reduce((sum, load) => sum + load.calls, 0);
  const errors = loads.reduce((sum, load) => sum + load.errors, 0);
  if (errors > 0) throw new Error(`${errors} of ${made} calls failed`);
  const activeMs = loads.reduce(
    (sum, load) => sum + load.lastAt - load.firstAt + flushIntervalMs,
    0,
  );
  const callMs = loads.reduce((sum, load) => sum + load.lastAt - load.firstAt, 0) / replicas;
  const perBreakerPerReplica = delta.client / (activeMs / 1_000);
  const maxCommands = loads.reduce(
    (sum, load) => sum + Math.ceil((load.lastAt - load.firstAt) / flushIntervalMs) + 1,
    0,
  );
  return {
    samples: [perBreakerPerReplica],
    info: {
      replicas,
      calls: made,
      callSeconds: callMs / 1_000,
      callsPerSecondPerReplica: made / replicas / (callMs / 1_000),
      clientCommands: delta.client,
      evalsha: delta.byCommand.evalsha ?? 0,
      eval: delta.byCommand.eval ?? 0,
      ping: delta.byCommand.ping ?? 0,
      publish: delta.byCommand.publish ?? 0,
      scriptCommands: delta.inScripts,
      clientCommandsPerMillionCalls: (delta.client * 1_000_000) / made,
      allCommandsPerMillionCalls: ((delta.client + delta.inScripts) * 1_000_000) / made,
      maxCommands,
      modeChanges,
    },
  };
}

runCase({ fleet: commandsPerCall });
