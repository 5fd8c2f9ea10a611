import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';

/** Anything with an ioredis-style synchronous `disconnect()`. */
export interface Disconnectable {
  disconnect(): void;
}

type CleanupFn = () => void | Promise<void>;

const liveProcesses = new Set<ChildProcess>();
const spawnedPids: number[] = [];
const clients = new Set<Disconnectable>();
const cleanups = new Set<CleanupFn>();
const tempDirs = new Set<string>();
let hooksInstalled = false;

/** True once Node has reported that `child` exited (so its pid is reaped). */
export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function keepTempDirs(): boolean {
  return process.env.BREAKERBOX_KEEP_REDIS_TMP === '1';
}

function removeTempDirsSync(): void {
  if (keepTempDirs()) return;
  for (const dir of tempDirs) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // Best effort: a leftover temp dir is harmless.
    }
  }
  tempDirs.clear();
}

/** Synchronously SIGKILLs every live child. Safe inside an 'exit' handler. */
function killAllSync(): void {
  for (const client of clients) {
    try {
      client.disconnect();
    } catch {
      // Ignore: the process is going away anyway.
    }
  }
  for (const child of liveProcesses) {
    if (!hasExited(child)) child.kill('SIGKILL');
  }
  removeTempDirsSync();
}

function onFatalSignal(signal: NodeJS.Signals): void {
  killAllSync();
  process.removeListener(signal, onFatalSignal);
  // Re-raise so the default behaviour (terminate) applies when nobody else
  // handles this signal.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', killAllSync);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, onFatalSignal);
  }
}

/**
 * Records a spawned child so it is SIGKILLed by {@link stopAllRedis} or when
 * the test process exits (normally, by signal, or on failure).
 */
export function trackProcess(child: ChildProcess): void {
  installExitHooks();
  if (child.pid === undefined) return;
  spawnedPids.push(child.pid);
  liveProcesses.add(child);
  child.once('exit', () => liveProcesses.delete(child));
}

/** Records a client connection that must be disconnected during cleanup. */
export function trackClient<T extends Disconnectable>(client: T): T {
  installExitHooks();
  clients.add(client);
  return client;
}

/** Forgets a client previously passed to {@link trackClient}. */
export function untrackClient(client: Disconnectable): void {
  clients.delete(client);
}

/** Records a temp dir to delete during cleanup (set BREAKERBOX_KEEP_REDIS_TMP=1 to keep). */
export function trackTempDir(dir: string): void {
  installExitHooks();
  tempDirs.add(dir);
}

/**
 * Registers an async cleanup step (e.g. closing a proxy) that
 * {@link stopAllRedis} runs. Returns a function that unregisters it.
 */
export function registerCleanup(fn: CleanupFn): () => void {
  installExitHooks();
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}

/** Every pid the harness has spawned in this process, including ones since stopped. */
export function getSpawnedPids(): readonly number[] {
  return [...spawnedPids];
}

/** Pids of harness-spawned processes that Node has not yet seen exit. */
export function getLivePids(): number[] {
  return [...liveProcesses].flatMap((child) => (child.pid === undefined ? [] : [child.pid]));
}

function waitForExitEvent(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (hasExited(child)) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Tears down everything the harness created: disconnects tracked clients,
 * runs registered cleanups (proxies), SIGKILLs every live redis-server /
 * sentinel by pid, waits for them to exit, and removes their temp dirs.
 * Call it from `afterAll`.
 */
export async function stopAllRedis(): Promise<void> {
  for (const client of clients) {
    try {
      client.disconnect();
    } catch {
      // Already closed.
    }
  }
  clients.clear();
  const pending = [...cleanups];
  cleanups.clear();
  await Promise.allSettled(pending.map(async (fn) => fn()));
  const children = [...liveProcesses];
  for (const child of children) {
    if (!hasExited(child)) child.kill('SIGKILL');
  }
  await Promise.all(children.map((child) => waitForExitEvent(child, 10_000)));
  removeTempDirsSync();
}

/** Alias of {@link stopAllRedis}, for `afterAll(stopAll)`. */
export const stopAll = stopAllRedis;
