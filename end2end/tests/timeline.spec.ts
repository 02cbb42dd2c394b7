// A current Immich server (v3.1.0: the fixture's --immich-version mode):
// the app reads the server's version, lists the library by month through
// GET /api/timeline/buckets and /bucket, and shows the same grid. Checked in
// both sign-in modes against the fixture's own months (asked outside the
// page with the admin's key): ids in order, the label (kind and local date)
// and headers on screen, a favourites view, a reload served by 304s, the
// viewer's preview drawn at its own size, and a v1.120 server named and
// refused.
import type { Page } from '@playwright/test';
import { test, expect, FixtureServer, FixtureRequest } from './support/server';
import { AppPage } from './support/app';
import { contentProblems, readShown, serverAssets, ServerAsset } from './support/content';

const V3 = ['--immich-version', '3.1.0'];
const PREVIEW_SIDE = 720;

test.use({ fixtureOptions: { assets: 1500, extraArgs: V3 } });

async function adminKey(server: FixtureServer): Promise<string> {
  const info = await server.info();
  return info.users.find((u: any) => u.isAdmin).apiKey;
}

const timelineRequests = (rs: FixtureRequest[]) => rs.filter((r) => r.path.startsWith('/api/timeline/'));

/** Everything on screen matches the fixture's months; returns the tiles checked. */
async function expectScreen(page: Page, expected: ServerAsset[], where: string): Promise<number> {
  const shown = await readShown(page);
  const problems = contentProblems(shown, expected);
  expect(problems, `${where}: ${problems.slice(0, 5).join('; ')}`).toEqual([]);
  return shown.tiles.length;
}

async function expectPreview(page: Page): Promise<void> {
  await expect
    .poll(
      () =>
        page.getByTestId('viewer-preview').evaluate((el) => {
          const i = el as HTMLImageElement;
          return i.complete ? Math.max(i.naturalWidth, i.naturalHeight) : 0;
        }),
      { timeout: 20_000 },
    )
    .toBe(PREVIEW_SIDE);
}

