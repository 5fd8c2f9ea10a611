import type { Logger } from 'pino';
import type { HealthService } from '../box/box-features.js';
import type { BreakerBox } from '../box/breaker-box.js';
import type {
  ComponentHealth,
  HealthChangeEvent,
  HealthCheck,
  HealthCheckOptions,
  HealthReport,
  HealthStatus,
  RecordedDependency,
  RecordedDependencyOptions,
} from '../box/health-types.js';
import { InvalidBreakerOptions } from '../errors/invalid-breaker-options.js';
import { formatRetry } from '../errors/dependency-unhealthy.js';
import type { Unsubscribe } from '../events/typed-events.js';
import { validateName } from '../util/names.js';
import { ActiveCheck } from './active-check.js';
import { aggregateStatus, soonestRecoveryMs } from './aggregate.js';
import { breakerComponent, breakerStatus } from './breaker-component.js';
import type { HealthSettings } from './health-settings.js';
import { resolveCheckOptions } from './health-settings.js';
import { RecordedComponent } from './recorded-component.js';

/** What the registry reads from the box. */
export type HealthHost = Pick<BreakerBox, 'breakers' | 'findBreaker' | 'mode' | 'on' | 'clock'>;

/**
 * The health registry: breakers, Redis, active checks and recorded
 * dependencies as components, their aggregate, and a `health` event plus an
 * INFO line on every change of a component's or the aggregate's status.
 */
export class HealthRegistry implements HealthService {
  private readonly checks = new Map<string, ActiveCheck>();
  private readonly recorded = new Map<string, RecordedComponent>();
  /** The last status seen of every component that ever changed (the others are healthy). */
  private readonly known = new Map<string, { status: HealthStatus; critical: boolean }>();
  private aggregate: HealthStatus = 'healthy';
  private readonly unsubscribe: Unsubscribe[];
  private readonly log: Logger;
  private closed = false;

  constructor(
    private readonly host: HealthHost,
    private readonly settings: HealthSettings,
    logger: Logger,
    private readonly emit: (event: HealthChangeEvent) => void,
  ) {
    this.log = logger.child({ component: 'health' });
    this.unsubscribe = [
      host.on('transition', (event) => {
        this.observe(event.breaker);
      }),
      host.on('mode', () => {
        this.observe('redis');
      }),
    ];
  }

  async report(): Promise<HealthReport> {
    const clock = this.host.clock;
    const start = clock.now();
    if (this.checks.size > 0) await Promise.all([...this.checks.values()].map((c) => c.fresh()));
    const now = clock.now();
    const components = this.components(now);
    return {
      status: aggregateStatus(components),
      components,
      version: this.settings.version,
      uptimeSeconds: Math.round((now - this.settings.startedAt) / 1000),
      timestamp: new Date(now).toISOString(),
      totalLatencyMs: now - start,
    };
  }

  /** Every component as this replica sees it now, without running any check. */
  notHealthy(now: number): ComponentHealth[] {
    const components: ComponentHealth[] = [];
    for (const breaker of this.host.breakers()) {
      if (breakerStatus(breaker) !== 'healthy') components.push(breakerComponent(breaker, now));
    }
    const redis = this.redisComponent();
    if (redis !== undefined && redis.status !== 'healthy') components.push(redis);
    for (const check of this.checks.values()) {
      const component = check.component(now);
      if (component.status !== 'healthy') components.push(component);
    }
    for (const dependency of this.recorded.values()) {
      const component = dependency.component();
      if (component.status !== 'healthy') components.push(component);
    }
    return components;
  }

  components(now: number): ComponentHealth[] {
    const components: ComponentHealth[] = [];
    for (const breaker of this.host.breakers()) components.push(breakerComponent(breaker, now));
    const redis = this.redisComponent();
    if (redis !== undefined) components.push(redis);
    for (const check of this.checks.values()) components.push(check.component(now));
    for (const dependency of this.recorded.values()) components.push(dependency.component());
    return components;
  }

  /**
   * @throws InvalidBreakerOptions for a bad name, a name already taken, or bad options
   */
  addCheck(name: string, check: HealthCheck, options?: HealthCheckOptions): () => void {
    this.assertFree(name);
    if (typeof check !== 'function')
      throw new InvalidBreakerOptions('check', check, 'must be a function (signal) => Promise');
    const active = new ActiveCheck(
      name,
      check,
      resolveCheckOptions(options, this.settings),
      this.host.clock,
      (changed) => {
        this.observe(changed);
      },
    );
    this.checks.set(name, active);
    if (!this.closed) active.start();
    return () => {
      active.stop();
      if (this.checks.get(name) === active) this.checks.delete(name);
      this.known.delete(name);
      if (!this.closed) this.observeAggregate();
    };
  }

