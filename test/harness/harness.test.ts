import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  getFreePort,
  getSpawnedPids,
  startCluster,
  startRedis,
  startSentinelGroup,
  startTcpProxy,
  stopAllRedis,
  waitUntil,
} from './index.js';
import type { RedisCluster, RedisProcess, SentinelGroup, TcpProxy } from './index.js';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err instanceof Error && 'code' in err && err.code === 'EPERM';
  }
}

afterAll(async () => {
  await stopAllRedis();
  const pids = getSpawnedPids();
  expect(pids.length).toBeGreaterThan(0);
  expect(pids.filter(isAlive)).toEqual([]);
});

describe('startRedis', () => {
  let server: RedisProcess;
  beforeAll(async () => {
    server = await startRedis({ args: ['--notify-keyspace-events', 'Ex'] });
  });
  afterAll(() => server.stop());

  it('serves SET/GET on its own port with the extra args applied', async () => {
    expect(server.port).not.toBe(6379);
    expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
    expect(server.isRunning).toBe(true);
    const redis = server.client();
    expect(await redis.set('greeting', 'hello')).toBe('OK');
    expect(await redis.get('greeting')).toBe('hello');
    expect(await redis.config('GET', 'notify-keyspace-events')).toEqual([
      'notify-keyspace-events',
      'xE',
    ]);
  });

  it('pause makes commands time out and resume heals', async () => {
    const redis = server.client({ commandTimeout: 200 });
    expect(await redis.ping()).toBe('PONG');
    server.pause();
    expect(server.isPaused).toBe(true);
    try {
      await expect(redis.get('greeting')).rejects.toThrow(/timed out/i);
    } finally {
      server.resume();
    }
    const value = await waitUntil(async () => redis.get('greeting'), {
      timeoutMs: 10_000,
      description: 'GET to succeed after resume',
    });
    expect(value).toBe('hello');
  });

  it('kill leaves the port refusing connections', async () => {
    const pid = server.pid;
    await server.kill();
    expect(server.isRunning).toBe(false);
    expect(isAlive(pid)).toBe(false);
    const redis = server.client({ lazyConnect: true, retryStrategy: () => null });
    const errors: Error[] = [];
    redis.on('error', (err: Error) => errors.push(err));
    await expect(redis.connect()).rejects.toThrow();
    expect(errors.map((err) => err.message).join('\n')).toMatch(/ECONNREFUSED/);
  });

  it('restart comes back empty on the same port', async () => {
    const port = server.port;
    await server.restart();
    expect(server.port).toBe(port);
    expect(server.isRunning).toBe(true);
    const redis = server.client();
    expect(await redis.ping()).toBe('PONG');
    expect(await redis.get('greeting')).toBeNull();
    expect(await redis.dbsize()).toBe(0);
  });

  it('stop is graceful and restart works after it', async () => {
    const redis = server.client();
    await redis.set('before-stop', '1');
    await server.stop();
    expect(server.isRunning).toBe(false);
    await server.restart();
    expect(await server.client().exists('before-stop')).toBe(0);
  });
});

describe('startRedis options and failures', () => {
  it('honours a fixed port and a replicaOf master', async () => {
    const port = await getFreePort();
    const master = await startRedis({ port });
    expect(master.port).toBe(port);
    const replica = await startRedis({ replicaOf: { host: master.host, port } });
    await master.client().set('replicated', 'yes');
    const value = await waitUntil(async () => replica.client().get('replicated'), {
      timeoutMs: 15_000,
      description: 'the replica to receive the key',
      intervalMs: 200,
    });
    expect(value).toBe('yes');
    await Promise.all([replica.stop(), master.stop()]);
  });

  it('refuses the machine port 6379 without touching it', async () => {
    await expect(startRedis({ port: 6379 })).rejects.toThrow(/off limits/);
    await expect(startRedis({ args: ['--replicaof', '127.0.0.1', '6379'] })).rejects.toThrow(
      /off limits/,
    );
  });

  it('fails with the server output when redis-server cannot start', async () => {
    await expect(startRedis({ args: ['--definitely-not-an-option', 'x'] })).rejects.toThrow(
      /definitely-not-an-option/,
    );
  });
});

