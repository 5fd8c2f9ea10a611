import { usageError } from '../cli-error.js';
import type { CommandContext } from '../context.js';
import { printJson } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import type { NamespaceClient } from '../namespace-client.js';
import { renderTable } from '../render/table.js';
import { notFound } from './status.js';

/** One entry of a breaker's events stream (what the scripts append on every transition). */
export interface StoredTransition {
  /** The stream entry id. */
  readonly id: string;
  readonly from: string;
  readonly to: string;
  readonly reason: string;
  readonly epoch: number;
  /** When it happened (Redis clock, ms). */
  readonly at: number;
  /** When an open breaker may be probed; null if none. */
  readonly openUntil: number | null;
  /** The replica (or CLI) that made it. */
  readonly replicaId: string;
}

function toTransition(id: string, fields: readonly string[]): StoredTransition {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i] ?? '', fields[i + 1] ?? '');
  const openUntil = Number(map.get('openUntil') ?? 0);
  return {
    id,
    from: map.get('from') ?? '?',
    to: map.get('to') ?? '?',
    reason: map.get('reason') ?? '?',
    epoch: Number(map.get('epoch') ?? 0),
    at: Number(map.get('at') ?? 0),
    openUntil: openUntil > 0 ? openUntil : null,
    replicaId: map.get('replica') ?? '?',
  };
}

function parseCount(text: string | undefined): number {
  if (text === undefined) return 20;
  const count = Number(text);
  if (!/^\d+$/.test(text) || count < 1 || count > 1_000) {
    throw usageError(`--count must be a whole number from 1 to 1000 (got "${text}")`);
  }
  return count;
}

/** `events <name>`: the newest transitions of one breaker, oldest first. */
export async function events(context: CommandContext, client: NamespaceClient): Promise<ExitCode> {
  const { line, output } = context;
  const name = line.args[0] ?? '';
  const count = parseCount(line.count);
  const entries = (await client.events(name, count)).map(([id, fields]) =>
    toTransition(id, fields),
  );
  if (entries.length === 0 && !(await client.exists(name))) throw notFound(name, client);
  if (line.json) {
    printJson(output, { breaker: name, namespace: client.namespace, events: entries });
    return ExitCode.Ok;
  }
  if (entries.length === 0) {
    output.out(`${name}: no transitions yet`);
    return ExitCode.Ok;
  }
  const rows = entries.map((e) => [
    new Date(e.at).toISOString(),
    String(e.epoch),
    `${e.from} -> ${e.to}`,
    e.reason,
    e.openUntil === null ? '-' : new Date(e.openUntil).toISOString(),
    e.replicaId,
  ]);
  output.out(renderTable(['AT', 'EPOCH', 'TRANSITION', 'REASON', 'OPEN UNTIL', 'BY'], rows, 80));
  return ExitCode.Ok;
}
