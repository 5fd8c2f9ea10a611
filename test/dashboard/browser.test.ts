/**
 * The dashboard in a real headless Chromium against a spawned Redis and two
 * replicas (boxes) in one namespace: the page shows a breaker opening when it
 * trips (by its text label, not its colour), one tripped by the other replica's
 * calls alone, one the serving replica never created (read from Redis) opening
 * and closing after Reset is clicked on the page, both replicas' presence
 * rows, and a reset the user makes with the keyboard after entering the admin
 * token. Saves docs/dashboard.png.
 */
import { existsSync } from 'node:fs';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BreakerBox } from '../../src/box/breaker-box.js';
import { createBreakerBox } from '../../src/create-breaker-box.js';
import breakerboxFastify from '../../src/fastify/index.js';
import { startRedis, stopAllRedis, waitUntil } from '../harness/index.js';
import { failCalls, silentLogger, succeedCalls } from '../unit/helpers.js';

const CHROMIUM = process.env.BREAKERBOX_CHROMIUM ?? '/usr/bin/chromium';
const TOKEN = 'dashboard-test-admin-token';
const SCREENSHOT = new URL('../../docs/dashboard.png', import.meta.url).pathname;
const WAIT_MS = 15_000;
const LONG_OPEN = {
  failureRateThreshold: 0.5,
  minimumCalls: 6,
  windowMs: 30_000,
  openBackoff: { baseMs: 60_000, maxMs: 60_000, jitter: 0 },
};

const present = existsSync(CHROMIUM);
if (!present && process.env.CI === undefined)
  console.warn(
    `dashboard browser test SKIPPED: no Chromium at ${CHROMIUM} (apt-get install chromium, or set BREAKERBOX_CHROMIUM); CI never skips it`,
  );

describe.skipIf(!present && process.env.CI === undefined)('dashboard in Chromium', () => {
  let a: BreakerBox;
  let b: BreakerBox;
  let app: FastifyInstance;
  let browser: Browser;
  let page: Page;
  let url: string;

  beforeAll(async () => {
    const server = await startRedis();
    const box = (replicaId: string) =>
      createBreakerBox({
        redis: server.url,
        namespace: 'dashtest',
        replicaId,
        logger: silentLogger(),
        flushIntervalMs: 25,
        presenceIntervalMs: 250,
      });
    [a, b] = await Promise.all([box('replica-a'), box('replica-b')]);
    app = Fastify();
    await app.register(breakerboxFastify, {
      box: a,
      adminToken: TOKEN,
      registry: new Registry(),
      prefix: '/ops',
      dashboardIntervalMs: 250,
    });
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    url = `${address}/ops/dashboard`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  }, 60_000);

  afterAll(async () => {
    await browser.close();
    await app.close();
    await Promise.all([a.close(), b.close()]);
    await stopAllRedis();
  });

  const card = (name: string) => page.getByRole('article', { name, exact: true });
  const stateIs = (name: string, label: RegExp) =>
    card(name).locator('.state', { hasText: label }).waitFor({ timeout: WAIT_MS });

  it('shows a trip, a fleet transition and a reset clicked on the page', async () => {
    const paymentsA = a.breaker('payments', LONG_OPEN);
    // Replica-a (the one serving the page) makes no `search` calls: replica-b trips it for the fleet.
    a.breaker('search', { ...LONG_OPEN, minimumCalls: 2 });
    const paymentsB = b.breaker('payments', LONG_OPEN);
    // Only replica-b has `inventory`: the page learns of it from Redis alone.
    const inventory = b.breaker('inventory', { ...LONG_OPEN, minimumCalls: 2 });
    await succeedCalls(paymentsA, 3);
    await succeedCalls(paymentsB, 3);
    await succeedCalls(inventory, 1);
    await page.goto(url);
    await page.getByText('● live').waitFor({ timeout: WAIT_MS });
    await stateIs('payments', /^✓ Closed$/);
    await stateIs('inventory', /^✓ Closed$/);
    await expect(card('inventory').locator('.mode').textContent()).resolves.toBe(
      'no (another replica created it)',
    );
    // Both replicas' presence rows: mode and health in words.
    for (const id of ['replica-a', 'replica-b'])
      await page
        .locator('#replica-rows tr', { hasText: id })
        .filter({ hasText: /shared.*healthy/ })
        .waitFor({ timeout: WAIT_MS });
    // The shared window, with each replica's share of it.
    await card('payments')
      .locator('.replicas', { hasText: /replica-a: 3 calls.*replica-b: 3 calls/ })
      .waitFor({ timeout: WAIT_MS });

    // Both replicas fail: the shared breaker trips.
    await failCalls(paymentsA, 4);
    await failCalls(paymentsB, 4);
    const search = b.breaker('search', { ...LONG_OPEN, minimumCalls: 2 });
    await failCalls(search, 3);
    await failCalls(inventory, 3);
    await stateIs('payments', /^✕ Open$/);
    await stateIs('search', /^✕ Open$/);
    await stateIs('inventory', /^✕ Open$/);
    // Calls while open are refused: the sparkline's dashed line.
    for (let i = 0; i < 20; i++) await paymentsA.call(() => Promise.resolve('ok')).catch(() => 0);
    await card('payments')
      .locator('.spark-caption', { hasText: /refusals [1-9]/ })
      .waitFor({ timeout: WAIT_MS });
    await expect(card('payments').locator('.tripped').textContent()).resolves.toMatch(
      /^failure rate: \d+(\.\d)?% of \d+ calls \(\d+ failed\)$/,
    );
    await expect(card('payments').locator('.countdown').textContent()).resolves.toMatch(/^\d+s$/);
    await page
      .locator('#feed li', { hasText: /payments: Closed → ✕ Open/ })
      .first()
      .waitFor({ timeout: WAIT_MS });
    const html = await page.content();
    expect(html).not.toContain(TOKEN);

    // Keyboard only: type the token, submit with Enter, focus Reset and press Enter.
    await page.getByLabel('Admin token').fill(TOKEN);
    await page.getByLabel('Admin token').press('Enter');
    await page.getByText('Token set for this tab.').waitFor({ timeout: WAIT_MS });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    await page.getByRole('button', { name: 'Reset payments' }).focus();
    await page.keyboard.press('Enter');
    await page.getByText('Reset payments: done.').waitFor({ timeout: WAIT_MS });
    await stateIs('payments', /^✓ Closed$/);
    expect(paymentsA.state).toBe('closed');
    await expect(paymentsB.snapshot()).resolves.toMatchObject({ state: 'closed' });

    // Reset, on the page, a breaker the serving replica never created.
    await page.getByRole('button', { name: 'Reset inventory' }).click();
    await page.getByText('Reset inventory: done.').waitFor({ timeout: WAIT_MS });
    await stateIs('inventory', /^✓ Closed$/);
    await waitUntil(() => Promise.resolve(inventory.state === 'closed'), {
      timeoutMs: WAIT_MS,
      description: 'replica-b to adopt the reset made through replica-a',
    });
    expect(a.findBreaker('inventory')).toBeUndefined();
  }, 120_000);

  it('a wrong token is refused and says so on the page', async () => {
    await page.getByLabel('Admin token').fill('not-the-admin-token-at-all');
    await page.getByRole('button', { name: 'Use token' }).click();
    await page.getByRole('button', { name: 'Force open payments' }).click();
    await page
      .getByText('Force open payments: refused, the admin token is wrong.')
      .waitFor({ timeout: WAIT_MS });
    expect(a.findBreaker('payments')?.state).toBe('closed');
  }, 60_000);
});
