import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Logger } from 'pino';

/** One log line as pino wrote it. */
export interface CapturedLine {
  readonly level: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

/** A pino logger (level debug) whose lines are kept in memory for a test to read. */
export function captureLogs(): { readonly logger: Logger; readonly lines: CapturedLine[] } {
  const lines: CapturedLine[] = [];
  const sink = new Writable({
    write: (chunk: Buffer, _encoding, callback) => {
      for (const line of chunk.toString().split('\n')) {
        if (line !== '') lines.push(JSON.parse(line) as CapturedLine);
      }
      callback();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), lines };
}

/** pino's numeric levels. */
export const LEVEL = { debug: 20, info: 30, warn: 40, error: 50 } as const;
