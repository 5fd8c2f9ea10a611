import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';
import { hasExited, trackClient, untrackClient } from './cleanup.js';
import {
  LOOPBACK,
  assertAllowedPort,
  assertNoForbiddenPortArgs,
  getFreePort,
} from './free-port.js';
import { waitForServerReady } from './readiness.js';
import {
  baseServerArgs,
  createServerFiles,
  readLogTail,
  removeDataFiles,
  spawnServer,
  waitForExit,
} from './server-process.js';
import type { ServerFiles } from './server-process.js';

/** Default time a server gets to answer PING after being spawned. */
export const DEFAULT_READY_TIMEOUT_MS = 5_000;
const EXIT_TIMEOUT_MS = 10_000;

/** How to build a managed server's command line; called on every (re)start. */
export interface LaunchSpec {
  /** Used in error messages, e.g. "redis-server" or "sentinel". */
  label: string;
  /** Full redis-server argv for `port` (include {@link baseServerArgs}). */
  buildArgs(port: number, files: ServerFiles): string[];
  /** How long to wait for PING after spawning. */
  readyTimeoutMs: number;
}

/** Options of {@link startRedis}. */
export interface StartRedisOptions {
  /** Extra redis-server arguments, e.g. `['--notify-keyspace-events', 'Ex']`. */
  args?: readonly string[];
  /** Fixed port; by default a free port is chosen. 6379 is refused. */
  port?: number;
  /** Start as a replica of this master. */
  replicaOf?: { host: string; port: number };
  /** Readiness timeout; default {@link DEFAULT_READY_TIMEOUT_MS}. */
  readyTimeoutMs?: number;
}

/** A redis-server (or sentinel) process owned by the harness, on its own port. */
export class RedisProcess {
  /** Always 127.0.0.1. */
  readonly host = LOOPBACK;
  private child: ChildProcess | undefined;
  private paused = false;
  private readonly clients = new Set<Redis>();

  private constructor(
    /** TCP port; stable across {@link RedisProcess.restart}. */
    readonly port: number,
    /** Temp dir, log file and unix socket of this server. */
    readonly files: ServerFiles,
    private readonly spec: LaunchSpec,
  ) {}

  /**
   * Spawns a server described by `spec` and waits until it answers PING.
   * Without `fixedPort`, picks a free port and retries if it was taken.
   */
  static async launch(spec: LaunchSpec, fixedPort?: number): Promise<RedisProcess> {
    if (fixedPort !== undefined) assertAllowedPort(fixedPort);
    for (let attempt = 1; ; attempt++) {
      const files = createServerFiles();
      const port = fixedPort ?? (await getFreePort());
      const server = new RedisProcess(port, files, spec);
      try {
        await server.spawnAndWait();
        return server;
      } catch (err) {
        const portTaken = readLogTail(files).includes('Address already in use');
        if (fixedPort !== undefined || !portTaken || attempt >= 5) throw err;
      }
    }
  }

  /** `redis://127.0.0.1:<port>`. */
  get url(): string {
    return `redis://${this.host}:${this.port}`;
  }

  /** Pid of the current (or most recent) process. */
  get pid(): number {
    const pid = this.child?.pid;
    if (pid === undefined) throw new Error(`${this.spec.label}: no process was spawned`);
    return pid;
  }

  /** True while the process exists (including while paused). */
  get isRunning(): boolean {
    return this.child !== undefined && !hasExited(this.child);
  }

  /** True between {@link RedisProcess.pause} and {@link RedisProcess.resume}. */
  get isPaused(): boolean {
    return this.paused && this.isRunning;
  }

  /** Unix socket path the server also listens on. */
  get socketPath(): string {
    return this.files.socketPath;
  }

  /**
   * A fresh ioredis connection owned by the test, tracked and disconnected on
   * {@link RedisProcess.stop} / `stopAllRedis()`. A no-op 'error' listener is
   * attached so expected fault errors do not spam the console; failures still
   * surface as rejected commands.
   */
  client(options: RedisOptions = {}): Redis {
    const redis = new Redis({ host: this.host, port: this.port, ...options });
    redis.on('error', () => undefined);
    this.clients.add(redis);
    trackClient(redis);
    return redis;
  }

