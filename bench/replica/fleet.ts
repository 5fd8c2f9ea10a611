/**
 * The coordinator's side of a fleet: forks replica processes (main.ts), sends
 * them commands over IPC, collects the transitions they report, and stops
 * them. Every replica is tracked by the Redis harness too, whose exit hooks
 * SIGKILL it if the case process dies; a replica also exits by itself when
 * its IPC channel closes.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { trackProcess } from '../../test/harness/index.js';
import { onCaseEnd } from '../lib/case-runner.js';
import { CONFIG_ENV, isChildMessage } from './protocol.js';
import type {
  ChildMessage,
  Command,
  ModeSeen,
  Replies,
  ReplicaConfig,
  TransitionSeen,
} from './protocol.js';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const START_TIMEOUT_MS = 60_000;
const COMMAND_TIMEOUT_MS = 60_000;

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

type TransitionListener = (replica: FleetReplica, seen: TransitionSeen) => void;

/** One replica process. */
export class FleetReplica {
  private seq = 0;
  private readonly pending = new Map<number, Pending>();
  private stderr = '';
  private exitInfo: string | undefined;
  private readonly latest = new Map<string, TransitionSeen>();
  /** Every mode change this replica's box reported (shared ↔ local). */
  readonly modeChanges: ModeSeen[] = [];
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;

  constructor(
    readonly index: number,
    private readonly child: ChildProcess,
    private readonly onTransition: TransitionListener,
  ) {
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-4_000);
    });
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = signal === null ? `exit code ${String(code)}` : `signal ${signal}`;
        for (const pending of this.pending.values()) {
          clearTimeout(pending.timer);
          pending.reject(new Error(`replica ${index} exited (${this.exitInfo})\n${this.stderr}`));
        }
        this.pending.clear();
        resolve();
      });
    });
    child.on('message', (message: unknown) => {
      if (isChildMessage(message)) this.receive(message);
    });
    child.on('error', () => undefined);
  }

  /** The last transition this replica reported on `breaker`. */
  lastTransition(breaker: string): TransitionSeen | undefined {
    return this.latest.get(breaker);
  }

  /**
   * Sends a command and awaits its reply.
   * @throws Error when the replica answers with an error, exits or does not answer in time
   */
  send<C extends Command>(command: C, timeoutMs = COMMAND_TIMEOUT_MS): Promise<Replies[C['op']]> {
    if (this.exitInfo !== undefined) {
      return Promise.reject(new Error(`replica ${this.index} is gone (${this.exitInfo})`));
    }
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`replica ${this.index}: no reply to ${command.op} in ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (value) => {
          resolve(value as Replies[C['op']]);
        },
        reject,
        timer,
      });
      this.child.send({ id, command });
    });
  }

  /** Closes the box, then waits for the process to end (SIGKILL after `timeoutMs`). */
  async stop(timeoutMs = 5_000): Promise<void> {
    if (this.exitInfo === undefined) {
      await this.send({ op: 'close' }, timeoutMs).catch(() => undefined);
      this.child.disconnect();
    }
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }

  private receive(message: ChildMessage): void {
    if (message.kind === 'mode') {
      this.modeChanges.push(message);
      return;
    }
    if (message.kind === 'transition') {
      this.latest.set(message.breaker, message);
      this.onTransition(this, message);
      return;
    }
    if (message.kind !== 'reply') return;
    const pending = this.pending.get(message.id);
    if (pending === undefined) return;
    this.pending.delete(message.id);
    clearTimeout(pending.timer);
    if (message.ok) pending.resolve(message.value);
    else pending.reject(new Error(`replica ${this.index}: ${message.error}`));
  }
}

/** Replica processes started together on one Redis. */
export class Fleet {
  private readonly listeners = new Set<TransitionListener>();
  readonly replicas: FleetReplica[] = [];

  private constructor() {}

  /**
   * Starts `count` replicas (in parallel) and waits until every one is ready.
   * They are stopped when the case ends, if {@link Fleet.stop} was not called.
   * @throws Error when a replica fails to start
   */
  static async start(count: number, config: (index: number) => ReplicaConfig): Promise<Fleet> {
    const fleet = new Fleet();
    onCaseEnd(() => fleet.stop());
    await Promise.all(
      Array.from({ length: count }, (_, index) => fleet.spawn(index, config(index))),
    );
    return fleet;
  }

  /** Calls `listener` for every transition any replica reports; returns an unsubscribe function. */
  onTransition(listener: TransitionListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Resolves once every replica's last transition on `breaker` satisfies `test`.
   * @throws Error after `timeoutMs`
   */
  async until(
    breaker: string,
    test: (seen: TransitionSeen | undefined) => boolean,
    timeoutMs = 5_000,
  ): Promise<void> {
    const done = (): boolean => this.replicas.every((r) => test(r.lastTransition(breaker)));
    if (done()) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        unsubscribe();
        const states = this.replicas.map((r) => {
          const seen = r.lastTransition(breaker);
          return seen === undefined ? 'none' : `${seen.to}@${seen.epoch}`;
        });
        reject(
          new Error(`fleet not converged on ${breaker} in ${timeoutMs} ms: ${states.join(', ')}`),
        );
      }, timeoutMs);
      const unsubscribe = this.onTransition(() => {
        if (!done()) return;
        clearTimeout(timer);
        unsubscribe();
        resolve();
      });
    });
  }

  /** Mode changes (shared ↔ local) all replicas reported so far. */
  get modeChanges(): number {
    return this.replicas.reduce((sum, replica) => sum + replica.modeChanges.length, 0);
  }

  /** Closes every replica's box and waits for the processes to end. */
  async stop(): Promise<void> {
    await Promise.all(this.replicas.map((replica) => replica.stop()));
  }

  /** Forks replica `index` (kept in {@link Fleet.replicas} at once, so that stop() finds it) and waits until it is ready. */
  private async spawn(index: number, config: ReplicaConfig): Promise<void> {
    const child = fork(MAIN, [], {
      cwd: ROOT,
      execArgv: [...(config.nodeFlags ?? []), '--import', 'tsx'],
      env: { ...process.env, [CONFIG_ENV]: JSON.stringify(config), NODE_OPTIONS: '' },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'json',
    });
    trackProcess(child);
    this.replicas[index] = new FleetReplica(index, child, (from, seen) => {
      for (const listener of this.listeners) listener(from, seen);
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        finish(new Error(`replica ${index} not ready in ${START_TIMEOUT_MS} ms`));
      }, START_TIMEOUT_MS);
      const onMessage = (message: unknown): void => {
        if (!isChildMessage(message)) return;
        if (message.kind === 'ready') finish(undefined);
        else if (message.kind === 'fatal') finish(new Error(`replica ${index}: ${message.error}`));
      };
      const onExit = (): void => {
        finish(new Error(`replica ${index} exited before it was ready`));
      };
      const finish = (error: Error | undefined): void => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        if (error === undefined) resolve();
        else {
          child.kill('SIGKILL');
          reject(error);
        }
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  }
}
