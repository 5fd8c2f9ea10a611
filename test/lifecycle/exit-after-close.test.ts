import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { RedisProcess } from '../harness/index.js';
import { startRedis, stopAllRedis, trackProcess } from '../harness/index.js';

const CHILD = fileURLToPath(new URL('./exit-child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Generous for a loaded machine; a leftover timer holds the process for 10-30 s. */
const EXIT_BOUND_MS = 3_000;
/** Handles of the child's own stdio, not ours. */
const STDIO = new Set(['PipeWrap', 'TTYWrap', 'FSReqCallback']);

interface Report {
  readonly closedAt: number;
  readonly states: Record<string, string>;
  readonly resources: string[];
}

interface Run {
  readonly report: Report;
  readonly code: number | null;
  readonly exitAfterCloseMs: number;
  readonly stderr: string;
}

/** Runs the child until it exits (or 60 s pass), timing the exit from its report line. */
function runChild(args: readonly string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], {
      cwd: ROOT,
      env: { ...process.env, NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    trackProcess(child);
    let stdout = '';
    let stderr = '';
    let reportedAt: number | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (reportedAt === undefined && stdout.includes('\n')) reportedAt = Date.now();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const killer = setTimeout(() => {
      child.kill('SIGKILL');
    }, 60_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(killer);
      const exitedAt = Date.now();
      const line = stdout.split('\n')[0] ?? '';
      if (reportedAt === undefined || line === '') {
        reject(new Error(`the child reported nothing (exit ${String(code)}):\n${stderr}`));
        return;
      }
      resolve({
        report: JSON.parse(line) as Report,
        code,
        exitAfterCloseMs: exitedAt - reportedAt,
        stderr,
      });
    });
  });
}

function expectExitsAtOnce(run: Run): void {
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  expect(run.report.resources.filter((resource) => !STDIO.has(resource))).toEqual([]);
  expect(run.exitAfterCloseMs).toBeLessThan(EXIT_BOUND_MS);
  // The scenario ran as meant: the trials healed, the long forced open held.
  expect(run.report.states).toMatchObject({ trial: 'closed', probed: 'closed', forced: 'open' });
}

describe('after box.close() the process exits by itself at once', () => {
  let server: RedisProcess | undefined;

  afterAll(async () => {
    await stopAllRedis();
  });

  it('memory store: timed calls, trials, a probe and forced opens leave nothing behind', async () => {
    expectExitsAtOnce(await runChild(['memory']));
  }, 90_000);

  it('Redis store: the same, plus the connections and the store timers', async () => {
    server = await startRedis();
    expectExitsAtOnce(await runChild(['redis', server.url]));
  }, 90_000);
});
