import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { expect } from 'vitest';
import { createBreakerBox } from '../../src/create-breaker-box.js';
import type { BreakerBoxOptions } from '../../src/box/box-options.js';
import type { BreakerBox } from '../../src/box/breaker-box.js';
import type { Breaker } from '../../src/breaker/breaker.js';
import { Circuit } from '../../src/engine/circuit.js';
import type { CircuitConfig, OutcomeCounts } from '../../src/engine/types.js';
import { InvalidBreakerOptions } from '../../src/errors/invalid-breaker-options.js';
import type { TransitionEvent } from '../../src/events/box-events.js';

/** A logger that writes nothing. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** A pino logger whose lines are kept (parsed) for assertions. */
export function collectingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      for (const line of chunk.toString().split('\n')) {
        if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      callback();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

/** A clock the test moves by hand. */
export class FakeClock {
  constructor(public t = 1_000_000) {}
  readonly now = (): number => this.t;
  advance(ms: number): number {
    this.t += ms;
    return this.t;
  }
}

/** A fixed random source the test can change. 0.5 makes jitter exactly zero. */
export class FakeRandom {
  constructor(public value = 0.5) {}
  readonly next = (): number => this.value;
}

export interface TestBox {
  readonly box: BreakerBox;
  readonly clock: FakeClock;
  readonly random: FakeRandom;
  readonly transitions: TransitionEvent[];
}

/** A memory box on a fake clock with a fixed random source, recording its transitions. */
export async function makeBox(options: BreakerBoxOptions = {}): Promise<TestBox> {
  const clock = new FakeClock();
  const random = new FakeRandom();
  const box = await createBreakerBox({
    clock,
    random: random.next,
    logger: silentLogger(),
    replicaId: 'replica-1',
    ...options,
  });
  const transitions: TransitionEvent[] = [];
  box.on('transition', (event) => {
    transitions.push(event);
  });
  return { box, clock, random, transitions };
}

/** The error a function throws (sync) or its promise rejects with; fails the test if none. */
export async function caught(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error to be thrown, but none was');
}

/** Asserts `error` is an InvalidBreakerOptions for `option` with `value`. */
export function expectInvalid(error: unknown, option: string, value: unknown): void {
  expect(error).toBeInstanceOf(InvalidBreakerOptions);
  const invalid = error as InvalidBreakerOptions;
  expect(invalid.code).toBe('INVALID_BREAKER_OPTIONS');
  expect(invalid.option).toBe(option);
  expect(invalid.value).toBe(value);
  expect(invalid.message).toContain(option);
}

/** A promise with its resolve and reject exposed. */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets pending promise callbacks (and one macrotask turn) run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A protected call that fails. */
export const failing = (): Promise<never> => Promise.reject(new Error('boom'));

/** A protected call that succeeds with 'ok'. */
export const succeeding = (): Promise<string> => Promise.resolve('ok');

/** Runs `n` failing calls through `breaker`, swallowing their errors. */
export async function failCalls(breaker: Breaker<unknown>, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await breaker.call(failing).catch(() => undefined);
}

/** Runs `n` successful calls through `breaker`. */
export async function succeedCalls(breaker: Breaker<unknown>, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await breaker.call(succeeding);
}

/** A state-machine config with small, exact numbers (jitter off). */
export function circuitConfig(overrides: Partial<CircuitConfig> = {}): CircuitConfig {
  return {
    failureRateThreshold: 0.5,
    slowCallRateThreshold: 1,
    minimumCalls: 4,
    minimumReplicas: 1,
    window: { type: 'time', windowMs: 1_000, buckets: 10 },
    openBackoff: { baseMs: 1_000, maxMs: 8_000, multiplier: 2, jitter: 0 },
    probeLeaseMs: 500,
    ...overrides,
  };
}

/** Outcome counts with zeros filled in. */
export function counts(partial: Partial<OutcomeCounts>): OutcomeCounts {
  return { successes: 0, failures: 0, slowSuccesses: 0, slowFailures: 0, ...partial };
}

/** A circuit tripped open at `now` (4 failures with the default test config). */
export function openCircuit(config = circuitConfig(), now = 0): Circuit {
  const circuit = new Circuit(config);
  const transition = circuit.record('a', counts({ failures: config.minimumCalls }), now, 0.5);
  expect(transition?.to).toBe('open');
  return circuit;
}
