/** Redis fault-injection test harness: real redis-server processes, proxies, sentinel and cluster. */

export * from './cleanup.js';
export * from './cluster.js';
export * from './free-port.js';
export * from './probe.js';
export * from './readiness.js';
export * from './redis-process.js';
export * from './sentinel.js';
export * from './server-process.js';
export * from './tcp-proxy.js';
export * from './wait.js';
