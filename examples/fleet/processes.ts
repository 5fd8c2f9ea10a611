/**
 * The demo fleet's child processes: forked with tsx and an IPC channel, their
 * output kept (the last lines, shown if one dies), and stopped together:
 * SIGTERM, then SIGKILL after a grace.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { FleetMessage } from './messages.js';

/** The repository root (children run from it, so `--import tsx` resolves). */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A child the fleet started. */
export interface FleetChild {
  readonly name: string;
  readonly process: ChildProcess;
  /** Its last lines of output, newest last. */
  readonly output: string[];
  /** Resolves when it has exited. */
  readonly exited: Promise<unknown>;
}

const KEPT_LINES = 40;

/** Forks `script` (a path from the repository root) with tsx; messages go to `onMessage`. */
export function startChild(
  name: string,
  script: string,
  env: Readonly<Record<string, string | undefined>>,
  onMessage: (message: FleetMessage) => void,
): FleetChild {
  const child = fork(`${ROOT}${script}`, [], {
    cwd: ROOT,
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const output: string[] = [];
  const keep = (chunk: string): void => {
    output.push(...chunk.split('\n').filter(Boolean));
    output.splice(0, Math.max(0, output.length - KEPT_LINES));
  };
  child.stdout?.setEncoding('utf8').on('data', keep);
  child.stderr?.setEncoding('utf8').on('data', keep);
  child.on('message', (message) => {
    onMessage(message as FleetMessage);
  });
  // A signal to a child that already exited is not an error worth crashing for.
  child.on('error', () => undefined);
  return { name, process: child, output, exited: once(child, 'exit') };
}

/** Whether the child is still running. */
export function isRunning(child: FleetChild): boolean {
  return child.process.exitCode === null && child.process.signalCode === null;
}

/** SIGTERM to every child still running, SIGKILL to those left after `graceMs`; resolves when all exited. */
export async function stopChildren(
  children: readonly FleetChild[],
  graceMs: number,
): Promise<void> {
  const running = children.filter(isRunning);
  for (const child of running) child.process.kill('SIGTERM');
  const timer = setTimeout(() => {
    for (const child of running.filter(isRunning)) child.process.kill('SIGKILL');
  }, graceMs);
  await Promise.all(running.map((child) => child.exited));
  clearTimeout(timer);
}
