import { BreakerBoxError } from './breakerbox-error.js';

/** Thrown by any use of a box (or its breakers) after `box.close()`. */
export class BreakerBoxClosed extends BreakerBoxError {
  readonly code = 'BREAKERBOX_CLOSED' as const;

  constructor(operation: string) {
    super(`breakerbox is closed: cannot ${operation}`);
  }
}

/** Type guard for {@link BreakerBoxClosed}. */
export function isBreakerBoxClosed(value: unknown): value is BreakerBoxClosed {
  return value instanceof BreakerBoxClosed;
}
