import { CliError } from '../cli-error.js';
import type { CommandContext } from '../context.js';
import { printJson } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import type { NamespaceClient } from '../namespace-client.js';
import { isOpen, renderBreakerTable } from '../render/breaker-table.js';

/**
 * `status [name]`: every breaker of the namespace (or one) with its shared
 * record and window. Exit 1 when any shown breaker is open, forced open or
 * half-open; 4 when the named breaker does not exist.
 */
export async function status(context: CommandContext, client: NamespaceClient): Promise<ExitCode> {
  const { line, output } = context;
  const only = line.args.length === 0 ? undefined : line.args[0];
  let names: string[];
  if (only === undefined) {
    names = await client.names();
  } else {
    if (!(await client.exists(only))) throw notFound(only, client);
    names = [only];
  }
  const breakers = await client.snapshots(names);
  const exitCode = breakers.some(isOpen) ? ExitCode.Unhealthy : ExitCode.Ok;
  if (line.json) {
    printJson(output, {
      namespace: client.namespace,
      redis: client.target,
      at: breakers[0]?.at ?? null,
      open: breakers.filter(isOpen).map((b) => b.name),
      breakers,
    });
    return exitCode;
  }
  if (breakers.length === 0) {
    output.out(`no breakers in namespace "${client.namespace}" at ${client.target}`);
    return exitCode;
  }
  output.out(renderBreakerTable(breakers));
  return exitCode;
}

/** The error for a breaker with no record in the namespace. */
export function notFound(name: string, client: NamespaceClient): CliError {
  return new CliError(
    'BREAKER_NOT_FOUND',
    `no breaker "${name}" in namespace "${client.namespace}" at ${client.target} (breakerbox status lists them)`,
  );
}
