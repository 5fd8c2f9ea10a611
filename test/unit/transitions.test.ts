import { describe, expect, it } from 'vitest';
import { Circuit } from '../../src/engine/circuit.js';
import {
  LEGAL_TRANSITIONS,
  assertLegalTransition,
  isLegalTransition,
} from '../../src/engine/transition-table.js';
import type { CircuitState, CircuitTransition, TransitionReason } from '../../src/engine/types.js';
import { IllegalTransition } from '../../src/errors/illegal-transition.js';
import { isBreakerBoxError } from '../../src/errors/breakerbox-error.js';
import { DependencyUnhealthy } from '../../src/errors/dependency-unhealthy.js';
import { caught, circuitConfig, counts, failCalls, makeBox, openCircuit } from './helpers.js';

const STATES: readonly CircuitState[] = [
  'closed',
  'open',
  'half_open',
  'forced_open',
  'forced_closed',
];

/** The table as the design states it, written out independently of the source. */
const EXPECTED_LEGAL: Record<CircuitState, readonly CircuitState[]> = {
  closed: ['open', 'forced_open', 'forced_closed'],
  open: ['half_open', 'closed', 'forced_open', 'forced_closed'],
  half_open: ['closed', 'open', 'half_open', 'forced_open', 'forced_closed'],
  forced_open: ['half_open', 'closed', 'forced_closed'],
  forced_closed: ['closed', 'forced_open'],
};

const ALL_PAIRS = STATES.flatMap((from) =>
  STATES.map((to) => ({ from, to, legal: EXPECTED_LEGAL[from].includes(to) })),
);

describe('the transition table', () => {
  it.each(ALL_PAIRS.filter((p) => p.legal))('allows $from -> $to', ({ from, to }) => {
    expect(isLegalTransition(from, to)).toBe(true);
    expect(() => {
      assertLegalTransition(from, to);
    }).not.toThrow();
  });

  it.each(ALL_PAIRS.filter((p) => !p.legal))(
    'refuses $from -> $to with IllegalTransition',
    async ({ from, to }) => {
      expect(isLegalTransition(from, to)).toBe(false);
      const error = await caught(() => {
        assertLegalTransition(from, to);
      });
      expect(error).toBeInstanceOf(IllegalTransition);
      const illegal = error as IllegalTransition;
      expect(illegal.code).toBe('ILLEGAL_TRANSITION');
      expect(illegal.from).toBe(from);
      expect(illegal.to).toBe(to);
      expect(illegal.message).toBe(`illegal breaker transition ${from} -> ${to}`);
      expect(isBreakerBoxError(illegal, 'ILLEGAL_TRANSITION')).toBe(true);
    },
  );

  it('has exactly the rows of the design (no extra legal pair)', () => {
    const legalCount = STATES.reduce((n, from) => n + LEGAL_TRANSITIONS[from].size, 0);
    expect(legalCount).toBe(ALL_PAIRS.filter((p) => p.legal).length);
  });
});

/** Puts a fresh circuit in `state` at time 0 (open: openUntil 1000; forced_open: openUntil 5000; half_open: token 'p1', lease to 1500). */
function circuitIn(state: CircuitState, config = circuitConfig()): Circuit {
  switch (state) {
    case 'closed':
      return new Circuit(config);
    case 'open':
      return openCircuit(config, 0);
    case 'half_open': {
      const circuit = openCircuit(config, 0);
      expect(circuit.beginProbe('p1', 1_000).granted).toBe(true);
      return circuit;
    }
    case 'forced_open': {
      const circuit = new Circuit(config);
      circuit.force('open', 5_000, 0);
      return circuit;
    }
    case 'forced_closed': {
      const circuit = new Circuit(config);
      circuit.force('closed', 0, 0);
      return circuit;
    }
  }
}

interface Row {
  readonly from: CircuitState;
  readonly to: CircuitState;
  readonly reason: TransitionReason;
  readonly via: string;
  readonly at: number;
  readonly act: (circuit: Circuit, at: number) => CircuitTransition | undefined;
  readonly config?: ReturnType<typeof circuitConfig>;
}

const endProbe = (c: Circuit, success: boolean, at: number): CircuitTransition | undefined => {
  const result = c.endProbe('p1', success, at, 0.5);
  return result.accepted ? result.transition : undefined;
};
const beginProbe = (c: Circuit, token: string, at: number): CircuitTransition | undefined => {
  const result = c.beginProbe(token, at);
  return result.granted ? result.transition : undefined;
};

