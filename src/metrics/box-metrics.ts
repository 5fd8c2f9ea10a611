import type { Metric, Registry } from 'prom-client';
import { register as defaultRegistry } from 'prom-client';
import type { BreakerBox } from '../box/breaker-box.js';
import type { CircuitState } from '../engine/types.js';
import { InvalidBreakerOptions } from '../errors/invalid-breaker-options.js';
import type { Sample } from './scrape-metric.js';
import { ScrapeMetric } from './scrape-metric.js';

/** Options of {@link registerBreakerboxMetrics}. */
export interface BreakerboxMetricsOptions {
  /** Where the metrics go. Default: prom-client's default registry (`register`). */
  readonly registry?: Registry;
  /** Prefix of every metric name. Default `breakerbox_`. */
  readonly prefix?: string;
}

/** The metrics of one box in one registry. */
export interface BreakerboxMetrics {
  readonly registry: Registry;
  /** Removes this box's metrics from the registry. */
  unregister(): void;
}

const CIRCUIT_STATES: readonly CircuitState[] = [
  'closed',
  'open',
  'half_open',
  'forced_open',
  'forced_closed',
];
const STATUSES = ['healthy', 'degraded', 'unhealthy'] as const;
const MODES = ['memory', 'shared', 'local'] as const;
const PREFIX = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

const registered = new WeakMap<object, Map<string, BreakerboxMetrics>>();

/**
 * Registers a box's metrics in a prom-client registry, all read at scrape
 * time from what breakers, health and gate already count. Registering the same
 * box, registry and prefix again returns the first registration.
 * @throws InvalidBreakerOptions for a bad prefix
 */
export function registerBreakerboxMetrics(
  box: BreakerBox,
  options: BreakerboxMetricsOptions = {},
): BreakerboxMetrics {
  const registry = options.registry ?? defaultRegistry;
  const prefix = options.prefix ?? 'breakerbox_';
  if (!PREFIX.test(prefix))
    throw new InvalidBreakerOptions('prefix', prefix, 'must be a Prometheus metric name prefix');
  let byKey = registered.get(registry);
  if (byKey === undefined) registered.set(registry, (byKey = new Map<string, BreakerboxMetrics>()));
  const key = `${prefix}\u0000${box.namespace}\u0000${box.replicaId}`;
  const existing = byKey.get(key);
  if (existing !== undefined) return existing;
  const metrics = boxMetrics(box, prefix);
  for (const metric of metrics) registry.registerMetric(metric as unknown as Metric);
  const handle: BreakerboxMetrics = {
    registry,
    unregister: () => {
      for (const metric of metrics) registry.removeSingleMetric(metric.name);
      byKey.delete(key);
    },
  };
  byKey.set(key, handle);
  return handle;
}

function perBreaker(
  box: BreakerBox,
  read: (b: ReturnType<BreakerBox['breakers']>[number]) => number,
): () => Sample[] {
  return () => box.breakers().map((b) => ({ labels: { breaker: b.name }, value: read(b) }));
}

function boxMetrics(box: BreakerBox, p: string): ScrapeMetric[] {
  return [
    new ScrapeMetric(
      `${p}calls_total`,
      'Calls by breaker and outcome, on this replica.',
      'counter',
      () => {
        const samples: Sample[] = [];
        for (const b of box.breakers()) {
          const s = b.stats;
          const breaker = b.name;
          samples.push(
            { labels: { breaker, outcome: 'success' }, value: s.successes },
            { labels: { breaker, outcome: 'failure' }, value: s.failures },
            { labels: { breaker, outcome: 'slow_success' }, value: s.slowSuccesses },
            { labels: { breaker, outcome: 'slow_failure' }, value: s.slowFailures },
            { labels: { breaker, outcome: 'ignored' }, value: s.ignored },
          );
        }
        return samples;
      },
    ),
    new ScrapeMetric(
      `${p}timeouts_total`,
      'Calls that ran past timeoutMs (counted as failures too).',
      'counter',
      perBreaker(box, (b) => b.stats.timeouts),
    ),
    new ScrapeMetric(
      `${p}refusals_total`,
      'Calls refused while the breaker was open or half-open.',
      'counter',
      perBreaker(box, (b) => b.stats.refusals),
    ),
    new ScrapeMetric(
      `${p}fallbacks_total`,
      'Refused or failed calls served by the fallback.',
      'counter',
      perBreaker(box, (b) => b.stats.fallbacks),
    ),
    new ScrapeMetric(`${p}probes_total`, 'Half-open trials and probes by result.', 'counter', () =>
      box.breakers().flatMap((b) => [
        { labels: { breaker: b.name, result: 'success' }, value: b.stats.probeSuccesses },
        { labels: { breaker: b.name, result: 'failure' }, value: b.stats.probeFailures },
      ]),
    ),
    new ScrapeMetric(
      `${p}transitions_total`,
      'State transitions this replica observed.',
      'counter',
      () => {
        const samples: Sample[] = [];
        for (const b of box.breakers()) {
          for (const [edge, value] of b.stats.transitions) {
            const [from = '', to = ''] = edge.split('>');
            samples.push({ labels: { breaker: b.name, from, to }, value });
          }
        }
        return samples;
      },
    ),
    new ScrapeMetric(
      `${p}breaker_state`,
      "This replica's view of each breaker: 1 for its current state.",
      'gauge',
      () => {
        const samples: Sample[] = [];
        for (const b of box.breakers()) {
          const current = b.view.state;
          for (const state of CIRCUIT_STATES)
            samples.push({ labels: { breaker: b.name, state }, value: state === current ? 1 : 0 });
        }
        return samples;
      },
    ),
    new ScrapeMetric(
      `${p}gate_refusals_total`,
      'Operations the safety gate refused.',
      'counter',
      () => [...box.gate.refusals].map(([operation, value]) => ({ labels: { operation }, value })),
    ),
    new ScrapeMetric(
      `${p}health_status`,
      'Each health component: 1 for its current status.',
      'gauge',
      () => {
        const samples: Sample[] = [];
        for (const c of box.healthComponents()) {
          for (const status of STATUSES)
            samples.push({
              labels: { component: c.name, status },
              value: status === c.status ? 1 : 0,
            });
        }
        return samples;
      },
    ),
    new ScrapeMetric(
      `${p}redis_mode`,
      'Where breaker state lives now: 1 for the current mode.',
      'gauge',
      () => MODES.map((mode) => ({ labels: { mode }, value: mode === box.mode ? 1 : 0 })),
    ),
    new ScrapeMetric(
      `${p}flush_duration_seconds`,
      'Flushes of counted outcomes to Redis.',
      'summary',
      () => {
        const stats = box.store.flushStats;
        if (stats === undefined) return [];
        return [
          { labels: {}, value: stats.totalMs / 1000, metricName: `${p}flush_duration_seconds_sum` },
          { labels: {}, value: stats.count, metricName: `${p}flush_duration_seconds_count` },
        ];
      },
    ),
  ];
}
