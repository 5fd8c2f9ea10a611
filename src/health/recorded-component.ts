import type { ComponentHealth, HealthStatus, RecordedDependency } from '../box/health-types.js';
import { InvalidBreakerOptions } from '../errors/invalid-breaker-options.js';
import type { Clock } from '../util/clock.js';
import { errorMessage } from '../util/error-message.js';

const STATUSES: ReadonlySet<string> = new Set(['healthy', 'degraded', 'unhealthy']);

/**
 * A dependency the application reports on (a socket, a transport, a pool):
 * its status is whatever was last set or recorded.
 */
export class RecordedComponent implements RecordedDependency {
  private current: HealthStatus;
  private message: string | null = null;
  private lastError: string | null = null;
  private lastSuccess: number | null = null;
  private latencyMs: number | null = null;

  constructor(
    readonly name: string,
    readonly critical: boolean,
    initial: HealthStatus,
    private readonly clock: Clock,
    private readonly onChange: (name: string) => void,
  ) {
    this.current = initial;
  }

  /** The status last set or recorded. */
  get status(): HealthStatus {
    return this.current;
  }

  /** @throws InvalidBreakerOptions for a status other than healthy, degraded or unhealthy */
  setState(status: HealthStatus, message?: string): void {
    if (!STATUSES.has(status))
      throw new InvalidBreakerOptions(
        `${this.name}.status`,
        status,
        'must be healthy, degraded or unhealthy',
      );
    this.message = message ?? null;
    if (status === 'healthy') this.lastSuccess = this.clock.now();
    this.set(status);
  }

  recordSuccess(latencyMs?: number): void {
    this.lastSuccess = this.clock.now();
    this.latencyMs = latencyMs ?? null;
    this.message = null;
    this.set('healthy');
  }

  recordFailure(error: unknown): void {
    this.lastError = errorMessage(error);
    this.message = `failed: ${this.lastError}`;
    this.set('unhealthy');
  }

  /** The component as last reported. */
  component(): ComponentHealth {
    return {
      name: this.name,
      kind: 'recorded',
      status: this.current,
      circuit: null,
      critical: this.critical,
      message: this.message,
      lastError: this.lastError,
      lastSuccess: this.lastSuccess,
      openUntil: null,
      backoffMs: null,
      latencyMs: this.latencyMs,
      retryAfterMs: 0,
    };
  }

  private set(status: HealthStatus): void {
    this.current = status;
    this.onChange(this.name);
  }
}
