// Server faults, injected with the fixture's fault controls: for each class,
// what the person sees while it lasts (the grid stays, the status says what
// happened in plain words) and that the app recovers on its own, ending with
// exactly the server's set of ids.
import type { Page } from '@playwright/test';
import { test, expect, FixtureServer } from './support/server';
import { AppPage } from './support/app';
import { expectContent, serverAssets, shownByDefault } from './support/content';

// Three pages of 1,000 (the app's page size): faults hit the second one.
test.use({ fixtureOptions: { assets: 2500 } });

const PAGE2 = { path: '/api/asset', queryContains: 'skip=1000&' };

/** Opens the app fresh and returns its page object. */
async function open(page: Page, server: FixtureServer): Promise<AppPage> {
  const app = new AppPage(page);
  await app.open(server.url);
  return app;
}

/** The end state: up to date, no fault note, exactly the server's ids, and the screen's tiles right. */
async function expectRecovered(app: AppPage, server: FixtureServer, timeout = 60_000): Promise<void> {
  await app.waitCurrent(timeout);
  const assets = await serverAssets(server);
  expect(await app.loadedIds()).toEqual(assets.map((a) => a.id));
  await expect(app.page.getByTestId('fault-note')).toHaveCount(0);
  await expect(app.page.getByTestId('status-text')).toContainText('up to date');
  expect(await expectContent(app.page, shownByDefault(assets), 'after recovery')).toBeGreaterThan(0);
}

/** While a page is set aside: the note names it and the cause, and the first page's tiles stay on screen. */
async function expectAside(app: AppPage, server: FixtureServer, cause: RegExp): Promise<void> {
  const note = app.page.getByTestId('fault-note');
  await expect(note).toBeVisible({ timeout: 30_000 });
  await expect(note).toContainText('Assets 1001–2000 could not be loaded');
  await expect(note).toContainText(cause);
  await expect(note).toContainText(/Showing the rest; trying again in \d+ s/);
  // A page that fails at once may be noted before the first tiles are drawn.
  await expect(app.tiles.first()).toBeVisible({ timeout: 30_000 });
  const assets = shownByDefault(await serverAssets(server));
  expect(await expectContent(app.page, assets, 'while a page is set aside')).toBeGreaterThan(0);
}

test.afterEach(async ({ server }) => {
  await server.clearFaults();
});

test('500 on a page: retried, set aside with a notice, the rest shown, then loaded', async ({ page, server }) => {
  // One try and three quick retries fail: the page is set aside.
  await server.clearRequests();
  await server.faults({ ...PAGE2, status: 500, times: 4 });
  const app = await open(page, server);
  await expectAside(app, server, /the server had an error/);
  await expectRecovered(app, server);
  const page2 = (await server.assetRequests()).filter((r) => r.query.includes('skip=1000&'));
  expect(page2.map((r) => r.status)).toEqual([500, 500, 500, 500, 200]);
});

test('503 with Retry-After: the wait the server asks for is honoured', async ({ page, server }) => {
  await server.clearRequests();
  await server.faults({ ...PAGE2, status: 503, retryAfter: '2', times: 1 });
  // The times are taken in the page (when the answer arrived, when the next
  // request started): Playwright's request events reach the test late under load.
  await page.addInitScript(() => {
    const times: number[][] = [];
    (window as any).__page2 = times;
    const orig = window.fetch.bind(window);
    window.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = String(input instanceof Request ? input.url : input);
      const mine = url.includes('/api/asset?') && url.includes('skip=1000&');
      const t = [performance.now()];
      if (mine) times.push(t);
      const res = await orig(input, init);
      if (mine) t.push(performance.now());
      return res;
    };
  });
  const app = await open(page, server);
  await expectRecovered(app, server);
  const times: number[][] = await page.evaluate(() => (window as any).__page2);
  expect(times.length).toBe(2);
  // From the 503's arrival to the next ask: the server's two seconds, not
  // the 250 ms quick backoff.
  expect(times[1][0] - times[0][1]).toBeGreaterThanOrEqual(1990);
});

test('429 with a long Retry-After: set aside until then, with a notice', async ({ page, server }) => {
  await server.faults({ ...PAGE2, status: 429, retryAfter: '12', times: 1 });
  const app = await open(page, server);
  await expectAside(app, server, /the server asked to slow down/);
  await expect(page.getByTestId('fault-note')).toContainText(/trying again in 12 s/);
  await expectRecovered(app, server);
});

test('an HTML error page from a proxy (502): retried, then loaded', async ({ page, server }) => {
  await server.faults({ ...PAGE2, status: 502, html: true, times: 4 });
  const app = await open(page, server);
  await expectAside(app, server, /the server had an error/);
  await expectRecovered(app, server);
});

test('a page that cannot be decoded: set aside at once, the rest kept, read later', async ({ page, server }) => {
  await server.faults({ ...PAGE2, corrupt: true, times: 1 });
  const app = await open(page, server);
  await expectAside(app, server, /could not be read/);
  await expectRecovered(app, server);
});

