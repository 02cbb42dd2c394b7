// Server faults on the path people take with an API key: the app on its own
// origin, Immich on another under /immich. A page set aside and loaded
// later, a page that is never valid UTF-8 (bounded tries), and a key
// revoked mid-session; every request carries the key in its header and no
// cookie. (faults.spec.ts runs every fault class with the session cookie.)
import type { Page } from '@playwright/test';
import { test, expect, FixtureServer } from './support/server';
import { AppPage, connectWithKey } from './support/app';

const PAGE2 = { path: '/api/asset', queryContains: 'skip=1000&' };

let appServer: FixtureServer;
let api: FixtureServer;
let key: string;

test.beforeAll(async () => {
  appServer = await FixtureServer.start({ appOnly: true, testControls: false, demoSession: true, seed: 99, assets: 1 });
  api = await FixtureServer.start({
    app: false,
    demoSession: false,
    basePath: '/immich',
    assets: 2500,
    corsOrigins: [appServer.url],
  });
  const info = await api.info();
  key = info.users.find((u: any) => u.isAdmin).apiKey;
});

test.afterAll(async () => {
  await api?.stop();
  await appServer?.stop();
});

test.afterEach(async () => {
  await api.clearFaults();
});

/** The server's ids in order, asked with the key. */
async function serverIds(): Promise<string[]> {
  const r = await fetch(`${api.apiBase}/api/asset`, { headers: { 'x-api-key': key } });
  expect(r.status).toBe(200);
  return (await r.json()).map((a: any) => a.id);
}

/** Connects with the key; the faults are posted before, so the first load meets them. */
async function connect(page: Page): Promise<AppPage> {
  return connectWithKey(page, `${appServer.url}/`, api.apiBase, key);
}

async function expectRecovered(app: AppPage, timeout = 60_000): Promise<void> {
  await app.waitCurrent(timeout);
  expect(await app.loadedIds()).toEqual(await serverIds());
  await expect(app.page.getByTestId('fault-note')).toHaveCount(0);
  await expect(app.tiles.first()).toBeVisible();
  for (const r of await api.requests()) {
    expect(r.auth, `${r.path}?${r.query}`).toBe('apiKeyHeader');
    expect(r.cookie, `${r.path}?${r.query}`).toBe(false);
  }
}

test('API key: a 500 page is set aside with a notice, the rest shown, then loaded', async ({ page }) => {
  await api.clearRequests();
  await api.faults({ ...PAGE2, status: 500, times: 4 });
  const app = await connect(page);
  const note = page.getByTestId('fault-note');
  await expect(note).toContainText('Assets 1001–2000 could not be loaded', { timeout: 30_000 });
  await expect(note).toContainText('the server had an error');
  await expect(app.tiles.first()).toBeVisible();
  await expectRecovered(app);
  const tries = (await api.assetRequests()).filter((r) => r.query.includes('skip=1000&'));
  expect(tries.map((r) => r.status)).toEqual([500, 500, 500, 500, 200]);
});

test('API key: a page that is never valid UTF-8 is asked again with a growing delay, not in a loop', async ({ page }) => {
  test.setTimeout(120_000);
  await api.clearRequests();
  await api.faults({ ...PAGE2, invalidUtf8: true, times: 1000 });
  const opened = Date.now();
  const app = await connect(page);
  await expect(page.getByTestId('fault-note')).toContainText('could not be read', { timeout: 30_000 });
  const all = await serverIds();
  const rest = [...all.slice(0, 1000), ...all.slice(2000)];
  await expect.poll(() => app.loadedIds(), { timeout: 30_000 }).toEqual(rest);
  await page.waitForTimeout(6_000);
  const elapsed = Date.now() - opened;
  const tries = (await api.assetRequests()).filter((r) => r.query.includes('skip=1000&'));
  expect(tries.length).toBeGreaterThanOrEqual(2);
  expect(tries.length, `${tries.length} tries in ${elapsed} ms`).toBeLessThanOrEqual(Math.ceil(Math.log2(elapsed / 2000 + 1)) + 1);
  await api.clearFaults();
  await expectRecovered(app, 90_000);
});

test('API key: revoked mid-session, the grid stays and Retry recovers', async ({ page }) => {
  const app = await connect(page);
  await app.waitCurrent();
  const before = await app.loadedIds();
  expect(before).toEqual(await serverIds());
  await api.faults({ pathPrefix: '/api/', status: 401, times: 1000 });
  await page.getByTestId('refresh').click();
  await expect(app.progress).toHaveAttribute('data-state', 'error', { timeout: 30_000 });
  await expect(page.getByTestId('status-text')).toContainText('no longer accepts the credentials');
  expect(await app.loadedIds()).toEqual(before);
  await expect(app.tiles.first()).toBeVisible();
  await api.clearFaults();
  await api.clearRequests();
  await page.getByTestId('retry').click();
  await expectRecovered(app);
});