test('v3 with the session cookie: months, favourites, a reload of 304s, the viewer', async ({ page, server }) => {
  const expected = await serverAssets(server);
  expect(expected.length).toBeGreaterThan(1000);
  await server.clearRequests();
  const app = new AppPage(page);
  await app.open(server.url);
  await app.waitCurrent();
  expect(await app.loadedIds()).toEqual(expected.map((a) => a.id));
  expect(await expectScreen(page, expected, 'first screen')).toBeGreaterThan(10);
  const cold = await server.requests();
  // The old listing is never asked; the months are, with the cookie.
  expect(cold.filter((r) => r.path === '/api/asset')).toEqual([]);
  const coldMonths = timelineRequests(cold);
  expect(coldMonths.length).toBeGreaterThan(3);
  for (const r of coldMonths) {
    expect(r.status, r.path + r.query).toBe(200);
    expect(r.auth).toBe('cookie');
  }
  // Thumbnails through the current route.
  expect(cold.some((r) => /^\/api\/assets\/[0-9a-f-]{36}\/thumbnail$/.test(r.path) && r.query.includes('size=thumbnail'))).toBeTruthy();
  console.log(`v3 cold load: ${cold.length} requests, ${cold.reduce((n, r) => n + r.bytes, 0)} bytes; ` +
    `${coldMonths.length} timeline requests, ${coldMonths.reduce((n, r) => n + r.bytes, 0)} bytes`);

  // An unchanged reload: the months from the cache, every timeline request a 304.
  await server.clearRequests();
  await page.reload();
  await app.waitCurrent();
  await expect(app.progress).toHaveAttribute('data-from-cache', 'true');
  expect(await app.loadedIds()).toEqual(expected.map((a) => a.id));
  const warm = await server.requests();
  const warmMonths = timelineRequests(warm);
  expect(warmMonths.length).toBe(coldMonths.length);
  for (const r of warmMonths) {
    expect(r.status, r.path + r.query).toBe(304);
    expect(r.ifNoneMatch).toBeTruthy();
    expect(r.bytes).toBe(0);
  }
  // The remembered flavour: no v1.103 route is tried on a reload.
  expect(warm.filter((r) => r.status === 404)).toEqual([]);
  console.log(`v3 warm load: ${warm.length} requests, ${warm.reduce((n, r) => n + r.bytes, 0)} bytes; ` +
    `${warmMonths.length} timeline requests, all 304`);

  // The viewer: the preview from /api/assets/{id}/thumbnail?size=preview at
  // its own size, the record from /api/assets/{id} (its file name shown).
  const first = (await app.loadedIds())[0];
  await app.tiles.first().click();
  await expect(page.getByTestId('viewer')).toHaveAttribute('data-asset', first);
  await expectPreview(page);
  const rs = await server.requests();
  expect(rs.some((r) => r.path === `/api/assets/${first}/thumbnail` && r.query.includes('size=preview') && r.status === 200)).toBeTruthy();
  await page.getByTestId('viewer-info-toggle').click();
  const detail = await (await fetch(`${server.apiBase}/api/assets/${first}`, { headers: { 'x-api-key': await adminKey(server) } })).json();
  await expect(page.getByTestId('viewer-facts')).toContainText(detail.originalFileName);
  expect(rs.some((r) => r.path === `/api/assets/${first}` && r.status === 200)).toBeTruthy();
  await page.getByTestId('viewer-close').click();

  // A video plays from /api/assets/{id}/video/playback (a deep link opens it).
  const video = expected.find((a) => a.type === 'VIDEO');
  expect(video).toBeTruthy();
  await server.clearRequests();
  await app.open(`${server.url}/?asset=${video!.id}`);
  await expect(page.getByTestId('viewer-video')).toBeVisible({ timeout: 20_000 });
  await expect
    .poll(async () => (await server.requests()).filter((r) => r.path === `/api/assets/${video!.id}/video/playback` && [200, 206].includes(r.status)).length, { timeout: 20_000 })
    .toBeGreaterThan(0);
  expect((await server.requests()).filter((r) => r.path.startsWith('/api/asset/'))).toEqual([]);
  // Let that load finish, so none of its requests lands in the next count.
  await app.waitCurrent();

  // Favourites: the server's isFavorite=true months.
  const favourites = await serverAssets(server, 'isFavorite=true');
  expect(favourites.length).toBeGreaterThan(0);
  expect(favourites.length).toBeLessThan(expected.length);
  await server.clearRequests();
  await app.open(`${server.url}/?isFavorite=true`);
  await app.waitCurrent();
  expect(await app.loadedIds()).toEqual(favourites.map((a) => a.id));
  await expectScreen(page, favourites, 'favourites');
  for (const r of timelineRequests(await server.requests())) expect(r.query).toContain('isFavorite=true');
});

