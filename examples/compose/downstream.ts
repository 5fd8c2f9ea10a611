/**
 * A flaky downstream HTTP service for docker-compose (and anyone who wants a
 * dependency to break on schedule). It loops through scripted phases:
 * healthy, failing (503), slow (answers after SLOW_MS), recovering (one call
 * in three fails). `GET /` is the dependency; `GET /phase` says where it is.
 *
 * PORT (default 8080), PHASE_MS (default 15000: each phase's length),
 * SLOW_MS (default 1500).
 */
import { createServer } from 'node:http';

const port = Number(process.env.PORT ?? 8080);
const phaseMs = Number(process.env.PHASE_MS ?? 15_000);
const slowMs = Number(process.env.SLOW_MS ?? 1_500);
const PHASES = ['healthy', 'failing', 'slow', 'recovering'] as const;
type Phase = (typeof PHASES)[number];

const startedAt = Date.now();
let served = 0;
let lastPhase: Phase | undefined;

function phaseNow(): Phase {
  const phase = PHASES[Math.floor((Date.now() - startedAt) / phaseMs) % PHASES.length] ?? 'healthy';
  if (phase !== lastPhase) {
    console.log(`downstream: phase ${phase} (for ${String(phaseMs)}ms)`);
    lastPhase = phase;
  }
  return phase;
}

const server = createServer((request, response) => {
  const phase = phaseNow();
  if (request.url === '/phase') {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ phase, served }));
    return;
  }
  served++;
  const answer = (status: number): void => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(status === 200 ? { quote: 'EUR/USD 1.0842' } : { phase }));
  };
  if (phase === 'failing' || (phase === 'recovering' && served % 3 === 0)) answer(503);
  else if (phase === 'slow') setTimeout(answer, slowMs, 200);
  else answer(200);
});

server.listen(port, '0.0.0.0', () => {
  console.log(`downstream: listening on :${String(port)}`);
  phaseNow();
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close();
    server.closeAllConnections();
  });
}
