import type { CommandLine } from './args.js';

/** Where a command writes: stdout for results, stderr for notices and errors. */
export interface Output {
  out(text: string): void;
  err(text: string): void;
}

/** What every command is given. */
export interface CommandContext {
  readonly line: CommandLine;
  readonly output: Output;
  /** The Redis URL: `--redis`, else `$REDIS_URL`, else `redis://127.0.0.1:6379`. */
  readonly redis: string;
  /** `--cluster`: the URL names one startup node of a Redis Cluster. */
  readonly cluster: boolean;
  /** The namespace: `--namespace`, else `$BREAKERBOX_NAMESPACE`, else `breakerbox`. */
  readonly namespace: string;
}

/** Stdout and stderr of this process, a line per call. */
export const processOutput: Output = {
  out: (text) => {
    process.stdout.write(`${text}\n`);
  },
  err: (text) => {
    process.stderr.write(`${text}\n`);
  },
};

/** Prints `value` as indented JSON. */
export function printJson(output: Output, value: unknown): void {
  output.out(JSON.stringify(value, null, 2));
}
