/**
 * Starts a throwaway redis-server for the demo on a free loopback port (never
 * your own Redis), and stops it when the demo exits. Returns undefined when no
 * redis-server is installed.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';

/** A running private redis-server. */
export interface PrivateRedis {
  readonly url: string;
  stop(): void;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address === null || typeof address === 'string') reject(new Error('no port'));
        else resolve(address.port);
      });
    });
  });
}

/** Starts redis-server on a free port, or answers undefined when it is not installed. */
export async function startPrivateRedis(): Promise<PrivateRedis | undefined> {
  if (spawnSync('redis-server', ['--version']).status !== 0) return undefined;
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  const stop = (): void => {
    if (child.exitCode === null) child.kill('SIGKILL');
  };
  process.once('exit', stop);
  for (let attempt = 0; attempt < 50; attempt++) {
    if (
      spawnSync('redis-cli', ['-p', String(port), 'ping'])
        .stdout.toString()
        .includes('PONG')
    ) {
      return { url: `redis://127.0.0.1:${String(port)}`, stop };
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  stop();
  return undefined;
}
