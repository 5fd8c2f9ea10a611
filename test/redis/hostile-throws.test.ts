/**
 * A protected function may throw anything. Whatever it throws, the caller gets
 * exactly that value, the failure counts, the breaker trips, nothing we run on
 * a timer rejects, and one breaker's hostile error never strands another
 * breaker's outcomes in the same flush: with the memory and the Redis store,
 * in this process and in a child process with Node's default behaviour for
 * unhandled rejections (the process would die of one).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBreakerBox } from '../../src/index.js';
import type { RedisProcess } from '../harness/index.js';
import { startRedis, stopAllRedis, waitUntil } from '../harness/index.js';
import { errorMessage } from '../../src/util/error-message.js';
import { hostileValues } from './fixtures/hostile-values.js';

const run = promisify(execFile);
const FIXTURE = fileURLToPath(new URL('./fixtures/hostile-throws.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const logger = pino({ level: 'silent' });

let server: RedisProcess;
const rejections: unknown[] = [];
const onRejection = (reason: unknown): void => {
  rejections.push(reason);
};

beforeAll(async () => {
  server = await startRedis();
  process.on('unhandledRejection', onRejection);
});

afterAll(async () => {
  process.off('unhandledRejection', onRejection);
  await stopAllRedis();
});

describe('errorMessage', () => {
  it('describes every hostile value without throwing, in at most 500 characters', () => {
    for (const value of hostileValues()) {
      const message = errorMessage(value);
      expect(typeof message).toBe('string');
      expect(message.length).toBeLessThanOrEqual(500);
    }
  });
});

describe.each([
  { store: 'memory', redis: false },
  { store: 'redis', redis: true },
])('hostile throws with the $store store', ({ redis }) => {
  it('the caller gets exactly what was thrown, and both breakers trip', async () => {
    const box = await createBreakerBox({
      ...(redis ? { redis: server.url } : {}),
      namespace: `hostile-in-process`,
      logger,
      flushIntervalMs: 20,
    });
    const options = { minimumCalls: 10, windowType: 'count', windowSize: 1_000 } as const;
    const hostile = box.breaker('hostile', options);
    const plain = box.breaker('plain', options);
    if (redis) await Promise.all([hostile.snapshot(), plain.snapshot()]);
    const values = hostileValues();
    for (let round = 0; round < 4; round++) {
      for (const value of values) {
        let caught: unknown = undefined;
        const run = { ran: false };
        try {
          await hostile.call(() => {
            run.ran = true;
            throw value;
          });
        } catch (error) {
          caught = error;
        }
        // Object.is, not expect().toBe(): printing a hostile value would throw.
        if (run.ran) expect(Object.is(caught, value)).toBe(true);
      }
      await plain.call(() => Promise.reject(new Error('plain'))).catch(() => undefined);
      await plain.call(() => Promise.reject(new Error('plain'))).catch(() => undefined);
      await plain.call(() => Promise.reject(new Error('plain'))).catch(() => undefined);
    }
    await waitUntil(() => Promise.resolve(hostile.state === 'open' && plain.state === 'open'), {
      timeoutMs: 5_000,
      description: 'both breakers open',
    });
    const snapshot = await hostile.snapshot();
    expect(snapshot.lastError?.length ?? 0).toBeLessThanOrEqual(500);
    await box.close();
    expect(rejections).toEqual([]);
  });

  it('in a child process with default unhandled-rejection behaviour', async () => {
    const args = ['--import', 'tsx', FIXTURE, ...(redis ? [server.url] : [])];
    const { stdout } = await run(process.execPath, args, {
      cwd: ROOT,
      timeout: 30_000,
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    const result = JSON.parse(stdout.trim()) as Record<string, unknown>;
    expect(result).toMatchObject({ hostile: 'open', plain: 'open' });
    expect(result.ran).toBeGreaterThanOrEqual(10);
    expect(result.exact).toBe(result.ran);
    expect(result.lastErrorLength).toBeLessThanOrEqual(500);
  }, 45_000);
});
