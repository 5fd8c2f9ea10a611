import type { ComponentHealth } from '../box/health-types.js';
import type { GateRefusalState, RejectingState } from '../errors/dependency-unhealthy.js';
import { DependencyUnhealthy } from '../errors/dependency-unhealthy.js';

/** The gate's refusal because `component` is in doubt. */
export function refusalFor(component: ComponentHealth, operation: string): DependencyUnhealthy {
  let state: RejectingState | GateRefusalState;
  let described: string;
  if (component.kind === 'breaker') {
    if (component.status === 'degraded') {
      state = 'half_open';
      described = 'half-open (a trial call is testing recovery)';
    } else {
      const forced = component.circuit === 'forced_open';
      state = forced ? 'forced_open' : 'open';
      described = forced ? 'forced open' : 'open';
    }
  } else {
    state = component.status === 'degraded' ? 'degraded' : 'unhealthy';
    described = component.message === null ? state : `${state} (${component.message})`;
  }
  return DependencyUnhealthy.gateRefusal({
    dependency: component.name,
    retryAfterMs: component.retryAfterMs,
    state,
    healthState: component.status === 'degraded' ? 'degraded' : 'unhealthy',
    operation,
    described,
  });
}
