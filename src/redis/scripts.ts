import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ClientContext, Cluster, Redis, Result } from 'ioredis';

/** Bumped whenever a script changes, so replicas of two versions never share a cached SHA name. */
export const SCRIPT_VERSION = 1;

const LUA_DIR = fileURLToPath(new URL('../../lua/', import.meta.url));
const INCLUDE = /^---\s*@include\s+"([^"]+)"\s*$/gm;

/** The scripts, by the ioredis command each is registered as. */
export const SCRIPTS = {
  breakerboxRecordV1: 'record-3.lua',
  breakerboxBeginProbeV1: 'begin_probe-3.lua',
  breakerboxEndProbeV1: 'end_probe-3.lua',
  breakerboxForceV1: 'force-3.lua',
  breakerboxSnapshotV1: 'snapshot-2.lua',
  breakerboxReconcileV1: 'reconcile-3.lua',
} as const;

/** The name of one registered script command. */
export type ScriptCommand = keyof typeof SCRIPTS;

declare module 'ioredis' {
  interface RedisCommander<Context extends ClientContext = { type: 'default' }> {
    breakerboxRecordV1(...keysAndArgs: string[]): Result<string, Context>;
    breakerboxBeginProbeV1(...keysAndArgs: string[]): Result<string, Context>;
    breakerboxEndProbeV1(...keysAndArgs: string[]): Result<string, Context>;
    breakerboxForceV1(...keysAndArgs: string[]): Result<string, Context>;
    breakerboxSnapshotV1(...keysAndArgs: string[]): Result<string, Context>;
    breakerboxReconcileV1(...keysAndArgs: string[]): Result<string, Context>;
  }
}

const sources = new Map<string, string>();

/**
 * The source of a script in `lua/`, with its `--- @include "…"` lines replaced
 * by the included files (each included once).
 */
export function scriptSource(file: string): string {
  let source = sources.get(file);
  if (source === undefined) {
    source = resolveIncludes(readFileSync(`${LUA_DIR}${file}`, 'utf8'), new Set());
    sources.set(file, source);
  }
  return source;
}

function resolveIncludes(source: string, seen: Set<string>): string {
  return source.replace(INCLUDE, (_line, include: string) => {
    if (seen.has(include)) return '';
    seen.add(include);
    return resolveIncludes(readFileSync(`${LUA_DIR}${include}.lua`, 'utf8'), seen);
  });
}

/** Number of KEYS a script takes, from its file name (`<action>-<numberOfKeys>.lua`). */
export function numberOfKeys(file: string): number {
  const match = /-(\d+)\.lua$/.exec(file);
  if (match?.[1] === undefined)
    throw new Error(`script file ${file} does not end in -<numberOfKeys>.lua`);
  return Number(match[1]);
}

/**
 * Registers every script on a connection with ioredis `defineCommand`: EVALSHA
 * with a NOSCRIPT fallback (so a restarted or flushed Redis is served again),
 * usable in pipelines.
 */
export function defineScripts(client: Redis | Cluster): void {
  for (const [command, file] of Object.entries(SCRIPTS)) {
    client.defineCommand(command, { numberOfKeys: numberOfKeys(file), lua: scriptSource(file) });
  }
}
