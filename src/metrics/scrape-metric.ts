/** One sample of a metric, as prom-client's registries read it. */
export interface Sample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
  /** For summaries: the `_sum` / `_count` series name. */
  readonly metricName?: string;
}

/** What a prom-client `Registry` reads from a metric (any prom-client copy of version 15). */
export interface ScrapedMetricObject {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge' | 'summary';
  readonly aggregator: 'sum' | 'max';
  readonly values: readonly Sample[];
}

/**
 * A metric whose samples are computed when the registry is scraped, from
 * numbers the breakers already keep: nothing is counted twice and the call
 * path never touches it. It is duck-typed to prom-client's metric interface
 * (`name`, `help`, `type`, `get()`, `reset()`), so a registry from the
 * application's own prom-client copy accepts it as well as ours.
 */
export class ScrapeMetric {
  readonly aggregator = 'sum' as const;

  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge' | 'summary',
    private readonly read: () => readonly Sample[],
  ) {}

  /** The samples now (prom-client calls this on every scrape). */
  get(): Promise<ScrapedMetricObject> {
    return Promise.resolve({
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values: this.read(),
    });
  }

  /** Nothing to reset: the numbers belong to the breakers. */
  reset(): void {
    // Counts live in the breakers; a registry reset does not rewind them.
  }
}
