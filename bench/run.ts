/**
 * `npm run bench`: runs every case of bench/registry.ts in fresh child
 * processes (all groups in one run, interleaved in passes), prints the tables
 * and writes docs/benchmarks.md.
 *
 * Options: `--group <id>` (repeatable) runs only those groups and does not
 * write the report (`--group redis`: every case that needs Redis, whatever
 * its group); `--no-write` never writes it. A case's `alongside` cases (what
 * it is compared with) always run with it. A full run also saves its raw
 * results (docs/bench/results.json); `--from <file>` renders the report from
 * such a file instead of measuring (and writes it when the saved run was full).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { formatNumber } from './lib/format.js';
import { currentLoad, describeMachine } from './lib/machine.js';
import type { CaseOutput } from './lib/protocol.js';
import { renderConsole, renderDocument, renderFiles } from './lib/report.js';
import type { SavedRun } from './lib/saved-run.js';
import { loadRun, saveRun } from './lib/saved-run.js';
import { ResultSet } from './lib/results.js';
import { endRunningCases, runCaseProcess } from './lib/spawn-case.js';
import type { BenchCase } from './registry.js';
import { CASES, GROUPS, REDIS_SELECTION, validateRegistry } from './registry.js';
import { TARGETS } from './targets.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const REPORT_PATH = `${ROOT}docs/benchmarks.md`;
const RESULTS_PATH = `${ROOT}docs/bench/results.json`;
const COMMAND = 'npm run bench';

/** One process to start: a case and which of its passes this is. */
interface ScheduledRun {
  readonly spec: BenchCase;
  readonly pass: number;
}

/**
 * Orders the runs in passes: pass 1 runs every case once, pass 2 every case
 * with two processes or more, and so on, so that slow drifts of the machine
 * touch every case alike.
 */
function schedule(cases: readonly BenchCase[]): ScheduledRun[] {
  const passes = Math.max(...cases.map((spec) => spec.processes));
  const runs: ScheduledRun[] = [];
  for (let pass = 0; pass < passes; pass++) {
    for (const spec of cases) if (pass < spec.processes) runs.push({ spec, pass });
  }
  return runs;
}

/** The cases of the selected groups (all without `--group`), with the cases they run alongside. */
function select(cases: readonly BenchCase[], only: readonly string[] | undefined): BenchCase[] {
  const redis = only?.includes(REDIS_SELECTION) ?? false;
  const ids = new Set(
    cases
      .filter(
        (spec) => only === undefined || only.includes(spec.group) || (redis && spec.redis === true),
      )
      .flatMap((spec) => [spec.id, ...(spec.alongside ?? [])]),
  );
  return cases.filter((spec) => ids.has(spec.id));
}

// Ctrl-C or a kill: take the running case, its redis-server and its replicas down too.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    void endRunningCases().finally(() => process.exit(130));
  });
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      group: { type: 'string', multiple: true },
      'no-write': { type: 'boolean', default: false },
      from: { type: 'string' },
    },
  });
  validateRegistry(GROUPS, CASES);
  const saved = values.from === undefined ? undefined : loadRun(values.from);
  const only = saved === undefined ? values.group : saved.only;
  const unknown =
    only?.filter((id) => id !== REDIS_SELECTION && !GROUPS.some((group) => group.id === id)) ?? [];
  if (unknown.length > 0) {
    throw new Error(
      `unknown group ${unknown.join(', ')}; known: ${[...GROUPS.map((g) => g.id), REDIS_SELECTION].join(', ')}`,
    );
  }
  const cases = select(CASES, only);
  const groups = GROUPS.filter((group) => cases.some((spec) => spec.group === group.id));

  const run = saved ?? (await measure(cases, only));
  const outputs = new Map(Object.entries(run.outputs).map(([id, list]) => [id, [...list]]));
  const input = {
    machine: run.machine,
    startedAt: new Date(run.startedAt),
    command: COMMAND,
    runtimeMs: run.runtimeMs,
    loadAtEnd: run.loadAtEnd,
    groups,
    results: new ResultSet(groups, cases, outputs),
    targets: TARGETS,
  };
  process.stdout.write(`\n${renderConsole(input)}\n`);
  const failures = cases.filter((spec) => (outputs.get(spec.id)?.length ?? 0) < spec.processes);
  if (failures.length > 0) {
    process.stderr.write(
      `\n${failures.length} case(s) did not complete: ${failures.map((spec) => spec.id).join(', ')}\n${REPORT_PATH} was not written.\n`,
    );
    return 1;
  }
  if (only !== undefined || values['no-write']) {
    process.stderr.write(`${REPORT_PATH} was not written (partial run or --no-write).\n`);
    return 0;
  }
  if (saved === undefined) {
    mkdirSync(dirname(RESULTS_PATH), { recursive: true });
    saveRun(RESULTS_PATH, run);
    process.stderr.write(`Wrote ${RESULTS_PATH}\n`);
  }
  for (const file of renderFiles(input)) {
    const path = `${ROOT}docs/${file.path}`;
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.content);
    process.stderr.write(`Wrote ${path}\n`);
  }
  writeFileSync(REPORT_PATH, renderDocument(input));
  process.stderr.write(`Wrote ${REPORT_PATH}\n`);
  return 0;
}

/** Runs every case of `cases` in its processes, in passes; prints each process's samples. */
async function measure(
  cases: readonly BenchCase[],
  only: readonly string[] | undefined,
): Promise<SavedRun> {
  const startedAt = new Date();
  const started = performance.now();
  const machine = describeMachine(ROOT, ['cockatiel', 'opossum', 'ioredis']);
  process.stderr.write(
    `breakerbox bench: ${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}, load ${formatNumber(machine.load1, 2)}\n`,
  );
  const runs = schedule(cases);
  const outputs = new Map<string, CaseOutput[]>();
  const failures: string[] = [];
  for (const [index, run] of runs.entries()) {
    const passes = run.spec.processes;
    const label = `[${String(index + 1).padStart(2)}/${runs.length}] ${run.spec.id} (process ${run.pass + 1}/${passes})`;
    const caseStarted = performance.now();
    try {
      const output = await runCaseProcess(run.spec, ROOT);
      outputs.set(run.spec.id, [...(outputs.get(run.spec.id) ?? []), output]);
      const seconds = (performance.now() - caseStarted) / 1000;
      const samples = output.samples
        .map((sample) => formatNumber(sample, sample < 10 ? 3 : 1))
        .join(' ');
      process.stderr.write(`${label} ${formatNumber(seconds, 1)} s: ${samples}\n`);
    } catch (error) {
      failures.push(error instanceof Error ? error.message : String(error));
      process.stderr.write(`${label} FAILED\n`);
    }
  }
  if (failures.length > 0) {
    process.stderr.write(`\n${failures.length} case process(es) failed:\n${failures.join('\n')}\n`);
  }
  return {
    startedAt: startedAt.toISOString(),
    runtimeMs: performance.now() - started,
    loadAtEnd: currentLoad(),
    machine,
    only,
    outputs: Object.fromEntries(outputs),
  };
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