describe('startTcpProxy', () => {
  let server: RedisProcess;
  let proxy: TcpProxy;
  beforeAll(async () => {
    server = await startRedis();
    proxy = await startTcpProxy({ targetHost: server.host, targetPort: server.port });
    await server.client().set('through', 'proxy');
  });
  afterAll(async () => {
    await proxy.close();
    await server.stop();
  });

  it('forwards both ways', async () => {
    expect(proxy.url).toBe(`redis://127.0.0.1:${proxy.port}`);
    const redis = proxy.client();
    expect(await redis.get('through')).toBe('proxy');
    expect(proxy.connectionCount).toBeGreaterThan(0);
  });

  it('blackhole hangs commands; forward restores service', async () => {
    const redis = proxy.client({ commandTimeout: 200 });
    expect(await redis.get('through')).toBe('proxy');
    proxy.blackhole();
    expect(proxy.mode).toBe('blackhole');
    await expect(redis.get('through')).rejects.toThrow(/timed out/i);
    expect(redis.status).toBe('ready');
    proxy.forward();
    expect(await proxy.client().get('through')).toBe('proxy');
  });

  it('reset RSTs existing and new connections; forward restores service', async () => {
    const redis = proxy.client({ retryStrategy: () => null });
    expect(await redis.ping()).toBe('PONG');
    const errors: Error[] = [];
    redis.on('error', (err: Error) => errors.push(err));
    proxy.reset();
    await waitUntil(async () => Promise.resolve(redis.status === 'end'), {
      timeoutMs: 5_000,
      description: 'the reset client to close',
    });
    expect(errors.map((err) => err.message).join('\n')).toMatch(/ECONNRESET/);
    await expect(redis.get('through')).rejects.toThrow(/ECONNRESET|closed/i);
    expect(proxy.connectionCount).toBe(0);

    const fresh = proxy.client({ lazyConnect: true, retryStrategy: () => null });
    await expect(fresh.connect()).rejects.toThrow(/ECONNRESET|closed/i);

    proxy.forward();
    expect(await proxy.client().get('through')).toBe('proxy');
  });
});

describe('startSentinelGroup', () => {
  let group: SentinelGroup;
  beforeAll(async () => {
    group = await startSentinelGroup();
  }, 60_000);
  afterAll(() => group.stop());

  it('promotes the replica after the master is killed', async () => {
    expect((await group.getMasterAddress()).port).toBe(group.master.port);
    await group.client().set('before', 'failover');
    await group.killMaster();
    const promoted = await group.waitForFailover(15_000);
    expect(promoted.port).toBe(group.replica.port);
    const redis = group.client();
    expect(await redis.set('after', 'failover')).toBe('OK');
    expect(await redis.get('after')).toBe('failover');
  }, 30_000);
});

describe('startCluster', () => {
  let cluster: RedisCluster;
  beforeAll(async () => {
    cluster = await startCluster({ masters: 3 });
  }, 60_000);
  afterAll(() => cluster.stop());

  const script =
    "redis.call('SET', KEYS[1], ARGV[1]); redis.call('SET', KEYS[2], ARGV[1]); " +
    "return redis.call('MGET', KEYS[1], KEYS[2])";

  it('reaches cluster_state:ok on every node', async () => {
    expect(cluster.nodes).toHaveLength(3);
    for (const node of cluster.nodes) {
      expect(await node.client().cluster('INFO')).toMatch(/cluster_state:ok/);
    }
  });

  it('runs hash-tagged multi-key EVAL and rejects untagged keys with CROSSSLOT', async () => {
    const redis = cluster.client();
    expect(await redis.eval(script, 2, '{breaker}:a', '{breaker}:b', 'v')).toEqual(['v', 'v']);
    await expect(redis.eval(script, 2, 'alpha', 'beta', 'v')).rejects.toThrow(/CROSSSLOT/);
  });
});
