import type { HealthCheckOptions } from '../box/health-types.js';
import { InvalidBreakerOptions } from '../errors/invalid-breaker-options.js';
import type { ActiveCheckSettings } from './active-check.js';

/** The box-wide health settings, resolved. */
export interface HealthSettings {
  /** Reported as `version`. */
  readonly version: string;
  /** When the box was created (ms since the Unix epoch). */
  readonly startedAt: number;
  /** Local mode makes Redis unhealthy (and the replica with it) instead of degraded. */
  readonly redisCritical: boolean;
  readonly checkTimeoutMs: number;
  readonly checkIntervalMs: number;
}

function positiveInt(option: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > 3_600_000)
    throw new InvalidBreakerOptions(option, value, 'must be an integer from 1 to 3600000');
  return value;
}

/**
 * One check's settings, defaults from the box.
 * @throws InvalidBreakerOptions naming the bad option
 */
export function resolveCheckOptions(
  options: HealthCheckOptions | undefined,
  settings: HealthSettings,
): ActiveCheckSettings {
  const critical = options?.critical ?? true;
  if (typeof critical !== 'boolean')
    throw new InvalidBreakerOptions('critical', critical, 'must be a boolean');
  return {
    critical,
    timeoutMs: positiveInt('timeoutMs', options?.timeoutMs, settings.checkTimeoutMs),
    intervalMs: positiveInt('intervalMs', options?.intervalMs, settings.checkIntervalMs),
  };
}
