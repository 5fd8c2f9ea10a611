import fc from 'fast-check';
import type { ForceMode } from '../../src/engine/circuit.js';
import type { CircuitConfig, OutcomeCounts } from '../../src/engine/types.js';

/** One operation of a model-check sequence, applied to both the engine and the Lua scripts. */
export type Step =
  | {
      readonly op: 'record';
      readonly replica: string;
      readonly counts: OutcomeCounts;
      readonly random: number;
    }
  | { readonly op: 'beginProbe'; readonly token: string }
  | {
      readonly op: 'endProbe';
      readonly token: string;
      readonly success: boolean;
      readonly random: number;
    }
  | { readonly op: 'force'; readonly mode: ForceMode; readonly forMs: number }
  | { readonly op: 'wait'; readonly ms: number };

// Spread over [0, 1) (fast-check's doubles cluster at extremes like 1e-300).
const random = fc.integer({ min: 0, max: 999_999 }).map((n) => n / 1_000_000);
const small = fc.integer({ min: 0, max: 4 });

const recordStep: fc.Arbitrary<Step> = fc.record({
  op: fc.constant('record' as const),
  replica: fc.constantFrom('r1', 'r2', 'r3'),
  counts: fc.record({
    successes: small,
    failures: small,
    slowSuccesses: small,
    slowFailures: small,
  }),
  random,
});

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: recordStep },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('beginProbe' as const),
      token: fc.constantFrom('t1', 't2'),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('endProbe' as const),
      token: fc.constantFrom('t1', 't2', ''),
      success: fc.boolean(),
      random,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('force' as const),
      mode: fc.constantFrom<ForceMode>('open', 'closed', 'reset'),
      forMs: fc.constantFrom(0, 30, 80),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ op: fc.constant('wait' as const), ms: fc.integer({ min: 1, max: 60 }) }),
  },
);

/**
 * From an empty window (a reset first): failures from enough replicas to meet
 * the quorum, then successes (one by one or as one batch) that bring the
 * window up to exactly `minimumCalls`: the case a rule "evaluate only reports
 * holding a failure" gets wrong.
 */
function minimumBySuccess(config: CircuitConfig): fc.Arbitrary<Step[]> {
  const m = config.minimumCalls;
  const q = config.minimumReplicas;
  const most = Math.min(3, m - q);
  if (most < 1) return fc.constant([]);
  return fc
    .record({ successes: fc.integer({ min: 1, max: most }), oneByOne: fc.boolean(), random })
    .map(({ successes, oneByOne, random: r }) => {
      const batch = (replica: string, ok: number, failed: number): Step => ({
        op: 'record',
        replica,
        counts: { successes: ok, failures: failed, slowSuccesses: 0, slowFailures: 0 },
        random: r,
      });
      const failures = m - successes;
      const replicas = ['r1', 'r2', 'r3'].slice(0, q);
      const failed = replicas.map((replica, i) =>
        batch(replica, 0, i === 0 ? failures - (q - 1) : 1),
      );
      const ok = oneByOne
        ? Array.from({ length: successes }, () => batch('r1', 1, 0))
        : [batch('r1', successes, 0)];
      return [{ op: 'force', mode: 'reset', forMs: 0 } as const, ...failed, ...ok];
    });
}

/** A probe cycle: wait (often past openUntil), take the probe, end it — the paths random steps rarely reach. */
const probeCycle: fc.Arbitrary<Step[]> = fc
  .record({
    ms: fc.integer({ min: 5, max: 120 }),
    token: fc.constantFrom('t1', 't2'),
    success: fc.boolean(),
    random,
  })
  .map(({ ms, token, success, random: r }) => [
    { op: 'wait', ms },
    { op: 'beginProbe', token },
    { op: 'endProbe', token, success, random: r },
  ]);

/** A takeover: one prober takes the probe, its lease may run out, another asks. */
const takeover: fc.Arbitrary<Step[]> = fc
  .record({ first: fc.integer({ min: 5, max: 120 }), lease: fc.integer({ min: 5, max: 150 }) })
  .map(({ first, lease }) => [
    { op: 'wait', ms: first },
    { op: 'beginProbe', token: 't1' },
    { op: 'wait', ms: lease },
    { op: 'beginProbe', token: 't2' },
  ]);

/** Random sequences of steps for one config. */
export function stepsFor(config: CircuitConfig): fc.Arbitrary<Step[]> {
  return fc
    .array(
      fc.oneof(
        { weight: 6, arbitrary: step.map((one) => [one]) },
        { weight: 2, arbitrary: probeCycle },
        { weight: 1, arbitrary: takeover },
        { weight: 2, arbitrary: minimumBySuccess(config) },
      ),
      {
        minLength: 4,
        maxLength: 24,
      },
    )
    .map((groups) => groups.flat());
}

/** Random configs with short windows and backoffs, so eviction and expiry happen within a run. */
export const configs: fc.Arbitrary<CircuitConfig> = fc
  .record({
    failureRateThreshold: fc.constantFrom(0.2, 0.5, 0.75, 1),
    slowCallRateThreshold: fc.constantFrom(0.3, 0.5, 1),
    minimumCalls: fc.integer({ min: 1, max: 6 }),
    minimumReplicas: fc.integer({ min: 1, max: 3 }),
    window: fc.oneof(
      fc.record({
        type: fc.constant('time' as const),
        windowMs: fc.integer({ min: 40, max: 300 }),
        buckets: fc.integer({ min: 1, max: 6 }),
      }),
      fc.record({ type: fc.constant('count' as const), size: fc.integer({ min: 1, max: 12 }) }),
    ),
    openBackoff: fc.record({
      baseMs: fc.integer({ min: 10, max: 80 }),
      maxMs: fc.integer({ min: 80, max: 200 }),
      multiplier: fc.constantFrom(1, 1.5, 2, 3),
      jitter: fc.constantFrom(0, 0.1, 0.5),
    }),
    probeLeaseMs: fc.integer({ min: 20, max: 120 }),
  })
  .map((config) => config);

/** A random config with random steps for it. */
export const scenarios: fc.Arbitrary<readonly [CircuitConfig, Step[]]> = configs.chain((config) =>
  stepsFor(config).map((sequence) => [config, sequence] as const),
);
