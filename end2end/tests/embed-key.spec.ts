// The widget and the frame on the path people take when Immich is elsewhere:
// the host page on one origin (examples/, support/host.ts), the app's files
// on a second under /grid/, Immich's API on a third under /immich, and an
// API key the visitor types into the element or the frame. The browser holds
// an Immich login cookie for the host name (set by the app's origin, and
// nobody's on the API server), which key requests must not send.
//
// Checked: the grid shows exactly the server's listing for the element's
// filter (ids and file names, first screen and last); the host hears the
// events; and the key is in no request URL, no attribute, no cookie and no
// storage entry of the host page (an element keeps it in the page's memory;
// a frame, the app on its own origin, in its own tab storage only).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Frame, Page, Request } from '@playwright/test';
import { test, expect, FixtureServer } from './support/server';
import { HostServer } from './support/host';
import { serverAssets, shownByDefault } from './support/content';
import { checkListing, checkTiles, events, hostEvent } from './support/embed';

let host: HostServer;
let app: FixtureServer;
let api: FixtureServer;
let key: string;

test.beforeAll(async () => {
  host = await HostServer.start();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ig-dist-'));
  fs.cpSync(process.env.IMMICH_GRID_DIST!, dir, { recursive: true });
  // The app alone under /grid/ (another seed than the API's: its login
  // cookie is nobody's there); the host page may load its module and wasm.
  app = await FixtureServer.start({
    appOnly: true,
    testControls: false,
    demoSession: true,
    seed: 99,
    assets: 1,
    appPath: '/grid/',
    appDir: dir,
    corsOrigins: [host.url],
  });
  api = await FixtureServer.start({
    app: false,
    demoSession: false,
    basePath: '/immich',
    assets: 600,
    corsOrigins: [host.url, app.url],
  });
  // Read by the frame (the file is served as it is on disk at each request).
  fs.writeFileSync(
    path.join(dir, 'config.json'),
    JSON.stringify({ server: api.apiBase, signIn: 'apiKey', allowedParentOrigins: [host.url] }),
  );
  host.configure({ appUrl: `${app.url}/grid/`, serverUrl: api.apiBase });
  key = (await api.info()).users.find((u: any) => u.isAdmin).apiKey;
});

test.afterAll(async () => {
  await api?.stop();
  await app?.stop();
  await host?.stop();
});

/** Every URL the page asks for, frames included. */
function recordUrls(page: Page): string[] {
  const urls: string[] = [];
  page.on('request', (r: Request) => urls.push(r.url()));
  return urls;
}

/** The browser holds a login cookie for the API's host name, as one signed in elsewhere does. */
async function foreignCookie(page: Page): Promise<void> {
  const token = (await app.info().catch(() => null))?.users?.[0]?.accessToken ?? 'someone-elses-session';
  await page.context().addCookies([{ name: 'immich_access_token', value: token, url: api.url }]);
}

/** Types the key into the Connect form under `scope` as a person does, and connects. */
async function enterKey(where: Page | Frame, scope: string): Promise<void> {
  const form = where.locator(`${scope}[data-testid=connect]`);
  await expect(form).toBeVisible({ timeout: 30_000 });
  // The form starts at the server the element or the deployment names.
  await expect(form.getByTestId('connect-url')).toHaveValue(api.apiBase);
  await form.getByTestId('connect-auth-key').check();
  await form.getByTestId('connect-key').fill(key);
  await form.getByTestId('connect-test').click();
  await expect(form.getByTestId('connect-ok')).toContainText('Connected to Immich v1.103.1 as Immich Admin');
  await form.getByTestId('connect-save').click();
}

