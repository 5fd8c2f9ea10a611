/**
 * `createBreakerBox` names the real reason Redis cannot be used, never
 * "Connection is closed": a wrong password, no password, a refused
 * connection, an unknown host, a TLS certificate the client does not trust,
 * a database index out of range. The error's `cause` is the real error, and
 * no password ever appears in its message. A `rediss://` server with its own
 * CA is reached through the options form (`tls: { ca }`).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBreakerBox, isRedisUnavailable } from '../../src/index.js';
import type { BreakerBoxOptions, RedisUnavailable } from '../../src/index.js';
import type { RedisProcess } from '../harness/index.js';
import { getFreePort, startRedis, stopAllRedis } from '../harness/index.js';

const logger = pino({ level: 'silent' });
const PASSWORD = 'correct-horse-battery';
const WRONG = 'hunter2-not-it';

let open: RedisProcess;
let locked: RedisProcess;
let tlsPort: number;
let certDir: string;
let admin: Redis;

async function refusal(options: BreakerBoxOptions): Promise<RedisUnavailable> {
  try {
    const box = await createBreakerBox({ logger, connectTimeoutMs: 3_000, ...options });
    await box.close();
  } catch (error) {
    if (isRedisUnavailable(error)) return error;
    throw error;
  }
  throw new Error('createBreakerBox succeeded');
}

function expectReal(error: RedisUnavailable, pattern: RegExp): void {
  expect(error.message).toMatch(pattern);
  expect(error.message).not.toMatch(/Connection is closed/);
  expect(error.cause).toBeInstanceOf(Error);
  expect((error.cause as Error).message).toMatch(pattern);
  for (const secret of [PASSWORD, WRONG]) {
    expect(error.message).not.toContain(secret);
    expect((error.cause as Error).message).not.toContain(secret);
    expect(error.target).not.toContain(secret);
  }
}

beforeAll(async () => {
  certDir = mkdtempSync(join(tmpdir(), 'breakerbox-tls-'));
  const ssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: certDir, stdio: 'ignore' });
  };
  ssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=test CA',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
  );
  ssl('genrsa', '-out', 'server.key', '2048');
  ssl('req', '-new', '-key', 'server.key', '-subj', '/CN=127.0.0.1', '-out', 'server.csr');
  execFileSync('sh', ['-c', 'printf "subjectAltName=IP:127.0.0.1\\n" > san.ext'], { cwd: certDir });
  ssl(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    'san.ext',
    '-out',
    'server.crt',
  );
  open = await startRedis();
  locked = await startRedis();
  admin = locked.client();
  await admin.config('SET', 'requirepass', PASSWORD);
  tlsPort = await getFreePort();
  await startRedis({
    args: [
      '--tls-port',
      String(tlsPort),
      '--tls-cert-file',
      join(certDir, 'server.crt'),
      '--tls-key-file',
      join(certDir, 'server.key'),
      '--tls-ca-cert-file',
      join(certDir, 'ca.crt'),
      '--tls-auth-clients',
      'no',
    ],
  });
}, 60_000);

afterAll(async () => {
  admin.disconnect();
  await stopAllRedis();
  rmSync(certDir, { recursive: true, force: true });
});

describe('RedisUnavailable carries the real cause', () => {
  it('a wrong password', async () => {
    const error = await refusal({ redis: `redis://:${WRONG}@127.0.0.1:${String(locked.port)}` });
    expectReal(error, /WRONGPASS|invalid (username-)?password/i);
  });

  it('no password where one is required (NOAUTH)', async () => {
    const error = await refusal({ redis: locked.url });
    expectReal(error, /NOAUTH|Authentication required/i);
  });

  it('a refused connection (ECONNREFUSED)', async () => {
    const port = await getFreePort();
    const error = await refusal({ redis: `redis://127.0.0.1:${String(port)}` });
    expectReal(error, /ECONNREFUSED/);
  });

  it('an unknown host (ENOTFOUND)', async () => {
    const error = await refusal({ redis: 'redis://no-such-host.invalid:6380' });
    expectReal(error, /ENOTFOUND|EAI_AGAIN/);
  });

  it('a TLS certificate the client does not trust', async () => {
    const error = await refusal({ redis: `rediss://127.0.0.1:${String(tlsPort)}` });
    expectReal(error, /certificate/i);
  });

  it('a database index out of range (keys never go to db 0)', async () => {
    const error = await refusal({ redis: `${open.url}/99` });
    expectReal(error, /DB index is out of range/i);
    const client = open.client();
    expect(await client.dbsize()).toBe(0);
    client.disconnect();
  });
});

describe('what does connect', () => {
  it('the right password, and a database index that exists (keys go there)', async () => {
    const box = await createBreakerBox({
      logger,
      redis: `redis://:${PASSWORD}@127.0.0.1:${String(locked.port)}/3`,
      namespace: 'db3',
    });
    await box.breaker('payments').forceOpen();
    await box.close();
    await admin.select(3);
    expect(await admin.exists('db3:{payments}:state')).toBe(1);
    await admin.select(0);
    expect(await admin.exists('db3:{payments}:state')).toBe(0);
  });

  it('rediss:// with a custom CA, through the options form', async () => {
    const box = await createBreakerBox({
      logger,
      redis: {
        host: '127.0.0.1',
        port: tlsPort,
        tls: { ca: readFileSync(join(certDir, 'ca.crt')) },
      },
      namespace: 'tls',
    });
    expect(box.mode).toBe('shared');
    await box.breaker('payments').forceOpen();
    await box.close();
  });
});
