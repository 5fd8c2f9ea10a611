/** Replies that mean "not now" rather than "wrong": loading, failing over, cluster down, busy. */
const TRANSIENT_REPLY = /^(LOADING|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|BUSY|NOREPLICAS)\b/;

/**
 * How bad a failed command is for the box:
 * - `none`: not about Redis at all (a bug of ours elsewhere);
 * - `transient`: Redis is unreachable, hung, restarting or failing over;
 * - `permanent`: Redis answers but cannot do our work (NOPERM, READONLY, OOM,
 *   WRONGTYPE, a script error, an unknown command, an unreadable reply): it
 *   will not heal by itself, so it is worth an ERROR in the logs.
 * Both kinds move a box to local mode: a box that cannot use Redis protects alone.
 */
export type RedisTroubleKind = 'none' | 'transient' | 'permanent';

/** Classifies a failed Redis command (see {@link RedisTroubleKind}). */
export function redisTroubleKind(error: unknown): RedisTroubleKind {
  if (!(error instanceof Error)) return 'none';
  if (error.name === 'RedisScriptError') return 'permanent';
  if (error.name === 'ReplyError') {
    return TRANSIENT_REPLY.test(error.message) ? 'transient' : 'permanent';
  }
  return 'transient';
}

/** True when an error means Redis cannot be used now (either kind): such errors move a box to local mode. */
export function isRedisTrouble(error: unknown): boolean {
  return redisTroubleKind(error) !== 'none';
}

/** A short name of a permanent cause, for logging it once: the reply's error code (`NOPERM`, …) or the error's name. */
export function troubleCause(error: Error): string {
  if (error.name !== 'ReplyError') return error.name;
  const code = /^([A-Z]+)\b/.exec(error.message)?.[1] ?? 'ERR';
  // A script's error names the failing command's error inside its message.
  if (code !== 'ERR') return code;
  if (/can't run this command|no permissions/.test(error.message)) return 'NOPERM';
  return /\b(WRONGTYPE|READONLY|OOM)\b/.exec(error.message)?.[1] ?? code;
}
