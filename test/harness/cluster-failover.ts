import { parseInfo, probeCommand } from './probe.js';
import type { RedisProcess } from './redis-process.js';
import type { ClusterNodeView, RedisCluster } from './cluster.js';
import { waitUntil } from './wait.js';

/** The slot ranges at the end of a `CLUSTER NODES` line (migrating `[…]` entries skipped). */
function slotsOf(line: string): [number, number][] {
  return line
    .split(' ')
    .slice(8)
    .filter((range) => range.length > 0 && !range.startsWith('['))
    .map((range) => {
      const bounds = range.split('-').map(Number);
      const from = bounds[0];
      return [from, bounds.length > 1 ? bounds[1] : from];
    });
}

/** Parses `CLUSTER NODES` (one line per node: id addr flags master … slots…). */
export function parseClusterNodes(text: string): ClusterNodeView[] {
  return text
    .trim()
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => {
      const fields = line.split(' ');
      const [id, addr, flags, master] = [0, 1, 2, 3].map((i) => fields.at(i) ?? '') as [
        string,
        string,
        string,
        string,
      ];
      const flagList = flags.split(',');
      return {
        id,
        address: addr.split('@', 1).join(''),
        role: flagList.includes('master') ? 'master' : 'replica',
        failing: flagList.includes('fail') || flagList.includes('fail?'),
        masterId: master === '-' || master === '' ? undefined : master,
        slotCount: slotsOf(line).reduce((sum, [from, to]) => sum + to - from + 1, 0),
      } satisfies ClusterNodeView;
    });
}

/** The topology, failover and kill helpers of a {@link RedisCluster}, over its processes. */
export function failoverHelpers(
  nodes: readonly RedisProcess[],
): Pick<
  RedisCluster,
  'topology' | 'masters' | 'masterOfSlot' | 'killMasterOfSlot' | 'waitForFailover'
> {
  const live = (): RedisProcess[] => nodes.filter((node) => node.isRunning);
  const rawNodes = async (): Promise<string> => {
    let lastError: unknown;
    for (const node of live()) {
      try {
        return String(await probeCommand(node, 'CLUSTER', ['NODES']));
      } catch (error) {
        lastError = error;
      }
    }
    throw new Error('no live cluster node answers CLUSTER NODES', { cause: lastError });
  };
  const byAddress = (address: string): RedisProcess | undefined =>
    nodes.find((node) => `${node.host}:${String(node.port)}` === address);
  const masterOfSlot = async (slot: number): Promise<RedisProcess> => {
    const text = await rawNodes();
    for (const line of text.trim().split('\n')) {
      const view = parseClusterNodes(line).at(0);
      if (view?.role !== 'master' || view.failing) continue;
      if (slotsOf(line).some(([from, to]) => slot >= from && slot <= to)) {
        const process = byAddress(view.address);
        if (process !== undefined) return process;
      }
    }
    throw new Error(`no live master serves slot ${String(slot)}`);
  };
  const topology = async (): Promise<ClusterNodeView[]> => parseClusterNodes(await rawNodes());
  return {
    topology,
    masters: async () =>
      (await topology())
        .filter((view) => view.role === 'master' && !view.failing && view.slotCount > 0)
        .map((view) => byAddress(view.address))
        .filter((node): node is RedisProcess => node !== undefined),
    masterOfSlot,
    killMasterOfSlot: async (slot) => {
      const master = await masterOfSlot(slot);
      await master.kill();
      return master;
    },
    waitForFailover: async (slot, dead, timeoutMs = 60_000) => {
      let promoted: RedisProcess | undefined;
      await waitUntil(
        async () => {
          const infos = await Promise.all(
            live().map(async (node) =>
              parseInfo(String(await probeCommand(node, 'CLUSTER', ['INFO']))),
            ),
          );
          if (!infos.every((info) => info.get('cluster_state') === 'ok')) return false;
          const master = await masterOfSlot(slot).catch(() => undefined);
          if (master === undefined || master === dead || !master.isRunning) return false;
          promoted = master;
          return true;
        },
        {
          timeoutMs,
          intervalMs: 200,
          description: `a replica to take over slot ${String(slot)} from ${dead.host}:${String(dead.port)}`,
          details: () =>
            live()
              .map((node) => node.logTail(8))
              .join('\n'),
        },
      );
      if (promoted === undefined) throw new Error('failover finished but no promoted master found');
      return promoted;
    },
  };
}
