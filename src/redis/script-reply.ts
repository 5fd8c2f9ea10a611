import { z } from 'zod';
import type {
  CircuitState,
  CircuitTransition,
  TransitionReason,
  TripCause,
  WindowCounts,
} from '../engine/types.js';
import { RedisScriptError } from '../errors/redis-script-error.js';

/** Result codes the scripts answer with (see each script's header). */
export const ResultCode = {
  Ok: 0,
  Carried: 1,
  NotOpen: -1,
  NotDue: -2,
  ProbeInProgress: -3,
  StaleProbe: -4,
  IllegalTransition: -5,
  UnknownMode: -6,
} as const;

/** The shared record and window sums as a script read them (times on the Redis clock). */
export interface SharedSnapshot {
  readonly state: CircuitState;
  readonly epoch: number;
  readonly openUntil: number;
  readonly backoffStep: number;
  readonly probeToken: string;
  readonly probeLeaseUntil: number;
  readonly changedAt: number;
  readonly reason: TransitionReason | '';
  readonly lastError: string;
  readonly lastErrorAt: number;
  /** Set once when the record is created: changes when Redis lost the record and it was rebuilt. */
  readonly incarnation: string;
  /** Redis TIME when the script ran, in ms. */
  readonly now: number;
  /** What tripped the record, from the trip until it next closes; absent otherwise. */
  readonly trippedBy?: TripCause | undefined;
  readonly window: WindowCounts & {
    readonly badReplicas: number;
    readonly replicas: Readonly<Record<string, WindowCounts>>;
  };
}

/** A script's reply. */
export interface ScriptReply {
  readonly code: number;
  readonly snapshot: SharedSnapshot;
  readonly transition: CircuitTransition | undefined;
  /** The snapshot script summed the window with the record's stored config (its `k` flag). */
  readonly storedConfig?: boolean;
}

const circuitState = z.enum(['closed', 'open', 'half_open', 'forced_open', 'forced_closed']);
const reason = z.enum([
  'failure_rate',
  'slow_call_rate',
  'probe_started',
  'probe_lease_expired',
  'probe_succeeded',
  'probe_failed',
  'forced_open',
  'forced_closed',
  'reset',
]);
const counts = z.object({ calls: z.number(), failures: z.number(), slowCalls: z.number() });
const tripCause = counts.extend({ rule: z.enum(['failure_rate', 'slow_call_rate']) });
// cjson encodes an empty Lua table as {} and never as [], but accept [] too.
const replicas = z.union([z.record(z.string(), counts), z.array(z.never()).transform(() => ({}))]);

/** Schema of the snapshot every script returns and every transition message carries. */
export const snapshotSchema = z.object({
  state: circuitState,
  epoch: z.number(),
  openUntil: z.number(),
  backoffStep: z.number(),
  probeToken: z.string(),
  probeLeaseUntil: z.number(),
  changedAt: z.number(),
  reason: z.union([reason, z.literal('')]),
  lastError: z.string(),
  lastErrorAt: z.number(),
  incarnation: z.string(),
  now: z.number(),
  trippedBy: tripCause.optional(),
  window: counts.extend({ badReplicas: z.number(), replicas }),
});

/** Schema of a transition as the scripts encode it. */
export const transitionSchema = z.object({
  from: circuitState,
  to: circuitState,
  reason,
  epoch: z.number(),
  at: z.number(),
  openUntil: z.number(),
});

const replySchema = z.object({
  c: z.number(),
  s: snapshotSchema.optional(),
  t: transitionSchema.optional(),
  k: z.number().optional(),
});

/**
 * Reads a script's JSON reply. Codes other than `allowed` map to typed errors.
 * @throws RedisScriptError for an unreadable reply or an unexpected code
 */
export function parseScriptReply(
  script: string,
  raw: unknown,
  allowed: readonly number[],
): ScriptReply {
  if (typeof raw !== 'string')
    throw new RedisScriptError(script, undefined, 'reply is not a string');
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new RedisScriptError(script, undefined, 'reply is not JSON');
  }
  const parsed = replySchema.safeParse(json);
  if (!parsed.success) throw new RedisScriptError(script, undefined, parsed.error.message);
  const { c, s, t, k } = parsed.data;
  if (!allowed.includes(c) || s === undefined)
    throw new RedisScriptError(script, c, describeCode(c));
  return { code: c, snapshot: s, transition: t, storedConfig: k === 1 };
}

function describeCode(code: number): string {
  switch (code) {
    case ResultCode.IllegalTransition:
      return 'illegal transition refused by the script';
    case ResultCode.UnknownMode:
      return 'unknown force mode';
    default:
      return 'unexpected result code';
  }
}
