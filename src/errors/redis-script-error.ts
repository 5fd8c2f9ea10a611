import { BreakerBoxError } from './breakerbox-error.js';

/**
 * A Lua script answered with a result code breakerbox did not expect, or with
 * a reply it cannot read. Seeing one is a bug (or a foreign script version).
 */
export class RedisScriptError extends BreakerBoxError {
  readonly code = 'REDIS_SCRIPT_ERROR' as const;
  /** The script's name. */
  readonly script: string;
  /** The script's numeric result code, when it had one. */
  readonly resultCode: number | undefined;

  constructor(script: string, resultCode: number | undefined, detail: string) {
    super(
      `script ${script} failed${resultCode === undefined ? '' : ` with code ${resultCode}`}: ${detail}`,
    );
    this.script = script;
    this.resultCode = resultCode;
  }
}
