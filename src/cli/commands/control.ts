import type { Breaker } from '../../breaker/breaker.js';
import type { CommandName } from '../args.js';
import type { CommandContext } from '../context.js';
import { printJson } from '../context.js';
import { formatMs, parseDuration } from '../duration.js';
import { ExitCode } from '../exit-codes.js';
import type { FleetBreaker } from '../fleet-breaker.js';
import type { NamespaceClient } from '../namespace-client.js';
import { stateLabel } from '../render/breaker-table.js';
import { notFound } from './status.js';

/** The longest `--for` the breaker accepts (`forceOpen({ forMs })`). */
const MAX_FORCE_MS = 7 * 86_400_000;

type ControlCommand = Extract<CommandName, 'trip' | 'close' | 'reset'>;

function describe(b: FleetBreaker): string {
  const until =
    b.openUntil === null
      ? b.circuitState === 'forced_open'
        ? ' until closed or reset'
        : ''
      : ` until ${new Date(b.openUntil).toISOString()} (${formatMs(b.retryAfterMs)})`;
  return `${b.name}: ${stateLabel(b)}${until}, epoch ${String(b.epoch)}`;
}

/**
 * `trip <name> [--for 30s]`, `close <name>`, `reset <name>`: the operator
 * overrides, through the breaker's `force` script (the same as
 * `breaker.forceOpen()`, `forceClosed()` and `reset()`), so the epoch moves,
 * the events stream records it and every replica hears it at once.
 * A breaker with no record is refused (exit 4) unless `--create` is given
 * to `trip` or `close`: a typo must not create a stray breaker.
 */
export async function control(
  command: ControlCommand,
  context: CommandContext,
  client: NamespaceClient,
): Promise<ExitCode> {
  const { line, output } = context;
  const name = line.args[0] ?? '';
  const forMs =
    line.for === undefined ? undefined : parseDuration('--for', line.for, 1, MAX_FORCE_MS);
  if (!line.create && !(await client.exists(name))) {
    const error = notFound(name, client);
    if (command !== 'reset') error.message += `; pass --create to ${command} it anyway`;
    throw error;
  }
  const before = await client.snapshot(name);
  await client.override(name, actionOf(command, forMs));
  const after = await client.snapshot(name);
  if (line.json) {
    printJson(output, { action: command, before, after });
  } else {
    output.out(
      after.epoch === before.epoch
        ? `${describe(after)} (unchanged)`
        : `${describe(after)} (was ${stateLabel(before)})`,
    );
  }
  return ExitCode.Ok;
}

function actionOf(
  command: ControlCommand,
  forMs: number | undefined,
): (breaker: Breaker) => Promise<void> {
  switch (command) {
    case 'trip':
      return (breaker) => breaker.forceOpen(forMs === undefined ? {} : { forMs });
    case 'close':
      return (breaker) => breaker.forceClosed();
    default:
      return (breaker) => breaker.reset();
  }
}
