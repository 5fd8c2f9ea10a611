import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BenchCase } from '../registry.js';
import type { CaseOutput } from './protocol.js';
import { isCaseOutput } from './protocol.js';

const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));

/** Process groups of the case processes running now (one per case, led by it). */
const liveGroups = new Set<number>();

/** How long a case's process group gets between SIGTERM and SIGKILL. */
const TERM_GRACE_MS = 1_000;

function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false; // ESRCH: the whole group is gone already.
  }
}

/**
 * Ends the process group led by `pid`: the case process and everything it
 * started (its redis-server, its replicas), if any of them is still there.
 * SIGTERM first, so that the harness's hooks in the case process kill what it
 * tracks and remove their temp dirs; SIGKILL for whatever remains after a grace.
 */
function endGroup(pid: number): Promise<void> {
  if (!signalGroup(pid, 'SIGTERM')) return Promise.resolve();
  return new Promise((resolve) => {
    setTimeout(() => {
      signalGroup(pid, 'SIGKILL');
      resolve();
    }, TERM_GRACE_MS);
  });
}

/** Ends every running case process and everything it started (on Ctrl-C, or a failure). */
export async function endRunningCases(): Promise<void> {
  const groups = [...liveGroups];
  liveGroups.clear();
  await Promise.all(groups.map(endGroup));
}

/**
 * Runs one case in a fresh Node process (`node [flags] --import tsx <file>
 * <variant> <params>`) from `cwd` and returns the {@link CaseOutput} it printed
 * as the last line of its stdout. The child's stderr is passed through.
 * The case runs in a process group of its own, which is ended (SIGTERM, then
 * SIGKILL) when it ends or times out: nothing it started (a redis-server,
 * replica processes) outlives it, even when it dies without cleaning up.
 * @throws Error when the process fails, times out or prints no valid output
 */
export function runCaseProcess(spec: BenchCase, cwd: string): Promise<CaseOutput> {
  const args = [
    ...spec.nodeFlags,
    '--import',
    'tsx',
    `${BENCH_DIR}${spec.file}`,
    spec.variant,
    JSON.stringify(spec.params),
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const pid = child.pid;
    if (pid !== undefined) liveGroups.add(pid);
    const end = (): void => {
      if (pid === undefined || !liveGroups.delete(pid)) return;
      void endGroup(pid);
    };
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      end();
    }, spec.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      end();
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      end();
      if (code !== 0) {
        const how = timedOut
          ? `timed out after ${spec.timeoutMs} ms`
          : signal === null
            ? `exit code ${code}`
            : `signal ${signal}`;
        reject(new Error(`${spec.id} failed (${how}):\n${stderr.trim()}`));
        return;
      }
      const lastLine = stdout.trim().split('\n').at(-1) ?? '';
      let output: unknown;
      try {
        output = JSON.parse(lastLine);
      } catch {
        output = undefined;
      }
      if (!isCaseOutput(output)) {
        reject(new Error(`${spec.id} printed no valid result; stdout ended with: ${lastLine}`));
        return;
      }
      resolve(output);
    });
  });
}
