import { parseArgs } from 'node:util';
import { usageError } from './cli-error.js';

/** The commands, with the positional arguments each takes. */
export const COMMANDS = {
  status: { positionals: ['[name]'], options: [] },
  watch: { positionals: [], options: [] },
  events: { positionals: ['<name>'], options: ['count'] },
  trip: { positionals: ['<name>'], options: ['for', 'create'] },
  close: { positionals: ['<name>'], options: ['create'] },
  reset: { positionals: ['<name>'], options: [] },
  health: { positionals: ['<url>'], options: ['timeout'] },
} as const satisfies Record<
  string,
  { readonly positionals: readonly string[]; readonly options: readonly string[] }
>;

/** A command's name. */
export type CommandName = keyof typeof COMMANDS;

/** The command line, parsed and checked for shape (values are checked by each command). */
export interface CommandLine {
  readonly command: CommandName | undefined;
  readonly args: readonly string[];
  readonly help: boolean;
  readonly version: boolean;
  readonly json: boolean;
  readonly redis: string | undefined;
  /** `--redis` is one startup node of a Redis Cluster. */
  readonly cluster: boolean;
  readonly namespace: string | undefined;
  readonly for: string | undefined;
  readonly create: boolean;
  readonly count: string | undefined;
  readonly timeout: string | undefined;
}

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
  json: { type: 'boolean' },
  redis: { type: 'string' },
  cluster: { type: 'boolean' },
  namespace: { type: 'string', short: 'n' },
  for: { type: 'string' },
  create: { type: 'boolean' },
  count: { type: 'string' },
  timeout: { type: 'string' },
} as const;

function isCommand(value: string): value is CommandName {
  return Object.hasOwn(COMMANDS, value);
}

/**
 * Parses `argv` (without node and the script): the command, its positional
 * arguments and the options. Unknown options, options another command owns,
 * and missing or extra arguments are usage errors.
 * @throws CliError (usage)
 */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw usageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  const first = positionals.length === 0 ? undefined : positionals[0];
  const args = positionals.slice(1);
  const line: CommandLine = {
    command: undefined,
    args,
    help: values.help === true,
    version: values.version === true,
    json: values.json === true,
    redis: values.redis,
    cluster: values.cluster === true,
    namespace: values.namespace,
    for: values.for,
    create: values.create === true,
    count: values.count,
    timeout: values.timeout,
  };
  if (first === undefined) {
    if (line.help || line.version) return line;
    throw usageError('no command given');
  }
  if (!isCommand(first)) throw usageError(`unknown command "${first}"`);
  if (line.help) return { ...line, command: first };
  checkShape(first, line);
  return { ...line, command: first };
}

function checkShape(command: CommandName, line: CommandLine): void {
  const spec = COMMANDS[command];
  const owned: readonly string[] = spec.options;
  for (const option of ['for', 'create', 'count', 'timeout'] as const) {
    const given = option === 'create' ? line.create : line[option] !== undefined;
    if (given && !owned.includes(option)) {
      throw usageError(`--${option} does not apply to "${command}"`);
    }
  }
  const required = spec.positionals.filter((p) => p.startsWith('<')).length;
  if (line.args.length < required) {
    throw usageError(`"${command}" needs ${spec.positionals.join(' ')}`);
  }
  if (line.args.length > spec.positionals.length) {
    throw usageError(`"${command}" takes ${spec.positionals.join(' ') || 'no arguments'}`);
  }
}
