import { usageError } from './cli-error.js';

const UNITS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};
const PATTERN = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/**
 * Parses a duration such as `500ms`, `30s`, `1.5m`, `2h` or `1d` into whole
 * milliseconds within [`minMs`, `maxMs`]. A bare number is refused: `30`
 * could mean seconds or milliseconds.
 * @throws CliError (usage) naming `option` and the value given
 */
export function parseDuration(option: string, text: string, minMs: number, maxMs: number): number {
  const match = PATTERN.exec(text.trim());
  const amount = match?.[1];
  const unit = match?.[2];
  if (amount === undefined || unit === undefined) {
    throw usageError(`${option} must be a duration like 500ms, 30s, 5m or 2h (got "${text}")`);
  }
  const ms = Math.round(Number(amount) * (UNITS[unit] ?? 1));
  if (ms < minMs || ms > maxMs) {
    throw usageError(
      `${option} must be from ${formatMs(minMs)} to ${formatMs(maxMs)} (got "${text}")`,
    );
  }
  return ms;
}

/** A duration for people: `850ms`, `4.2s`, `3m 05s`, `2h 10m`, `1d 2h`. */
export function formatMs(ms: number): string {
  const value = Math.max(0, Math.round(ms));
  if (value < 1_000) return `${value}ms`;
  if (value < 60_000) return `${(value / 1_000).toFixed(value < 10_000 ? 1 : 0)}s`;
  const seconds = Math.floor(value / 1_000);
  if (seconds < 3_600) {
    return `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, '0')}s`;
  }
  const minutes = Math.floor(seconds / 60);
  if (minutes < 1_440) {
    return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
  }
  return `${Math.floor(minutes / 1_440)}d ${Math.floor((minutes % 1_440) / 60)}h`;
}
