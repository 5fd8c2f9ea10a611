import type { FastifyInstance } from 'fastify';
import type { BreakerBox } from '../box/breaker-box.js';
import { healthSchema, livenessSchema, readySchema } from './schemas.js';

/** `/liveness`, `/health` and `/health/ready` under `prefix`. */
export function healthRoutes(app: FastifyInstance, box: BreakerBox, prefix: string): void {
  const startedAt = Date.now();

  // Liveness never looks at a dependency: a replica whose Redis or upstream is
  // down is alive, and restarting it would only make things worse.
  app.get(`${prefix}/liveness`, { schema: livenessSchema }, () => ({
    status: 'ok',
    uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
  }));

  app.get(`${prefix}/health`, { schema: healthSchema }, async (_request, reply) => {
    const report = await box.health();
    return reply.code(report.status === 'unhealthy' ? 503 : 200).send(report);
  });

  app.get(`${prefix}/health/ready`, { schema: readySchema }, async (_request, reply) => {
    const closing = box.isClosing;
    const report = await box.health();
    const ready = !closing && report.status !== 'unhealthy';
    return reply.code(ready ? 200 : 503).send({ ...report, ready, closing });
  });
}
