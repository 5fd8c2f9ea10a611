/**
 * Starts replica processes (replica-main.ts), sends them commands over IPC,
 * awaits their replies with timeouts, and kills them: `stopAllReplicas()`
 * belongs in every suite's afterEach/afterAll. Replicas are also registered
 * with the Redis harness, whose exit hooks SIGKILL them if the test process dies.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Cluster, Redis } from 'ioredis';
import { trackProcess, waitUntil } from '../../harness/index.js';
import type { BreakerState, StoreMode } from '../../../src/index.js';
import { CONFIG_ENV, isChildMessage } from './protocol.js';
import type { ChildMessage, Command, Replies, ReplicaConfig, Request } from './protocol.js';

const MAIN = fileURLToPath(new URL('./replica-main.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** How long a replica gets to start (tsx compiles the sources on a busy machine). */
export const START_TIMEOUT_MS = 30_000;
/** How long a command gets to be answered. */
export const COMMAND_TIMEOUT_MS = 10_000;
/** How long any fleet-wide condition gets to become true. */
export const CONVERGE_TIMEOUT_MS = 10_000;

const live = new Set<Replica>();

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/** A replica child process. */
export class Replica {
  private seq = 0;
  private readonly pending = new Map<number, Pending>();
  private readonly output: string[] = [];
  private exitInfo: string | undefined;
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;

