import { randomUUID } from 'node:crypto';
import type { CircuitRecord, ForceMode } from '../engine/circuit.js';
import { Circuit } from '../engine/circuit.js';
import type { CircuitConfig, CircuitTransition, Outcome, OutcomeCounts } from '../engine/types.js';
import type { ClockOffset } from '../redis/clock-offset.js';
import type { SharedSnapshot } from '../redis/script-reply.js';
import type { Clock, RandomSource } from '../util/clock.js';
import type { DriverSnapshot, ProbeGrant } from './circuit-driver.js';

/** What a fallback needs from its store. */
export interface FallbackEnvironment {
  readonly replicaId: string;
  readonly clock: Clock;
  readonly random: RandomSource;
}

/**
 * One breaker deciding alone while Redis is unreachable: the in-memory engine
 * seeded from the last shared record, with its own window (a quorum of one)
 * and process-local single flight. Every transition goes to `publish`.
 */
export class LocalFallback {
  /** When the breaker went local (local clock). */
  readonly since: number;
  private readonly circuit: Circuit;
  private random: number;

  constructor(
    config: CircuitConfig,
    seed: CircuitRecord | undefined,
    private readonly env: FallbackEnvironment,
    private readonly publish: (transition: CircuitTransition) => void,
  ) {
    this.circuit = new Circuit(config, seed);
    this.since = env.clock.now();
    this.random = env.random();
  }

  /** The local record. */
  get current(): CircuitRecord {
    return this.circuit.current;
  }

  /** Counts one call. */
  recordOne(outcome: Outcome, now: number): void {
    this.emit(this.circuit.recordOne(this.env.replicaId, outcome, now, this.random));
  }

  /** Counts a batch (outcomes not flushed before the outage, or a failed flush). */
  record(counts: OutcomeCounts): void {
    this.emit(this.circuit.record(this.env.replicaId, counts, this.env.clock.now(), this.random));
  }

  /** Process-local single flight. */
  beginProbe(): ProbeGrant {
    const token = randomUUID();
    const result = this.circuit.beginProbe(token, this.env.clock.now());
    if (!result.granted) return result;
    this.emit(result.transition);
    return { granted: true, token };
  }

  /** Ends a probe begun here (or before the outage, with its token). */
  endProbe(token: string, success: boolean): boolean {
    const result = this.circuit.endProbe(token, success, this.env.clock.now(), this.random);
    if (result.accepted) this.emit(result.transition);
    return result.accepted;
  }

  /** An override made while alone (carried into Redis by reconciliation). */
  force(mode: ForceMode, forMs: number): void {
    this.emit(this.circuit.force(mode, forMs, this.env.clock.now()));
  }

  /** The local record and window, with the last error the fleet knew. */
  snapshot(shared: SharedSnapshot | undefined, offset: ClockOffset): DriverSnapshot {
    const at = this.env.clock.now();
    const { calls, failures, slowCalls, replicas } = this.circuit.totals(at);
    const lastError = shared === undefined || shared.lastError === '' ? null : shared.lastError;
    const lastErrorAt =
      shared === undefined || shared.lastErrorAt === 0 ? null : offset.toLocal(shared.lastErrorAt);
    return {
      record: this.circuit.current,
      window: { calls, failures, slowCalls, replicas },
      lastError,
      lastErrorAt,
      mode: 'local',
      at,
    };
  }

  private emit(transition: CircuitTransition | undefined): void {
    if (transition === undefined) return;
    this.random = this.env.random();
    this.publish(transition);
  }
}
