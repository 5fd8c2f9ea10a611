import { circuitBreaker, ConsecutiveBreaker, handleAll, SamplingBreaker } from 'cockatiel';
import type { CircuitBreakerPolicy } from 'cockatiel';
import CircuitBreaker from 'opossum';
import { pino } from 'pino';
import { createBreakerBox } from '../../src/index.js';
import type { BreakerBox } from '../../src/index.js';

/**
 * The protected call of every case: an async function that does nothing, so
 * that what is measured is the breaker around it.
 */
export const noop = async (): Promise<void> => {};

/** A breakerbox box with the in-memory store and a silent logger. */
export function createBox(): Promise<BreakerBox> {
  return createBreakerBox({ logger: pino({ level: 'silent' }) });
}

/** cockatiel 3: `circuitBreaker(handleAll, { halfOpenAfter: 10s, ConsecutiveBreaker(5) })`. */
export function cockatielConsecutive(): CircuitBreakerPolicy {
  return circuitBreaker(handleAll, {
    halfOpenAfter: 10_000,
    breaker: new ConsecutiveBreaker(5),
  });
}

/** cockatiel 3: `circuitBreaker(handleAll, { halfOpenAfter: 10s, SamplingBreaker(0.5, 10s) })`. */
export function cockatielSampling(): CircuitBreakerPolicy {
  return circuitBreaker(handleAll, {
    halfOpenAfter: 10_000,
    breaker: new SamplingBreaker({ threshold: 0.5, duration: 10_000 }),
  });
}

/** opossum 9 around {@link noop}; `options` as given (defaults when omitted). */
export function opossum(options?: CircuitBreaker.Options): CircuitBreaker<[], void> {
  return new CircuitBreaker<[], void>(noop, options);
}
