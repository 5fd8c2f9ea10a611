#!/usr/bin/env node
/**
 * The `breakerbox` command (package `bin`): see and control the breakers a
 * fleet shares in Redis. `breakerbox --help` lists the commands.
 */
import { processOutput } from './context.js';
import { ExitCode } from './exit-codes.js';
import { run } from './run.js';

try {
  process.exitCode = await run(process.argv.slice(2), process.env, processOutput);
} catch (error) {
  // Only a bug gets here: every expected failure maps to an exit code in run().
  process.stderr.write(`breakerbox: unexpected error (a bug; please report it)\n`);
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = ExitCode.Bug;
}
