import type { ChildProcess } from 'node:child_process';
import { hasExited } from './cleanup.js';
import { LOOPBACK } from './free-port.js';
import { probeInfo, withProbe } from './probe.js';
import { describeExit, readLogTail, waitForExit } from './server-process.js';
import type { ServerFiles } from './server-process.js';
import { FatalWaitError, waitUntil } from './wait.js';

/** What {@link waitForServerReady} checks. */
export interface ReadinessTarget {
  child: ChildProcess;
  files: ServerFiles;
  port: number;
  label: string;
  timeoutMs: number;
}

/**
 * Waits until a freshly spawned server answers PING, polling over its private
 * unix socket (which can only reach this process, never another server
 * holding the port), then checks that the TCP port answers with the same
 * `process_id`. On failure SIGKILLs the child and throws an error that
 * includes the server's log and stdout/stderr tail.
 */
export async function waitForServerReady(target: ReadinessTarget): Promise<void> {
  const { child, files, port } = target;
  const label = `${target.label} (pid ${String(child.pid)}, port ${port})`;
  try {
    await waitUntil(
      async () => {
        if (hasExited(child)) throw new FatalWaitError(`${label} ${describeExit(child)}`);
        await withProbe({ path: files.socketPath }, (r) => r.ping(), 500);
        return true;
      },
      { timeoutMs: target.timeoutMs, intervalMs: 50, description: `${label} to answer PING` },
    );
    const info = await probeInfo({ host: LOOPBACK, port }, 'server', 2_000);
    if (info.get('process_id') !== String(child.pid)) {
      throw new Error(`TCP port ${port} answered from another process`);
    }
  } catch (err) {
    if (!hasExited(child)) child.kill('SIGKILL');
    await waitForExit(child, 10_000);
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(`Failed to start ${label}: ${reason}\n${readLogTail(files)}`, { cause: err });
  }
}