  private constructor(
    /** The replica id (also its box's replicaId). */
    readonly id: string,
    private readonly child: ChildProcess,
  ) {
    const keep = (chunk: Buffer): void => {
      this.output.push(chunk.toString());
      if (this.output.length > 200) this.output.splice(0, this.output.length - 200);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = signal === null ? `exit code ${String(code)}` : `signal ${signal}`;
        live.delete(this);
        this.failPending(new Error(`replica ${id} exited (${this.exitInfo})`));
        resolve();
      });
    });
    child.on('message', (message: unknown) => {
      if (!isChildMessage(message)) return;
      this.receive(message);
    });
    child.on('error', () => undefined);
  }

  /**
   * Spawns a replica and waits for it to be ready.
   * @throws the replica's own error (with its `code` in the message) if it could not start
   */
  static async start(config: ReplicaConfig, timeoutMs = START_TIMEOUT_MS): Promise<Replica> {
    const child = fork(MAIN, [], {
      cwd: ROOT,
      // --expose-gc: the `health` command forces a full GC before reading the heap.
      execArgv: ['--import', 'tsx', '--expose-gc'],
      env: { ...process.env, [CONFIG_ENV]: JSON.stringify(config), NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    trackProcess(child);
    const replica = new Replica(config.replicaId, child);
    live.add(replica);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new Error(
            `replica ${config.replicaId} not ready after ${timeoutMs} ms\n${replica.diagnostics()}`,
          ),
        );
      }, timeoutMs);
      const onMessage = (message: unknown): void => {
        if (!isChildMessage(message)) return;
        if (message.kind === 'ready') {
          done();
          resolve();
        } else if (message.kind === 'fatal') {
          done();
          reject(
            new Error(
              `replica ${config.replicaId} failed to start: [${message.code ?? '-'}] ${message.error}`,
            ),
          );
        }
      };
      const onExit = (): void => {
        done();
        reject(
          new Error(`replica ${config.replicaId} exited before ready\n${replica.diagnostics()}`),
        );
      };
      const done = (): void => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
    }).catch(async (error: unknown) => {
      await replica.kill();
      throw error;
    });
    return replica;
  }

  /** The child's pid. */
  get pid(): number {
    const pid = this.child.pid;
    if (pid === undefined) throw new Error(`replica ${this.id} has no pid`);
    return pid;
  }

  /** True until the process has exited. */
  get isAlive(): boolean {
    return this.exitInfo === undefined;
  }

  /**
   * Sends a command and awaits its reply.
   * @throws when the replica answers with an error, exits, or does not answer within `timeoutMs`
   */
  send<C extends Command>(command: C, timeoutMs = COMMAND_TIMEOUT_MS): Promise<Replies[C['type']]> {
    if (!this.isAlive)
      return Promise.reject(
        new Error(`replica ${this.id} is not running (${this.exitInfo ?? ''})`),
      );
    const id = ++this.seq;
    return new Promise<Replies[C['type']]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(
          new Error(
            `replica ${this.id}: no reply to ${JSON.stringify(command)} within ${timeoutMs} ms\n${this.diagnostics()}`,
          ),
        );
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (value) => {
          resolve(value as Replies[C['type']]);
        },
        reject,
        timer,
      });
      const request: Request = { id, command };
      this.child.send(request, (error) => {
        if (error === null) return;
        const pending = this.pending.get(id);
        if (pending === undefined) return;
        this.pending.delete(id);
        clearTimeout(pending.timer);
        reject(error);
      });
    });
  }

  /** This replica's local view of a breaker's state (no Redis read). */
  state(breaker: string): Promise<BreakerState> {
    return this.send({ type: 'state', breaker });
  }

  /** The box's mode: `shared` or `local`. */
  mode(): Promise<StoreMode> {
    return this.send({ type: 'mode' });
  }

  /** Kills the process (SIGKILL by default) and waits until it has exited. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.isAlive) this.child.kill(signal);
    await this.exited;
  }

  /** Freezes the process (SIGSTOP), like a long stop-the-world pause. Send it nothing until `resume()`. */
  pause(): void {
    this.child.kill('SIGSTOP');
  }

  /** Unfreezes a paused process (SIGCONT). */
  resume(): void {
    this.child.kill('SIGCONT');
  }

  /** Asks the replica to close its box and exit; SIGKILLs it if that takes too long. */
  async stop(timeoutMs = 3_000): Promise<void> {
    if (!this.isAlive) return;
    try {
      await this.send({ type: 'exit' }, timeoutMs);
    } catch {
      // Killed below.
    }
    const timer = setTimeout(() => {
      this.child.kill('SIGKILL');
    }, timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** The tail of the replica's stdout/stderr, for failure messages. */
  diagnostics(): string {
    const tail = this.output.join('').split('\n').slice(-30).join('\n');
    return `--- replica ${this.id} (pid ${String(this.child.pid)}, ${this.exitInfo ?? 'running'}) output tail:\n${tail}`;
  }

  private receive(message: ChildMessage): void {
    if (message.kind !== 'reply' && message.kind !== 'error') return;
    const pending = this.pending.get(message.id);
    if (pending === undefined) return;
    this.pending.delete(message.id);
    clearTimeout(pending.timer);
    if (message.kind === 'reply') pending.resolve(message.result);
    else pending.reject(new Error(`replica ${this.id}: ${message.error}`));
  }

  private failPending(error: Error): void {
    for (const pending of this.pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
    this.pending.clear();
  }
}

/** Starts replicas in parallel; if any fails to start, kills the others and rethrows. */
export async function startFleet(configs: readonly ReplicaConfig[]): Promise<Replica[]> {
  const started = await Promise.allSettled(configs.map((config) => Replica.start(config)));
  const replicas = started.flatMap((result) =>
    result.status === 'fulfilled' ? [result.value] : [],
  );
  const failure = started.find((result) => result.status === 'rejected');
  if (failure !== undefined) {
    await Promise.all(replicas.map((replica) => replica.kill()));
    throw failure.reason;
  }
  return replicas;
}

/** SIGKILLs every replica still running and waits until they have exited. */
export async function stopAllReplicas(): Promise<void> {
  const replicas = [...live];
  await Promise.all(replicas.map((replica) => replica.kill()));
}

/** The diagnostics of every replica, for failure messages. */
export function fleetDiagnostics(replicas: readonly Replica[]): string {
  return replicas.map((replica) => replica.diagnostics()).join('\n');
}

/** Polls until every replica's local view of `breaker` is `state` (fails after `timeoutMs`). */
export async function waitForState(
  replicas: readonly Replica[],
  breaker: string,
  state: BreakerState,
  timeoutMs = CONVERGE_TIMEOUT_MS,
): Promise<void> {
  let last: BreakerState[] = [];
  await waitUntil(
    async () => {
      last = await Promise.all(replicas.map((replica) => replica.state(breaker)));
      return last.every((seen) => seen === state);
    },
    {
      timeoutMs,
      intervalMs: 25,
      description: `every replica to see ${breaker} ${state}`,
      details: () =>
        `views: ${JSON.stringify(Object.fromEntries(replicas.map((r, i) => [r.id, last[i]])))}\n${fleetDiagnostics(replicas)}`,
    },
  );
}

/** Redis TIME in ms (the clock of the shared record). */
export async function redisNow(redis: Redis | Cluster): Promise<number> {
  const [seconds, micros] = await redis.time();
  return seconds * 1000 + Math.floor(micros / 1000);
}

/** Polls Redis TIME until it is past `ms` (fails after `timeoutMs`). */
export async function waitForRedisTime(
  redis: Redis | Cluster,
  ms: number,
  timeoutMs = CONVERGE_TIMEOUT_MS,
): Promise<void> {
  await waitUntil(async () => (await redisNow(redis)) > ms, {
    timeoutMs,
    intervalMs: 20,
    description: `Redis time past ${ms}`,
  });
}

/** The transition events stream of a breaker (`<ns>:{<name>}:events`), oldest first. */
export async function readEvents(
  redis: Redis | Cluster,
  namespace: string,
  breaker: string,
): Promise<Record<string, string>[]> {
  const entries = await redis.xrange(`${namespace}:{${breaker}}:events`, '-', '+');
  return entries.map(([, fields]) => {
    const record: Record<string, string> = {};
    for (let i = 0; i + 1 < fields.length; i += 2) {
      const key = fields.at(i);
      const value = fields.at(i + 1);
      if (key !== undefined && value !== undefined) record[key] = value;
    }
    return record;
  });
}

/** The `CLIENT LIST` entries whose name is `name`, as field maps. */
export async function clientsNamed(redis: Redis, name: string): Promise<Record<string, string>[]> {
  const list = (await redis.call('CLIENT', 'LIST')) as string;
  return list
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const fields: Record<string, string> = {};
      for (const pair of line.trim().split(' ')) {
        const at = pair.indexOf('=');
        if (at > 0) fields[pair.slice(0, at)] = pair.slice(at + 1);
      }
      return fields;
    })
    .filter((fields) => fields.name === name);
}
