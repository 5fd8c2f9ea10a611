import type { Logger } from 'pino';
import type { GateOptions, HealthService, SafetyGate } from '../box/box-features.js';
import type { ComponentHealth } from '../box/health-types.js';
import { DependencyUnhealthy } from '../errors/dependency-unhealthy.js';
import { InvalidBreakerOptions } from '../errors/invalid-breaker-options.js';
import type { Clock } from '../util/clock.js';
import { unknownOutcomeKind } from './unknown-outcome.js';
import { refusalFor } from './refusal.js';

/** How long to wait after an unknown outcome when nothing says better, in ms. */
const UNKNOWN_OUTCOME_RETRY_MS = 1_000;

/**
 * The safety gate: destructive work (terminate a session, delete a topic)
 * runs only while every critical dependency, and every one it names, is
 * healthy, and never because of an error whose outcome is unknown.
 */
export class SafetyGateImpl implements SafetyGate {
  private readonly counts = new Map<string, number>();
  private readonly log: Logger;

  constructor(
    private readonly health: Pick<HealthService, 'components'>,
    private readonly clock: Clock,
    logger: Logger,
  ) {
    this.log = logger.child({ component: 'gate' });
  }

  get refusals(): ReadonlyMap<string, number> {
    return this.counts;
  }

  /**
   * @throws DependencyUnhealthy when a critical or named dependency is
   * unhealthy or half-open, or `cause` is an unknown outcome
   * @throws InvalidBreakerOptions for a bad operation or an unknown named dependency
   */
  check(operation: string, options?: GateOptions): void {
    if (typeof operation !== 'string' || operation.length === 0)
      throw new InvalidBreakerOptions('operation', operation, 'must be a non-empty string');
    const now = this.clock.now();
    const components = this.health.components(now);
    const named = this.namedSet(options?.dependencies, components);
    let blocking: ComponentHealth | undefined;
    for (const component of components) {
      if (!component.critical && !named.has(component.name)) continue;
      if (!blocks(component)) continue;
      if (blocking === undefined || component.retryAfterMs < blocking.retryAfterMs)
        blocking = component;
    }
    if (blocking !== undefined) this.refuse(refusalFor(blocking, operation));
    const cause = options?.cause;
    const kind = cause === undefined ? undefined : unknownOutcomeKind(cause);
    if (kind !== undefined) {
      const dependency = dependencyOf(cause) ?? 'the dependency';
      const retryAfterMs = retryOf(cause) ?? UNKNOWN_OUTCOME_RETRY_MS;
      this.refuse(
        DependencyUnhealthy.gateRefusal({
          dependency,
          retryAfterMs,
          state: 'unknown_outcome',
          healthState: 'unhealthy',
          operation,
          described: `of unknown state (the triggering error was a ${kind}, not proof it is gone)`,
          cause,
        }),
      );
    }
  }

  async guard<T>(
    operation: string,
    fn: () => T | PromiseLike<T>,
    options?: GateOptions,
  ): Promise<T> {
    if (typeof fn !== 'function')
      throw new InvalidBreakerOptions('fn', fn, 'must be the function to guard');
    this.check(operation, options);
    return await fn();
  }

  private namedSet(
    dependencies: readonly string[] | undefined,
    components: readonly ComponentHealth[],
  ): ReadonlySet<string> {
    if (dependencies === undefined) return EMPTY;
    const list: unknown = dependencies;
    if (!Array.isArray(list))
      throw new InvalidBreakerOptions('dependencies', list, 'must be an array of names');
    if (list.length === 0) return EMPTY;
    const names = new Set<unknown>(components.map((c) => c.name));
    for (const name of list as readonly unknown[]) {
      if (!names.has(name))
        throw new InvalidBreakerOptions(
          'dependencies',
          name,
          'names no breaker, check or recorded dependency of this box',
        );
    }
    return new Set(dependencies);
  }

  private refuse(error: DependencyUnhealthy): never {
    const operation = error.operation ?? '?';
    this.counts.set(operation, (this.counts.get(operation) ?? 0) + 1);
    this.log.warn(
      {
        operation,
        dependency: error.dependency,
        state: error.state,
        retryAfterMs: error.retryAfterMs,
      },
      `gate refused ${operation}: ${error.message}`,
    );
    throw error;
  }
}

const EMPTY: ReadonlySet<string> = new Set();

/** A breaker half-open (degraded) blocks; other components block only when unhealthy. */
function blocks(component: ComponentHealth): boolean {
  if (component.status === 'unhealthy') return true;
  return component.kind === 'breaker' && component.status === 'degraded';
}

function dependencyOf(cause: unknown): string | undefined {
  const value = (cause as { dependency?: unknown }).dependency;
  return typeof value === 'string' ? value : undefined;
}

function retryOf(cause: unknown): number | undefined {
  const value = (cause as { retryAfterMs?: unknown }).retryAfterMs;
  return typeof value === 'number' && value > 0 ? value : undefined;
}
