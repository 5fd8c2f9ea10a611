import { randomUUID } from 'node:crypto';
import type { ForceMode } from '../engine/circuit.js';
import { Circuit } from '../engine/circuit.js';
import type { CircuitTransition, Outcome } from '../engine/types.js';
import { Outcome as Outcomes } from '../engine/types.js';
import type { Clock, RandomSource } from '../util/clock.js';
import { errorMessage } from '../util/error-message.js';
import type {
  CircuitDriver,
  CircuitView,
  DriverContext,
  DriverSnapshot,
  ProbeGrant,
} from './circuit-driver.js';
import type { ResolvedBreakerOptions } from '../breaker/resolve-breaker-options.js';

/** What every memory driver of a box shares. */
export interface MemoryEnvironment {
  readonly replicaId: string;
  readonly clock: Clock;
  readonly random: RandomSource;
}

/**
 * A breaker whose state lives in this process: every outcome goes straight
 * into the state machine, so a trip is immediate and nothing is ever flushed.
 */
export class MemoryDriver implements CircuitDriver {
  view: CircuitView;
  /** A memory driver keeps nothing outside itself. */
  readonly settled = true;
  private readonly circuit: Circuit;
  private nextRandom: number;
  private lastError: string | null = null;
  private lastErrorAt: number | null = null;

  constructor(
    options: ResolvedBreakerOptions,
    private readonly context: DriverContext,
    private readonly env: MemoryEnvironment,
  ) {
    this.circuit = new Circuit(options.localCircuit);
    this.view = this.circuit.current;
    this.nextRandom = env.random();
  }

  /** Nothing to flush or release: the store keeps no reference to it. */
  retire(): Promise<void> {
    return Promise.resolve();
  }

  recordOutcome(outcome: Outcome, now: number, error: unknown): void {
    if ((outcome & Outcomes.Failure) !== 0) this.noteError(error, now);
    this.publish(this.circuit.recordOne(this.env.replicaId, outcome, now, this.nextRandom));
  }

  beginProbe(): Promise<ProbeGrant> {
    const token = randomUUID();
    const result = this.circuit.beginProbe(token, this.env.clock.now());
    if (!result.granted) return Promise.resolve(result);
    this.publish(result.transition);
    return Promise.resolve({ granted: true, token });
  }

  endProbe(token: string, success: boolean, error: unknown): Promise<boolean> {
    const now = this.env.clock.now();
    const result = this.circuit.endProbe(token, success, now, this.nextRandom);
    if (!result.accepted) return Promise.resolve(false);
    if (!success) this.noteError(error, now);
    this.publish(result.transition);
    return Promise.resolve(result.accepted);
  }

  force(mode: ForceMode, forMs: number): Promise<void> {
    this.publish(this.circuit.force(mode, forMs, this.env.clock.now()));
    // Forcing open again is no transition but may move the expiry.
    this.view = this.circuit.current;
    return Promise.resolve();
  }

  snapshot(): Promise<DriverSnapshot> {
    const at = this.env.clock.now();
    const { calls, failures, slowCalls, replicas } = this.circuit.totals(at);
    return Promise.resolve({
      record: this.circuit.current,
      window: { calls, failures, slowCalls, replicas },
      lastError: this.lastError,
      lastErrorAt: this.lastErrorAt,
      mode: 'memory',
      at,
    });
  }

  private noteError(error: unknown, now: number): void {
    this.lastError = error === undefined ? null : errorMessage(error);
    this.lastErrorAt = now;
  }

  private publish(transition: CircuitTransition | undefined): void {
    if (transition === undefined) return;
    this.view = this.circuit.current;
    this.nextRandom = this.env.random();
    this.context.onTransition(transition);
  }
}
