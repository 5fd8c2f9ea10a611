/** The Redis keys of one breaker; all share the hash tag `{<name>}`, so every script touches one Cluster slot. */
export interface BreakerKeys {
  /** Hash: the record (state, epoch, openUntil, backoff, probe token, …). */
  readonly state: string;
  /** Hash: the sliding window's buckets (or entries). */
  readonly window: string;
  /** Capped stream of transitions. */
  readonly events: string;
  /** The probe lock's resource. */
  readonly probe: string;
}

/** Keys of breaker `name` under namespace `ns`: `<ns>:{<name>}:state` and so on. Names are validated upstream (no braces). */
export function breakerKeys(namespace: string, name: string): BreakerKeys {
  const base = `${namespace}:{${name}}`;
  return {
    state: `${base}:state`,
    window: `${base}:window`,
    events: `${base}:events`,
    probe: `${base}:probe`,
  };
}

/** The pub/sub channel every transition of a namespace is published on. */
export function transitionsChannel(namespace: string): string {
  return `${namespace}:transitions`;
}

/** Prefix of the replicas' presence keys: `<ns>:replica:<replicaId>` (no hash tag: one small key each). */
export function replicaKeyPrefix(namespace: string): string {
  return `${namespace}:replica:`;
}

/** The presence key of replica `replicaId` (see `src/store/replica-presence.ts`). */
export function replicaKey(namespace: string, replicaId: string): string {
  return `${replicaKeyPrefix(namespace)}${replicaId}`;
}
