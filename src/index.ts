export * from './errors/index.js';
export * from './create-breaker-box.js';
export * from './box/breaker-box.js';
export type * from './box/box-options.js';
export * from './breaker/breaker.js';
export type * from './breaker/breaker-options.js';
export type * from './breaker/breaker-snapshot.js';
export type { ProtectedCall } from './breaker/protected-call.js';
export type { ForceOpenOptions } from './breaker/force-options.js';
export type * from './events/box-events.js';
export type { Listener, Unsubscribe } from './events/typed-events.js';
export type {
  BreakerState,
  CircuitState,
  TransitionReason,
  TripRule,
  WindowCounts,
  WindowTotals,
} from './engine/types.js';
export { LEGAL_TRANSITIONS, isLegalTransition } from './engine/transition-table.js';
export type { StoreMode } from './store/circuit-driver.js';
export type { Clock, RandomSource } from './util/clock.js';
export type { RedisClusterNodes, RedisConnectionOption } from './redis/connection-option.js';
export type * from './box/box-features.js';
export { delayWhenRefused } from './jobs/delay-when-refused.js';
export type { DelayWhenRefusedOptions } from './jobs/delay-when-refused.js';
export type * from './box/health-types.js';
export type * from './breaker/call-events.js';
export { BreakerStats } from './breaker/breaker-stats.js';
export * from './metrics/box-metrics.js';