const ROWS: readonly Row[] = [
  {
    from: 'closed',
    to: 'open',
    reason: 'failure_rate',
    via: 'record (failure rate)',
    at: 10,
    act: (c, at) => c.record('a', counts({ failures: 2, successes: 2 }), at, 0.5),
  },
  {
    from: 'closed',
    to: 'open',
    reason: 'slow_call_rate',
    via: 'record (slow-call rate)',
    at: 10,
    config: circuitConfig({ slowCallRateThreshold: 0.5 }),
    act: (c, at) => c.record('a', counts({ slowSuccesses: 2, successes: 2 }), at, 0.5),
  },
  {
    from: 'closed',
    to: 'open',
    reason: 'failure_rate',
    via: 'recordOne',
    at: 10,
    config: circuitConfig({ minimumCalls: 1 }),
    act: (c, at) => c.recordOne('a', 1, at, 0.5),
  },
  {
    from: 'closed',
    to: 'forced_open',
    reason: 'forced_open',
    via: 'force open',
    at: 10,
    act: (c, at) => c.force('open', 0, at),
  },
  {
    from: 'closed',
    to: 'forced_closed',
    reason: 'forced_closed',
    via: 'force closed',
    at: 10,
    act: (c, at) => c.force('closed', 0, at),
  },
  {
    from: 'open',
    to: 'half_open',
    reason: 'probe_started',
    via: 'beginProbe at openUntil',
    at: 1_000,
    act: (c, at) => beginProbe(c, 'p1', at),
  },
  {
    from: 'open',
    to: 'closed',
    reason: 'reset',
    via: 'reset',
    at: 10,
    act: (c, at) => c.force('reset', 0, at),
  },
  {
    from: 'open',
    to: 'forced_open',
    reason: 'forced_open',
    via: 'force open',
    at: 10,
    act: (c, at) => c.force('open', 100, at),
  },
  {
    from: 'open',
    to: 'forced_closed',
    reason: 'forced_closed',
    via: 'force closed',
    at: 10,
    act: (c, at) => c.force('closed', 0, at),
  },
  {
    from: 'half_open',
    to: 'closed',
    reason: 'probe_succeeded',
    via: 'endProbe success',
    at: 1_100,
    act: (c, at) => endProbe(c, true, at),
  },
  {
    from: 'half_open',
    to: 'open',
    reason: 'probe_failed',
    via: 'endProbe failure',
    at: 1_100,
    act: (c, at) => endProbe(c, false, at),
  },
  {
    from: 'half_open',
    to: 'half_open',
    reason: 'probe_lease_expired',
    via: 'beginProbe by another token at the lease end',
    at: 1_500,
    act: (c, at) => beginProbe(c, 'p2', at),
  },
  {
    from: 'half_open',
    to: 'closed',
    reason: 'reset',
    via: 'reset',
    at: 1_100,
    act: (c, at) => c.force('reset', 0, at),
  },
  {
    from: 'half_open',
    to: 'forced_open',
    reason: 'forced_open',
    via: 'force open',
    at: 1_100,
    act: (c, at) => c.force('open', 0, at),
  },
  {
    from: 'half_open',
    to: 'forced_closed',
    reason: 'forced_closed',
    via: 'force closed',
    at: 1_100,
    act: (c, at) => c.force('closed', 0, at),
  },
  {
    from: 'forced_open',
    to: 'half_open',
    reason: 'probe_started',
    via: 'beginProbe once the override expires',
    at: 5_000,
    act: (c, at) => beginProbe(c, 'p1', at),
  },
  {
    from: 'forced_open',
    to: 'closed',
    reason: 'reset',
    via: 'reset',
    at: 10,
    act: (c, at) => c.force('reset', 0, at),
  },
  {
    from: 'forced_open',
    to: 'forced_closed',
    reason: 'forced_closed',
    via: 'force closed',
    at: 10,
    act: (c, at) => c.force('closed', 0, at),
  },
  {
    from: 'forced_closed',
    to: 'closed',
    reason: 'reset',
    via: 'reset',
    at: 10,
    act: (c, at) => c.force('reset', 0, at),
  },
  {
    from: 'forced_closed',
    to: 'forced_open',
    reason: 'forced_open',
    via: 'force open',
    at: 10,
    act: (c, at) => c.force('open', 0, at),
  },
];

