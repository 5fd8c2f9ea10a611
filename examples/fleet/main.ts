/**
 * `npm start`: the demo fleet. A flaky downstream (healthy, failing, slow,
 * recovering, on a loop), three replica processes sharing one breaker in
 * Redis (each a Fastify app with the breakerbox plugin, its dashboard, a
 * BullMQ worker bound to the breaker and a destructive route behind the
 * gate), a producer of requests and jobs, and a live view in this terminal.
 * Ctrl-C (or SIGTERM) stops every process it started within 2 s.
 *
 * Env: REDIS_URL (else a temporary redis-server, else one in-memory
 * replica), DEMO_PHASES_MS (healthy,failing,slow,recovering; default
 * 2000,8000,8000,12000), DEMO_ADMIN_TOKEN (default random), DEMO_VIEW_MS
 * (how often plain output prints the replicas; default 5000).
 */
import { randomBytes } from 'node:crypto';
import type { FleetMessage } from './messages.js';
import { NAMESPACE } from './messages.js';
import { isRunning, startChild, stopChildren } from './processes.js';
import type { FleetChild } from './processes.js';
import { chooseRedis, freePort } from './redis-choice.js';
import { TerminalView } from './terminal-view.js';

const startedAt = Date.now();
const CHILD_GRACE_MS = 1_000;
// Until the fleet's own handlers are in place, a signal exits at once (the temporary Redis's exit hook removes it).
const early = (): never => process.exit(130);
process.once('SIGINT', early).once('SIGTERM', early);
const redis = await chooseRedis();
process.removeListener('SIGINT', early).removeListener('SIGTERM', early);
const redisUrl = redis.kind === 'memory' ? '' : redis.url;
const replicaIds = ['replica-1', 'replica-2', 'replica-3'].slice(
  0,
  redis.kind === 'memory' ? 1 : 3,
);
const adminToken = process.env.DEMO_ADMIN_TOKEN ?? randomBytes(18).toString('base64url');
const view = new TerminalView(process.stdout, replicaIds, startedAt);
const children: FleetChild[] = [];
const ready = new Map<string, number>();
let stopping = false;
let stopBegan = 0;
let timers: NodeJS.Timeout[] = [];

function onMessage(message: FleetMessage): void {
  if (message.type === 'ready') ready.set(message.replicaId, message.port);
  else if (message.type === 'status') view.status(message);
  else if (message.type === 'transition') view.transition(message);
  else view.producerReport(message);
}

function start(name: string, script: string, env: Record<string, string>): void {
  const child = startChild(name, script, env, onMessage);
  children.push(child);
  void child.exited.then(() => {
    if (stopping) return;
    console.error(`\n${name} exited unexpectedly; its last output:\n${child.output.join('\n')}`);
    void stop('a child exited', 1);
  });
}

async function stop(why: string, code = 0): Promise<void> {
  if (stopping) {
    // One Ctrl-C can arrive twice (from the terminal, and forwarded by npm): only a later one forces.
    if (Date.now() - stopBegan < 1_000) return;
    for (const child of children.filter(isRunning)) child.process.kill('SIGKILL');
    process.exit(code || 130);
  }
  stopping = true;
  stopBegan = Date.now();
  for (const timer of timers) clearInterval(timer);
  view.stop();
  await stopChildren(children, CHILD_GRACE_MS);
  if (redis.kind === 'temporary') await redis.stop(300);
  const what = `${String(children.length)} processes${redis.kind === 'temporary' ? ' and redis-server' : ''}`;
  console.log(`${why}: stopped ${what} in ${String(Date.now() - stopBegan)} ms`);
  process.exit(code);
}
process.on('SIGINT', () => void stop('Ctrl-C'));
process.on('SIGTERM', () => void stop('SIGTERM'));

async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  for (let waited = 0; !(await check()); waited += 100) {
    if (stopping) return new Promise(() => undefined); // stop() exits the process
    if (waited > 60_000) {
      console.error(`timed out waiting for ${what}`);
      await stop('startup failed', 1);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const ports = await Promise.all([...replicaIds, 'downstream'].map(() => freePort()));
const downstreamUrl = `http://127.0.0.1:${String(ports.at(-1))}`;
const urlOf = (index: number): string => `http://127.0.0.1:${String(ports[index])}`;
if (redis.kind === 'memory') {
  console.log(
    `NOTICE: ${redis.reason}.\n        Running ONE replica with the in-memory store ` +
      '(no shared state, no BullMQ worker). Install redis-server or set REDIS_URL to see a fleet.',
  );
}
console.log(`starting ${String(replicaIds.length)} replica(s), the downstream and the producer…`);
replicaIds.forEach((id, index) => {
  start(id, 'examples/fleet/replica.ts', {
    PORT: String(ports[index]),
    REPLICA_ID: id,
    DOWNSTREAM_URL: downstreamUrl,
    ADMIN_TOKEN: adminToken,
    REDIS_URL: redisUrl,
  });
});
start('downstream', 'examples/compose/downstream.ts', {
  PORT: String(ports.at(-1)),
  HOST: '127.0.0.1',
  PHASES_MS: process.env.DEMO_PHASES_MS ?? '2000,8000,8000,12000',
  SLOW_MS: '800',
  PHASES_FROM: 'first-call',
  QUIET: '1',
});
// Started with the rest (its first requests may find no replica listening yet, counted as
// `none`): the downstream's phases run from the first call that reaches it.
start('producer', 'examples/fleet/producer.ts', {
  REPLICA_URLS: replicaIds.map((_, index) => urlOf(index)).join(','),
  REDIS_URL: redisUrl,
});
const phase = async (): Promise<string | undefined> => {
  try {
    const response = await fetch(`${downstreamUrl}/phase`, { signal: AbortSignal.timeout(1_000) });
    const body = (await response.json()) as { phase: string; leftMs: number };
    return `${body.phase} (${String(Math.ceil(body.leftMs / 1000))} s left)`;
  } catch {
    return undefined;
  }
};
await until('the downstream', async () => (await phase()) !== undefined);
await until('the replicas', () => ready.size === replicaIds.length);

const where =
  redis.kind === 'temporary'
    ? `a temporary redis-server at ${redis.url} (pid ${String(redis.pid)}, dir ${redis.dir})`
    : redis.kind === 'url'
      ? `REDIS_URL ${redis.url}`
      : 'nothing (in-memory store)';
const readyAfter = ((Date.now() - startedAt) / 1000).toFixed(1);
console.log(`
${String(replicaIds.length)} replica(s) sharing ${where}, namespace ${NAMESPACE} (ready after ${readyAfter} s)
replicas:   ${replicaIds.map((id, index) => `${id} ${urlOf(index)}`).join(', ')}
dashboard:  ${urlOf(0)}/dashboard
admin token (paste it into the dashboard for its buttons): ${adminToken}
try:        curl -X POST -H 'authorization: Bearer ${adminToken}' ${urlOf(0)}/breakers/downstream/reset
${redis.kind === 'memory' ? '' : `CLI:        REDIS_URL=${redis.url} BREAKERBOX_NAMESPACE=${NAMESPACE} npm run breakerbox -- status\n`}Ctrl-C stops everything.
`);

timers = [
  setInterval(() => {
    void phase().then((text) => {
      if (text !== undefined) view.setPhase(text);
    });
    if (view.tty) view.render();
  }, 1_000),
];
if (!view.tty)
  timers.push(
    setInterval(
      () => {
        view.render();
      },
      Number(process.env.DEMO_VIEW_MS ?? 5_000),
    ),
  );
