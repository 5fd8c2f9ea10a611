/**
 * How long `npm start` takes to show the fleet's first trip: runs `npm start`
 * in a directory (default: this repository) in its own process group, times
 * the header (every process up) and the first `closed -> open` line, then
 * sends the group a Ctrl-C and times the shutdown. A measurement, not a test.
 *
 *   npx tsx bench/demo-first-trip.ts [dir] [--runs N]
 *
 * On a clean clone: git clone <repo> /tmp/x && cd /tmp/x && npm ci && npx tsx bench/demo-first-trip.ts
 */
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';

interface Run {
  readonly readyMs: number;
  readonly firstTripMs: number;
  readonly stopMs: number;
}

function runOnce(dir: string): Promise<Run> {
  const env = { ...process.env };
  delete env.REDIS_URL; // the demo's own choice: a temporary redis-server
  const started = Date.now();
  const child = spawn('npm', ['start', '--silent'], {
    cwd: dir,
    detached: true,
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  let readyMs = NaN;
  let firstTripMs = NaN;
  let stopAt = 0;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      process.kill(-(child.pid ?? 0), 'SIGKILL');
      reject(new Error(`no trip within 120 s:\n${output}`));
    }, 120_000);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      if (Number.isNaN(readyMs) && output.includes('Ctrl-C stops everything'))
        readyMs = Date.now() - started;
      if (Number.isNaN(firstTripMs) && / -> open \(/.test(output)) {
        firstTripMs = Date.now() - started;
        stopAt = Date.now();
        process.kill(-(child.pid ?? 0), 'SIGINT');
      }
    });
    child.once('exit', () => {
      clearTimeout(timer);
      resolve({ readyMs, firstTripMs, stopMs: Date.now() - stopAt });
    });
  });
}

const args = process.argv.slice(2);
const runsAt = args.indexOf('--runs');
const runs = runsAt === -1 ? 1 : Number(args[runsAt + 1]);
const dir = args.find((arg, index) => !arg.startsWith('--') && index !== runsAt + 1) ?? '.';
const results: Run[] = [];
for (let i = 0; i < runs; i++) {
  const result = await runOnce(dir);
  results.push(result);
  console.log(
    `run ${String(i + 1)}: every process up after ${(result.readyMs / 1000).toFixed(1)} s, ` +
      `first trip after ${(result.firstTripMs / 1000).toFixed(1)} s, ` +
      `Ctrl-C to all exited ${String(result.stopMs)} ms`,
  );
}
const [one = 0, five = 0] = loadavg();
console.log(`${new Date().toISOString()}, load average ${one.toFixed(2)} / ${five.toFixed(2)}`);
