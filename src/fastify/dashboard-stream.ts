import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BreakerBox } from '../box/breaker-box.js';
import type { TransitionEvent } from '../events/box-events.js';
import type { Unsubscribe } from '../events/typed-events.js';
import type { TransitionMessage } from '../store/transition-feed.js';
import { dashboardView } from './dashboard-view.js';
import { FleetListing } from './fleet-listing.js';

/** Transitions kept for a page that connects later. */
const RECENT_LIMIT = 50;
/** A comment line this often keeps proxies from closing an idle stream. */
const HEARTBEAT_MS = 15_000;

/**
 * The dashboard's server-sent events: one subscription per plugin instance,
 * shared by every open page. With Redis, every transition published in the
 * namespace (any breaker, any replica) goes to every page at once, and the
 * view lists every breaker of the namespace (see {@link FleetListing}); the
 * box's own transitions are sent too while it decides alone (local mode) or
 * has no Redis. A snapshot goes out every `intervalMs` so counts and
 * countdowns stay live.
 * Timers run only while a page is connected and are `unref()`ed; `close()`
 * ends every stream so the server (and the process) can close.
 */
export class DashboardStream {
  private readonly clients = new Set<ServerResponse>();
  private readonly recent: TransitionEvent[] = [];
  private readonly unsubscribe: Unsubscribe[];
  private readonly listing: FleetListing | undefined;
  private snapshotTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private building = false;
  private closed = false;

  constructor(
    private readonly box: BreakerBox,
    private readonly intervalMs: number,
    private readonly heartbeatMs: number = HEARTBEAT_MS,
  ) {
    const fleet = box.fleet;
    this.listing = fleet === undefined ? undefined : new FleetListing(fleet);
    this.unsubscribe = [
      box.on('transition', (event) => {
        // With Redis in shared mode the same transition comes from the channel.
        if (fleet === undefined || box.mode !== 'shared') this.transition(event);
      }),
      box.on('mode', (event) => {
        this.broadcast('mode', event);
        this.sendSnapshot();
      }),
      box.on('health', (event) => {
        this.broadcast('health', event);
      }),
    ];
    if (fleet !== undefined)
      this.unsubscribe.push(
        fleet.onTransition((message) => {
          this.listing?.adopt(message);
          const event = fromMessage(message);
          if (event !== undefined) this.transition(event);
        }),
      );
  }

  /** How many pages are connected. */
  get size(): number {
    return this.clients.size;
  }

  /** Takes over a response as an event stream until the client goes away or `close()`. */
  add(request: IncomingMessage, response: ServerResponse): void {
    if (this.closed) {
      response.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
      response.end('shutting down\n');
      return;
    }
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    response.write('retry: 2000\n\n');
    this.clients.add(response);
    request.once('close', () => {
      this.remove(response);
    });
    write(response, 'history', this.recent);
    this.sendSnapshot(response);
    this.startTimers();
  }

  /** Ends every stream, stops the timers and leaves the box. Safe to call twice. */
  close(): void {
    this.closed = true;
    for (const off of this.unsubscribe) off();
    for (const response of this.clients) response.end();
    this.clients.clear();
    this.stopTimers();
  }

  private transition(event: TransitionEvent): void {
    this.recent.push(event);
    if (this.recent.length > RECENT_LIMIT) this.recent.shift();
    this.broadcast('transition', event);
    // The page shows the new state with its counts at once, not a tick later.
    this.sendSnapshot();
  }

  private remove(response: ServerResponse): void {
    this.clients.delete(response);
    if (this.clients.size === 0) this.stopTimers();
  }

  private startTimers(): void {
    if (this.snapshotTimer !== undefined) return;
    this.snapshotTimer = setInterval(() => {
      this.sendSnapshot();
    }, this.intervalMs).unref();
    this.heartbeatTimer = setInterval(() => {
      for (const response of this.clients) response.write(': heartbeat\n\n');
    }, this.heartbeatMs).unref();
  }

  private stopTimers(): void {
    clearInterval(this.snapshotTimer);
    clearInterval(this.heartbeatTimer);
    this.snapshotTimer = undefined;
    this.heartbeatTimer = undefined;
  }

  private broadcast(event: string, data: unknown): void {
    for (const response of this.clients) write(response, event, data);
  }

  /** Builds one view and sends it to `only`, or to every page; skips a tick while one is built. */
  private sendSnapshot(only?: ServerResponse): void {
    if (this.clients.size === 0 || (only === undefined && this.building)) return;
    if (only === undefined) this.building = true;
    void dashboardView(this.box, this.listing).then(
      (view) => {
        if (only === undefined) this.building = false;
        if (only !== undefined) {
          if (this.clients.has(only)) write(only, 'snapshot', view);
          return;
        }
        // A slow reader keeps its older view rather than a growing buffer.
        for (const response of this.clients)
          if (!response.writableNeedDrain) write(response, 'snapshot', view);
      },
      (error: unknown) => {
        if (only === undefined) this.building = false;
        this.box.logger.warn({ err: error }, 'dashboard snapshot failed');
      },
    );
  }
}

function write(response: ServerResponse, event: string, data: unknown): void {
  if (response.writableEnded) return;
  response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

/** A message of the transitions channel as the page's feed shows it (times on the Redis clock). */
function fromMessage(message: TransitionMessage): TransitionEvent | undefined {
  const t = message.transition;
  if (t === undefined) return undefined;
  const open = t.to === 'open' || t.to === 'forced_open';
  const openUntil = open && t.openUntil > 0 ? t.openUntil : null;
  return {
    breaker: message.name,
    from: t.from,
    to: t.to,
    epoch: t.epoch,
    reason: t.reason,
    retryAfterMs: openUntil === null ? 0 : Math.max(0, openUntil - message.snapshot.now),
    replicaId: message.replicaId,
    at: t.at,
    openUntil,
  };
}
