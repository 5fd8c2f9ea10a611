/**
 * The exit codes of the `breakerbox` command, stable for scripts:
 * 0 ok; 1 a breaker is open (or a health endpoint unhealthy); 2 usage;
 * 3 Redis unreachable; 4 no such breaker; 70 an unexpected error (a bug).
 */
export const ExitCode = {
  Ok: 0,
  Unhealthy: 1,
  Usage: 2,
  RedisUnreachable: 3,
  NotFound: 4,
  Bug: 70,
} as const;

/** One of the {@link ExitCode} values. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
