import { IllegalTransition } from '../errors/illegal-transition.js';
import type { CircuitState } from './types.js';

/**
 * Every legal transition, resilience4j style. Anything not listed here is a bug
 * and throws {@link IllegalTransition}. The Lua scripts implement the same table.
 * Forcing the state a circuit is already forced into is no transition.
 *
 * | from          | to                                                    |
 * |---------------|-------------------------------------------------------|
 * | closed        | open, forced_open, forced_closed                      |
 * | open          | half_open, closed (reset), forced_open, forced_closed |
 * | half_open     | closed, open, half_open (lease takeover), forced_*    |
 * | forced_open   | half_open (after expiry), closed (reset), forced_closed |
 * | forced_closed | closed (reset), forced_open                           |
 */
export const LEGAL_TRANSITIONS: Readonly<Record<CircuitState, ReadonlySet<CircuitState>>> =
  Object.freeze({
    closed: new Set<CircuitState>(['open', 'forced_open', 'forced_closed']),
    open: new Set<CircuitState>(['half_open', 'closed', 'forced_open', 'forced_closed']),
    half_open: new Set<CircuitState>([
      'closed',
      'open',
      'half_open',
      'forced_open',
      'forced_closed',
    ]),
    forced_open: new Set<CircuitState>(['half_open', 'closed', 'forced_closed']),
    forced_closed: new Set<CircuitState>(['closed', 'forced_open']),
  });

/** True when the table allows `from -> to`. */
export function isLegalTransition(from: CircuitState, to: CircuitState): boolean {
  return LEGAL_TRANSITIONS[from].has(to);
}

/**
 * Throws {@link IllegalTransition} unless the table allows `from -> to`.
 * @throws IllegalTransition
 */
export function assertLegalTransition(from: CircuitState, to: CircuitState): void {
  if (!isLegalTransition(from, to)) throw new IllegalTransition(from, to);
}
