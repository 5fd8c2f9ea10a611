/** A source of time in milliseconds since the Unix epoch; injected so tests can use a fake. */
export interface Clock {
  now(): number;
}

/** The process clock. */
export const systemClock: Clock = Object.freeze({ now: () => Date.now() });

/** A source of numbers in [0, 1), injected so jitter is testable. */
export type RandomSource = () => number;
