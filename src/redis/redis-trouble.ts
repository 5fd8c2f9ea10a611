/** Replies that mean "not now" rather than "wrong": loading, failing over, read-only replica, cluster down. */
const TROUBLE_REPLY = /^(LOADING|READONLY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|BUSY|NOREPLICAS|OOM)\b/;

/**
 * True when an error means Redis itself is unhealthy (unreachable, hung,
 * restarting, failing over), as opposed to a bug in a script or a bad reply.
 * Such errors move a box to local mode.
 */
export function isRedisTrouble(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === 'RedisScriptError') return false;
  if (error.name === 'ReplyError') return TROUBLE_REPLY.test(error.message);
  return true;
}