  /** Disconnects every client created by {@link RedisProcess.client}. */
  closeClients(): void {
    for (const redis of this.clients) {
      redis.disconnect();
      untrackClient(redis);
    }
    this.clients.clear();
  }

  /** Freezes the server with SIGSTOP: connections stay open, nothing answers. */
  pause(): void {
    this.signal('SIGSTOP');
    this.paused = true;
  }

  /** Unfreezes a paused server with SIGCONT. */
  resume(): void {
    this.signal('SIGCONT');
    this.paused = false;
  }

  /** SIGKILLs the server and waits until it has exited. Clients stay open. */
  async kill(): Promise<void> {
    const child = this.child;
    if (child === undefined || hasExited(child)) return;
    child.kill('SIGKILL');
    await this.awaitExit(child, 'SIGKILL');
  }

  /**
   * Gracefully stops the server (SIGCONT if paused, then SIGTERM; SIGKILL if
   * it has not exited after 10 s) and waits for exit. Disconnects tracked
   * clients first unless `keepClients` is set.
   */
  async stop(options: { keepClients?: boolean } = {}): Promise<void> {
    if (options.keepClients !== true) this.closeClients();
    const child = this.child;
    if (child === undefined || hasExited(child)) return;
    if (this.paused) this.resume();
    child.kill('SIGTERM');
    if (await waitForExit(child, EXIT_TIMEOUT_MS)) return;
    child.kill('SIGKILL');
    await this.awaitExit(child, 'SIGKILL after SIGTERM');
  }

  /**
   * Starts the server again, EMPTY, on the same port and waits for PING. If it
   * is still running it is SIGKILLed first. Existing clients are kept (they
   * reconnect according to their own retry strategy).
   */
  async restart(): Promise<void> {
    await this.kill();
    removeDataFiles(this.files);
    await this.spawnAndWait();
  }

  /** Tail of the server's log and captured stdout/stderr, for diagnostics. */
  logTail(lines = 25): string {
    return readLogTail(this.files, lines);
  }

  private signal(signal: NodeJS.Signals): void {
    const child = this.child;
    if (child === undefined || hasExited(child)) {
      throw new Error(`${this.spec.label} on port ${this.port} is not running`);
    }
    child.kill(signal);
  }

  private async awaitExit(child: ChildProcess, what: string): Promise<void> {
    if (!(await waitForExit(child, EXIT_TIMEOUT_MS))) {
      throw new Error(`${this.spec.label} pid ${String(child.pid)} did not exit after ${what}`);
    }
  }

  private async spawnAndWait(): Promise<void> {
    const child = spawnServer(this.spec.buildArgs(this.port, this.files), this.files);
    this.child = child;
    this.paused = false;
    await waitForServerReady({
      child,
      files: this.files,
      port: this.port,
      label: this.spec.label,
      timeoutMs: this.spec.readyTimeoutMs,
    });
  }
}

/** The argv {@link startRedis} uses for a plain (or replica) server. */
export function redisServerArgs(
  port: number,
  files: ServerFiles,
  options: StartRedisOptions = {},
): string[] {
  assertNoForbiddenPortArgs(options.args ?? []);
  const args = baseServerArgs(port, files);
  if (options.replicaOf) {
    assertAllowedPort(options.replicaOf.port);
    args.push('--replicaof', options.replicaOf.host, String(options.replicaOf.port));
  }
  return [...args, ...(options.args ?? [])];
}

/**
 * Starts a throwaway redis-server on a free (or the given) port with no
 * persistence and a private temp dir, and waits until it answers PING.
 * Fails after `readyTimeoutMs` (default 5 s) with the server's log tail.
 */
export function startRedis(options: StartRedisOptions = {}): Promise<RedisProcess> {
  return RedisProcess.launch(
    {
      label: options.replicaOf ? 'redis-server (replica)' : 'redis-server',
      buildArgs: (port, files) => redisServerArgs(port, files, options),
      readyTimeoutMs: options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS,
    },
    options.port,
  );
}