describe('every legal transition is reached by the operation that causes it', () => {
  it('covers every legal pair of the table', () => {
    const reached = new Set(ROWS.map((r) => `${r.from}->${r.to}`));
    const legal = ALL_PAIRS.filter((p) => p.legal).map((p) => `${p.from}->${p.to}`);
    expect([...reached].sort()).toEqual(legal.sort());
  });

  it.each(ROWS)('$from -> $to ($reason) via $via', ({ from, to, reason, at, act, config }) => {
    const circuit = circuitIn(from, config);
    expect(circuit.state).toBe(from);
    const epoch = circuit.current.epoch;
    const transition = act(circuit, at);
    expect(transition).toBeDefined();
    expect(transition).toMatchObject({ from, to, reason, epoch: epoch + 1, at });
    expect(circuit.state).toBe(to);
    expect(circuit.current).toMatchObject({ epoch: epoch + 1, changedAt: at, reason });
  });
});

describe('operations that must not transition are refused', () => {
  it('force open on a forced-open circuit is no transition, but moves the expiry (issue 7 item 6)', () => {
    const circuit = circuitIn('forced_open');
    const before = circuit.current;
    expect(circuit.force('open', 20_000, 10)).toBeUndefined();
    expect(circuit.current).toEqual({ ...before, openUntil: 20_010 });
    expect(circuit.force('open', 0, 20)).toBeUndefined();
    expect(circuit.current).toEqual({ ...before, openUntil: 0 });
  });

  it('force closed on a forced-closed circuit and reset on a closed one are no transitions', () => {
    const forcedClosed = circuitIn('forced_closed');
    const before = forcedClosed.current;
    expect(forcedClosed.force('closed', 0, 10)).toBeUndefined();
    expect(forcedClosed.current).toBe(before);
    const closed = circuitIn('closed');
    expect(closed.force('reset', 0, 10)).toBeUndefined();
    expect(closed.current.epoch).toBe(0);
  });

  it('beginProbe when closed is refused (not_open)', () => {
    const circuit = circuitIn('closed');
    expect(circuit.beginProbe('p', 10)).toEqual({ granted: false, refusal: 'not_open' });
    expect(circuit.current).toMatchObject({ state: 'closed', epoch: 0, probeToken: '' });
  });

  it('beginProbe when forced closed is refused (not_open)', () => {
    const circuit = circuitIn('forced_closed');
    expect(circuit.beginProbe('p', 10_000_000)).toEqual({ granted: false, refusal: 'not_open' });
    expect(circuit.state).toBe('forced_closed');
  });

  it('beginProbe on an open circuit one ms before openUntil is refused (not_due)', () => {
    const circuit = circuitIn('open');
    expect(circuit.current.openUntil).toBe(1_000);
    expect(circuit.beginProbe('p', 999)).toEqual({ granted: false, refusal: 'not_due' });
    expect(circuit.state).toBe('open');
    expect(circuit.beginProbe('p', 1_000).granted).toBe(true);
  });

  it('beginProbe on a forced-open circuit before its expiry is refused (not_due)', () => {
    const circuit = circuitIn('forced_open');
    expect(circuit.beginProbe('p', 4_999)).toEqual({ granted: false, refusal: 'not_due' });
    expect(circuit.state).toBe('forced_open');
  });

  it('beginProbe on a forced-open circuit with no expiry is never due', () => {
    const circuit = new Circuit(circuitConfig());
    circuit.force('open', 0, 0);
    expect(circuit.current.openUntil).toBe(0);
    expect(circuit.beginProbe('p', Number.MAX_SAFE_INTEGER)).toEqual({
      granted: false,
      refusal: 'not_due',
    });
  });

  it('beginProbe by another token while the lease runs is refused (probe_in_progress)', () => {
    const circuit = circuitIn('half_open');
    expect(circuit.current.probeLeaseUntil).toBe(1_500);
    expect(circuit.beginProbe('p2', 1_499)).toEqual({
      granted: false,
      refusal: 'probe_in_progress',
    });
    expect(circuit.current.probeToken).toBe('p1');
  });

  it('beginProbe again by the holder is granted without a transition', () => {
    const circuit = circuitIn('half_open');
    const epoch = circuit.current.epoch;
    expect(circuit.beginProbe('p1', 1_200)).toEqual({ granted: true, transition: undefined });
    expect(circuit.current.epoch).toBe(epoch);
  });

  it.each(['closed', 'open', 'forced_open', 'forced_closed'] as const)(
    'endProbe when %s is refused',
    (state) => {
      const circuit = circuitIn(state);
      const before = circuit.current;
      expect(circuit.endProbe('p1', true, 2_000, 0.5)).toEqual({ accepted: false });
      expect(circuit.endProbe('p1', false, 2_000, 0.5)).toEqual({ accepted: false });
      expect(circuit.current).toBe(before);
    },
  );

  it('endProbe with a token that is not the current one is refused (fencing)', () => {
    const circuit = circuitIn('half_open');
    expect(circuit.endProbe('someone-else', true, 1_100, 0.5)).toEqual({ accepted: false });
    expect(circuit.endProbe('', true, 1_100, 0.5)).toEqual({ accepted: false });
    expect(circuit.state).toBe('half_open');
  });

  it('a probe begun with the empty token can never be ended with it', () => {
    const circuit = openCircuit();
    expect(circuit.beginProbe('', 1_000).granted).toBe(true);
    expect(circuit.endProbe('', true, 1_100, 0.5)).toEqual({ accepted: false });
    expect(circuit.state).toBe('half_open');
  });

  it('force closed when already forced closed is a no-op (no forced_closed -> forced_closed)', () => {
    const circuit = circuitIn('forced_closed');
    const before = circuit.current;
    expect(circuit.force('closed', 0, 10)).toBeUndefined();
    expect(circuit.current).toBe(before);
  });

  it('reset when closed is a no-op (no closed -> closed) but still clears the window', () => {
    const circuit = circuitIn('closed');
    circuit.record('a', counts({ failures: 1, successes: 1 }), 0, 0.5);
    expect(circuit.totals(0).calls).toBe(2);
    expect(circuit.force('reset', 0, 10)).toBeUndefined();
    expect(circuit.current.epoch).toBe(0);
    expect(circuit.totals(10).calls).toBe(0);
  });

  it.each(['open', 'half_open', 'forced_open', 'forced_closed'] as const)(
    'record and recordOne count nothing when %s',
    (state) => {
      const circuit = circuitIn(state);
      const before = circuit.current;
      expect(circuit.record('a', counts({ failures: 100 }), 1_100, 0.5)).toBeUndefined();
      expect(circuit.recordOne('a', 1, 1_100, 0.5)).toBeUndefined();
      expect(circuit.current).toBe(before);
      expect(circuit.totals(1_100).calls).toBe(0);
    },
  );
});

