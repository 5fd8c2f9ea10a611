import type CircuitBreaker from 'opossum';
import type { CircuitBreakerPolicy } from 'cockatiel';
import type { Breaker } from '../../src/index.js';
import { benchRedis, createRedisBox, settleBox } from './redis.js';
import { cockatielConsecutive, cockatielSampling, createBox, noop, opossum } from './subjects.js';

/** Breakers created for a memory or idle-CPU measurement; kept alive until disposed. */
export interface Population {
  /** How many breakers it holds. */
  readonly size: number;
  /** Stops the breakers' timers (if any) and lets them be collected. */
  dispose(): Promise<void>;
  /** Figures about how it was built and has behaved so far (e.g. how a Redis-store box settled). */
  info?(): Readonly<Record<string, number>>;
  /** The redis-server its breakers share, whose CPU the idle case reads too. */
  readonly serverPid?: number;
}

/** Creates `count` breakers named `${prefix}-${i}`, each having served one call. */
export type Populate = (count: number, prefix: string) => Promise<Population>;

/** The breakers of one box, held by the box (it keeps every breaker by name). */
const breakerbox: Populate = async (count, prefix) => {
  const box = await createBox();
  for (let i = 0; i < count; i++) {
    const breaker: Breaker = box.breaker(`${prefix}-${i}`);
    await breaker.call(noop);
  }
  return {
    size: count,
    dispose: () => box.close(),
  };
};

/**
 * The breakers of one box with the Redis store, on this case's redis-server,
 * held by the box. Returned once the box has settled: its first flushes done
 * and back in shared mode for 1.5 s in a row (a burst of 10,000 first reads
 * and flushes can outlast the command timeout and send it to local mode).
 */
const breakerboxRedis: Populate = async (count, prefix) => {
  const server = await benchRedis();
  const box = await createRedisBox(server.url, { namespace: `population-${prefix}` });
  for (let i = 0; i < count; i++) {
    const breaker: Breaker = box.breaker(`${prefix}-${i}`);
    await breaker.call(noop);
  }
  const settled = await settleBox(box);
  let laterModeChanges = 0;
  box.on('mode', () => {
    laterModeChanges++;
  });
  return {
    size: count,
    dispose: () => box.close(),
    info: () => ({
      modeChanges: settled.modeChanges,
      settleMs: settled.ms,
      laterModeChanges,
    }),
    serverPid: server.pid,
  };
};

/** cockatiel has no registry: the policies are held in a Map by name, as an application would. */
function cockatiel(create: () => CircuitBreakerPolicy): Populate {
  return async (count, prefix) => {
    const byName = new Map<string, CircuitBreakerPolicy>();
    for (let i = 0; i < count; i++) {
      const policy = create();
      byName.set(`${prefix}-${i}`, policy);
      await policy.execute(noop);
    }
    return {
      size: byName.size,
      dispose: () => {
        byName.clear();
        return Promise.resolve();
      },
    };
  };
}

/** opossum breakers (defaults), held in a Map by name; each runs its own stats timer. */
const opossumPopulation: Populate = async (count, prefix) => {
  const byName = new Map<string, CircuitBreaker<[], void>>();
  for (let i = 0; i < count; i++) {
    const name = `${prefix}-${i}`;
    const breaker = opossum({ name });
    byName.set(name, breaker);
    await breaker.fire();
  }
  return {
    size: byName.size,
    dispose: () => {
      for (const breaker of byName.values()) breaker.shutdown();
      byName.clear();
      return Promise.resolve();
    },
  };
};

/** No breakers at all: the floor of an idle process. */
const none: Populate = () => Promise.resolve({ size: 0, dispose: () => Promise.resolve() });

/** Every population a case can ask for, by variant name. */
export const POPULATIONS: Readonly<Record<string, Populate>> = {
  none,
  breakerbox,
  'breakerbox-redis': breakerboxRedis,
  'cockatiel-consecutive': cockatiel(cockatielConsecutive),
  'cockatiel-sampling': cockatiel(cockatielSampling),
  opossum: opossumPopulation,
};
