import { readFileSync } from 'node:fs';
import { isInvalidBreakerOptions } from '../errors/invalid-breaker-options.js';
import { isRedisUnavailable } from '../errors/redis-unavailable.js';
import type { CommandLine } from './args.js';
import { parseCommandLine } from './args.js';
import { isCliError } from './cli-error.js';
import type { CommandContext, Output } from './context.js';
import { ExitCode } from './exit-codes.js';
import { HELP } from './help.js';

function version(): string {
  const raw = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  const parsed: unknown = JSON.parse(raw);
  const value =
    typeof parsed === 'object' && parsed !== null && 'version' in parsed
      ? parsed.version
      : undefined;
  return typeof value === 'string' ? value : 'unknown';
}

async function dispatch(line: CommandLine, context: CommandContext): Promise<ExitCode> {
  const command = line.command;
  if (command === undefined || line.help) {
    context.output.out(line.version && !line.help ? version() : HELP);
    return ExitCode.Ok;
  }
  // Loaded on demand: `--help` and `health` need neither ioredis nor the box.
  if (command === 'health') return (await import('./commands/health.js')).health(context);
  const { NamespaceClient } = await import('./namespace-client.js');
  const client = await NamespaceClient.connect(context.redis, context.namespace, context.cluster);
  try {
    switch (command) {
      case 'status':
        return await (await import('./commands/status.js')).status(context, client);
      case 'watch':
        return await (await import('./commands/watch.js')).watch(context, client);
      case 'events':
        return await (await import('./commands/events.js')).events(context, client);
      default:
        return await (await import('./commands/control.js')).control(command, context, client);
    }
  } finally {
    await client.close();
  }
}

/**
 * Runs the `breakerbox` command with `argv` (without node and the script) and
 * answers its exit code. Errors are printed on `output.err` as one line;
 * only a bug prints a stack.
 */
export async function run(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  output: Output,
): Promise<ExitCode> {
  try {
    const line = parseCommandLine(argv);
    const context: CommandContext = {
      line,
      output,
      redis: line.redis ?? env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      cluster: line.cluster,
      namespace: line.namespace ?? env.BREAKERBOX_NAMESPACE ?? 'breakerbox',
    };
    return await dispatch(line, context);
  } catch (error) {
    if (isCliError(error)) {
      output.err(`breakerbox: ${error.message}`);
      return error.exitCode;
    }
    if (isRedisUnavailable(error)) {
      output.err(`breakerbox: ${error.message}`);
      return ExitCode.RedisUnreachable;
    }
    if (isInvalidBreakerOptions(error)) {
      output.err(`breakerbox: ${error.message} (see breakerbox --help)`);
      return ExitCode.Usage;
    }
    throw error;
  }
}
