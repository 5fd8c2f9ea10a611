import { isBreakerBoxError } from '../errors/breakerbox-error.js';
import { errorMessage } from '../util/error-message.js';
import { CliError } from './cli-error.js';

/**
 * Runs a Redis command; a failure that is not one of ours (a timeout, a closed
 * connection, a refusal such as NOPERM) becomes a `REDIS_UNREACHABLE` CLI error
 * naming the target and the cause.
 */
export async function guardRedis<T>(target: string, command: () => Promise<T>): Promise<T> {
  try {
    return await command();
  } catch (error) {
    if (error instanceof CliError) throw error;
    if (isBreakerBoxError(error) && error.code !== 'REDIS_SCRIPT_ERROR') throw error;
    throw new CliError('REDIS_UNREACHABLE', `Redis at ${target} failed: ${errorMessage(error)}`, {
      cause: error,
    });
  }
}
