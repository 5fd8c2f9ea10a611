import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisProcess } from '../harness/index.js';
import { getFreePort, startRedis, stopAllRedis, trackTempDir } from '../harness/index.js';
import type { Packed } from './consumer.js';
import { ROOT, createConsumer, pack, runNode, tsc } from './consumer.js';

/**
 * The package as users get it: `npm pack` (no build before it), the tarball
 * installed into scratch consumer projects, type-checked with the repo's tsc
 * and run against a spawned redis-server.
 */

/** The scenario every consumer runs: two failures trip a Redis-backed breaker, the next call is refused. */
function scenario(namespace: string): string {
  return `
const redis = process.env.REDIS_URL;
if (redis === undefined) throw new Error('REDIS_URL is not set');
const box = await createBreakerBox({ redis, namespace: '${namespace}', logger: false });
let transitions = 0;
box.on('transition', () => {
  transitions++;
});
const breaker = box.breaker('dependency', { minimumCalls: 2, openBackoff: { baseMs: 60_000 } });
for (let i = 0; i < 2; i++) {
  await breaker.call(() => Promise.reject(new Error('down'))).catch(() => undefined);
}
const deadline = Date.now() + 10_000;
while (breaker.state !== 'open' && Date.now() < deadline) {
  await new Promise((resolve) => setTimeout(resolve, 10));
}
let refused = false;
try {
  await breaker.call(() => 'ran');
} catch (error) {
  refused = error instanceof DependencyUnhealthy && error.code === 'DEPENDENCY_UNHEALTHY';
}
const snapshot = await breaker.snapshot();
await box.close();
console.log(JSON.stringify({ state: breaker.state, shared: snapshot.state, mode: snapshot.mode, refused, transitions }));
`;
}

const EXPECTED = { state: 'open', shared: 'open', mode: 'shared', refused: true, transitions: 1 };

const STRICT = {
  target: 'es2022',
  lib: ['es2023'],
  strict: true,
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
  skipLibCheck: true,
  types: ['node'],
  outDir: 'out',
};

function lastJsonLine(stdout: string): unknown {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] ?? '');
}

/** The first ```ts block of the README. */
function readmeExample(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const match = /```ts\n([\s\S]*?)```/.exec(readme);
  if (match?.[1] === undefined) throw new Error('README.md has no ```ts block');
  return match[1];
}

describe('the packed package', () => {
  let packed: Packed;
  let server: RedisProcess;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    [packed, server] = await Promise.all([pack(), startRedis()]);
    trackTempDir(dirname(packed.tarball));
    env = { REDIS_URL: server.url };
  }, 600_000);

  afterAll(async () => {
    await stopAllRedis();
  });

  async function consumer(
    name: string,
    files: Record<string, string>,
    extra: readonly string[] = [],
  ): Promise<string> {
    const dir = await createConsumer(packed, name, files, extra);
    trackTempDir(dir);
    return dir;
  }

  it('holds the build, the Lua scripts, the license, and no map without its source', () => {
    const files = packed.files;
    expect(files).toContain('dist/index.js');
    expect(files).toContain('dist/index.d.ts');
    expect(files).toContain('lua/record-3.lua');
    expect(files).toContain('lua/includes/common.lua');
    expect(files).toContain('LICENSE');
    expect(files).toContain('package.json');
    const maps = files.filter((file) => file.endsWith('.map'));
    const hasSources = files.some((file) => file.startsWith('src/'));
    expect(hasSources || maps.length === 0).toBe(true);
    expect(files.filter((file) => file.startsWith('test/') || file.startsWith('bench/'))).toEqual(
      [],
    );
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      repository?: unknown;
      license?: unknown;
    };
    expect(manifest.license).toBe('MIT');
    expect(manifest.repository).toMatchObject({ type: 'git' });
  });

  it('ESM TypeScript under module nodenext: type-checks and runs a Redis-backed breaker', async () => {
    const dir = await consumer(
      'nodenext',
      {
        'package.json': JSON.stringify({ name: 'c-nodenext', private: true, type: 'module' }),
        'tsconfig.json': JSON.stringify({
          // Here our declaration files are checked too (the other consumers skip them for speed).
          compilerOptions: {
            ...STRICT,
            skipLibCheck: false,
            module: 'nodenext',
            moduleResolution: 'nodenext',
          },
          include: ['main.ts'],
        }),
        'main.ts': `import { createBreakerBox, DependencyUnhealthy } from 'breakerbox';\n${scenario('c-nodenext')}`,
      },
      ['@types/node'],
    );
    await tsc(dir);
    const { stdout } = await runNode(dir, 'out/main.js', env);
    expect(lastJsonLine(stdout)).toEqual(EXPECTED);
  }, 300_000);

  it('ESM TypeScript under moduleResolution bundler: type-checks and runs', async () => {
    const dir = await consumer(
      'bundler',
      {
        'package.json': JSON.stringify({ name: 'c-bundler', private: true, type: 'module' }),
        'tsconfig.json': JSON.stringify({
          compilerOptions: { ...STRICT, module: 'esnext', moduleResolution: 'bundler' },
          include: ['main.ts'],
        }),
        'main.ts': `import { createBreakerBox, DependencyUnhealthy } from 'breakerbox';\n${scenario('c-bundler')}`,
      },
      ['@types/node'],
    );
    await tsc(dir);
    const { stdout } = await runNode(dir, 'out/main.js', env);
    expect(lastJsonLine(stdout)).toEqual(EXPECTED);
  }, 300_000);

  it('CommonJS: require("breakerbox") loads it and runs a Redis-backed breaker', async () => {
    const dir = await consumer('cjs', {
      'package.json': JSON.stringify({ name: 'c-cjs', private: true, type: 'commonjs' }),
      'main.cjs': `const { createBreakerBox, DependencyUnhealthy } = require('breakerbox');
(async () => {${scenario('c-cjs')}})().catch((error) => {
  console.error(error);
  process.exit(1);
});
`,
    });
    const { stdout, stderr } = await runNode(dir, 'main.cjs', env);
    expect(lastJsonLine(stdout)).toEqual(EXPECTED);
    expect(stderr).not.toContain('Error');
  }, 300_000);

  it("README's example type-checks (exactOptionalPropertyTypes) and runs as written", async () => {
    const dir = await consumer(
      'readme',
      {
        'package.json': JSON.stringify({ name: 'c-readme', private: true, type: 'module' }),
        'tsconfig.json': JSON.stringify({
          compilerOptions: { ...STRICT, module: 'nodenext', moduleResolution: 'nodenext' },
          include: ['main.ts'],
        }),
        'main.ts': readmeExample(),
      },
      ['@types/node'],
    );
    await tsc(dir);
    // Nothing listens on this port: every charge fails until the breaker opens.
    const paymentsUrl = `http://127.0.0.1:${String(await getFreePort())}`;
    const { stdout } = await runNode(dir, 'out/main.js', {
      ...env,
      PAYMENTS_URL: paymentsUrl,
    });
    expect(stdout).toContain('payments: closed -> open (failure_rate)');
    expect(stdout).toMatch(/: 502\n/);
    expect(stdout).toMatch(/: 503\n/);
  }, 300_000);
});