test('v3 views only current servers have: the trash, and partners in the timeline', async ({ page, server }) => {
  const own = await serverAssets(server, 'visibility=timeline');
  const trash = await serverAssets(server, 'isTrashed=true');
  const withPartners = await serverAssets(server, 'visibility=timeline&withPartners=true');
  expect(trash.length).toBeGreaterThan(0);
  for (const a of trash) expect(a.isTrashed).toBe(true);
  // Alice shares into the admin's timeline: more assets than the admin's own.
  const ownIds = new Set(own.map((a) => a.id));
  const partnersOnly = withPartners.filter((a) => !ownIds.has(a.id));
  expect(partnersOnly.length).toBeGreaterThan(10);

  const app = new AppPage(page);
  await app.open(server.url);
  await app.waitCurrent();
  await page.getByTestId('toggle-filters').click();
  await expect(page.getByTestId('filters')).toBeVisible();
  // The control a current server offers; its hint stays hidden until asked.
  await expect(page.getByTestId('filter-with-partners')).toBeVisible();
  await expect(page.getByTestId('trash-hint')).toBeHidden();

  // The trash: asked with isTrashed=true, shown alone, the hint says why.
  await server.clearRequests();
  await page.getByTestId('filter-trashed').check();
  await app.waitCurrent();
  await expect(page.getByTestId('trash-hint')).toBeVisible();
  expect(page.url()).toContain('trashed=show');
  expect(await app.loadedIds()).toEqual(trash.map((a) => a.id));
  await expectScreen(page, trash, 'trash');
  const trashRequests = timelineRequests(await server.requests());
  expect(trashRequests.length).toBeGreaterThan(1);
  for (const r of trashRequests) expect(r.query).toContain('isTrashed=true');
  await page.getByTestId('filter-trashed').uncheck();
  await app.waitCurrent();

  // Partners: withPartners=true with the explicit visibility Immich needs.
  await server.clearRequests();
  await page.getByTestId('filter-with-partners').check();
  await app.waitCurrent();
  expect(page.url()).toContain('withPartners=true');
  const ids = await app.loadedIds();
  expect(ids).toEqual(withPartners.map((a) => a.id));
  expect(ids).toEqual(expect.arrayContaining(partnersOnly.map((a) => a.id)));
  await expectScreen(page, withPartners, 'with partners');
  const partnerRequests = timelineRequests(await server.requests());
  for (const r of partnerRequests) {
    expect(r.status, r.query).toBe(200);
    expect(r.query).toContain('withPartners=true');
    expect(r.query).toContain('visibility=timeline');
  }
  // A view Immich refuses with partners is explained, not sent.
  await server.clearRequests();
  await page.getByTestId('filter-favorite-only').check();
  await expect(page.getByTestId('status-text')).toContainText("Partners' assets come only with the plain timeline");
  expect(timelineRequests(await server.requests())).toEqual([]);
  // A reload of the partners view (a link) is 304s.
  await page.getByTestId('filter-favorite-any').check();
  await app.waitCurrent();
  await app.open(`${server.url}/?withPartners=true`);
  await app.waitCurrent();
  expect(await app.loadedIds()).toEqual(withPartners.map((a) => a.id));
  await server.clearRequests();
  await page.reload();
  await app.waitCurrent();
  expect(await app.loadedIds()).toEqual(withPartners.map((a) => a.id));
  const warm = timelineRequests(await server.requests());
  expect(warm.length).toBeGreaterThan(1);
  for (const r of warm) expect(r.status, r.query).toBe(304);
});

/** The fixture's month bodies by `timeBucket`, asked with the admin's key. */
async function monthBodies(server: FixtureServer): Promise<Map<string, string>> {
  const key = await adminKey(server);
  const get = (path: string) => fetch(`${server.apiBase}${path}`, { headers: { 'x-api-key': key } });
  const months = await (await get('/api/timeline/buckets')).json();
  const out = new Map<string, string>();
  for (const m of months) {
    out.set(m.timeBucket, await (await get(`/api/timeline/bucket?timeBucket=${m.timeBucket}`)).text());
  }
  return out;
}

test('a change to one asset at the server: the reload transfers that month, 304 for the rest', async ({ page, server }) => {
  const app = new AppPage(page);
  await app.open(server.url);
  await app.waitCurrent();
  const before = await monthBodies(server);
  // Toggle favourites until one shown month changes (a trashed pick changes none).
  let changed: string[] = [];
  for (let i = 0; i < 10 && changed.length === 0; i++) {
    await server.change({ favorite: 1 });
    const after = await monthBodies(server);
    changed = [...after.keys()].filter((k) => after.get(k) !== before.get(k));
  }
  expect(changed).toHaveLength(1);
  await server.clearRequests();
  await page.reload();
  await app.waitCurrent();
  const rs = timelineRequests(await server.requests());
  const fresh = rs.filter((r) => r.status === 200);
  expect(fresh).toHaveLength(1);
  expect(fresh[0].path).toBe('/api/timeline/bucket');
  expect(decodeURIComponent(fresh[0].query)).toContain(`timeBucket=${changed[0]}T00:00:00.000Z`);
  expect(rs.filter((r) => r.status === 304)).toHaveLength(rs.length - 1);
  expect(rs.length).toBe(before.size + 1);
  const expected = await serverAssets(server);
  expect(await app.loadedIds()).toEqual(expected.map((a) => a.id));
  await expectScreen(page, expected, 'after the change');
});

