// The path real people take: the app on one origin, Immich on another under
// a path (http://127.0.0.1:B/immich), signed in with an API key typed into
// the Connect panel. Three fixture processes: the app alone (origin A, which
// also sets an Immich login cookie for the host, as a browser that is signed
// in elsewhere has), and one or two API servers under /immich (origins B, C).
import type { Page, Request } from '@playwright/test';
import { test, expect, FixtureServer } from './support/server';
import { AppPage } from './support/app';

/** The app alone, on its own origin. */
async function appOrigin(): Promise<FixtureServer> {
  // Another seed than the API's: its login cookie is nobody's on the API
  // server, so a request that carried it would fail there (Immich checks a
  // session cookie before the key).
  return FixtureServer.start({ appOnly: true, testControls: false, demoSession: true, seed: 99, assets: 1 });
}

/** An API server under /immich that allows `origin` by CORS (unless `cors` is false). */
async function apiServer(
  origin: string,
  opts: { seed?: number; assets?: number; cors?: boolean; hideEtag?: boolean } = {},
): Promise<FixtureServer> {
  return FixtureServer.start({
    app: false,
    demoSession: false,
    basePath: '/immich',
    seed: opts.seed ?? 7,
    assets: opts.assets ?? 1200,
    corsOrigins: opts.cors === false ? [] : [origin],
    corsHideEtag: opts.hideEtag,
  });
}

async function adminKey(server: FixtureServer): Promise<string> {
  const info = await server.info();
  return info.users.find((u: any) => u.isAdmin).apiKey;
}

/** The ids `query` lists on the server, in server order (asked with the key, outside the page). */
async function serverIds(server: FixtureServer, key: string, query = ''): Promise<string[]> {
  const r = await fetch(`${server.apiBase}/api/asset${query}`, { headers: { 'x-api-key': key } });
  expect(r.status).toBe(200);
  return (await r.json()).map((a: any) => a.id);
}

/** Opens the Connect panel once a load has settled (the app opens it by
 * itself when its default server fails: wait for that on a fresh page). */
async function openConnect(page: Page): Promise<void> {
  const panel = page.getByTestId('connect');
  if (!(await panel.isVisible())) await page.getByTestId('toggle-connect').click();
  await expect(panel).toBeVisible();
}

/** Types a server address and a key, and tests the connection. */
async function typeServerAndKey(page: Page, url: string, key: string): Promise<void> {
  await openConnect(page);
  await page.getByTestId('connect-url').fill(url);
  await page.getByTestId('connect-auth-key').check();
  await page.getByTestId('connect-key').fill(key);
  await page.getByTestId('connect-test').click();
}

test('an API key on another origin under /immich: grid, thumbnails, detail, filters, 304s, no leaks', async ({ page }) => {
  const appServer = await appOrigin();
  const api = await apiServer(appServer.url);
  const other = await apiServer(appServer.url, { seed: 8, assets: 300 });
  try {
    const key = await adminKey(api);
    const otherKey = await adminKey(other);
    expect(otherKey).not.toBe(key);
    const seen: Request[] = [];
    page.on('request', (r) => seen.push(r));
    const app = new AppPage(page);

    await page.goto(`${appServer.url}/`);
    // The page's own origin has no Immich: the app says so and offers Connect.
    await expect(page.getByTestId('connect')).toBeVisible({ timeout: 20_000 });
    await typeServerAndKey(page, api.apiBase, key);
    await expect(page.getByTestId('connect-ok')).toContainText('Immich Admin');
    await expect(page.getByTestId('connect-version')).toHaveText('v1.103.1');
    await expect(page.getByTestId('connect-etag-warning')).toHaveCount(0);
    await page.getByTestId('connect-save').click();
    await app.waitCurrent();

    const notes = await page.getByTestId('cache-note').allTextContents();
    expect(notes.join(' ')).not.toContain('Caching is off');
    // Tiles: exactly the server's library, in its order.
    expect(await app.loadedIds()).toEqual(await serverIds(api, key));
    await expect(app.tiles.first()).toBeVisible();
    // Thumbnails: real images, fetched with the key from under /immich.
    await expect.poll(() => app.blobThumbsDrawn(), { timeout: 20_000 }).toBeGreaterThan(5);
    const thumbs = (await api.requests()).filter((r) => r.path.startsWith('/api/asset/thumbnail/'));
    expect(thumbs.length).toBeGreaterThan(5);
    for (const t of thumbs) expect(t.status, t.path).toBe(200);

    // The viewer's info panel: the full record from GET /immich/api/asset/{id}.
    await app.tiles.first().click();
    await page.getByTestId('viewer-info-toggle').click();
    await expect(page.getByTestId('viewer-facts')).toBeVisible();
    const detailId = (await app.loadedIds())[0];
    expect((await api.requests()).some((r) => r.path === `/api/asset/${detailId}` && r.status === 200)).toBeTruthy();
    await page.getByTestId('viewer-close').click();

    // A reload answers 304 for every /api/asset request.
    await api.clearRequests();
    await page.reload();
    await app.waitCurrent();
    await expect(app.progress).toHaveAttribute('data-from-cache', 'true');
    const listed = await api.assetRequests();
    expect(listed.length).toBeGreaterThan(0);
    for (const r of listed) {
      expect(r.status, r.query).toBe(304);
      expect(r.bytes).toBe(0);
    }

    // Filters: the view in the app's URL, the server's favourites.
    await page.goto(`${appServer.url}/?isFavorite=true`);
    await app.waitCurrent();
    const favourites = await serverIds(api, key, '?isFavorite=true');
    expect(favourites.length).toBeGreaterThan(0);
    expect(await app.loadedIds()).toEqual(favourites);

    // Every API request carried the key in its header, and no cookie (the
    // browser holds an Immich login cookie for this host).
    const cookies = await page.context().cookies(appServer.url);
    expect(cookies.some((c) => c.name === 'immich_access_token')).toBeTruthy();
    const log = await api.requests();
    expect(log.length).toBeGreaterThan(10);
    for (const r of log) {
      expect(r.auth, `${r.path}?${r.query}`).toBe('apiKeyHeader');
      expect(r.cookie, `${r.path}?${r.query}`).toBe(false);
      expect(r.status, `${r.path}?${r.query}`).toBeLessThan(400);
    }

    // Switching to another server: the key field empties, and the first
    // key is never sent there.
    await openConnect(page);
    await expect(page.getByTestId('connect-key')).toHaveValue(key);
    // Even a key edited in the field is not carried over to another server.
    await page.getByTestId('connect-key').fill(`${key}-edited`);
    await page.getByTestId('connect-url').fill(other.apiBase);
    await expect(page.getByTestId('connect-key')).toHaveValue('');
    await page.getByTestId('connect-test').click();
    await expect(page.getByTestId('connect-error')).toContainText('API key');
    // Back to the first server: its own key comes back.
    await page.getByTestId('connect-url').fill(api.apiBase);
    await expect(page.getByTestId('connect-key')).toHaveValue(key);
    await page.getByTestId('connect-url').fill(other.apiBase);
    await expect(page.getByTestId('connect-key')).toHaveValue('');
    await page.getByTestId('connect-key').fill(otherKey);
    await page.getByTestId('connect-test').click();
    await expect(page.getByTestId('connect-ok')).toBeVisible();
    await page.getByTestId('connect-save').click();
    await app.waitCurrent();
    // The view (favourites, in the page's URL) carries over to the new server.
    expect(await app.loadedIds()).toEqual(await serverIds(other, otherKey, '?isFavorite=true'));
    for (const r of await other.requests()) {
      expect(r.auth).toBe('apiKeyHeader');
      expect(r.status, r.path).toBeLessThan(400);
    }
    const toOther = seen.filter((r) => r.url().startsWith('http') && new URL(r.url()).origin === other.url);
    expect(toOther.length).toBeGreaterThan(0);
    for (const r of toOther) {
      const h = await r.allHeaders();
      expect(h['x-api-key'] ?? '', r.url()).not.toBe(key);
    }

    // No URL the browser asked for holds a key.
    for (const r of seen) {
      expect(r.url()).not.toContain(key.slice(0, 16));
      expect(r.url()).not.toContain(otherKey);
    }
  } finally {
    await other.stop();
    await api.stop();
    await appServer.stop();
  }
});

