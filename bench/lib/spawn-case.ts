import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BenchCase } from '../registry.js';
import type { CaseOutput } from './protocol.js';
import { isCaseOutput } from './protocol.js';

const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));

/**
 * Runs one case in a fresh Node process (`node [flags] --import tsx <file>
 * <variant> <params>`) from `cwd` and returns the {@link CaseOutput} it printed
 * as the last line of its stdout. The child's stderr is passed through.
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
    const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
    }, spec.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) {
        const how = signal === null ? `exit code ${code}` : `signal ${signal}`;
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
