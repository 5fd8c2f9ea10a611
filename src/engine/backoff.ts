import type { BackoffConfig } from './types.js';

/**
 * How long a circuit stays open after `step` failed probes (0 for the first
 * opening): `min(maxMs, baseMs · multiplier^step)`, then jittered by up to
 * ±`jitter` of itself and capped at `maxMs` again, in whole milliseconds.
 *
 * `random` is a number in [0, 1) supplied by the caller, so that the Lua
 * scripts (which get it through ARGV) and this function compute the same value.
 * The power is computed by repeated multiplication, which is bit-for-bit the
 * same in Lua and JavaScript.
 */
export function openDurationMs(backoff: BackoffConfig, step: number, random: number): number {
  let delay = backoff.baseMs;
  for (let i = 0; i < step && delay < backoff.maxMs; i++) delay *= backoff.multiplier;
  if (delay > backoff.maxMs) delay = backoff.maxMs;
  const jittered = delay * (1 + backoff.jitter * (2 * random - 1));
  return Math.floor(Math.min(backoff.maxMs, Math.max(0, jittered)));
}
