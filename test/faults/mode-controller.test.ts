/**
 * The mode controller alone, with fake hooks and fake timers: which errors
 * move a box to local mode, how it recovers (PING, reconcile, back to shared),
 * that a failed recovery sends every breaker back to its local engine, that
 * recoveries never overlap, and that `stop()` ends it all.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ModeChangeEvent } from '../../src/index.js';
import { ModeController } from '../../src/store/mode-controller.js';
import type { ModeControllerHooks } from '../../src/store/mode-controller.js';

const TICK_MS = 100;
const HEARTBEAT_MS = 200;

/** A promise settled from outside. */
interface Deferred {
  readonly promise: Promise<void>;
  resolve(): void;
  reject(error: Error): void;
}

function deferred(): Deferred {
  let resolve: () => void = () => undefined;
  let reject: (error: Error) => void = () => undefined;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** An ioredis-style reply error (what Redis answered, as opposed to a dead connection). */
function replyError(message: string): Error {
  const error = new Error(message);
  error.name = 'ReplyError';
  return error;
}

class Fixture {
  now = 1_000_000;
  ready = true;
  pings = 0;
  reconciles = 0;
  goLocals = 0;
  readonly events: ModeChangeEvent[] = [];
  readonly logs: { level: number; msg: string }[] = [];
  /** What the next PING / reconcile does; undefined: succeed at once. */
  nextPing: Deferred | undefined;
  nextReconcile: Deferred | undefined;
  readonly controller: ModeController;

  constructor() {
    const hooks: ModeControllerHooks = {
      ping: () => {
        this.pings++;
        const next = this.nextPing;
        this.nextPing = undefined;
        return next?.promise ?? Promise.resolve();
      },
      isConnectionReady: () => this.ready,
      goLocal: () => {
        this.goLocals++;
      },
      reconcile: () => {
        this.reconciles++;
        const next = this.nextReconcile;
        this.nextReconcile = undefined;
        return next?.promise ?? Promise.resolve();
      },
      onChange: (event) => {
        this.events.push(event);
      },
    };
    const sink = new Writable({
      write: (chunk: Buffer, _encoding, callback) => {
        for (const line of chunk.toString().split('\n')) {
          if (line === '') continue;
          const parsed = JSON.parse(line) as { level: number; msg: string };
          this.logs.push({ level: parsed.level, msg: parsed.msg });
        }
        callback();
      },
    });
    this.controller = new ModeController(
      hooks,
      { now: () => this.now },
      pino({ level: 'info' }, sink),
      { tickMs: TICK_MS, idleHeartbeatMs: HEARTBEAT_MS },
    );
  }

  /** Advances the clock and the timers by `ms`, running what falls due. */
  async advance(ms: number): Promise<void> {
    this.now += ms;
    await vi.advanceTimersByTimeAsync(ms);
  }

  transitions(): string[] {
    return this.events.map(({ from, to }) => `${from}>${to}`);
  }
}

let fixture: Fixture;

beforeEach(() => {
  vi.useFakeTimers();
  fixture = new Fixture();
});

afterEach(() => {
  fixture.controller.stop();
  vi.useRealTimers();
});

describe('ModeController: going local', () => {
  it('moves to local once on Redis trouble: breakers go local, WARN logged, event emitted', () => {
    const { controller } = fixture;
    expect(controller.mode).toBe('shared');
    expect(controller.reportTrouble(new Error('Command timed out'))).toBe(true);
    expect(controller.reportTrouble(new Error('Connection is closed.'))).toBe(true);
    expect(controller.mode).toBe('local');
    expect(fixture.goLocals).toBe(1);
    expect(fixture.events).toEqual([
      { from: 'shared', to: 'local', reason: 'Error: Command timed out', at: fixture.now },
    ]);
    expect(fixture.logs).toEqual([{ level: 40, msg: 'redis unhealthy: breakers decide locally' }]);
  });

  it.each(['LOADING Redis is loading', 'READONLY replica', 'CLUSTERDOWN down', 'MASTERDOWN x'])(
    'takes the reply %s for Redis trouble',
    (message) => {
      expect(fixture.controller.reportTrouble(replyError(message))).toBe(true);
      expect(fixture.controller.mode).toBe('local');
    },
  );

  it('stays shared on a thrown value that is not an Error (not about Redis)', () => {
    expect(fixture.controller.reportTrouble('a string')).toBe(false);
    expect(fixture.controller.mode).toBe('shared');
    expect(fixture.goLocals).toBe(0);
  });

  it('goes local on errors meaning Redis refuses our work, logging each cause once at ERROR', async () => {
    const scriptError = new Error('bad reply');
    scriptError.name = 'RedisScriptError';
    const noperm = replyError('NOPERM this user has no permissions to access one of the keys');
    for (const error of [noperm, replyError('ERR unknown command'), scriptError, noperm]) {
      expect(fixture.controller.reportTrouble(error)).toBe(true);
    }
    expect(fixture.controller.mode).toBe('local');
    expect(fixture.goLocals).toBe(1);
    const errors = fixture.logs.filter((line) => line.level === 50);
    expect(errors).toHaveLength(3);
    // No return to shared at the next ticks: it will not heal by itself.
    await fixture.advance(TICK_MS * 3);
    expect(fixture.reconciles).toBe(0);
    expect(fixture.controller.mode).toBe('local');
  });

  it('PINGs an idle Redis in shared mode, and a failed PING moves it to local', async () => {
    const failing = deferred();
    fixture.nextPing = failing;
    await fixture.advance(HEARTBEAT_MS - TICK_MS);
    expect(fixture.pings).toBe(0);
    await fixture.advance(TICK_MS);
    expect(fixture.pings).toBe(1);
    failing.reject(new Error('Command timed out'));
    await fixture.advance(0);
    expect(fixture.controller.mode).toBe('local');
  });

  it('does not PING while commands succeed', async () => {
    for (let i = 0; i < 10; i++) {
      fixture.controller.reportOk();
      await fixture.advance(TICK_MS);
    }
    expect(fixture.pings).toBe(0);
  });
});

describe('ModeController: coming back', () => {
  it('PINGs every tick while local, reconciles when Redis answers, then returns to shared', async () => {
    const hung = deferred();
    fixture.nextPing = hung;
    fixture.controller.reportTrouble(new Error('Command timed out'));
    await fixture.advance(TICK_MS);
    expect(fixture.pings).toBe(1);
    // Still waiting on that PING: no second one, no reconcile.
    await fixture.advance(TICK_MS * 3);
    expect(fixture.pings).toBe(1);
    hung.reject(new Error('Command timed out'));
    await fixture.advance(0);
    expect(fixture.controller.mode).toBe('local');
    expect(fixture.reconciles).toBe(0);

    await fixture.advance(TICK_MS);
    expect(fixture.pings).toBe(2);
    expect(fixture.reconciles).toBe(1);
    expect(fixture.controller.mode).toBe('shared');
    expect(fixture.transitions()).toEqual(['shared>local', 'local>shared']);
    expect(fixture.events[1]?.reason).toBe('redis answered');
    expect(fixture.logs.at(-1)).toEqual({
      level: 30,
      msg: 'redis healthy again: breakers shared and reconciled',
    });
  });

  it('stays local when reconciling fails, sending every breaker back to its local engine', async () => {
    fixture.controller.reportTrouble(new Error('Connection is closed.'));
    expect(fixture.goLocals).toBe(1);
    const failing = deferred();
    fixture.nextReconcile = failing;
    await fixture.advance(TICK_MS);
    expect(fixture.reconciles).toBe(1);
    failing.reject(new Error('Command timed out'));
    await fixture.advance(0);
    expect(fixture.controller.mode).toBe('local');
    // Breakers that had reconciled already go back to their local engines.
    expect(fixture.goLocals).toBe(2);
    await fixture.advance(TICK_MS);
    expect(fixture.reconciles).toBe(2);
    expect(fixture.controller.mode).toBe('shared');
    expect(fixture.transitions()).toEqual(['shared>local', 'local>shared']);
  });

  it('waits for the connection to be ready, and recovers at once when it is', async () => {
    fixture.ready = false;
    fixture.controller.reportTrouble(new Error('Connection is closed.'));
    await fixture.advance(TICK_MS * 5);
    expect(fixture.pings).toBe(0);
    fixture.ready = true;
    fixture.controller.connectionReady();
    await fixture.advance(0);
    expect(fixture.pings).toBe(1);
    expect(fixture.controller.mode).toBe('shared');
  });

  it('never runs two recoveries at once', async () => {
    fixture.controller.reportTrouble(new Error('Connection is closed.'));
    const slow = deferred();
    fixture.nextReconcile = slow;
    await fixture.advance(TICK_MS);
    for (let i = 0; i < 5; i++) {
      fixture.controller.connectionReady();
      await fixture.advance(TICK_MS);
    }
    expect(fixture.pings).toBe(1);
    expect(fixture.reconciles).toBe(1);
    slow.resolve();
    await fixture.advance(0);
    expect(fixture.controller.mode).toBe('shared');
  });

  it('does not return to shared after stop(), even with a recovery under way', async () => {
    fixture.controller.reportTrouble(new Error('Connection is closed.'));
    const slow = deferred();
    fixture.nextReconcile = slow;
    await fixture.advance(TICK_MS);
    fixture.controller.stop();
    slow.resolve();
    await fixture.advance(TICK_MS * 5);
    expect(fixture.controller.mode).toBe('local');
    expect(fixture.reconciles).toBe(1);
    expect(fixture.transitions()).toEqual(['shared>local']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('ignores trouble after stop() and leaves no timer behind', () => {
    fixture.controller.stop();
    expect(vi.getTimerCount()).toBe(0);
    fixture.controller.reportTrouble(new Error('Connection is closed.'));
    expect(fixture.controller.mode).toBe('shared');
    expect(fixture.events).toEqual([]);
  });
});
