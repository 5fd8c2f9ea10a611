import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The repository's root. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

/** What `npm pack` made: the tarball and the paths it holds (without the `package/` prefix). */
export interface Packed {
  readonly tarball: string;
  readonly files: readonly string[];
  readonly dependencies: readonly string[];
}

/** A command's output, or an error that carries it. */
async function exec(
  file: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<{ stdout: string; stderr: string }> {
  try {
    return await run(file, args, {
      cwd: options.cwd,
      env: { ...process.env, NODE_OPTIONS: '', ...options.env },
      timeout: options.timeoutMs ?? 240_000,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `${file} ${args.join(' ')} failed: ${failed.message}\n${failed.stdout ?? ''}\n${failed.stderr ?? ''}`,
    );
  }
}

/**
 * `npm pack` of the repository as it is (its `prepack` builds `dist/`), into
 * a fresh temp dir. `dist/` is removed first: the tarball must not depend on
 * a build someone happened to run before.
 */
export async function pack(): Promise<Packed> {
  const destination = mkdtempSync(join(tmpdir(), 'breakerbox-pack-'));
  await exec(process.execPath, ['-e', "fs.rmSync('dist',{recursive:true,force:true})"], {
    cwd: ROOT,
  });
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const { stdout } = await exec(
    npm,
    ['pack', '--json', '--pack-destination', destination, '--loglevel', 'error'],
    { cwd: ROOT, timeoutMs: 300_000 },
  );
  const report = JSON.parse(stdout.slice(stdout.indexOf('['))) as {
    filename: string;
    files: { path: string }[];
  }[];
  const entry = report.at(0);
  if (entry === undefined) throw new Error(`npm pack printed no report: ${stdout}`);
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  return {
    tarball: join(destination, entry.filename),
    files: entry.files.map((file) => file.path),
    dependencies: Object.keys(manifest.dependencies ?? {}),
  };
}

/**
 * A scratch consumer project with the tarball installed: the tarball is
 * unpacked into `node_modules/breakerbox` as npm would, and the packed
 * manifest's dependencies (plus `extra`, e.g. `@types/node`) are linked from
 * this repository's `node_modules`, so no registry is needed and it is fast.
 * Only declared dependencies are linked: one the package forgot to declare
 * fails to resolve.
 */
export async function createConsumer(
  packed: Packed,
  name: string,
  files: Readonly<Record<string, string>>,
  extra: readonly string[] = [],
): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), `breakerbox-consumer-${name}-`));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  const installed = join(dir, 'node_modules', 'breakerbox');
  mkdirSync(installed, { recursive: true });
  await exec('tar', ['-xzf', packed.tarball, '-C', installed, '--strip-components=1'], {
    cwd: dir,
  });
  for (const dependency of [...packed.dependencies, ...extra]) {
    const link = join(dir, 'node_modules', dependency);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules', dependency), link, 'dir');
  }
  return dir;
}

/** Type-checks (and emits, as its tsconfig says) a consumer with the repository's tsc. */
export async function tsc(dir: string): Promise<void> {
  await exec(process.execPath, [TSC, '-p', join(dir, 'tsconfig.json')], { cwd: dir });
}

/** Runs a consumer's script with node; answers its output. */
export function runNode(
  dir: string,
  script: string,
  env: NodeJS.ProcessEnv,
): Promise<{ stdout: string; stderr: string }> {
  return exec(process.execPath, [script], { cwd: dir, env, timeoutMs: 60_000 });
}
