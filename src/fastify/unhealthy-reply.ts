import type { FastifyReply } from 'fastify';
import type { DependencyUnhealthy } from '../errors/dependency-unhealthy.js';

/**
 * Answers a {@link DependencyUnhealthy} as 503 with `Retry-After` (seconds,
 * rounded up, at least 1) and a JSON body a person can act on. Use it in an
 * error handler of your own if you turn the plugin's off.
 */
export function replyDependencyUnhealthy(
  reply: FastifyReply,
  error: DependencyUnhealthy,
): FastifyReply {
  const seconds = Math.max(1, Math.ceil(error.retryAfterMs / 1000));
  return reply
    .code(503)
    .header('Retry-After', String(seconds))
    .send({
      statusCode: 503,
      code: error.code,
      error: 'Service Unavailable',
      message: error.message,
      dependency: error.dependency,
      state: error.state,
      retryAfterMs: error.retryAfterMs,
      ...(error.operation === undefined ? {} : { operation: error.operation }),
    });
}
