import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  preHandlerAsyncHookHandler,
} from 'fastify';
import fp from 'fastify-plugin';
import type { Registry } from 'prom-client';
import type { GateOptions } from '../box/box-features.js';
import type { BreakerBoxOptions } from '../box/box-options.js';
import type { BreakerBox } from '../box/breaker-box.js';
import { createBreakerBox } from '../create-breaker-box.js';
import { isDependencyUnhealthy } from '../errors/dependency-unhealthy.js';
import { InvalidBreakerOptions } from '../errors/invalid-breaker-options.js';
import { registerBreakerboxMetrics } from '../metrics/box-metrics.js';
import { breakerRoutes } from './breaker-routes.js';
import { dashboardRoutes } from './dashboard-routes.js';
import { healthRoutes } from './health-routes.js';
import { replyDependencyUnhealthy } from './unhealthy-reply.js';

/** Options of the Fastify plugin. */
export interface BreakerboxFastifyOptions {
  /** The box to serve. Omitted: the plugin creates one from `boxOptions` and closes it on `onClose`. */
  readonly box?: BreakerBox;
  /** Options of the box the plugin creates when `box` is omitted. */
  readonly boxOptions?: BreakerBoxOptions;
  /** Bearer token of the admin routes; omitted, they do not exist. */
  readonly adminToken?: string;
  /** Path prefix of every route, e.g. `/ops`. Default none. */
  readonly prefix?: string;
  /** Serve `/metrics`. Default true. */
  readonly metrics?: boolean;
  /** The prom-client registry `/metrics` serves. Default prom-client's `register`. */
  readonly registry?: Registry;
  /** Prefix of metric names. Default `breakerbox_`. */
  readonly metricsPrefix?: string;
  /** Install the error handler that answers `DependencyUnhealthy` with 503. Default true. */
  readonly errorHandler?: boolean;
  /** Serve the live dashboard at `<prefix>/dashboard` (page, files and event stream). Default true. */
  readonly dashboard?: boolean;
  /** How often the dashboard's stream sends every breaker's snapshot, in ms (100-60000). Default 1000. */
  readonly dashboardIntervalMs?: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The box the breakerbox plugin serves. */
    breakerbox: BreakerBox;
    /** A `preHandler` that refuses the route (503) while the gate refuses `operation`. */
    breakerboxGate: (operation: string, options?: GateOptions) => preHandlerAsyncHookHandler;
  }
}

const PREFIX = /^(\/[A-Za-z0-9._~-]+)*$/;

function validate(options: BreakerboxFastifyOptions): void {
  const { adminToken, prefix } = options;
  if (adminToken !== undefined && (typeof adminToken !== 'string' || adminToken.length < 16))
    throw new InvalidBreakerOptions(
      'adminToken',
      '[redacted]',
      'must be a string of at least 16 characters',
    );
  if (prefix !== undefined && (typeof prefix !== 'string' || !PREFIX.test(prefix)))
    throw new InvalidBreakerOptions(
      'prefix',
      prefix,
      'must be empty or like /ops (no trailing slash)',
    );
  const interval = options.dashboardIntervalMs;
  if (
    interval !== undefined &&
    (typeof interval !== 'number' ||
      !Number.isInteger(interval) ||
      interval < 100 ||
      interval > 60_000)
  )
    throw new InvalidBreakerOptions(
      'dashboardIntervalMs',
      interval,
      'must be an integer from 100 to 60000',
    );
  if (options.dashboard !== undefined && typeof options.dashboard !== 'boolean')
    throw new InvalidBreakerOptions('dashboard', options.dashboard, 'must be a boolean');
  if (options.box !== undefined && options.boxOptions !== undefined)
    throw new InvalidBreakerOptions(
      'boxOptions',
      options.boxOptions,
      'give either box or boxOptions',
    );
}

/**
 * A `preHandler` that runs the safety gate before a destructive route: while
 * it refuses, the route answers 503 with `Retry-After`.
 */
export function breakerboxGate(
  box: BreakerBox,
  operation: string,
  options?: GateOptions,
): preHandlerAsyncHookHandler {
  return async () => {
    box.gate.check(operation, options);
    await Promise.resolve();
  };
}

async function breakerboxPlugin(
  app: FastifyInstance,
  options: BreakerboxFastifyOptions,
): Promise<void> {
  validate(options);
  const owned = options.box === undefined;
  const box = options.box ?? (await createBreakerBox(options.boxOptions));
  const prefix = options.prefix ?? '';
  if (!app.hasDecorator('breakerbox')) app.decorate('breakerbox', box);
  if (!app.hasDecorator('breakerboxGate'))
    app.decorate('breakerboxGate', (operation: string, gateOptions?: GateOptions) =>
      breakerboxGate(box, operation, gateOptions),
    );
  if (options.errorHandler !== false) {
    app.setErrorHandler((error: unknown, _request: FastifyRequest, reply: FastifyReply) => {
      if (isDependencyUnhealthy(error)) return replyDependencyUnhealthy(reply, error);
      // Everything else goes on to the handler that was there before (the app's or Fastify's).
      throw error;
    });
  }
  healthRoutes(app, box, prefix);
  breakerRoutes(app, box, prefix, options.adminToken);
  if (options.dashboard !== false) {
    await dashboardRoutes(app, box, {
      prefix,
      admin: options.adminToken !== undefined,
      intervalMs: options.dashboardIntervalMs ?? 1000,
    });
  }
  if (options.metrics !== false) {
    const { registry } = registerBreakerboxMetrics(box, {
      ...(options.registry === undefined ? {} : { registry: options.registry }),
      ...(options.metricsPrefix === undefined ? {} : { prefix: options.metricsPrefix }),
    });
    app.get(`${prefix}/metrics`, async (_request, reply) =>
      reply.type(registry.contentType).send(await registry.metrics()),
    );
  }
  if (owned) {
    app.addHook('onClose', async () => {
      await box.close();
    });
  }
}

/**
 * The breakerbox Fastify plugin: `/liveness`, `/health`, `/health/ready`,
 * `/breakers`, `/metrics`, the live `/dashboard`, and admin routes behind a bearer token.
 */
export const breakerboxFastify = fp(breakerboxPlugin, { fastify: '5.x', name: 'breakerbox' });
export default breakerboxFastify;
