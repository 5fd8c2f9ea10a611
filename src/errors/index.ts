export * from './breakerbox-error.js';
export * from './dependency-unhealthy.js';
export * from './invalid-breaker-options.js';
export * from './call-timeout.js';
export * from './breakerbox-closed.js';
export * from './illegal-transition.js';
export * from './redis-unavailable.js';
export * from './redis-script-error.js';
