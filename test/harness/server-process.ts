import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasExited, trackProcess, trackTempDir } from './cleanup.js';
import { LOOPBACK } from './free-port.js';

/** Absolute path of the redis-server binary the harness runs. */
export const REDIS_SERVER_BIN = '/usr/bin/redis-server';

/** Absolute path of the redis-cli binary the harness runs. */
export const REDIS_CLI_BIN = '/usr/bin/redis-cli';

/** Files a harness-managed server writes inside its private temp dir. */
export interface ServerFiles {
  /** The server's private temp dir (also its `--dir`). */
  dir: string;
  /** Redis' own log (`--logfile`). */
  logFile: string;
  /** Captured stdout + stderr of the process. */
  stdioFile: string;
  /** Unix socket the server also listens on. */
  socketPath: string;
}

/** Creates a private temp dir (tracked for cleanup) and names the files in it. */
export function createServerFiles(prefix = 'breakerbox-redis-'): ServerFiles {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  trackTempDir(dir);
  return {
    dir,
    logFile: join(dir, 'redis.log'),
    stdioFile: join(dir, 'stdio.log'),
    socketPath: join(dir, 'redis.sock'),
  };
}

/**
 * Arguments every harness-managed server gets: loopback-only on `port`, no
 * persistence, data/log/socket inside its own temp dir. Must come after any
 * config-file argument.
 */
export function baseServerArgs(port: number, files: ServerFiles): string[] {
  return [
    '--port',
    String(port),
    '--bind',
    LOOPBACK,
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    files.dir,
    '--logfile',
    files.logFile,
    '--unixsocket',
    files.socketPath,
    '--unixsocketperm',
    '700',
    '--daemonize',
    'no',
    // Start replica full syncs at once instead of after the default 5 s.
    '--repl-diskless-sync-delay',
    '0',
    // Do not wait for lagging replicas on SIGTERM; keeps stop() prompt.
    '--shutdown-timeout',
    '0',
  ];
}

/** Removes data files so the next start is empty (keeps cluster nodes.conf). */
export function removeDataFiles(files: ServerFiles): void {
  for (const name of ['dump.rdb', 'appendonlydir', 'appendonly.aof', 'redis.sock']) {
    rmSync(join(files.dir, name), { recursive: true, force: true });
  }
}

/**
 * Spawns `redis-server` with `args`, stdout/stderr appended to
 * `files.stdioFile`, registered for cleanup, and unref'd so it never keeps
 * the test process alive.
 */
export function spawnServer(args: readonly string[], files: ServerFiles): ChildProcess {
  const fd = openSync(files.stdioFile, 'a');
  try {
    const child = spawn(REDIS_SERVER_BIN, args, { stdio: ['ignore', fd, fd] });
    if (child.pid === undefined) {
      throw new Error(`harness: failed to spawn ${REDIS_SERVER_BIN}`);
    }
    trackProcess(child);
    child.on('error', () => {
      // Spawn/kill errors are reported through exit state and log tails.
    });
    child.unref();
    return child;
  } finally {
    closeSync(fd);
  }
}

/** Resolves true once `child` has exited, or false after `timeoutMs`. */
export function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (hasExited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      resolve(false);
    }, timeoutMs);
    const onExit = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once('exit', onExit);
  });
}

function tailOf(file: string, lines: number): string {
  if (!existsSync(file)) return '(missing)';
  const text = readFileSync(file, 'utf8').trimEnd();
  if (text === '') return '(empty)';
  return text.split('\n').slice(-lines).join('\n');
}

/** The last `lines` lines of the server log and of its captured stdout/stderr. */
export function readLogTail(files: ServerFiles, lines = 25): string {
  return (
    `--- ${files.logFile} ---\n${tailOf(files.logFile, lines)}\n` +
    `--- ${files.stdioFile} (stdout/stderr) ---\n${tailOf(files.stdioFile, lines)}`
  );
}

/** Describes how a child ended, e.g. "exited with code 1" or "killed by SIGKILL". */
export function describeExit(child: ChildProcess): string {
  if (child.signalCode !== null) return `killed by ${child.signalCode}`;
  if (child.exitCode !== null) return `exited with code ${child.exitCode}`;
  return 'still running';
}
