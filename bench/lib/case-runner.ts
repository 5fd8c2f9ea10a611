import type { CaseOutput, CaseParams } from './protocol.js';
import { isCaseParams } from './protocol.js';

/** One variant of a case file: runs in its own fresh process and returns its samples. */
export type Variant = (params: CaseParams) => Promise<CaseOutput>;

/**
 * The entry point of a case file (child side). Reads `<variant> <params JSON>`
 * from argv, runs that variant, prints its {@link CaseOutput} as one JSON line
 * on stdout and exits (so that timers a library left behind cannot keep the
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
  variant(params).then((output) => {
    process.stdout.write(`${JSON.stringify(output)}\n`, () => {
      process.exit(0);
    });
  }, fail);
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