describe('transitions through the public breaker API', () => {
  it('walks closed -> open -> half_open -> open -> half_open -> closed -> forced_open -> forced_closed -> closed', async () => {
    const { box, clock, transitions } = await makeBox();
    const breaker = box.breaker('payments', {
      minimumCalls: 2,
      openBackoff: { baseMs: 1_000, maxMs: 10_000, jitter: 0 },
    });
    await failCalls(breaker, 2);
    expect(breaker.state).toBe('open');
    const rejected = await caught(() => breaker.call(() => 'never'));
    expect(rejected).toBeInstanceOf(DependencyUnhealthy);

    clock.advance(1_000);
    await expect(breaker.call(() => Promise.reject(new Error('still down')))).rejects.toThrow(
      'still down',
    );
    expect(breaker.state).toBe('open');

    clock.advance(2_000);
    await expect(breaker.call(() => 'up')).resolves.toBe('up');
    expect(breaker.state).toBe('closed');

    await breaker.forceOpen();
    await breaker.forceClosed();
    await breaker.reset();
    expect(breaker.state).toBe('closed');

    expect(transitions.map((t) => [t.from, t.to, t.reason, t.epoch])).toEqual([
      ['closed', 'open', 'failure_rate', 1],
      ['open', 'half_open', 'probe_started', 2],
      ['half_open', 'open', 'probe_failed', 3],
      ['open', 'half_open', 'probe_started', 4],
      ['half_open', 'closed', 'probe_succeeded', 5],
      ['closed', 'forced_open', 'forced_open', 6],
      ['forced_open', 'forced_closed', 'forced_closed', 7],
      ['forced_closed', 'closed', 'reset', 8],
    ]);
    await box.close();
  });
});
