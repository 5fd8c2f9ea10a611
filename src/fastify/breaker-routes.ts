import type { FastifyInstance, FastifyReply } from 'fastify';
import type { BreakerBox } from '../box/breaker-box.js';
import type { Breaker } from '../breaker/breaker.js';
import type { BreakerSnapshot } from '../breaker/breaker-snapshot.js';
import { toBreakerSnapshot } from '../breaker/breaker-snapshot.js';
import type { FleetForceMode } from '../store/fleet-reader.js';
import { driverSnapshotOf } from '../store/record-conversions.js';
import { errorMessage } from '../util/error-message.js';
import { isValidName } from '../util/names.js';
import { bearerMatcher } from './admin-auth.js';
import { breakersSchema, forceOpenSchema, noBodySchema } from './schemas.js';

/** Admin bodies are tiny: anything over this is refused with 413. */
const ADMIN_BODY_LIMIT = 1024;

type Named = { Params: { name: string } };

async function snapshotOrView(breaker: Breaker<unknown>): Promise<BreakerSnapshot | object> {
  try {
    return await breaker.snapshot();
  } catch (error) {
    return { name: breaker.name, state: breaker.state, error: errorMessage(error) };
  }
}

function notFound(reply: FastifyReply, name: string): FastifyReply {
  return reply.code(404).send({
    statusCode: 404,
    code: 'UNKNOWN_BREAKER',
    error: 'Not Found',
    message: `no breaker named ${JSON.stringify(name)} on this replica or in the namespace`,
  });
}

/** `GET /breakers`, and the admin routes when an admin token is configured. */
export function breakerRoutes(
  app: FastifyInstance,
  box: BreakerBox,
  prefix: string,
  adminToken: string | undefined,
): void {
  app.get(`${prefix}/breakers`, { schema: breakersSchema }, async () => ({
    replicaId: box.replicaId,
    mode: box.mode,
    breakers: await Promise.all(box.breakers().map(snapshotOrView)),
  }));
  if (adminToken === undefined) return;
  const authorized = bearerMatcher(adminToken);
  const admin = {
    bodyLimit: ADMIN_BODY_LIMIT,
    // Before the body is read: an unauthenticated caller never gets it parsed.
    onRequest: async (
      request: { headers: { authorization?: string } },
      reply: FastifyReply,
    ): Promise<void> => {
      if (authorized(request.headers.authorization)) return;
      await reply.code(401).header('WWW-Authenticate', 'Bearer realm="breakerbox"').send({
        statusCode: 401,
        code: 'UNAUTHORIZED',
        error: 'Unauthorized',
        message: 'admin routes need Authorization: Bearer <adminToken>',
      });
    },
  };
  const route = (
    action: string,
    mode: FleetForceMode,
    schema: typeof forceOpenSchema | typeof noBodySchema,
    run: (breaker: Breaker<unknown>, body: { forMs?: number } | null) => Promise<void>,
  ): void => {
    app.post<Named & { Body: { forMs?: number } | null }>(
      `${prefix}/breakers/:name/${action}`,
      { ...admin, schema },
      async (request, reply) => {
        const { name } = request.params;
        const breaker = box.findBreaker(name);
        if (breaker !== undefined) {
          await run(breaker, request.body ?? null);
          return reply.send(await breaker.snapshot());
        }
        // Not created here: any breaker of the namespace, through the same force script.
        const fleet = box.fleet;
        if (fleet === undefined || !isValidName(name)) return notFound(reply, name);
        const forced = await fleet.force(name, mode, request.body?.forMs ?? 0);
        if (forced === undefined) return notFound(reply, name);
        return reply.send(toBreakerSnapshot(name, false, driverSnapshotOf(forced, box.mode)));
      },
    );
  };
  route('force-open', 'open', forceOpenSchema, (breaker, body) =>
    breaker.forceOpen(body?.forMs === undefined ? {} : { forMs: body.forMs }),
  );
  route('force-closed', 'closed', noBodySchema, (breaker) => breaker.forceClosed());
  route('reset', 'reset', noBodySchema, (breaker) => breaker.reset());
}
