import type { ComponentHealth, HealthStatus } from '../box/health-types.js';

/**
 * The replica's status from its components: unhealthy if a critical one is;
 * degraded if a non-critical one is unhealthy or any is degraded; else healthy.
 */
export function aggregateStatus(components: readonly ComponentHealth[]): HealthStatus {
  let status: HealthStatus = 'healthy';
  for (const component of components) {
    if (component.status === 'unhealthy') {
      if (component.critical) return 'unhealthy';
      status = 'degraded';
    } else if (component.status === 'degraded') {
      status = 'degraded';
    }
  }
  return status;
}

/** The soonest a not-healthy component expects to recover, in ms (0 when none says). */
export function soonestRecoveryMs(components: readonly ComponentHealth[]): number {
  let soonest = 0;
  for (const component of components) {
    if (component.status === 'healthy' || component.retryAfterMs <= 0) continue;
    if (soonest === 0 || component.retryAfterMs < soonest) soonest = component.retryAfterMs;
  }
  return soonest;
}
