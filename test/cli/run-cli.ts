/** Runs the `breakerbox` command as a child process (tsx on src, or the built dist). */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { trackProcess } from '../harness/index.js';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** What a finished run printed and how it exited. */
export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** How to run it. */
export interface CliRun {
  /** `src` (tsx, the default) or `dist` (after `npm run build`). */
  readonly via?: 'src' | 'dist';
  /** The environment; REDIS_URL is removed unless given here, so no run can reach a default Redis. */
  readonly env?: Readonly<Record<string, string>>;
  /** Kill it (SIGKILL) past this; default 60 s. */
  readonly timeoutMs?: number;
}

function argvFor(via: 'src' | 'dist', args: readonly string[]): string[] {
  return via === 'src'
    ? ['--import', 'tsx', 'src/cli/main.ts', ...args]
    : ['dist/cli/main.js', ...args];
}

/** Starts the command; the caller collects its output. */
export function startCli(args: readonly string[], run: CliRun = {}): ChildProcess {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && key !== 'REDIS_URL' && key !== 'BREAKERBOX_NAMESPACE') {
      env[key] = value;
    }
  }
  const child = spawn(process.execPath, argvFor(run.via ?? 'src', args), {
    cwd: ROOT,
    env: { ...env, ...run.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  trackProcess(child);
  return child;
}

/** Collects a child's output as it comes. */
export function collect(child: ChildProcess): { stdout: () => string; stderr: () => string } {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return { stdout: () => stdout, stderr: () => stderr };
}

/** Runs the command to its end. */
export function runCli(args: readonly string[], run: CliRun = {}): Promise<CliResult> {
  const child = startCli(args, run);
  const output = collect(child);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
    }, run.timeoutMs ?? 60_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: output.stdout(), stderr: output.stderr() });
    });
  });
}
