/** JSON schemas of the plugin's routes (Fastify validates bodies and serializes answers with them). */

const nullableString = { type: ['string', 'null'] } as const;
const nullableNumber = { type: ['number', 'null'] } as const;
const status = { type: 'string', enum: ['healthy', 'degraded', 'unhealthy'] } as const;
const circuitState = {
  type: ['string', 'null'],
  enum: ['closed', 'open', 'half_open', 'forced_open', 'forced_closed', null],
} as const;

/** An error answer: 401, 404, 400, 413, 503. */
export const errorSchema = {
  type: 'object',
  properties: {
    statusCode: { type: 'integer' },
    code: { type: 'string' },
    error: { type: 'string' },
    message: { type: 'string' },
    dependency: { type: 'string' },
    state: { type: 'string' },
    retryAfterMs: { type: 'number' },
    operation: { type: 'string' },
  },
  required: ['statusCode', 'error', 'message'],
} as const;

const component = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    kind: { type: 'string', enum: ['breaker', 'check', 'recorded', 'redis'] },
    status,
    circuit: circuitState,
    critical: { type: 'boolean' },
    message: nullableString,
    lastError: nullableString,
    lastSuccess: nullableNumber,
    openUntil: nullableNumber,
    backoffMs: nullableNumber,
    latencyMs: nullableNumber,
    retryAfterMs: { type: 'number' },
  },
  required: ['name', 'kind', 'status', 'critical'],
} as const;

const briefComponent = {
  type: 'object',
  properties: { name: { type: 'string' }, status, critical: { type: 'boolean' } },
  required: ['name', 'status', 'critical'],
} as const;

const reportProperties = {
  status,
  version: { type: 'string' },
  uptimeSeconds: { type: 'number' },
  timestamp: { type: 'string' },
  totalLatencyMs: { type: 'number' },
} as const;

/** `/health`: the aggregate, and each component's status in brief. */
export const healthSchema = {
  response: {
    '2xx': {
      type: 'object',
      properties: { ...reportProperties, components: { type: 'array', items: briefComponent } },
    },
    503: {
      type: 'object',
      properties: { ...reportProperties, components: { type: 'array', items: briefComponent } },
    },
  },
} as const;

const readyReport = {
  type: 'object',
  properties: {
    ...reportProperties,
    ready: { type: 'boolean' },
    closing: { type: 'boolean' },
    components: { type: 'array', items: component },
  },
} as const;

/** `/health/ready`: every component in detail. */
export const readySchema = { response: { '2xx': readyReport, 503: readyReport } } as const;

/** `/liveness`: the process answers; no dependency is looked at. */
export const livenessSchema = {
  response: {
    200: {
      type: 'object',
      properties: { status: { type: 'string' }, uptimeSeconds: { type: 'number' } },
    },
  },
} as const;

const counts = {
  type: 'object',
  properties: {
    calls: { type: 'number' },
    failures: { type: 'number' },
    slowCalls: { type: 'number' },
  },
} as const;

const snapshot = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    state: { type: 'string' },
    circuitState: { type: 'string' },
    forced: nullableString,
    epoch: { type: 'number' },
    openUntil: nullableNumber,
    retryAfterMs: { type: 'number' },
    backoffStep: { type: 'number' },
    probe: {
      type: ['object', 'null'],
      properties: { leaseUntil: { type: 'number' } },
    },
    window: {
      type: 'object',
      properties: {
        ...counts.properties,
        failureRate: { type: 'number' },
        slowCallRate: { type: 'number' },
        replicas: { type: 'object', additionalProperties: counts },
      },
    },
    lastError: nullableString,
    lastErrorAt: nullableNumber,
    changedAt: nullableNumber,
    reason: nullableString,
    mode: { type: 'string' },
    critical: { type: 'boolean' },
    at: { type: 'number' },
    error: { type: 'string' },
  },
  required: ['name', 'state'],
} as const;

/** `/breakers`: every breaker's shared record, and this replica's mode. */
export const breakersSchema = {
  response: {
    200: {
      type: 'object',
      properties: {
        replicaId: { type: 'string' },
        mode: { type: 'string' },
        breakers: { type: 'array', items: snapshot },
      },
    },
  },
} as const;

const nameParams = {
  type: 'object',
  properties: { name: { type: 'string', minLength: 1, maxLength: 128 } },
  required: ['name'],
} as const;

const adminResponse = {
  200: snapshot,
  400: errorSchema,
  401: errorSchema,
  404: errorSchema,
  413: errorSchema,
} as const;

/** `POST /breakers/:name/force-open`, body `{ forMs }` (optional: open until cleared). */
export const forceOpenSchema = {
  params: nameParams,
  body: {
    type: ['object', 'null'],
    properties: { forMs: { type: 'integer', minimum: 1, maximum: 604_800_000 } },
    additionalProperties: false,
  },
  response: adminResponse,
} as const;

/** `POST /breakers/:name/force-closed` and `/reset`: no body (or an empty object). */
export const noBodySchema = {
  params: nameParams,
  body: { type: ['object', 'null'], additionalProperties: false },
  response: adminResponse,
} as const;