test('a page that is never valid UTF-8: set aside, asked again with a growing delay, never a hot loop', async ({ page, server }) => {
  test.setTimeout(120_000);
  await server.clearRequests();
  await server.faults({ ...PAGE2, invalidUtf8: true, times: 1000 });
  const opened = Date.now();
  const app = await open(page, server);
  await expectAside(app, server, /could not be read/);
  // The rest of the grid is there: the first and third pages, in order.
  const assets = await serverAssets(server);
  const rest = [...assets.slice(0, 1000), ...assets.slice(2000)].map((a) => a.id);
  await expect.poll(() => app.loadedIds(), { timeout: 30_000 }).toEqual(rest);
  await page.waitForTimeout(8_000);
  const elapsed = Date.now() - opened;
  const tries = (await server.assetRequests()).filter((r) => r.query.includes('skip=1000&'));
  // Tries at 0, 2, 6, 14, 30 s… (2 s doubling, at most a minute apart): a
  // few in `elapsed`, where a hot loop would send hundreds.
  const bound = Math.ceil(Math.log2(elapsed / 2000 + 1)) + 1;
  expect(tries.length, `${tries.length} tries in ${elapsed} ms`).toBeGreaterThanOrEqual(2);
  expect(tries.length, `${tries.length} tries in ${elapsed} ms`).toBeLessThanOrEqual(bound);
  for (const r of tries) expect(r.status).toBe(200);
  // Still said, still showing the rest.
  await expect(page.getByTestId('fault-note')).toContainText('Assets 1001–2000 could not be loaded');
  expect(await app.loadedIds()).toEqual(rest);
  // The server mends: the next try loads it.
  await server.clearFaults();
  await expectRecovered(app, server, 90_000);
});

test('a body cut off mid-JSON: retried, then loaded', async ({ page, server }) => {
  await server.faults({ ...PAGE2, truncate: true, times: 2 });
  const app = await open(page, server);
  await expectRecovered(app, server);
  const page2 = (await server.assetRequests()).filter((r) => r.query.includes('skip=1000&'));
  expect(page2.length).toBeGreaterThanOrEqual(3);
});

test('a dropped connection: retried, then loaded', async ({ page, server }) => {
  await server.clearRequests();
  await server.faults({ ...PAGE2, drop: true, times: 2 });
  const app = await open(page, server);
  await expectRecovered(app, server);
  // Both drops happened (the browser may also retry a reset connection by itself).
  expect(await (await fetch(`${server.url}/__fixture/faults`)).json()).toEqual([]);
  const page2 = (await server.assetRequests()).filter((r) => r.query.includes('skip=1000&'));
  expect(page2.length).toBeGreaterThanOrEqual(3);
});

test('a stalled answer: timed out, retried, then loaded', async ({ page, server }) => {
  test.setTimeout(120_000);
  await server.faults({ ...PAGE2, stall: true, stallMs: 120_000, times: 1 });
  const app = await open(page, server);
  // Meanwhile the first page is on screen and the load is still going.
  await expect(app.tiles.first()).toBeVisible({ timeout: 30_000 });
  await expect(app.progress).not.toHaveAttribute('data-state', 'current');
  await expectRecovered(app, server, 60_000);
});

test('a wrong content type on a good body: read all the same', async ({ page, server }) => {
  await server.faults({ ...PAGE2, contentType: 'text/html; charset=utf-8', times: 1 });
  const app = await open(page, server);
  await expectRecovered(app, server);
});

test('401 in the middle of a session: says so, keeps the grid, recovers on Retry', async ({ page, server }) => {
  const app = await open(page, server);
  await app.waitCurrent();
  const before = await app.loadedIds();
  const assets = shownByDefault(await serverAssets(server));
  // The key is revoked: every API call is refused.
  await server.faults({ pathPrefix: '/api/', status: 401, times: 1000 });
  await page.getByTestId('refresh').click();
  await expect(app.progress).toHaveAttribute('data-state', 'error', { timeout: 30_000 });
  await expect(page.getByTestId('status-text')).toContainText('no longer accepts the credentials');
  await expect(page.getByTestId('retry')).toBeVisible();
  // The grid stays as it was.
  expect(await app.loadedIds()).toEqual(before);
  expect(await expectContent(page, assets, 'after a 401')).toBeGreaterThan(0);
  // Signed in again: Retry loads.
  await server.clearFaults();
  await page.getByTestId('retry').click();
  await expectRecovered(app, server);
});

test('a server down at the start: said in words, and the app tries again by itself', async ({ page, server }) => {
  // `/api/user/me` fails the first try and its three quick retries.
  await server.faults({ path: '/api/user/me', status: 503, times: 4 });
  const app = await open(page, server);
  await expect(app.progress).toHaveAttribute('data-state', 'error', { timeout: 30_000 });
  await expect(page.getByTestId('status-text')).toContainText('The server is busy or restarting. Trying again in 2 s.');
  // No click: it recovers on its own.
  await expectRecovered(app, server);
});

test('pages shifting while loading: the app ends with exactly the server set', async ({ page, server }) => {
  await server.faults({ ...PAGE2, latencyMs: 1500, times: 1 });
  const app = await open(page, server);
  await expect(app.tiles.first()).toBeVisible({ timeout: 30_000 });
  await server.change({ new: 4, delete: 3 });
  await expectRecovered(app, server);
});
