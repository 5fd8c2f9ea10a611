import type { CaseOutput, CaseParams } from './protocol.js';
import { isCaseParams } from './protocol.js';

/** One variant of a case file: runs in its own fresh process and returns its samples. */
export type Variant = (params: CaseParams) => Promise<CaseOutput>;

const cleanups: (() => Promise<void>)[] = [];

/**
 * Registers a step run when the variant has ended, whether it succeeded or
 * failed, before the process prints its result and exits (e.g. stopping the
 * redis-server and the replica processes the case started).
 */
export function onCaseEnd(cleanup: () => Promise<void>): void {
  cleanups.push(cleanup);
}

async function runCleanups(): Promise<void> {
  for (const cleanup of cleanups.splice(0).reverse()) {
    try {
      await cleanup();
    } catch (error) {
      process.stderr.write(
        `cleanup failed: ${error instanceof Error ? error.message : String(error)}\n`,
      );
    }
  }
}

/**
 * The entry point of a case file (child side). Reads `<variant> <params JSON>`
 * from argv, runs that variant, runs the {@link onCaseEnd} steps, prints its
 * {@link CaseOutput} as one JSON line on stdout and exits (so that timers a library left behind cannot keep the
 * process alive). Errors go to stderr with exit code 1.
 */
export function runCase(variants: Readonly<Record<string, Variant>>): void {
  const [variantName = '', paramsJson = '{}'] = process.argv.slice(2);
  if (!Object.hasOwn(variants, variantName)) {
    fail(new Error(`unknown variant "${variantName}"; known: ${Object.keys(variants).join(', ')}`));
    return;
  }
  const variant = variants[variantName];
  const params: unknown = JSON.parse(paramsJson);
  if (!isCaseParams(params)) {
    fail(new Error(`params must be a flat JSON object of numbers, got ${paramsJson}`));
    return;
  }
  variant(params).then(
    async (output) => {
      await runCleanups();
      process.stdout.write(`${JSON.stringify(output)}\n`, () => {
        process.exit(0);
      });
    },
    async (error: unknown) => {
      await runCleanups();
      fail(error);
    },
  );
}

/**
 * Reads a numeric parameter with a default.
 * @throws RangeError when the value is not a non-negative integer
 */
export function param(params: CaseParams, name: string, fallback: number): number {
  const value = params[name] ?? fallback;
  if (!Number.isInteger(value) || value < 0) {
    throw new RangeError(`param ${name} must be a non-negative integer, got ${value}`);
  }
  return value;
}

function fail(error: unknown): void {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
}
