import { pino } from 'pino';
import { toBreakerSnapshot } from '../../breaker/breaker-snapshot.js';
import type { TransitionMessage } from '../../store/transition-feed.js';
import { TransitionFeed } from '../../store/transition-feed.js';
import { driverSnapshotOf } from '../../store/record-conversions.js';
import type { CommandContext, Output } from '../context.js';
import { formatMs } from '../duration.js';
import { ExitCode } from '../exit-codes.js';
import type { FleetBreaker } from '../fleet-breaker.js';
import type { NamespaceClient } from '../namespace-client.js';
import { fleetBreaker } from '../fleet-breaker.js';
import { renderBreakerTable } from '../render/breaker-table.js';

/** How often the whole namespace is re-read (new breakers, lost messages). */
const REREAD_MS = 5_000;
/** How often a terminal's table is redrawn (countdowns). */
const REDRAW_MS = 1_000;
const RECENT_LINES = 12;

/** A transition as `watch --json` prints it, one object per line. */
export interface WatchedTransition {
  readonly breaker: string;
  readonly from: string;
  readonly to: string;
  readonly reason: string;
  readonly epoch: number;
  readonly at: number;
  readonly openUntil: number | null;
  readonly retryAfterMs: number;
  readonly replicaId: string;
}

function watchedTransition(message: TransitionMessage): WatchedTransition | undefined {
  const t = message.transition;
  if (t === undefined) return undefined;
  const openUntil =
    (t.to === 'open' || t.to === 'forced_open') && t.openUntil > 0 ? t.openUntil : null;
  return {
    breaker: message.name,
    from: t.from,
    to: t.to,
    reason: t.reason,
    epoch: t.epoch,
    at: t.at,
    openUntil,
    retryAfterMs: openUntil === null ? 0 : Math.max(0, openUntil - t.at),
    replicaId: message.replicaId,
  };
}

/** One line for a transition. */
export function transitionLine(t: WatchedTransition): string {
  const retry = t.openUntil === null ? '' : `  retry in ${formatMs(t.retryAfterMs)}`;
  return `${new Date(t.at).toISOString()}  ${t.breaker}  ${t.from} -> ${t.to}  (${t.reason})  epoch ${String(t.epoch)}  by ${t.replicaId}${retry}`;
}

/**
 * `watch`: subscribes to the namespace's transitions channel and prints one
 * line per transition (`--json`: one JSON object per line). On a terminal the
 * status table is redrawn above the recent transitions; elsewhere the table
 * is printed once, then only the lines. Runs until SIGINT or SIGTERM (exit 0).
 */
export async function watch(context: CommandContext, client: NamespaceClient): Promise<ExitCode> {
  const { line, output } = context;
  const redraw = !line.json && process.stdout.isTTY;
  const breakers = new Map<string, { breaker: FleetBreaker; readAt: number }>();
  const recent: string[] = [];
  const store = (list: readonly FleetBreaker[]): void => {
    for (const breaker of list) breakers.set(breaker.name, { breaker, readAt: Date.now() });
  };
  const render = (): void => {
    output.out(screen(client, [...breakers.values()], recent));
  };
  const reread = async (): Promise<void> => {
    store(await client.snapshots(await client.names()));
    if (redraw) render();
  };

  const feed = new TransitionFeed(client.subscriber, client.channel, pino({ level: 'silent' }), {
    onMessage: (message) => {
      const t = watchedTransition(message);
      if (t === undefined) return;
      if (line.json) {
        output.out(JSON.stringify(t));
        return;
      }
      const snapshot = toBreakerSnapshot(
        message.name,
        true,
        driverSnapshotOf(message.snapshot, 'shared'),
      );
      store([fleetBreaker(snapshot, 'recorded')]);
      recent.push(transitionLine(t));
      if (recent.length > RECENT_LINES) recent.shift();
      if (redraw) render();
      else output.out(transitionLine(t));
    },
    onResubscribed: () => {
      notice(output, 'resubscribed; re-reading the namespace');
      reread().catch(() => undefined);
    },
  });
  await feed.start();
  client.subscriber.on('close', () => {
    notice(output, 'lost the Redis connection; reconnecting');
  });
  store(await client.snapshots(await client.names()));
  if (!line.json) {
    output.out(
      redraw
        ? screen(client, [...breakers.values()], recent)
        : initial(client, [...breakers.values()]),
    );
  }
  notice(output, `watching ${client.channel} at ${client.target} (Ctrl-C stops)`);

  const timers = [
    setInterval(() => {
      reread().catch((error: unknown) => {
        notice(output, `re-read failed: ${String(error)}`);
      });
    }, REREAD_MS),
    ...(redraw ? [setInterval(render, REDRAW_MS)] : []),
  ];
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  for (const timer of timers) clearInterval(timer);
  await feed.stop(1_000);
  return ExitCode.Ok;
}

function notice(output: Output, text: string): void {
  output.err(`breakerbox watch: ${text}`);
}

/** The breakers with their countdowns moved on by the time since they were read. */
function aged(entries: readonly { breaker: FleetBreaker; readAt: number }[]): FleetBreaker[] {
  const now = Date.now();
  return entries
    .map(({ breaker, readAt }) => {
      const at = breaker.at + (now - readAt);
      const retryAfterMs = breaker.openUntil === null ? 0 : Math.max(0, breaker.openUntil - at);
      return { ...breaker, at, retryAfterMs };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

function initial(
  client: NamespaceClient,
  entries: readonly { breaker: FleetBreaker; readAt: number }[],
): string {
  return entries.length === 0
    ? `no breakers yet in namespace "${client.namespace}"`
    : renderBreakerTable(aged(entries));
}

function screen(
  client: NamespaceClient,
  entries: readonly { breaker: FleetBreaker; readAt: number }[],
  recent: readonly string[],
): string {
  const clear = '\x1b[2J\x1b[H';
  const header = `breakerbox watch  namespace ${client.namespace}  ${client.target}  ${new Date().toISOString()}`;
  const table = entries.length === 0 ? 'no breakers yet' : renderBreakerTable(aged(entries));
  const lines = recent.length === 0 ? '(no transitions yet)' : recent.join('\n');
  return `${clear}${header}\n\n${table}\n\nrecent transitions:\n${lines}`;
}
