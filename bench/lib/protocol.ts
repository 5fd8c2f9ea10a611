/**
 * What a case process and the orchestrator exchange. The orchestrator passes
 * `<variant> <params JSON>` as arguments; the case prints exactly one JSON
 * line, a {@link CaseOutput}, as the last line of its stdout (anything else
 * goes to stderr).
 */

/** Numeric knobs of one case (calls per round, rounds, breakers, ...). */
export type CaseParams = Readonly<Record<string, number>>;

/** The result of one case process. */
export interface CaseOutput {
  /** One value per round, in the group's unit (ns/call, bytes/breaker, % of a core). */
  readonly samples: readonly number[];
  /** Extra figures worth keeping (totals, counts); printed in the report's notes. */
  readonly info: Readonly<Record<string, number>>;
}

/** True when `value` has the shape of a {@link CaseOutput}. */
export function isCaseOutput(value: unknown): value is CaseOutput {
  if (typeof value !== 'object' || value === null) return false;
  const { samples, info } = value as { samples?: unknown; info?: unknown };
  return (
    Array.isArray(samples) &&
    samples.length > 0 &&
    samples.every((sample) => typeof sample === 'number' && Number.isFinite(sample)) &&
    typeof info === 'object' &&
    info !== null &&
    Object.values(info).every((entry) => typeof entry === 'number')
  );
}

/** True when `value` is a {@link CaseParams} (a flat object of numbers). */
export function isCaseParams(value: unknown): value is CaseParams {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((entry) => typeof entry === 'number' && Number.isFinite(entry))
  );
}
