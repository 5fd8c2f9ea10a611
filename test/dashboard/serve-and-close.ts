/**
 * Child process of the exit test: serves the dashboard with a page's event
 * stream open, closes the app and the box, and then must exit by itself
 * (nothing left holding the event loop). Prints `closed` once both closed.
 */
import Fastify from 'fastify';
import { Registry } from 'prom-client';
import { createBreakerBox } from '../../src/create-breaker-box.js';
import breakerboxFastify from '../../src/fastify/index.js';
import { silentLogger } from '../unit/helpers.js';
import { openSse } from './sse-client.js';

const box = await createBreakerBox({ logger: silentLogger() });
box.breaker('payments');
const app = Fastify();
await app.register(breakerboxFastify, { box, registry: new Registry(), dashboardIntervalMs: 100 });
const base = await app.listen({ host: '127.0.0.1', port: 0 });
const sse = await openSse(`${base}/dashboard/events`);
await sse.next((e) => e.event === 'snapshot');
await app.close();
await box.close();
if (!(await sse.ended(5_000))) throw new Error('the stream outlived app.close()');
process.stdout.write('closed\n');
