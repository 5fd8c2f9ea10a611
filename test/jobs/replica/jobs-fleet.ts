/** Spawns jobs-replica.ts processes and talks to them over IPC. */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { trackProcess } from '../../harness/index.js';
import type { JobsCommand, JobsReplicaConfig } from './jobs-replica.js';

const MAIN = fileURLToPath(new URL('./jobs-replica.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const live = new Set<JobsReplica>();

interface Reply {
  readonly id?: number;
  readonly ready?: boolean;
  readonly result?: unknown;
  readonly error?: string;
}

/** One replica process. */
export class JobsReplica {
  private seq = 0;
  private readonly pending = new Map<number, (reply: Reply) => void>();
  private readonly output: string[] = [];
  readonly exited: Promise<void>;

  private constructor(
    readonly id: string,
    private readonly child: ChildProcess,
  ) {
    child.stderr?.on('data', (chunk: Buffer) => {
      this.output.push(chunk.toString());
      if (this.output.length > 100) this.output.shift();
    });
    child.on('message', (reply: Reply) => {
      if (reply.id === undefined) return;
      this.pending.get(reply.id)?.(reply);
      this.pending.delete(reply.id);
    });
    this.exited = new Promise((resolve) => {
      child.once('exit', () => {
        live.delete(this);
        for (const settle of this.pending.values()) settle({ error: `replica ${id} exited` });
        resolve();
      });
    });
  }

  /** Starts a replica and waits until it is ready. */
  static async start(config: JobsReplicaConfig, timeoutMs = 60_000): Promise<JobsReplica> {
    const child = fork(MAIN, [], {
      cwd: ROOT,
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, BREAKERBOX_JOBS_REPLICA: JSON.stringify(config), NODE_OPTIONS: '' },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'json',
    });
    trackProcess(child);
    const replica = new JobsReplica(config.replicaId, child);
    live.add(replica);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`replica ${config.replicaId} not ready\n${replica.diagnostics()}`));
      }, timeoutMs);
      child.on('message', (reply: Reply) => {
        if (reply.ready !== true) return;
        clearTimeout(timer);
        resolve();
      });
      child.once('exit', () => {
        clearTimeout(timer);
        reject(new Error(`replica ${config.replicaId} exited\n${replica.diagnostics()}`));
      });
    });
    return replica;
  }

  /** Sends a command and awaits the reply. */
  async send(command: JobsCommand, timeoutMs = 10_000): Promise<unknown> {
    const id = ++this.seq;
    const reply = await new Promise<Reply>((resolve) => {
      const timer = setTimeout(() => {
        resolve({ error: `no reply to ${command.type} within ${timeoutMs} ms` });
      }, timeoutMs);
      this.pending.set(id, (value) => {
        clearTimeout(timer);
        resolve(value);
      });
      this.child.send({ id, command });
    });
    if (reply.error !== undefined)
      throw new Error(`${this.id}: ${reply.error}\n${this.diagnostics()}`);
    return reply.result;
  }

  /** SIGKILLs the process and waits for it to exit. */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }

  /** The stderr tail. */
  diagnostics(): string {
    return `--- ${this.id}:\n${this.output.join('').split('\n').slice(-20).join('\n')}`;
  }
}

/** Starts replicas in parallel. */
export function startJobsFleet(
  configs: readonly JobsReplicaConfig[],
  timeoutMs = 60_000,
): Promise<JobsReplica[]> {
  return Promise.all(configs.map((config) => JobsReplica.start(config, timeoutMs)));
}

/** Kills every replica still running. */
export async function stopJobsFleet(): Promise<void> {
  await Promise.all([...live].map((replica) => replica.kill()));
}
