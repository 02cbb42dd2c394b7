// Order ties: Immich sorts by fileCreatedAt alone, and Postgres may list
// assets with the same time in another order per query, so skip/take pages
// repeat some tied assets and skip others at their boundaries. The fixture
// makes bursts of identical times (--tie-bursts) and, with the shuffleTies
// fault, lists each tie group in a new order per request. The app must end
// with exactly the server's set: duplicates dropped by id, and what was
// skipped found and fetched (library_core::ties). Both sign-in modes.
import type { Page } from '@playwright/test';
import { test, expect, FixtureServer } from './support/server';
import { AppPage, connectWithKey } from './support/app';

const ASSETS = 1500;
const TAKE = 100;
const SHUFFLE = { path: '/api/asset', shuffleTies: true, times: 1_000_000 };

test.use({ fixtureOptions: { assets: ASSETS, extraArgs: ['--tie-bursts'] } });

async function adminKey(server: FixtureServer): Promise<string> {
  const info = await server.info();
  return info.users.find((u: any) => u.isAdmin).apiKey;
}

/** The server's listing (its set of ids and each id's time), asked with the key. */
async function serverSet(server: FixtureServer, key: string): Promise<{ ids: string[]; times: string[] }> {
  const r = await fetch(`${server.apiBase}/api/asset`, { headers: { 'x-api-key': key } });
  expect(r.status).toBe(200);
  const all: any[] = await r.json();
  return { ids: all.map((a) => a.id).sort(), times: all.map((a) => a.fileCreatedAt) };
}

/** The premise: paging naively through the shuffled listing loses assets
 * (tried a few times: each try draws new orders). */
async function naivePagingLoses(server: FixtureServer, key: string, total: number): Promise<number> {
  let worst = total;
  for (let attempt = 0; attempt < 5 && worst === total; attempt++) {
    const seen = new Set<string>();
    for (let skip = 0; ; skip += TAKE) {
      const r = await fetch(`${server.apiBase}/api/asset?skip=${skip}&take=${TAKE}`, { headers: { 'x-api-key': key } });
      const page: any[] = await r.json();
      for (const a of page) seen.add(a.id);
      if (page.length < TAKE) break;
    }
    worst = Math.min(worst, seen.size);
  }
  return worst;
}

/** Ends with exactly the server's ids, none twice, and tie windows were asked. */
async function expectExact(app: AppPage, server: FixtureServer, want: string[]): Promise<void> {
  await app.waitCurrent(90_000);
  const got = await app.loadedIds();
  expect(new Set(got).size, 'no id twice').toBe(got.length);
  expect([...got].sort()).toEqual(want);
  await expect(app.tiles.first()).toBeVisible();
}

/** The tie windows the app asked: listing requests off the page grid. */
async function tieWindows(server: FixtureServer): Promise<string[]> {
  return (await server.assetRequests())
    .map((r) => r.query)
    .filter((q) => {
      const p = new URLSearchParams(q);
      const skip = Number(p.get('skip') ?? 0);
      return p.get('take') !== String(TAKE) || skip % TAKE !== 0;
    })
    .filter((q) => !q.includes('updatedAfter'));
}

async function check(page: Page, app: AppPage, api: FixtureServer, key: string, url: string): Promise<void> {
  const { ids, times } = await serverSet(api, key);
  expect(ids.length).toBeGreaterThan(ASSETS * 0.9);
  // Many ties, several of them across page boundaries.
  let straddling = 0;
  for (let b = TAKE; b < times.length; b += TAKE) if (times[b - 1] === times[b]) straddling++;
  expect(straddling, 'tie groups across page boundaries').toBeGreaterThan(2);
  await api.faults(SHUFFLE);
  expect(await naivePagingLoses(api, key, ids.length), 'naive paging loses tied assets').toBeLessThan(ids.length);

  await api.clearRequests();
  await page.goto(url);
  await expectExact(app, api, ids);
  const windows = await tieWindows(api);
  expect(windows.length, 'tie windows asked').toBeGreaterThan(0);
  // A window is no larger than its tie group, and the load stays cheap.
  const listing = await api.assetRequests();
  expect(listing.length).toBeLessThan(3 * Math.ceil(ids.length / TAKE) + 10);

  // A reload reads the pages from the cache: still the whole set.
  await page.reload();
  await expectExact(app, api, ids);
}

test('shuffled ties, session cookie: the app ends with exactly the server set', async ({ page, server }) => {
  const app = new AppPage(page);
  await check(page, app, server, await adminKey(server), `${server.url}/?take=${TAKE}`);
});

test('shuffled ties, API key on another origin under /immich: exactly the server set', async ({ page }) => {
  const appServer = await FixtureServer.start({ appOnly: true, testControls: false, demoSession: true, seed: 99, assets: 1 });
  const api = await FixtureServer.start({
    app: false,
    demoSession: false,
    basePath: '/immich',
    assets: ASSETS,
    corsOrigins: [appServer.url],
    extraArgs: ['--tie-bursts'],
  });
  try {
    const key = await adminKey(api);
    const app = await connectWithKey(page, `${appServer.url}/`, api.apiBase, key);
    await app.waitCurrent(90_000);
    await check(page, app, api, key, `${appServer.url}/?take=${TAKE}`);
    for (const r of await api.requests()) {
      expect(r.cookie, `${r.path}?${r.query}`).toBe(false);
    }
  } finally {
    await api.stop();
    await appServer.stop();
  }
});