test('a v1.120 server is named and refused, not half-loaded', async ({ page }) => {
  const old = await FixtureServer.start({ assets: 50, extraArgs: ['--immich-version', '1.120.0'] });
  try {
    await page.goto(old.url);
    const status = page.getByTestId('status-text');
    await expect(status).toContainText('Immich v1.120.0', { timeout: 20_000 });
    await expect(status).toContainText('v1.98 to v1.105, and v1.135 to v3');
    await expect(page.getByTestId('progress')).toHaveAttribute('data-state', 'error');
    expect(await page.getByTestId('tile').count()).toBe(0);
    // Nothing was listed: neither route family.
    const rs = await old.requests();
    expect(rs.filter((r) => r.path.startsWith('/api/timeline/') || r.path === '/api/asset')).toEqual([]);
  } finally {
    await old.stop();
  }
});

test('v3 with an API key, the app on another origin, Immich under /immich', async ({ page }) => {
  // The app alone (its own origin), and a v3 API under /immich that allows it by CORS.
  const appServer = await FixtureServer.start({ appOnly: true, testControls: false, demoSession: true, seed: 99, assets: 1 });
  const api = await FixtureServer.start({
    app: false,
    demoSession: false,
    basePath: '/immich',
    assets: 1200,
    corsOrigins: [appServer.url],
    extraArgs: V3,
  });
  try {
    const key = await adminKey(api);
    const expected = await serverAssets(api);
    const urls: string[] = [];
    page.on('request', (r) => urls.push(r.url()));
    const app = new AppPage(page);
    await page.goto(`${appServer.url}/`);
    const panel = page.getByTestId('connect');
    await expect(panel).toBeVisible({ timeout: 20_000 });
    await page.getByTestId('connect-url').fill(api.apiBase);
    await page.getByTestId('connect-auth-key').check();
    await page.getByTestId('connect-key').fill(key);
    await page.getByTestId('connect-test').click();
    await expect(page.getByTestId('connect-ok')).toContainText('Immich Admin');
    await expect(page.getByTestId('connect-version')).toHaveText('v3.1.0');
    await api.clearRequests();
    await page.getByTestId('connect-save').click();
    await app.waitCurrent();
    expect(await app.loadedIds()).toEqual(expected.map((a) => a.id));
    expect(await expectScreen(page, expected, 'key, first screen')).toBeGreaterThan(10);
    // Thumbnails: fetched with the key from the current route, shown as object URLs.
    await expect.poll(() => app.blobThumbsDrawn(), { timeout: 20_000 }).toBeGreaterThan(5);
    const cold = await api.requests();
    expect(timelineRequests(cold).length).toBeGreaterThan(3);
    for (const r of cold) {
      expect(r.cookie, r.path).toBe(false);
      if (r.path.startsWith('/api/timeline/') || r.path.endsWith('/thumbnail')) expect(r.auth, r.path).toBe('apiKeyHeader');
    }
    expect(cold.some((r) => r.path.endsWith('/thumbnail') && r.query.includes('size=thumbnail'))).toBeTruthy();

    // A reload: every month answered 304.
    await api.clearRequests();
    await page.reload();
    await app.waitCurrent();
    expect(await app.loadedIds()).toEqual(expected.map((a) => a.id));
    const warm = timelineRequests(await api.requests());
    expect(warm.length).toBe(timelineRequests(cold).length);
    for (const r of warm) expect(r.status, r.path + r.query).toBe(304);

    // The viewer draws the preview, fetched with the key.
    await app.tiles.first().click();
    await expectPreview(page);

    // The trash and partners' assets, with the key: views as links.
    for (const [search, query] of [['trashed=show', 'isTrashed=true'], ['withPartners=true', 'visibility=timeline&withPartners=true']]) {
      const want = await serverAssets(api, query);
      expect(want.length, query).toBeGreaterThan(0);
      await api.clearRequests();
      await app.open(`${appServer.url}/?${search}`);
      await app.waitCurrent();
      expect(await app.loadedIds(), search).toEqual(want.map((a) => a.id));
      await expectScreen(page, want, `key, ${search}`);
      const rs = timelineRequests(await api.requests());
      expect(rs.length).toBeGreaterThan(1);
      for (const r of rs) {
        for (const part of query.split('&')) expect(r.query).toContain(part);
        expect(r.auth, r.path).toBe('apiKeyHeader');
        expect(r.cookie, r.path).toBe(false);
      }
    }
    // The key never went into a URL.
    expect(urls.filter((u) => u.includes(key))).toEqual([]);
  } finally {
    await api.stop();
    await appServer.stop();
  }
});