/** No attribute, cookie or storage entry of `where` holds the key (shadow roots included). */
async function expectNoKeyIn(where: Page | Frame, what: string): Promise<void> {
  const found = await where.evaluate(async (k) => {
    const hits: string[] = [];
    const walk = (root: Document | ShadowRoot) => {
      for (const el of root.querySelectorAll('*')) {
        for (const a of el.getAttributeNames()) if ((el.getAttribute(a) ?? '').includes(k)) hits.push(`attribute ${a} of <${el.localName}>`);
        if (el.shadowRoot) walk(el.shadowRoot);
      }
    };
    walk(document);
    for (const [name, store] of [['localStorage', localStorage], ['sessionStorage', sessionStorage]] as const) {
      for (let i = 0; i < store.length; i++) {
        const n = store.key(i) ?? '';
        if (n.includes(k) || (store.getItem(n) ?? '').includes(k)) hits.push(`${name} ${n}`);
      }
    }
    if (document.cookie.includes(k)) hits.push('document.cookie');
    // IndexedDB: every store's keys and values, as text.
    const names = (await indexedDB.databases()).map((d) => d.name ?? '');
    for (const name of names) {
      const db = await new Promise<IDBDatabase>((ok, no) => {
        const r = indexedDB.open(name);
        r.onsuccess = () => ok(r.result);
        r.onerror = () => no(r.error);
      });
      for (const s of Array.from(db.objectStoreNames)) {
        const all = await new Promise<any[]>((ok) => {
          const r = db.transaction(s).objectStore(s).getAll();
          r.onsuccess = () => ok(r.result);
          r.onerror = () => ok([]);
        });
        const keys = await new Promise<any[]>((ok) => {
          const r = db.transaction(s).objectStore(s).getAllKeys();
          r.onsuccess = () => ok(r.result);
          r.onerror = () => ok([]);
        });
        const text = (v: any) => (v instanceof ArrayBuffer || ArrayBuffer.isView(v) ? new TextDecoder().decode(v as any) : JSON.stringify(v) ?? '');
        if ([...all, ...keys].some((v) => text(v).includes(k))) hits.push(`IndexedDB ${name}/${s}`);
      }
      db.close();
    }
    return hits;
  }, key);
  expect(found, `the key in ${what}`).toEqual([]);
}

/** The API's log: key requests carried no cookie; the key was never in a URL. */
async function expectCleanApiLog(): Promise<number> {
  const log = await api.requests();
  const keyed = log.filter((r) => r.auth === 'apiKeyHeader');
  expect(keyed.length).toBeGreaterThan(0);
  for (const r of log) expect(`${r.path}?${r.query}`, `${r.method} ${r.path}`).not.toContain(key);
  for (const r of keyed) expect(r.cookie, `${r.method} ${r.path}?${r.query} carried a cookie`).toBe(false);
  // Before the key, the cookie (someone else's session) was refused; only
  // Immich's public endpoints answered without the key.
  const open = ['/api/server-info/ping', '/api/server-info/version'];
  for (const r of log.filter((x) => x.auth !== 'apiKeyHeader' && x.method !== 'OPTIONS' && !open.includes(x.path))) {
    expect(r.status, r.path).toBe(401);
  }
  return keyed.length;
}

