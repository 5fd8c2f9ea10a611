import { createServer } from 'node:net';

/** Loopback address every harness-managed server and proxy binds to. */
export const LOOPBACK = '127.0.0.1';

/**
 * Ports the harness must never hand out, whatever the OS says: 6379 belongs
 * to the machine's own Redis and must never be touched by tests.
 */
export const FORBIDDEN_PORTS: ReadonlySet<number> = new Set([6379, 16379, 26379]);

function listenOnEphemeralPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host: LOOPBACK, port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close((err) => {
        if (err) reject(err);
        else if (port === 0) reject(new Error('free-port: could not read the bound port'));
        else resolve(port);
      });
    });
  });
}

/**
 * Returns a TCP port on 127.0.0.1 that was free a moment ago: listens on port
 * 0, reads the port the OS picked, and closes. Never returns a port in
 * {@link FORBIDDEN_PORTS}. Another process may still grab the port before the
 * caller binds it, so callers that spawn servers should retry on EADDRINUSE.
 */
export async function getFreePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await listenOnEphemeralPort();
    if (!FORBIDDEN_PORTS.has(port)) return port;
  }
  throw new Error('free-port: the OS kept handing out forbidden ports');
}

/**
 * Throws if `port` is one the harness must never bind or connect to
 * (see {@link FORBIDDEN_PORTS}).
 */
export function assertAllowedPort(port: number): void {
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new Error(`harness: invalid port ${String(port)}`);
  }
  if (FORBIDDEN_PORTS.has(port)) {
    throw new Error(`harness: port ${port} belongs to the machine's Redis and is off limits`);
  }
}

/** Flags whose value (at the given offset) is a port the server binds or connects to. */
const PORT_FLAGS = new Map<string, number>([
  ['--port', 1],
  ['--replicaof', 2],
  ['--slaveof', 2],
  ['--cluster-port', 1],
]);

/**
 * Throws if redis-server arguments would bind to, or replicate from, a
 * forbidden port (e.g. `['--replicaof', '127.0.0.1', '6379']`).
 */
export function assertNoForbiddenPortArgs(args: readonly string[]): void {
  args.forEach((arg, i) => {
    const offset = PORT_FLAGS.get(arg.toLowerCase());
    const value = offset === undefined ? undefined : args[i + offset];
    if (value !== undefined && /^\d+$/.test(value)) assertAllowedPort(Number(value));
  });
}
