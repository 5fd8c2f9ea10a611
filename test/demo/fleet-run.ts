/**
 * Runs the demo fleet (`npm start` or its entry) as a child in its own
 * process group, like a terminal does, and finds every process it started.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { registerCleanup, trackProcess, waitUntil } from '../harness/index.js';
import { ROOT } from '../cli/run-cli.js';

/** Short scripted phases (healthy, failing, slow, recovering) so a test sees a trip and a heal soon. */
export const TEST_PHASES_MS = '2000,6000,3000,8000';

/** A running fleet. */
export interface FleetRun {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Waits for the output to match; answers the match. */
  waitFor(pattern: RegExp, timeoutMs: number, description: string): Promise<RegExpMatchArray>;
}

/** Starts the fleet: `npm start`, or `node --import tsx examples/fleet/main.ts`. */
export function startFleet(via: 'npm' | 'entry', env: Record<string, string> = {}): FleetRun {
  const base: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    // Never let a run reach a Redis from the environment.
    if (value !== undefined && key !== 'REDIS_URL' && key !== 'BREAKERBOX_NAMESPACE')
      base[key] = value;
  }
  const [command, args] =
    via === 'npm'
      ? ['npm', ['start', '--silent']]
      : [process.execPath, ['--import', 'tsx', 'examples/fleet/main.ts']];
  const child = spawn(command, args, {
    cwd: ROOT,
    detached: true, // its own process group: a group SIGINT is what Ctrl-C in a terminal sends
    env: { ...base, DEMO_PHASES_MS: TEST_PHASES_MS, DEMO_VIEW_MS: '1000', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  trackProcess(child);
  const pid = child.pid ?? 0;
  const seen = new Set<number>([pid]);
  registerCleanup(() => {
    for (const p of alive([...seen])) process.kill(p, 'SIGKILL');
  });
  let output = '';
  let looked = 0;
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
    if (Date.now() - looked < 1_000) return;
    looked = Date.now();
    for (const p of descendantsOf(pid)) seen.add(p);
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  return {
    child,
    pid,
    output: () => output,
    waitFor: (pattern, timeoutMs, description) =>
      waitUntil(() => Promise.resolve(pattern.exec(output) ?? undefined), {
        timeoutMs,
        description,
        details: () => `fleet output:\n${output}`,
      }),
  };
}

/** Every process below `root` (children, grandchildren…), from `ps`. */
export function descendantsOf(root: number): number[] {
  const table = spawnSync('ps', ['-A', '-o', 'pid=,ppid='], { encoding: 'utf8' }).stdout;
  const children = new Map<number, number[]>();
  for (const line of table.split('\n')) {
    const [pid = NaN, ppid = NaN] = line.trim().split(/\s+/).map(Number);
    if (Number.isNaN(pid) || Number.isNaN(ppid)) continue;
    children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  }
  const found: number[] = [];
  const queue = [root];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    for (const pid of children.get(next) ?? []) {
      found.push(pid);
      queue.push(pid);
    }
  }
  return found;
}

/** Those of `pids` still running (a zombie, exited but not yet reaped, counts as gone). */
export function alive(pids: readonly number[]): number[] {
  const table = spawnSync('ps', ['-A', '-o', 'pid=,stat='], { encoding: 'utf8' }).stdout;
  const running = new Set<number>();
  for (const line of table.split('\n')) {
    const [pid = '', stat = 'Z'] = line.trim().split(/\s+/);
    if (pid !== '' && !stat.startsWith('Z')) running.add(Number(pid));
  }
  return pids.filter((pid) => running.has(pid));
}
