/**
 * `npm run bench`: runs every case of bench/registry.ts in fresh child
 * processes (all groups in one run, interleaved in passes), prints the tables
 * and writes docs/benchmarks.md.
 *
 * Options: `--group <id>` (repeatable) runs only those groups and does not
 * write the report (`--group redis`: every case that needs Redis, whatever
 * its group); `--no-write` never writes it. A case's `alongside` cases (what
 * it is compared with) always run with it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { formatNumber } from './lib/format.js';
import { currentLoad, describeMachine } from './lib/machine.js';
import type { CaseOutput } from './lib/protocol.js';
import { renderConsole, renderDocument, renderFiles } from './lib/report.js';
import { ResultSet } from './lib/results.js';
import { endRunningCases, runCaseProcess } from './lib/spawn-case.js';
import type { BenchCase } from './registry.js';
import { CASES, GROUPS, REDIS_SELECTION, validateRegistry } from './registry.js';
import { TARGETS } from './targets.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const REPORT_PATH = `${ROOT}docs/benchmarks.md`;
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
    },
  });
  validateRegistry(GROUPS, CASES);
  const only = values.group;
  const unknown =
    only?.filter((id) => id !== REDIS_SELECTION && !GROUPS.some((group) => group.id === id)) ?? [];
  if (unknown.length > 0) {
    throw new Error(
      `unknown group ${unknown.join(', ')}; known: ${[...GROUPS.map((g) => g.id), REDIS_SELECTION].join(', ')}`,
    );
  }
  const cases = select(CASES, only);
  const groups = GROUPS.filter((group) => cases.some((spec) => spec.group === group.id));

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

  const input = {
    machine,
    startedAt,
    command: COMMAND,
    runtimeMs: performance.now() - started,
    loadAtEnd: currentLoad(),
    groups,
    results: new ResultSet(groups, cases, outputs),
    targets: TARGETS,
  };
  process.stdout.write(`\n${renderConsole(input)}\n`);
  if (failures.length > 0) {
    process.stderr.write(`\n${failures.length} case process(es) failed:\n${failures.join('\n')}\n`);
    process.stderr.write(`${REPORT_PATH} was not written.\n`);
    return 1;
  }
  if (only !== undefined || values['no-write']) {
    process.stderr.write(`${REPORT_PATH} was not written (partial run or --no-write).\n`);
    return 0;
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
