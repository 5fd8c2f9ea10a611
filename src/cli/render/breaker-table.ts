import { formatMs } from '../duration.js';
import type { FleetBreaker } from '../fleet-breaker.js';
import { renderTable } from './table.js';

const HEADER = [
  'BREAKER',
  'STATE',
  'EPOCH',
  'CALLS',
  'FAILED',
  'SLOW',
  'REPLICAS',
  'RETRY IN',
  'REASON',
  'CHANGED',
  'LAST ERROR',
];

function percent(rate: number): string {
  return `${(rate * 100).toFixed(rate === 0 || rate === 1 ? 0 : 1)}%`;
}

/** How long ago `at` was, from `now` (both on the Redis clock). */
export function ago(at: number | null, now: number): string {
  return at === null ? '-' : `${formatMs(now - at)} ago`;
}

/** What the STATE column says: the full state, with `forced` spelled out. */
export function stateLabel(b: Pick<FleetBreaker, 'circuitState' | 'openUntil'>): string {
  switch (b.circuitState) {
    case 'forced_open':
      return b.openUntil === null ? 'FORCED OPEN' : 'FORCED OPEN (timed)';
    case 'forced_closed':
      return 'forced closed';
    case 'open':
      return 'OPEN';
    case 'half_open':
      return 'HALF-OPEN';
    default:
      return 'closed';
  }
}

/** The status table: one row per breaker. */
export function renderBreakerTable(breakers: readonly FleetBreaker[]): string {
  const rows = breakers.map((b) => [
    b.name,
    stateLabel(b),
    String(b.epoch),
    `${String(b.window.calls)}${b.windowConfig === 'default' ? '*' : ''}`,
    percent(b.window.failureRate),
    percent(b.window.slowCallRate),
    String(Object.keys(b.window.replicas).length),
    b.openUntil === null ? '-' : b.retryAfterMs === 0 ? 'probe due' : formatMs(b.retryAfterMs),
    b.reason ?? '-',
    ago(b.changedAt, b.at),
    b.lastError ?? '-',
  ]);
  const table = renderTable(HEADER, rows);
  return breakers.some((b) => b.windowConfig === 'default')
    ? `${table}\n* no replica has recorded calls yet: window read with the default options`
    : table;
}

/** True when the breaker refuses calls (open, forced open or half-open). */
export function isOpen(b: Pick<FleetBreaker, 'state'>): boolean {
  return b.state !== 'closed';
}
