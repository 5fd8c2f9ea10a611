import type { BackpressureLevel } from '../box/box-features.js';
import type { CircuitView } from '../store/circuit-driver.js';

const RANK: Readonly<Record<BackpressureLevel, number>> = { normal: 0, reduced: 1, paused: 2 };

/**
 * The backpressure level of a breaker view at `now` (same clock as the view):
 * closed → `normal`; half-open, or open past `openUntil` (a probe or a trial
 * call is due) → `reduced`; open before `openUntil`, or open until cleared →
 * `paused`. Open-and-due is `reduced`, not `paused`, so that a breaker that
 * heals only through traffic gets that traffic.
 */
export function levelOf(view: CircuitView, now: number): BackpressureLevel {
  switch (view.state) {
    case 'closed':
    case 'forced_closed':
      return 'normal';
    case 'half_open':
      return 'reduced';
    default:
      return view.openUntil === 0 || now < view.openUntil ? 'paused' : 'reduced';
  }
}

/** The worse of two levels. */
export function worstLevel(a: BackpressureLevel, b: BackpressureLevel): BackpressureLevel {
  return RANK[a] >= RANK[b] ? a : b;
}

/** When `levelOf(view, ·)` next changes on its own (open until `openUntil`), or undefined. */
export function nextLevelChangeAt(view: CircuitView, now: number): number | undefined {
  const open = view.state === 'open' || view.state === 'forced_open';
  return open && view.openUntil > now ? view.openUntil : undefined;
}
