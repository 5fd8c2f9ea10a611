/**
 * A TCP proxy in front of one Redis that can hold back chosen traffic of a
 * replica that connects through it, while everything else passes. It tells a
 * box's subscriber connection (client name `breakerbox-sub:…`) from its
 * command connection. Held bytes wait in the proxy, in order, and are sent on
 * when released, like packets delayed in a network.
 *
 * - `holdDelivery()` / `deliver()`: bytes from Redis to subscribers (pub/sub
 *   messages arrive late; commands still work).
 * - `holdSubscribes()` / `passSubscribes()`: a subscriber's bytes to Redis from
 *   the first chunk holding a SUBSCRIBE (a resubscription slow to take effect).
 * - `holdCommandsContaining(marker)` / `passCommands()`: a command
 *   connection's bytes to Redis from the first chunk containing `marker`
 *   (one command, and everything after it, delayed in transit).
 * - `holdRepliesToCommandsContaining(markers)` / `passReplies()`: a command
 *   connection's bytes from Redis once it has sent a chunk containing one of
 *   `markers` (the command runs in Redis; its reply, and every later one, is
 *   delayed on its way back).
 */
import { createConnection, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { getFreePort, LOOPBACK, registerCleanup } from '../../harness/index.js';

const SUBSCRIBER_MARK = Buffer.from('breakerbox-sub:');
const SUBSCRIBE = /subscribe/i;

interface Link {
  readonly client: Socket;
  readonly upstream: Socket;
  subscriber: boolean;
  /** A command link whose replies are held (see `holdRepliesToCommandsContaining`). */
  holdingReplies: boolean;
  readonly heldUp: Buffer[];
  readonly heldDown: Buffer[];
}

export class SelectiveProxy {
  private readonly links = new Set<Link>();
  private holdingDelivery = false;
  private holdingSubscribes = false;
  private commandMarker: Buffer | undefined;
  private replyMarkers: readonly Buffer[] = [];
  private unregister: () => void = () => undefined;

  private constructor(
    private readonly server: Server,
    /** The port clients connect to. */
    readonly port: number,
    private readonly targetPort: number,
  ) {
    server.on('connection', (socket) => {
      this.accept(socket);
    });
  }

  /** Listens on a free port, forwarding to 127.0.0.1:`targetPort`. */
  static async start(targetPort: number): Promise<SelectiveProxy> {
    for (let attempt = 1; ; attempt++) {
      const port = await getFreePort();
      const server = createServer();
      try {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen({ host: LOOPBACK, port, exclusive: true }, () => {
            server.off('error', reject);
            resolve();
          });
        });
      } catch (error) {
        if (attempt >= 5) throw error;
        continue;
      }
      const proxy = new SelectiveProxy(server, port, targetPort);
      proxy.unregister = registerCleanup(() => proxy.close());
      return proxy;
    }
  }

  /** `redis://127.0.0.1:<port>`. */
  get url(): string {
    return `redis://${LOOPBACK}:${this.port}`;
  }

  /** Chunks on their way to Redis now held back, from subscribers or from command connections. */
  heldUpstreamChunks(kind: 'subscriber' | 'command'): number {
    let held = 0;
    for (const link of this.links) {
      if (link.subscriber === (kind === 'subscriber')) held += link.heldUp.length;
    }
    return held;
  }

  /** Chunks from Redis to subscribers now held back. */
  get heldDeliveryChunks(): number {
    let held = 0;
    for (const link of this.links) if (link.subscriber) held += link.heldDown.length;
    return held;
  }

  /** Chunks from Redis to command connections now held back. */
  get heldReplyChunks(): number {
    let held = 0;
    for (const link of this.links) if (!link.subscriber) held += link.heldDown.length;
    return held;
  }

  holdDelivery(): void {
    this.holdingDelivery = true;
  }

  deliver(): void {
    this.holdingDelivery = false;
    for (const link of this.links) {
      if (!link.subscriber) continue;
      for (const chunk of link.heldDown.splice(0)) link.client.write(chunk);
    }
  }

  holdSubscribes(): void {
    this.holdingSubscribes = true;
  }

  passSubscribes(): void {
    this.holdingSubscribes = false;
    this.flushUp(true);
  }

  holdCommandsContaining(marker: string): void {
    this.commandMarker = Buffer.from(marker);
  }

  passCommands(): void {
    this.commandMarker = undefined;
    this.flushUp(false);
  }

  holdRepliesToCommandsContaining(markers: readonly string[]): void {
    this.replyMarkers = markers.map((marker) => Buffer.from(marker));
  }

  passReplies(): void {
    this.replyMarkers = [];
    for (const link of this.links) {
      if (link.subscriber) continue;
      link.holdingReplies = false;
      for (const chunk of link.heldDown.splice(0)) link.client.write(chunk);
    }
  }

  /** Closes every connection and stops listening. */
  async close(): Promise<void> {
    this.unregister();
    for (const link of [...this.links]) this.teardown(link);
    await new Promise<void>((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
  }

  private flushUp(subscriber: boolean): void {
    for (const link of this.links) {
      if (link.subscriber !== subscriber) continue;
      for (const chunk of link.heldUp.splice(0)) link.upstream.write(chunk);
    }
  }

  private holdsUp(link: Link, chunk: Buffer): boolean {
    if (link.heldUp.length > 0) return true;
    if (link.subscriber) return this.holdingSubscribes && SUBSCRIBE.test(chunk.toString('latin1'));
    return this.commandMarker !== undefined && chunk.includes(this.commandMarker);
  }

  private accept(client: Socket): void {
    const upstream = createConnection({ host: LOOPBACK, port: this.targetPort });
    const link: Link = {
      client,
      upstream,
      subscriber: false,
      holdingReplies: false,
      heldUp: [],
      heldDown: [],
    };
    this.links.add(link);
    client.on('data', (chunk: Buffer) => {
      if (!link.subscriber && chunk.includes(SUBSCRIBER_MARK)) link.subscriber = true;
      if (!link.subscriber && this.replyMarkers.some((marker) => chunk.includes(marker))) {
        link.holdingReplies = true;
      }
      if (this.holdsUp(link, chunk)) link.heldUp.push(chunk);
      else upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if ((link.subscriber && this.holdingDelivery) || link.holdingReplies) {
        link.heldDown.push(chunk);
      } else {
        client.write(chunk);
      }
    });
    const end = (): void => {
      this.teardown(link);
    };
    for (const socket of [client, upstream]) {
      socket.on('error', end);
      socket.on('close', end);
    }
  }

  private teardown(link: Link): void {
    if (!this.links.delete(link)) return;
    link.client.destroy();
    link.upstream.destroy();
  }
}
