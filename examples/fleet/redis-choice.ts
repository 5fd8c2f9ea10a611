/**
 * Which Redis the demo fleet uses: REDIS_URL if set (you invited it); else a
 * temporary redis-server on a free loopback port, in a temporary directory,
 * saving nothing, stopped and removed on exit; else none (the in-memory
 * store). It never picks a Redis nobody asked for, so never 6379 by default.
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The Redis the fleet shares, or why there is none. */
export type RedisChoice =
  | { readonly kind: 'url'; readonly url: string }
  | {
      readonly kind: 'temporary';
      readonly url: string;
      readonly pid: number;
      readonly dir: string;
      /** SIGTERM, SIGKILL after `graceMs`, then the directory is removed. */
      stop(graceMs: number): Promise<void>;
    }
  | { readonly kind: 'memory'; readonly reason: string };

/** A free TCP port on the loopback interface. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

/** Whether something answers PING with PONG on the port. */
function pong(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(500, () => {
      socket.destroy();
    });
    socket.once('connect', () => {
      socket.write('PING\r\n');
    });
    socket.once('data', (data) => {
      resolve(data.toString().startsWith('+PONG'));
      socket.destroy();
    });
    socket.once('error', () => {
      resolve(false);
    });
    socket.once('close', () => {
      resolve(false);
    });
  });
}

async function startTemporary(): Promise<RedisChoice | undefined> {
  const dir = mkdtempSync(join(tmpdir(), 'breakerbox-demo-'));
  const port = await freePort();
  // Detached: a Ctrl-C in the terminal reaches the replicas, not Redis, so they close against it.
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'].concat([
      '--dir',
      dir,
      '--maxmemory-policy',
      'noeviction',
    ]),
    { cwd: dir, detached: true, stdio: 'ignore' },
  );
  const exited = once(child, 'exit');
  const cleanup = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', cleanup); // a last resort if the parent dies without stopping it
  const stop = async (graceMs: number): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  for (let attempt = 0; attempt < 100 && child.exitCode === null; attempt++) {
    if (await pong(port))
      return {
        kind: 'temporary',
        url: `redis://127.0.0.1:${String(port)}`,
        pid: child.pid ?? 0,
        dir,
        stop,
      };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stop(200);
  return undefined;
}

/** REDIS_URL, else a temporary redis-server, else the in-memory store. */
export async function chooseRedis(): Promise<RedisChoice> {
  const url = process.env.REDIS_URL;
  if (url !== undefined && url !== '') return { kind: 'url', url };
  if (spawnSync('redis-server', ['--version']).status !== 0)
    return { kind: 'memory', reason: 'REDIS_URL is not set and no redis-server is on the PATH' };
  return (
    (await startTemporary()) ?? {
      kind: 'memory',
      reason: 'REDIS_URL is not set and the temporary redis-server did not start',
    }
  );
}
