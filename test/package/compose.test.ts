/**
 * docker-compose.yml and the Dockerfile: the file parses, Redis never evicts,
 * three replicas share it, every service's command exists in the package and
 * is copied into the image, and the downstream and a replica, started with
 * the compose file's own commands, trip the shared breaker.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import {
  getFreePort,
  startRedis,
  stopAllRedis,
  trackProcess,
  waitUntil,
} from '../harness/index.js';
import { ROOT } from '../cli/run-cli.js';

interface Service {
  readonly image?: string;
  readonly build?: unknown;
  readonly command?: readonly string[];
  readonly entrypoint?: readonly string[];
  readonly environment?: Readonly<Record<string, string>>;
  readonly depends_on?: Readonly<Record<string, unknown>>;
}

const compose = parse(readFileSync(`${ROOT}docker-compose.yml`, 'utf8'), { merge: true }) as {
  services: Partial<Record<string, Service>>;
};
const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as {
  scripts: Partial<Record<string, string>>;
  bin: Record<string, string>;
  devDependencies: Partial<Record<string, string>>;
};
const dockerfile = readFileSync(`${ROOT}Dockerfile`, 'utf8');
const copied = [...dockerfile.matchAll(/^COPY\s+(.+?)\s+\S+$/gm)].flatMap(
  (m) => m.at(1)?.split(/\s+/) ?? [],
);

/** The script a `node [--import X] file …` command runs. */
function scriptOf(argv: readonly string[]): string {
  const rest = argv.slice(1);
  while (rest.at(0)?.startsWith('--')) rest.splice(0, rest.at(0) === '--import' ? 2 : 1);
  const file = rest.at(0);
  if (file === undefined) throw new Error(`no script in ${argv.join(' ')}`);
  return file;
}

function argvOf(service: Service): string[] {
  return [...(service.entrypoint ?? []), ...(service.command ?? [])];
}

const replicas = Object.entries(compose.services).flatMap(([name, s]) =>
  s?.command?.includes('examples/compose/replica.ts') === true ? [[name, s] as const] : [],
);

afterAll(async () => {
  await stopAllRedis();
});

describe('docker-compose.yml', () => {
  it('runs Redis with noeviction, a downstream, and three replicas sharing Redis', () => {
    const redis = compose.services.redis;
    expect(redis?.image).toMatch(/^redis:7/);
    const command = redis?.command ?? [];
    expect(command.at(command.indexOf('--maxmemory-policy') + 1)).toBe('noeviction');
    expect(compose.services.downstream).toBeDefined();
    expect(replicas).toHaveLength(3);
    const ids = replicas.map(([, s]) => s.environment?.REPLICA_ID);
    expect(new Set(ids).size).toBe(3);
    for (const [, replica] of replicas) {
      expect(replica.environment).toMatchObject({
        REDIS_URL: 'redis://redis:6379',
        DOWNSTREAM_URL: 'http://downstream:8080',
      });
      expect(Object.keys(replica.depends_on ?? {})).toEqual(['redis', 'downstream']);
    }
  });

  it("every built service's command exists in the package and is copied into the image", () => {
    for (const [name, service] of Object.entries(compose.services)) {
      if (service?.build === undefined) continue;
      const argv = argvOf(service);
      if (argv[0] === 'npm') {
        expect(argv[1], name).toBe('run');
        expect(pkg.scripts[argv[2] ?? ''], `${name}: npm script ${argv[2] ?? ''}`).toBeDefined();
        continue;
      }
      expect(argv[0], name).toBe('node');
      if (argv.includes('--import')) {
        expect(pkg.devDependencies[argv[argv.indexOf('--import') + 1] ?? '']).toBeDefined();
      }
      const script = scriptOf(argv);
      if (script.startsWith('dist/')) {
        // Built in the image from src: the package bin, compiled from its source.
        expect(Object.values(pkg.bin).map((bin) => bin.replace(/^\.\//, ''))).toContain(script);
        expect(
          existsSync(`${ROOT}${script.replace(/^dist\//, 'src/').replace(/\.js$/, '.ts')}`),
        ).toBe(true);
        expect(dockerfile).toMatch(/^RUN npm run build$/m);
        continue;
      }
      expect(existsSync(`${ROOT}${script}`), `${name}: ${script}`).toBe(true);
      expect(copied, `${name}: ${script} copied`).toContain(script.split('/')[0]);
    }
  });

  it('the Dockerfile is node:20-slim and copies only what exists', () => {
    expect(dockerfile).toMatch(/^FROM node:20-slim$/m);
    for (const source of copied) expect(existsSync(`${ROOT}${source}`), source).toBe(true);
  });

  it("the downstream and a replica, run with the compose file's commands, trip the shared breaker", async () => {
    const redis = await startRedis();
    const port = await getFreePort();
    const start = (service: Service, env: Record<string, string>) => {
      const argv = argvOf(service);
      const child = spawn(argv[0] === 'node' ? process.execPath : (argv[0] ?? ''), argv.slice(1), {
        cwd: ROOT,
        env: { ...process.env, ...service.environment, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      trackProcess(child);
      let output = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
      return { child, output: () => output };
    };
    const downstream = start(compose.services.downstream ?? {}, {
      PORT: String(port),
      // A failing phase longer than the others: the replica's 10 s window is then mostly failures, however late it starts.
      PHASES_MS: '2000,6000,2000,2000',
    });
    const replicaService = replicas.at(0)?.[1];
    const replica = start(replicaService ?? {}, {
      REDIS_URL: redis.url,
      DOWNSTREAM_URL: `http://127.0.0.1:${String(port)}`,
    });
    const client = redis.client();
    try {
      await waitUntil(
        async () => {
          const events = await client.xrange('demo:{downstream}:events', '-', '+');
          return events.some(([, fields]) => fields.includes('open'));
        },
        {
          timeoutMs: 60_000,
          description: 'the shared breaker to open while the downstream fails',
          details: () => `replica:\n${replica.output()}\ndownstream:\n${downstream.output()}`,
        },
      );
      expect(replica.output()).toContain('replica-1: calling');
      expect(downstream.output()).toContain('downstream: phase failing');
    } finally {
      const exits = [replica, downstream].map(({ child }) => once(child, 'close'));
      replica.child.kill('SIGTERM');
      downstream.child.kill('SIGTERM');
      const [[replicaCode]] = (await Promise.all(exits)) as [[number | null], [number | null]];
      expect(replicaCode).toBe(0);
    }
  }, 120_000);
});
