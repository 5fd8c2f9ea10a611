/**
 * The floors of the closed path, written only for the bench: what any
 * breaker around an async call must do at least, step by step. Each adds one
 * piece of the work breakerbox does, so that the hot-path table shows where
 * breakerbox's overhead goes:
 *
 * 1. {@link floorCall}: an async wrapper that awaits the call and counts its
 *    outcome (the floor issue 11 sets: no state, no time);
 * 2. {@link clockedFloorCall}: the same plus one clock read (`Date.now()`), as
 *    any breaker whose window is time-based, or that reports when a call last
 *    succeeded, needs;
 * 3. {@link windowedFloorCall}: the same plus breakerbox's own state machine
 *    and time window (`Circuit.recordOne`), called directly.
 */
import { resolveBreakerOptions } from '../../src/breaker/resolve-breaker-options.js';
import { Circuit } from '../../src/engine/circuit.js';
import { Outcome } from '../../src/engine/types.js';

/** What the floors counted (read by the cases, so that the counting is not optimised away). */
export const floorCounts = { successes: 0, failures: 0, lastSuccessAt: 0 };

/** Floor 1: await the call, count its outcome. */
export async function floorCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    const result = await fn();
    floorCounts.successes++;
    return result;
  } catch (error) {
    floorCounts.failures++;
    throw error;
  }
}

/** Floor 2: floor 1 plus one clock read per call (the success's time). */
export async function clockedFloorCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    const result = await fn();
    floorCounts.successes++;
    floorCounts.lastSuccessAt = Date.now();
    return result;
  } catch (error) {
    floorCounts.failures++;
    throw error;
  }
}

/** The circuit {@link windowedFloorCall} counts into: breakerbox's defaults (10-s window, 10 buckets). */
const circuit = new Circuit(resolveBreakerOptions({}).localCircuit);

/** Floor 3: floor 2 plus breakerbox's state machine and time window, nothing else of a breaker. */
export async function windowedFloorCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    const result = await fn();
    const now = Date.now();
    if (circuit.recordOne('replica', Outcome.Success, now, 0.5) !== undefined) {
      throw new Error('a success tripped the floor circuit');
    }
    floorCounts.successes++;
    floorCounts.lastSuccessAt = now;
    return result;
  } catch (error) {
    floorCounts.failures++;
    throw error;
  }
}
