export { breakerboxFastify, breakerboxGate, default } from './plugin.js';
export type { BreakerboxFastifyOptions } from './plugin.js';
export { replyDependencyUnhealthy } from './unhealthy-reply.js';
