import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg, release, totalmem } from 'node:os';
import { REDIS_SERVER_BIN } from '../../test/harness/index.js';

/** Where and with what the benchmark ran. */
export interface MachineInfo {
  readonly cpuModel: string;
  /** Logical processors listed in /proc/cpuinfo. */
  readonly cores: number;
  readonly node: string;
  readonly kernel: string;
  readonly memoryGiB: number;
  /** The 1-minute load average. */
  readonly load1: number;
  /** `abc1234` or `abc1234 (src/ modified)`. */
  readonly commit: string;
  /** Installed versions of the peers compared against, by package name. */
  readonly peers: Readonly<Partial<Record<string, string>>>;
  /** `redis-server --version` of the binary the Redis cases start (`v=7.0.15`), or `unknown`. */
  readonly redisServer: string;
}

/** Reads the CPU model and core count from /proc/cpuinfo, plus Node, git and peer versions. */
export function describeMachine(root: string, peers: readonly string[]): MachineInfo {
  const cpuinfo = readText('/proc/cpuinfo');
  const models = [...cpuinfo.matchAll(/^model name\s*:\s*(.+)$/gm)].map((match) => match[1]);
  const processors = [...cpuinfo.matchAll(/^processor\s*:/gm)].length;
  return {
    cpuModel: models[0]?.trim() ?? 'unknown',
    cores: processors > 0 ? processors : availableParallelism(),
    node: process.version,
    kernel: `${process.platform} ${release()}`,
    memoryGiB: totalmem() / 1024 ** 3,
    load1: loadavg()[0] ?? 0,
    commit: gitCommit(root),
    peers: Object.fromEntries(peers.map((name) => [name, packageVersion(root, name)])),
    redisServer: redisServerVersion(),
  };
}

function redisServerVersion(): string {
  try {
    const text = execFileSync(REDIS_SERVER_BIN, ['--version']).toString();
    return /v=(\S+)/.exec(text)?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The 1-minute load average now. */
export function currentLoad(): number {
  return loadavg()[0] ?? 0;
}

function gitCommit(root: string): string {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root })
      .toString()
      .trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: root })
      .toString()
      .trim();
    return dirty === '' ? commit : `${commit} (src/ modified)`;
  } catch {
    return 'unknown';
  }
}

function packageVersion(root: string, name: string): string {
  try {
    const manifest: unknown = JSON.parse(readText(`${root}/node_modules/${name}/package.json`));
    if (typeof manifest === 'object' && manifest !== null && 'version' in manifest) {
      return String(manifest.version);
    }
  } catch {
    // reported as unknown below
  }
  return 'unknown';
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
