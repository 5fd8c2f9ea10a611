import { ExitCode } from './exit-codes.js';

/** Stable codes of the errors the command reports. */
export type CliErrorCode = 'USAGE' | 'REDIS_UNREACHABLE' | 'BREAKER_NOT_FOUND';

const EXIT_CODES: Readonly<Record<CliErrorCode, ExitCode>> = {
  USAGE: ExitCode.Usage,
  REDIS_UNREACHABLE: ExitCode.RedisUnreachable,
  BREAKER_NOT_FOUND: ExitCode.NotFound,
};

/**
 * An error the command reports on stderr as one line and turns into its exit
 * code; anything else is a bug and is printed with its stack.
 */
export class CliError extends Error {
  /** The process exit code this error maps to. */
  readonly exitCode: ExitCode;

  constructor(
    /** What went wrong, stably. */
    readonly code: CliErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'CliError';
    this.exitCode = EXIT_CODES[code];
  }
}

/** A bad command line: exit code 2. */
export function usageError(message: string): CliError {
  return new CliError('USAGE', `${message} (see breakerbox --help)`);
}

/** Type guard for {@link CliError}. */
export function isCliError(value: unknown): value is CliError {
  return value instanceof CliError;
}
