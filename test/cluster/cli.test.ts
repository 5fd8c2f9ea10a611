/**
 * The CLI on a Redis Cluster (`--cluster`, one startup node in `--redis`):
 * `status` lists breakers whose records live on every master (SCAN runs on
 * each), and `trip` forces one open for the boxes of the fleet.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BreakerBox } from '../../src/index.js';
import { stopAllRedis } from '../harness/index.js';
import type { RedisCluster } from '../harness/index.js';
import { runCli } from '../cli/run-cli.js';
import { LONG_OPEN, clusterBox, slotOf, startTestCluster, waitFor } from './support.js';

const NAMESPACE = 'clcli';
const NAMES = Array.from({ length: 12 }, (_, i) => `svc-${String(i)}`);

let cluster: RedisCluster;
let box: BreakerBox;
let redisArgs: string[];

beforeAll(async () => {
  cluster = await startTestCluster();
  box = await clusterBox(cluster, NAMESPACE, 'cli-box');
  for (const name of NAMES) await box.breaker(name, LONG_OPEN).call(() => Promise.resolve(1));
  const first = cluster.startupNodes.at(0);
  if (first === undefined) throw new Error('no startup node');
  redisArgs = [
    '--redis',
    `redis://${first.host}:${String(first.port)}`,
    '--cluster',
    '-n',
    NAMESPACE,
  ];
}, 90_000);

afterAll(async () => {
  await box.close();
  await stopAllRedis();
});

describe('breakerbox CLI on a Redis Cluster', () => {
  it('status lists the breakers of every master', async () => {
    const masters = new Set(
      await Promise.all(
        NAMES.map(async (name) => (await cluster.masterOfSlot(slotOf(NAMESPACE, name))).port),
      ),
    );
    expect(masters.size).toBe(3);
    const { code, stdout, stderr } = await runCli(['status', '--json', ...redisArgs]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const parsed = JSON.parse(stdout) as { breakers: { name: string }[] };
    const listed = parsed.breakers.map((entry) => entry.name).sort();
    expect(listed).toEqual([...NAMES].sort());
  }, 90_000);

  it('trip forces a breaker open for the fleet', async () => {
    const name = NAMES.at(3) ?? '';
    const { code, stderr } = await runCli(['trip', name, ...redisArgs]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    await waitFor(() => box.breaker(name, LONG_OPEN).state === 'open', 'the box to see the trip');
  }, 90_000);
});
