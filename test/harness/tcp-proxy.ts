import { createConnection, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';
import { registerCleanup, trackClient } from './cleanup.js';
import { LOOPBACK, assertAllowedPort, getFreePort } from './free-port.js';

/**
 * Proxy behaviour:
 * - `forward`: pipe bytes both ways.
 * - `blackhole`: accept and keep sockets open but deliver nothing in either
 *   direction (reads are paused, so bytes wait in kernel buffers like packets
 *   in a partition); the client sees a hang.
 * - `reset`: RST every existing client socket and every new one.
 */
export type ProxyMode = 'forward' | 'blackhole' | 'reset';

/** Options of {@link startTcpProxy}. */
export interface TcpProxyOptions {
  targetHost: string;
  targetPort: number;
  /** Initial mode; default `forward`. */
  mode?: ProxyMode;
}

interface Link {
  client: Socket;
  upstream: Socket;
}

/** A fault-injecting TCP proxy in front of one target, on a free local port. */
export class TcpProxy {
  /** Always 127.0.0.1. */
  readonly host = LOOPBACK;
  private currentMode: ProxyMode;
  private readonly links = new Set<Link>();
  private unregister: () => void = () => undefined;
  private closed = false;

  private constructor(
    private readonly server: Server,
    /** Local port clients connect to. */
    readonly port: number,
    private readonly options: TcpProxyOptions,
  ) {
    this.currentMode = options.mode ?? 'forward';
    server.on('connection', (socket) => {
      this.accept(socket);
    });
  }

  /** Starts listening on a free port; see {@link startTcpProxy}. */
  static async start(options: TcpProxyOptions): Promise<TcpProxy> {
    assertAllowedPort(options.targetPort);
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
      } catch (err) {
        if (attempt >= 5) throw err;
        continue;
      }
      server.unref();
      const proxy = new TcpProxy(server, port, options);
      proxy.unregister = registerCleanup(() => proxy.close());
      return proxy;
    }
  }

  /** `redis://127.0.0.1:<port>` (the proxy's own address). */
  get url(): string {
    return `redis://${this.host}:${this.port}`;
  }

  /**
   * A tracked ioredis client connected through the proxy (disconnected by
   * `stopAllRedis()`), with a no-op 'error' listener attached.
   */
  client(options: RedisOptions = {}): Redis {
    const redis = new Redis({ host: this.host, port: this.port, ...options });
    redis.on('error', () => undefined);
    return trackClient(redis);
  }

  /** Number of client connections currently open through the proxy. */
  get connectionCount(): number {
    return this.links.size;
  }

  /** Current mode. Assigning it is the same as calling the matching method. */
  get mode(): ProxyMode {
    return this.currentMode;
  }

  set mode(mode: ProxyMode) {
    this.currentMode = mode;
    for (const link of [...this.links]) this.applyMode(link);
  }

  /**
   * Forwards again. New connections work normally; connections that were
   * blackholed resume and receive whatever was held back (like a healed
   * partition).
   */
  forward(): void {
    this.mode = 'forward';
  }

  /** Stops delivering bytes in both directions while keeping sockets open. */
  blackhole(): void {
    this.mode = 'blackhole';
  }

  /** RSTs every existing client connection and every new one until {@link TcpProxy.forward}. */
  reset(): void {
    this.mode = 'reset';
  }

  /** Destroys every connection and stops listening. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unregister();
    for (const link of [...this.links]) this.teardown(link);
    await new Promise<void>((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
  }

  private accept(client: Socket): void {
    if (this.currentMode === 'reset' || this.closed) {
      client.on('error', () => undefined);
      client.resetAndDestroy();
      return;
    }
    const upstream = createConnection({
      host: this.options.targetHost,
      port: this.options.targetPort,
    });
    const link: Link = { client, upstream };
    this.links.add(link);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    this.pipe(client, upstream);
    this.pipe(upstream, client);
    // Target gone or connection dropped: drop the other side too.
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
    client.on('close', () => {
      this.teardown(link);
    });
    upstream.on('close', (hadError) => {
      if (hadError && !client.destroyed && this.links.has(link)) client.resetAndDestroy();
      this.teardown(link);
    });
    this.applyMode(link);
  }

  private pipe(from: Socket, to: Socket): void {
    from.on('data', (chunk: Buffer) => {
      if (this.currentMode !== 'forward') {
        // Raced with a mode switch: hold the bytes in the socket, deliver nothing.
        from.pause();
        from.unshift(chunk);
        return;
      }
      if (to.destroyed) return;
      if (!to.write(chunk)) {
        from.pause();
        to.once('drain', () => {
          if (this.currentMode === 'forward') from.resume();
        });
      }
    });
    from.on('end', () => {
      if (!to.destroyed) to.end();
    });
  }

  private applyMode(link: Link): void {
    switch (this.currentMode) {
      case 'forward':
        link.client.resume();
        link.upstream.resume();
        break;
      case 'blackhole':
        link.client.pause();
        link.upstream.pause();
        break;
      case 'reset':
        this.links.delete(link);
        if (!link.client.destroyed) link.client.resetAndDestroy();
        link.upstream.destroy();
        break;
    }
  }

  private teardown(link: Link): void {
    this.links.delete(link);
    if (!link.client.destroyed) link.client.destroy();
    if (!link.upstream.destroyed) link.upstream.destroy();
  }
}

/**
 * Starts a TCP proxy on a free 127.0.0.1 port forwarding to
 * `targetHost:targetPort`, with a runtime-switchable {@link ProxyMode}.
 * Closed automatically by `stopAllRedis()`.
 */
export function startTcpProxy(options: TcpProxyOptions): Promise<TcpProxy> {
  return TcpProxy.start(options);
}