test('a proxy that hides the ETag: a warning, and a working grid without caching', async ({ page }) => {
  const appServer = await appOrigin();
  const api = await apiServer(appServer.url, { hideEtag: true, assets: 700 });
  try {
    const key = await adminKey(api);
    const app = new AppPage(page);
    await page.goto(`${appServer.url}/`);
    // The page's own origin has no Immich: the app opens Connect by itself.
    await expect(page.getByTestId('connect')).toBeVisible({ timeout: 20_000 });
    await typeServerAndKey(page, api.apiBase, key);
    await expect(page.getByTestId('connect-ok')).toBeVisible();
    const warning = page.getByTestId('connect-etag-warning');
    await expect(warning).toContainText('Caching is off');
    await expect(warning).toContainText('Access-Control-Expose-Headers "ETag"');
    await page.getByTestId('connect-save').click();
    await app.waitCurrent();
    // The status line says it too, for whoever connected without testing.
    await expect(page.getByTestId('cache-note')).toContainText('Caching is off');
    const ids = await serverIds(api, key);
    expect(await app.loadedIds()).toEqual(ids);
    await expect.poll(() => app.blobThumbsDrawn(), { timeout: 20_000 }).toBeGreaterThan(5);
    // Uncached: the app kept no page (it could not read an ETag to keep
    // with it), so a reload asks for every page again and shows them all.
    // (Chromium's own HTTP cache may still revalidate them behind the page.)
    await api.clearRequests();
    await page.reload();
    await app.waitCurrent();
    await expect(app.progress).not.toHaveAttribute('data-from-cache', 'true');
    expect(await app.loadedIds()).toEqual(ids);
    const listed = await api.assetRequests();
    expect(listed.length).toBeGreaterThan(0);
    const kept = await page.evaluate(() =>
      Object.keys(localStorage).filter((k) => k.includes('etag')).length,
    );
    expect(kept).toBe(0);
  } finally {
    await api.stop();
    await appServer.stop();
  }
});

test('a server without CORS: the explanation with the proxy lines', async ({ page }) => {
  const appServer = await appOrigin();
  const api = await apiServer(appServer.url, { cors: false, assets: 50 });
  try {
    const key = await adminKey(api);
    await page.goto(`${appServer.url}/`);
    // The page's own origin has no Immich: the app opens Connect by itself.
    await expect(page.getByTestId('connect')).toBeVisible({ timeout: 20_000 });
    await typeServerAndKey(page, api.apiBase, key);
    await expect(page.getByTestId('connect-error-title')).toContainText(`could not call ${api.apiBase}`);
    await expect(page.getByTestId('connect-error-detail')).toContainText('another origin');
    const lines = page.getByTestId('connect-cors-lines');
    await expect(lines).toContainText(`Access-Control-Allow-Origin "${appServer.url}"`);
    await expect(lines).toContainText('x-api-key, if-none-match');
    await expect(lines).toContainText('Access-Control-Expose-Headers "ETag"');
  } finally {
    await api.stop();
    await appServer.stop();
  }
});
