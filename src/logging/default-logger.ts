import { pino } from 'pino';
import type { Logger } from 'pino';

/** The logger a box uses when none is given: pino at `info`, named `breakerbox`. */
export function createDefaultLogger(): Logger {
  return pino({ name: 'breakerbox', level: 'info' });
}

/** The logger of a box created with `logger: false`: pino at `silent`, so nothing is written. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
