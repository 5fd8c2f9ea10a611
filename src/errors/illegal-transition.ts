import { BreakerBoxError } from './breakerbox-error.js';

/**
 * Thrown when code asks the state machine for a transition its table does not
 * allow. Seeing one is a bug in breakerbox, never a user error.
 */
export class IllegalTransition extends BreakerBoxError {
  readonly code = 'ILLEGAL_TRANSITION' as const;
  /** The state the breaker was in. */
  readonly from: string;
  /** The state that was asked for. */
  readonly to: string;

  constructor(from: string, to: string) {
    super(`illegal breaker transition ${from} -> ${to}`);
    this.from = from;
    this.to = to;
  }
}

/** Type guard for {@link IllegalTransition}. */
export function isIllegalTransition(value: unknown): value is IllegalTransition {
  return value instanceof IllegalTransition;
}
