/**
 * A run's raw results on disk (docs/bench/results.json by a full run), so
 * that the report can be rendered again from them without measuring again
 * (`npm run bench -- --from docs/bench/results.json`), e.g. after a change
 * to a section's text or plot.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { MachineInfo } from './machine.js';
import type { CaseOutput } from './protocol.js';
import { isCaseOutput } from './protocol.js';

/** What a saved run holds. */
export interface SavedRun {
  readonly startedAt: string;
  readonly runtimeMs: number;
  readonly loadAtEnd: number;
  readonly machine: MachineInfo;
  /** The `--group` selection (undefined: every group). */
  readonly only: readonly string[] | undefined;
  /** Each case's outputs, one per process, by case id. */
  readonly outputs: Readonly<Record<string, readonly CaseOutput[]>>;
}

/** Writes `run` as JSON to `path`. */
export function saveRun(path: string, run: SavedRun): void {
  writeFileSync(path, `${JSON.stringify(run, null, 1)}\n`);
}

/**
 * Reads a run saved by {@link saveRun}.
 * @throws Error when the file does not hold a saved run
 */
export function loadRun(path: string): SavedRun {
  const value: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (typeof value !== 'object' || value === null) throw new Error(`${path}: not a saved run`);
  const run = value as Partial<SavedRun>;
  const outputs = run.outputs;
  if (
    typeof run.startedAt !== 'string' ||
    typeof run.runtimeMs !== 'number' ||
    typeof run.loadAtEnd !== 'number' ||
    typeof run.machine !== 'object' ||
    typeof outputs !== 'object' ||
    !Object.values(outputs).every((list) => Array.isArray(list) && list.every(isCaseOutput))
  ) {
    throw new Error(`${path}: not a saved run`);
  }
  return run as SavedRun;
}