  /** @throws InvalidBreakerOptions for a bad name or one already taken by a breaker or check */
  dependency(name: string, options?: RecordedDependencyOptions): RecordedDependency {
    const existing = this.recorded.get(name);
    if (existing !== undefined) return existing;
    this.assertFree(name);
    const critical: unknown = options?.critical ?? true;
    if (typeof critical !== 'boolean')
      throw new InvalidBreakerOptions('critical', critical, 'must be a boolean');
    const initial: unknown = options?.initial ?? 'healthy';
    if (initial !== 'healthy' && initial !== 'degraded' && initial !== 'unhealthy')
      throw new InvalidBreakerOptions('initial', initial, 'must be healthy, degraded or unhealthy');
    const dependency = new RecordedComponent(
      name,
      critical,
      initial,
      this.host.clock,
      (changed) => {
        this.observe(changed);
      },
    );
    this.recorded.set(name, dependency);
    this.known.set(name, { status: dependency.status, critical });
    return dependency;
  }

  /** Stops every active check and stops listening to the box. */
  beginClose(): void {
    this.closed = true;
    for (const check of this.checks.values()) check.stop();
    for (const off of this.unsubscribe) off();
  }

  private redisComponent(): ComponentHealth | undefined {
    const mode = this.host.mode;
    if (mode === 'memory') return undefined;
    const critical = this.settings.redisCritical;
    const local = mode === 'local';
    return {
      name: 'redis',
      kind: 'redis',
      status: local ? (critical ? 'unhealthy' : 'degraded') : 'healthy',
      circuit: null,
      critical,
      message: local
        ? 'redis unreachable: breakers decide locally from their last shared view'
        : null,
      lastError: null,
      lastSuccess: null,
      openUntil: null,
      backoffMs: null,
      latencyMs: null,
      retryAfterMs: 0,
    };
  }

  private assertFree(name: string): void {
    validateName(name);
    if (
      name === 'redis' ||
      this.checks.has(name) ||
      this.recorded.has(name) ||
      this.host.findBreaker(name) !== undefined
    ) {
      throw new InvalidBreakerOptions('name', name, 'is already a health component');
    }
  }

  /** One component as it is now, without running anything. */
  private componentNamed(name: string, now: number): ComponentHealth | undefined {
    if (name === 'redis') return this.redisComponent();
    const breaker = this.host.findBreaker(name);
    if (breaker !== undefined) return breakerComponent(breaker, now);
    return this.checks.get(name)?.component(now) ?? this.recorded.get(name)?.component();
  }

  /** A retired breaker is no component any more: forget its last status (the aggregate follows). */
  breakerRetired(name: string): void {
    if (this.known.delete(name)) this.observeAggregate();
  }

  /** Re-reads one component's status; logs and emits a change (and the aggregate's). */
  private observe(name: string): void {
    if (this.closed) return;
    const now = this.host.clock.now();
    const component = this.componentNamed(name, now);
    if (component === undefined) return;
    const from = this.known.get(name)?.status ?? 'healthy';
    this.known.set(name, { status: component.status, critical: component.critical });
    if (from === component.status) return;
    this.changed(name, from, component, now);
    this.observeAggregate();
  }

  /** The aggregate from the statuses last seen: no component is rebuilt unless it changed. */
  private observeAggregate(): void {
    let to: HealthStatus = 'healthy';
    for (const { status, critical } of this.known.values()) {
      if (status === 'unhealthy' && critical) {
        to = 'unhealthy';
        break;
      }
      if (status !== 'healthy') to = 'degraded';
    }
    const from = this.aggregate;
    if (to === from) return;
    this.aggregate = to;
    const now = this.host.clock.now();
    const retryAfterMs = soonestRecoveryMs(this.components(now));
    this.log.info(
      { from, to, retryAfterMs },
      `health: replica ${from} -> ${to}${retryText(to, retryAfterMs)}`,
    );
    this.emit({ component: null, from, to, retryAfterMs, message: null, at: now });
  }

  private changed(name: string, from: HealthStatus, component: ComponentHealth, now: number): void {
    const { status: to, retryAfterMs, openUntil, message } = component;
    this.log.info(
      { dependency: name, from, to, retryAfterMs, openUntil, message },
      `health: ${name} ${from} -> ${to}${retryText(to, retryAfterMs)}`,
    );
    this.emit({ component: name, from, to, retryAfterMs, message, at: now });
  }
}

function retryText(to: HealthStatus, retryAfterMs: number): string {
  return to === 'healthy' || retryAfterMs <= 0 ? '' : `; retry in ${formatRetry(retryAfterMs)}`;
}
