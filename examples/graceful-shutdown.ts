/**
 * A Fastify service with breakerbox's health routes, metrics and admin routes,
 * and the shutdown Kubernetes needs: on SIGTERM or SIGINT, `/health/ready`
 * answers 503 at once, calls are still served for `shutdownGraceMs` while load
 * balancers stop routing, then the box drains in order and the process exits.
 *
 *   REDIS_URL=redis://127.0.0.1:6379 BREAKERBOX_ADMIN_TOKEN=… npx tsx examples/graceful-shutdown.ts
 */
import closeWithGrace from 'close-with-grace';
import Fastify from 'fastify';
import { createBreakerBox } from '../src/index.js';
import breakerboxFastify from '../src/fastify/index.js';

const app = Fastify({ logger: true });
const box = await createBreakerBox({
  ...(process.env.REDIS_URL === undefined ? {} : { redis: process.env.REDIS_URL }),
  namespace: 'orders',
  shutdownGraceMs: 5_000,
  drainTimeoutMs: 10_000,
});
const payments = box.breaker('payments', { timeoutMs: 2_000 });

await app.register(breakerboxFastify, {
  box,
  ...(process.env.BREAKERBOX_ADMIN_TOKEN === undefined
    ? {}
    : { adminToken: process.env.BREAKERBOX_ADMIN_TOKEN }),
});

app.post('/charge', () =>
  payments.call((signal) => fetch('https://payments.example/charge', { signal, method: 'POST' })),
);

// A destructive route: refused (503 + Retry-After) while a critical dependency is in doubt.
app.post(
  '/sessions/:id/terminate',
  { preHandler: app.breakerboxGate('terminate_session') },
  () => ({
    terminated: true,
  }),
);

// Order matters: the box first (readiness 503, grace, drain, flush, quit), then the server.
closeWithGrace({ delay: 30_000 }, async ({ signal, err }) => {
  if (err !== undefined) app.log.error({ err }, 'closing after an error');
  app.log.info({ signal }, 'closing');
  await box.close();
  await app.close();
});

await app.listen({ host: '0.0.0.0', port: Number(process.env.PORT ?? 3000) });
