/** With a dashboard stream open, closing the app and the box lets the process exit by itself. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const CHILD = fileURLToPath(new URL('./serve-and-close.ts', import.meta.url));

it('the process exits by itself after app.close() with a page connected', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  let printedAt = 0;
  child.stdout.on('data', () => {
    if (out.includes('closed') && printedAt === 0) printedAt = Date.now();
  });
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve(null);
    }, 25_000);
    child.on('exit', (exitCode) => {
      clearTimeout(timer);
      resolve(exitCode);
    });
  });
  expect(out).toContain('closed');
  expect(code, `child output:\n${out}`).toBe(0);
  // No interval or socket kept it alive after the close.
  expect(Date.now() - printedAt).toBeLessThan(3_000);
}, 30_000);
