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
  StoreMode,
} from './circuit-driver.js';
import type { ResolvedBreakerOptions } from '../breaker/resolve-breaker-options.js';

/**
 * A breaker whose state lives in this process: every outcome goes straight
 * into the state machine, so a trip is immediate and nothing is ever flushed.
 */
export class MemoryDriver implements CircuitDriver {
  view: CircuitView;
  private readonly circuit: Circuit;
  private nextRandom: number;
  private lastError: string | null = null;
  private lastErrorAt: number | null = null;

  constructor(
    options: ResolvedBreakerOptions,
    private readonly context: DriverContext,
    private readonly replicaId: string,
    private readonly clock: Clock,
    private readonly random: RandomSource,
    private readonly mode: StoreMode = 'memory',
  ) {
    // One process is one replica: a quorum of more could never be reached.
    this.circuit = new Circuit({ ...options.circuit, minimumReplicas: 1 });
    this.view = this.circuit.current;
    this.nextRandom = random();
  }

  recordOutcome(outcome: Outcome, now: number, error: unknown): void {
    if ((outcome & Outcomes.Failure) !== 0) this.noteError(error, now);
    this.publish(this.circuit.recordOne(this.replicaId, outcome, now, this.nextRandom));
  }

  beginProbe(): Promise<ProbeGrant> {
    const token = randomUUID();
    const result = this.circuit.beginProbe(token, this.clock.now());
    if (!result.granted) return Promise.resolve(result);
    this.publish(result.transition);
    return Promise.resolve({ granted: true, token });
  }

  endProbe(token: string, success: boolean, error: unknown): Promise<boolean> {
    const now = this.clock.now();
    const result = this.circuit.endProbe(token, success, now, this.nextRandom);
    if (!result.accepted) return Promise.resolve(false);
    if (!success) this.noteError(error, now);
    this.publish(result.transition);
    return Promise.resolve(result.accepted);
  }

  force(mode: ForceMode, forMs: number): Promise<void> {
    this.publish(this.circuit.force(mode, forMs, this.clock.now()));
    return Promise.resolve();
  }

  snapshot(): Promise<DriverSnapshot> {
    const at = this.clock.now();
    const { calls, failures, slowCalls, replicas } = this.circuit.totals(at);
    return Promise.resolve({
      record: this.circuit.current,
      window: { calls, failures, slowCalls, replicas },
      lastError: this.lastError,
      lastErrorAt: this.lastErrorAt,
      mode: this.mode,
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
    this.nextRandom = this.random();
    this.context.onTransition(transition);
  }
}
