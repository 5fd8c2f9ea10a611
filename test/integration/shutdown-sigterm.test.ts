import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBreakerBox } from '../../src/create-breaker-box.js';
import type { RedisProcess } from '../harness/index.js';
import { startRedis, stopAllRedis, trackProcess, waitUntil } from '../harness/index.js';

const MAIN = fileURLToPath(new URL('./shutdown/sigterm-replica.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

let server: RedisProcess;

beforeAll(async () => {
  server = await startRedis();
});

afterAll(async () => {
  await stopAllRedis();
});

interface Line {
  kind: string;
  counted?: number;
  failures?: number;
}

function spawnReplica(
  replicaId: string,
  plain: boolean,
): { child: ChildProcess; lines: Line[]; stderr: string[] } {
  const child = fork(MAIN, [], {
    cwd: ROOT,
    execArgv: ['--import', 'tsx'],
    env: {
      ...process.env,
      NODE_OPTIONS: '',
      BREAKERBOX_TEST_REDIS: server.url,
      BREAKERBOX_TEST_REPLICA: replicaId,
      BREAKERBOX_TEST_PLAIN: plain ? '1' : '0',
    },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  trackProcess(child);
  const lines: Line[] = [];
  const stderr: string[] = [];
  let buffer = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let at = buffer.indexOf('\n');
    while (at >= 0) {
      lines.push(JSON.parse(buffer.slice(0, at)) as Line);
      buffer = buffer.slice(at + 1);
      at = buffer.indexOf('\n');
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  return { child, lines, stderr };
}

describe('SIGTERM under load', () => {
  it.each([
    ['with close-with-grace', 'sigterm-grace', false],
    ['with a plain listener and no process.exit', 'sigterm-plain', true],
  ])(
    '%s: drains in order, flushes every counted outcome to Redis, and exits by itself',
    async (_label, replicaId, plain) => {
      const { child, lines, stderr } = spawnReplica(replicaId, plain);
      const exited = new Promise<number | null>((resolve) =>
        child.on('exit', (code) => {
          resolve(code);
        }),
      );
      await waitUntil(() => Promise.resolve(lines.some((l) => l.kind === 'ready')), {
        timeoutMs: 20_000,
        description: 'the replica to start',
      });
      // Let it run under load for a while (well under its 30 s flush interval).
      await new Promise((resolve) => setTimeout(resolve, 800));
      child.kill('SIGTERM');
      const code = await Promise.race([
        exited,
        new Promise<'hung'>((resolve) =>
          setTimeout(() => {
            resolve('hung');
          }, 15_000),
        ),
      ]);
      expect(code, stderr.join('')).toBe(0);
      const closed = lines.find((l) => l.kind === 'closed');
      expect(closed, stderr.join('')).toBeDefined();
      const counted = closed?.counted ?? 0;
      expect(counted).toBeGreaterThan(50);

      const logs = stderr
        .join('')
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { component?: string; stage?: string });
      expect(logs.filter((l) => l.component === 'shutdown').map((l) => l.stage)).toEqual([
        'refuse',
        'drain',
        'flush',
        'release_probe_locks',
        'unsubscribe',
        'quit',
        'complete',
      ]);

      const reader = await createBreakerBox({
        redis: server.url,
        namespace: 'sigterm',
        replicaId: 'reader',
        logger: pino({ level: 'silent' }),
      });
      try {
        const snapshot = await reader
          .breaker('payments', { windowMs: 600_000, minimumCalls: 1_000_000 })
          .snapshot();
        expect(snapshot.window.replicas[replicaId]).toEqual({
          calls: counted,
          failures: closed?.failures,
          slowCalls: 0,
        });
      } finally {
        await reader.close();
      }
    },
  );
});