test('an element on another origin signs in with a key typed into it: its listing, its events, no key anywhere else', async ({ page }) => {
  const urls = recordUrls(page);
  await foreignCookie(page);
  await api.clearRequests();
  await page.goto(`${host.url}/element.html`);

  // The elements start with the visitor's Immich session: refused here, so
  // each says so to the host and offers its Connect form.
  await hostEvent(page, 'favourites', 'error');
  await hostEvent(page, 'videos', 'error');
  await hostEvent(page, 'favourites', 'ready');
  await hostEvent(page, 'videos', 'ready');
  // No Remember box: an element on someone else's page keeps nothing.
  await expect(page.locator('#favourites [data-testid=connect-remember]')).toBeHidden();

  await enterKey(page, '#favourites ');
  const favs = shownByDefault(await serverAssets(api, 'isFavorite=true'));
  expect(favs.length).toBeGreaterThan(20);
  const f = await hostEvent(page, 'favourites', 'loaded');
  expect(f.detail.shown).toBe(favs.length);
  await checkListing(page, '#favourites ', favs);
  // Thumbnails came through the key (object URLs of fetched bytes).
  await expect
    .poll(() =>
      page.locator('#favourites [data-testid=tile] img').evaluateAll(
        (imgs) => imgs.filter((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0 && (i as HTMLImageElement).src.startsWith('blob:')).length,
      ),
    )
    .toBeGreaterThan(0);

  // The second element, on the same server, takes the key from the page's
  // memory: no second typing.
  await expect(page.locator('#videos [data-testid=connect]')).toBeHidden({ timeout: 30_000 });
  const videos = shownByDefault(await serverAssets(api)).filter((a) => a.type === 'VIDEO');
  expect((await hostEvent(page, 'videos', 'loaded')).detail.shown).toBe(videos.length);
  await checkListing(page, '#videos ', videos);

  // Opening a tile tells the host which asset.
  await page.locator('#favourites [data-testid=grid]').evaluate((g) => (g.scrollTop = 0));
  const tile = page.locator('#favourites [data-testid=tile][data-pos="0"]');
  await tile.click();
  expect((await hostEvent(page, 'favourites', 'open')).detail.id).toBe(favs[0].id);

  // A changed attribute is served with the same key.
  await page.locator('#favourites').evaluate((e) => e.setAttribute('favorite', 'exclude'));
  const others = shownByDefault(await serverAssets(api, 'isFavorite=false'));
  await expect
    .poll(async () => (await events(page)).filter((e) => e.widget === 'favourites' && e.type === 'loaded').at(-1)?.detail.shown, { timeout: 30_000 })
    .toBe(others.length);
  await checkTiles(page, '#favourites ', others);

  // Where the key is not.
  for (const u of urls) expect(u, 'a request URL').not.toContain(key);
  await expectNoKeyIn(page, 'the host page');
  for (const c of await page.context().cookies()) expect(c.value).not.toContain(key);
  const n = await expectCleanApiLog();
  console.log(`element, key mode: ${n} key requests, none with a cookie; ${urls.length} URLs without the key`);
});

test('a frame on another origin signs in with a key typed into it: its listing, its messages, the key only in its own tab', async ({ page }) => {
  const urls = recordUrls(page);
  await api.clearRequests();
  await page.goto(`${host.url}/iframe.html`);
  // Pick the frame up once it has loaded the app (config.json: sign in by key).
  await expect.poll(() => page.frames().some((x) => x.url().includes('/grid/?embed=1'))).toBeTruthy();
  const frame = page.frames().find((x) => x.url().includes('/grid/?embed=1'))!;
  await enterKey(frame, '');
  await expect(frame.getByTestId('progress')).toHaveAttribute('data-state', 'current', { timeout: 30_000 });
  const all = shownByDefault(await serverAssets(api));
  expect(await frame.evaluate(() => (window as any).__immichGrid.shown())).toBe(all.length);
  await checkListing(frame, '', all);

  // The host hears the height and the opened asset, and sets a filter.
  await expect
    .poll(async () => (await page.evaluate(() => (window as any).frameMessages)).filter((m: any) => m.type === 'immich-grid:height').length)
    .toBeGreaterThan(0);
  await frame.getByTestId('grid').evaluate((g) => (g.scrollTop = 0));
  await frame.locator('[data-testid=tile][data-pos="0"]').click();
  await expect(page.locator('#opened')).toHaveText(all[0].id);
  await page.keyboard.press('Escape');
  await page.locator('#favourites').click();
  const favs = shownByDefault(await serverAssets(api, 'isFavorite=true'));
  await expect.poll(() => frame.evaluate(() => (window as any).__immichGrid.shown())).toBe(favs.length);
  await checkTiles(frame, '', favs);

  for (const u of urls) expect(u, 'a request URL').not.toContain(key);
  await expectNoKeyIn(page, 'the host page');
  // The app's own origin keeps it for this tab, under the server's address
  // only; not on the device.
  const stored = await frame.evaluate(() => ({
    tab: Object.keys(sessionStorage).filter((k) => sessionStorage.getItem(k)!.length > 0),
    device: JSON.stringify(Object.entries(localStorage)),
  }));
  expect(stored.device).not.toContain(key);
  expect(await frame.evaluate((k) => Object.keys(sessionStorage).filter((n) => sessionStorage.getItem(n) === k), key)).toEqual([
    `immich-grid.api-key@${api.apiBase}`,
  ]);
  // The app's origin set an Immich login cookie for the host name, which the key requests did not send.
  expect((await page.context().cookies(api.url)).map((c) => c.name)).toContain('immich_access_token');
  const n = await expectCleanApiLog();
  console.log(`frame, key mode: ${n} key requests, none with a cookie; ${urls.length} URLs without the key`);
});
