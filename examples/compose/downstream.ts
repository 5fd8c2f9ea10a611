/**
 * A flaky downstream HTTP service for docker-compose and `npm start` (and
 * anyone who wants a dependency to break on schedule). It loops through
 * scripted phases: healthy, failing (503), slow (answers after SLOW_MS),
 * recovering (one call in three fails). `GET /` is the dependency; `GET
 * /phase` says where it is and for how long still.
 *
 * PORT (default 8080), PHASE_MS (default 15000: each phase's length),
 * PHASES_MS (four comma-separated lengths, healthy,failing,slow,recovering:
 * overrides PHASE_MS), SLOW_MS (default 1500), QUIET=1 (no phase lines),
 * PHASES_FROM=first-call (the phases run from the first call, not from the
 * start, so that a fleet slow to start still sees a healthy phase first).
 * Exits on SIGINT/SIGTERM, and when the process that forked it goes away.
 */
import { createServer } from 'node:http';

const port = Number(process.env.PORT ?? 8080);
const phaseMs = Number(process.env.PHASE_MS ?? 15_000);
const slowMs = Number(process.env.SLOW_MS ?? 1_500);
const PHASES = ['healthy', 'failing', 'slow', 'recovering'] as const;
type Phase = (typeof PHASES)[number];
const lengths = (process.env.PHASES_MS ?? '').split(',').filter(Boolean).map(Number);
if (lengths.length > 0 && (lengths.length !== 4 || !lengths.every((ms) => ms > 0)))
  throw new Error(`PHASES_MS must be four positive lengths in ms, got ${String(lengths)}`);
const phaseLengths = lengths.length === 4 ? lengths : PHASES.map(() => phaseMs);
const cycleMs = phaseLengths.reduce((sum, ms) => sum + ms, 0);

/** When the phases began: at the start, or at the first call (PHASES_FROM=first-call). */
let startedAt = process.env.PHASES_FROM === 'first-call' ? undefined : Date.now();
let served = 0;
let lastPhase: Phase | undefined;

/** The phase now and the ms left in it. */
function phaseNow(): { phase: Phase; leftMs: number } {
  let offset = startedAt === undefined ? 0 : (Date.now() - startedAt) % cycleMs;
  let index = 0;
  while (offset >= (phaseLengths[index] ?? cycleMs)) offset -= phaseLengths[index++] ?? cycleMs;
  const phase = PHASES[index] ?? 'healthy';
  const length = phaseLengths[index] ?? cycleMs;
  if (phase !== lastPhase) {
    if (process.env.QUIET !== '1') console.log(`downstream: phase ${phase} (for ${length}ms)`);
    lastPhase = phase;
  }
  return { phase, leftMs: length - offset };
}

const server = createServer((request, response) => {
  const { phase, leftMs } = phaseNow();
  if (request.url === '/phase') {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ phase, leftMs, served }));
    return;
  }
  startedAt ??= Date.now();
  served++;
  const answer = (status: number): void => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(status === 200 ? { quote: 'EUR/USD 1.0842' } : { phase }));
  };
  if (phase === 'failing' || (phase === 'recovering' && served % 3 === 0)) answer(503);
  else if (phase === 'slow') setTimeout(answer, slowMs, 200);
  else answer(200);
});

server.listen(port, process.env.HOST ?? '0.0.0.0', () => {
  console.log(`downstream: listening on :${String(port)}`);
  phaseNow();
});
// Phase lines follow the clock, not the requests: a phase nobody called in is still logged.
const ticker = setInterval(phaseNow, 100);
const stop = (): void => {
  clearInterval(ticker);
  server.close();
  server.closeAllConnections();
  if (process.connected) process.disconnect();
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, stop);
process.once('disconnect', stop);
