// The data layer against the fixture server: a reload asks only for what
// changed (a delta and the deletions since the last load), changes show with
// their values and without duplicates or losses, and every reason to read
// the pages again (statistics disagree, 100 days away, a refresh) does.
import { test, expect, FixtureServer, FixtureRequest } from './support/server';
import { AppPage } from './support/app';
import { expectContent, scrollGrid, serverAssets, shownByDefault } from './support/content';
import { Page } from '@playwright/test';

test.use({ fixtureOptions: { assets: 2500 } });

const FAVORITE = 1;
const ARCHIVED = 2;
const TRASHED = 4;

/** The admin's listing now (the oracle), in server order, with each asset's flags. */
async function serverView(server: FixtureServer, query = ''): Promise<{ ids: string[]; flags: number[] }> {
  const info = await server.info();
  const admin = info.users.find((u: any) => u.isAdmin);
  const r = await fetch(`${server.url}/api/asset${query}`, { headers: { 'x-api-key': admin.apiKey } });
  expect(r.status).toBe(200);
  const list = await r.json();
  return {
    ids: list.map((a: any) => a.id),
    flags: list.map(
      (a: any) => (a.isFavorite ? FAVORITE : 0) | (a.isArchived ? ARCHIVED : 0) | (a.isTrashed ? TRASHED : 0),
    ),
  };
}

/** What the app holds, in its order. */
async function appView(page: Page): Promise<{ ids: string[]; flags: number[] }> {
  return page.evaluate(() => {
    const g = (window as any).__immichGrid;
    return { ids: g.ids(), flags: g.flags() };
  });
}

/** Page requests (`skip`/`take`), as opposed to deltas (`updatedAfter`). */
const pageRequests = (rs: FixtureRequest[]) => rs.filter((r) => r.path === '/api/asset' && r.query.includes('skip='));
const deltaRequests = (rs: FixtureRequest[]) =>
  rs.filter((r) => r.path === '/api/asset' && r.query.includes('updatedAfter='));
const auditRequests = (rs: FixtureRequest[]) => rs.filter((r) => r.path === '/api/audit/deletes');

test('a cold load reads each page once and closes with one delta', async ({ page, server }) => {
  const app = new AppPage(page);
  await server.clearRequests();
  await app.open(server.url);
  await app.waitCurrent();
  const rs = await server.requests();
  const pages = pageRequests(rs);
  // 2,500 assets in pages of 1,000: three pages, plus at most two asked past
  // the end by the pages in flight; never a second pass.
  expect(pages.length).toBeGreaterThanOrEqual(3);
  expect(pages.length).toBeLessThanOrEqual(5);
  expect(pages.every((r) => r.ifNoneMatch === null)).toBeTruthy();
  expect(new Set(pages.map((r) => r.query)).size).toBe(pages.length);
  expect(deltaRequests(rs).length).toBe(1);
  expect(auditRequests(rs).length).toBe(1);
  expect(await appView(page)).toEqual(await serverView(server));
});

test('a reload of an unchanged library sends no page, only the delta', async ({ page, server }) => {
  const app = new AppPage(page);
  await app.open(server.url);
  await app.waitCurrent();
  const first = await app.loadedIds();
  expect(first.length).toBeGreaterThan(2000);

  await server.clearRequests();
  await page.reload();
  await expect(app.tiles.first()).toBeVisible();
  await app.waitCurrent();
  await expect(app.progress).toHaveAttribute('data-from-cache', 'true');
  const rs = (await server.requests()).filter((r) => r.path.startsWith('/api/') && !r.path.startsWith('/api/asset/thumbnail'));
  expect(pageRequests(rs)).toEqual([]);
  const deltas = deltaRequests(rs);
  expect(deltas.length).toBe(1);
  // The whole library of the signed-in user, never the view's filters.
  expect(deltas[0].query).toMatch(/userId=[0-9a-f-]{36}/);
  expect(deltas[0].query).not.toMatch(/isFavorite|isArchived|skip=/);
  expect(auditRequests(rs).length).toBe(1);
  expect(auditRequests(rs)[0].query).toMatch(/after=.*entityType=ASSET.*userId=/);
  // The rest: who, which server version, and one count outside the trash.
  // No partners: the filters panel is closed.
  const others = rs.filter((r) => r.path !== '/api/asset' && r.path !== '/api/audit/deletes').map((r) => r.path);
  expect(others.sort()).toEqual(['/api/asset/statistics', '/api/server-info/version', '/api/user/me']);
  expect(rs.find((r) => r.path === '/api/asset/statistics')!.query).toMatch(/isTrashed=false/);
  expect(rs.length).toBeLessThanOrEqual(5);
  expect(await app.loadedIds()).toEqual(first);

  // Opening the filters asks for the partners, who then are offered: the
  // fixture's Alice shares with the admin, Bob does not.
  await server.clearRequests();
  await page.getByTestId('toggle-filters').click();
  await expect
    .poll(async () => await page.getByTestId('filter-user').locator('option').allTextContents())
    .toEqual(['Immich Admin (me)', 'Alice Partner']);
  expect((await server.requests()).filter((r) => r.path === '/api/partner').length).toBe(1);
});

for (const view of ['', '?isFavorite=true']) {
  test(`creates, edits, favourites, trash and deletions show after a reload (${view || 'whole library'})`, async ({
    page,
    server,
  }) => {
    const app = new AppPage(page);
    await app.open(`${server.url}/${view}`);
    await app.waitCurrent();
    const report = await server.change({ new: 7, edit: 5, favorite: 6, trash: 3, delete: 4 });
    await server.clearRequests();
    await page.reload();
    await app.waitCurrent();
    const got = await appView(page);
    expect(new Set(got.ids).size).toBe(got.ids.length);
    expect(got).toEqual(await serverView(server, view));
    for (const id of report.deleted) expect(got.ids).not.toContain(id);
    // Only the delta: no page was asked again.
    const rs = await server.requests();
    expect(pageRequests(rs)).toEqual([]);
    expect(deltaRequests(rs).length).toBe(1);
  });
}

test('a reload after a few changes holds the delta: the next reload gets 304s and shows the same changes', async ({ page, server }) => {
  const app = new AppPage(page);
  await app.open(server.url);
  await app.waitCurrent();
  await server.change({ new: 2, edit: 1, favorite: 2, trash: 1, delete: 2 });
  await page.reload();
  await app.waitCurrent();
  const want = await serverView(server);
  expect(await appView(page)).toEqual(want);
  // The answers are held by the app (not only in the browser's HTTP cache,
  // which WebKit does not revalidate from): the changes, the deletions and
  // the count, each with its question and ETag.
  const held = await page.evaluate(() =>
    Object.keys(localStorage)
      .filter((k) => k.startsWith('immich-grid:v1:held:'))
      .map((k) => {
        // `question \n etag \n body` (the body may hold line breaks).
        const v = localStorage.getItem(k)!;
        const a = v.indexOf('\n');
        const b = v.indexOf('\n', a + 1);
        return [k.slice(k.lastIndexOf('|') + 1), [v.slice(0, a), v.slice(a + 1, b), v.slice(b + 1)]];
      }),
  );
  expect(held.map(([slot]) => slot).sort()).toEqual(['changes', 'count', 'deletes']);
  for (const [slot, [question, etag, body]] of held as [string, string[]][]) {
    expect(question, slot).toBeTruthy();
    expect(etag, slot).toMatch(/^"[0-9a-f]+-[A-Za-z0-9+/]{27}"$/);
    expect(() => JSON.parse(body), slot).not.toThrow();
  }
  // Nothing changed since: the same delta questions again, now answered
  // from the held answers (the changes and the deletions are not empty).
  // A 304 leaves the held answers as they are: nothing is written to them.
  await page.addInitScript(() => {
    const writes: string[] = [];
    (window as any).__heldWrites = writes;
    const set = Storage.prototype.setItem;
    Storage.prototype.setItem = function (k: string, v: string) {
      if (k.startsWith('immich-grid:v1:held:')) writes.push(k);
      return set.call(this, k, v);
    };
  });
  await server.clearRequests();
  await page.reload();
  await app.waitCurrent();
  expect(await page.evaluate(() => (window as any).__heldWrites)).toEqual([]);
  const rs = await server.requests();
  expect(pageRequests(rs)).toEqual([]);
  const asked = [...deltaRequests(rs), ...auditRequests(rs)];
  expect(asked.length).toBe(2);
  for (const r of asked) {
    expect(r.ifNoneMatch, `${r.path}?${r.query}`).toBeTruthy();
    expect(r.status, `${r.path}?${r.query}`).toBe(304);
    expect(r.bytes).toBe(0);
  }
  const got = await appView(page);
  expect(got).toEqual(want);
  expect(new Set(got.ids).size).toBe(got.ids.length);
  // What a person sees: the top of the grid, tile by tile (names, dates,
  // order), is the server's library with the changes, from the held answers.
  await scrollGrid(page, 0);
  await expectContent(page, shownByDefault(await serverAssets(server)), 'second reload from held answers');
});

test('a background check on window focus applies the changes without a reload', async ({ page, server }) => {
  const app = new AppPage(page);
  await app.open(`${server.url}/?isFavorite=true`);
  await app.waitCurrent();
  await server.change({ new: 4, favorite: 6, delete: 3 });
  await server.clearRequests();
  await page.evaluate(() => window.dispatchEvent(new Event('focus')));
  const want = await serverView(server, '?isFavorite=true');
  await expect.poll(() => appView(page), { timeout: 20_000 }).toEqual(want);
  const rs = await server.requests();
  expect(pageRequests(rs)).toEqual([]);
  expect(deltaRequests(rs).length).toBe(1);
});

test('a count that disagrees with the statistics falls back to the pages', async ({ page, server }) => {
  const app = new AppPage(page);
  await app.open(server.url);
  await app.waitCurrent();
  // New assets whose updatedAt is old: no delta can see them.
  const report = await server.change({ new: 2, stale: true });
  await server.clearRequests();
  await page.reload();
  await app.waitCurrent();
  const got = await appView(page);
  for (const id of report.created) expect(got.ids).toContain(id);
  expect(got).toEqual(await serverView(server));
  const pages = pageRequests(await server.requests());
  expect(pages.length).toBeGreaterThan(0);
  expect(pages.every((r) => r.ifNoneMatch)).toBeTruthy();
});

test('after 100 days away (needsFullSync) every page is verified', async ({ page, server }) => {
  const app = new AppPage(page);
  await app.open(server.url);
  await app.waitCurrent();
  await server.change({ advanceDays: 101, new: 3, delete: 2, favorite: 2 });
  await server.clearRequests();
  await page.reload();
  await app.waitCurrent();
  expect(await appView(page)).toEqual(await serverView(server));
  const pages = pageRequests(await server.requests());
  expect(pages.filter((r) => r.ifNoneMatch).length).toBeGreaterThanOrEqual(3);
  // A later reload is a delta again.
  await server.clearRequests();
  await page.reload();
  await app.waitCurrent();
  expect(pageRequests(await server.requests())).toEqual([]);
});

test('Refresh verifies every page with its ETag', async ({ page, server }) => {
  const app = new AppPage(page);
  await app.open(server.url);
  await app.waitCurrent();
  await server.clearRequests();
  await page.getByTestId('refresh').click();
  await app.waitCurrent();
  const pages = pageRequests(await server.requests());
  expect(pages.length).toBeGreaterThanOrEqual(3);
  for (const r of pages) {
    expect(r.status, r.query).toBe(304);
    expect(r.ifNoneMatch).toBeTruthy();
  }
});

test('a library that changes while pages load ends complete and without duplicates', async ({ page, server }) => {
  const app = new AppPage(page);
  // Pages of 500 (five of them), three in flight, each of the first four
  // held back 700 ms: the change lands after the first pages and before
  // the last ones.
  await server.faults({ latencyMs: 700, times: 4, path: '/api/asset' });
  await server.clearRequests();
  await app.open(`${server.url}/?take=500`);
  await expect(app.tiles.first()).toBeVisible();
  await server.change({ new: 5, delete: 5 });
  await app.waitCurrent();
  const got = await appView(page);
  expect(new Set(got.ids).size).toBe(got.ids.length);
  expect(got).toEqual(await serverView(server));
  // The change was seen by the closing delta.
  expect(deltaRequests(await server.requests()).length).toBeGreaterThanOrEqual(1);
});

/** Overwrites the stored pages whose key contains `match`: one byte flipped, or the given bytes. Returns the keys. */
async function tamperStoredPages(page: Page, match: string, replacement: number[] | 'flip'): Promise<string[]> {
  return page.evaluate(
    async ([match, replacement]) => {
      const db: IDBDatabase = await new Promise((ok, err) => {
        const r = indexedDB.open('immich-grid');
        r.onsuccess = () => ok(r.result);
        r.onerror = () => err(r.error);
      });
      const store = () => db.transaction('bodies', 'readwrite').objectStore('bodies');
      const keys: string[] = await new Promise((ok) => {
        const r = store().getAllKeys();
        r.onsuccess = () => ok(r.result as string[]);
      });
      const hit = keys.filter((k) => k.includes(match as string));
      for (const k of hit) {
        const old: Uint8Array = await new Promise((ok) => {
          const r = store().get(k);
          r.onsuccess = () => ok(r.result);
        });
        let value: Uint8Array;
        if (replacement === 'flip') {
          value = new Uint8Array(old);
          value[value.length >> 1] ^= 0x40;
        } else {
          value = new Uint8Array(replacement as number[]);
        }
        await new Promise((ok) => {
          const tx = db.transaction('bodies', 'readwrite');
          tx.objectStore('bodies').put(value, k);
          tx.oncomplete = () => ok(null);
        });
      }
      db.close();
      return hit;
    },
    [match, replacement] as const,
  );
}

test('a corrupt or foreign stored page is refused and fetched again', async ({ page, server }) => {
  const app = new AppPage(page);
  await app.open(server.url);
  await app.waitCurrent();
  const warnings: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'warning') warnings.push(m.text());
  });
  const info = await server.info();
  const admin = info.users.find((u: any) => u.isAdmin);
  const raw = await fetch(`${server.url}/api/asset?skip=1000&take=1000`, { headers: { 'x-api-key': admin.apiKey } });
  // The raw JSON body an older build stored in the same place.
  const json = [...new Uint8Array(await raw.arrayBuffer())];
  const cases: [number[] | 'flip', RegExp][] = [
    ['flip', /cached page 1 refused: the snapshot is corrupt \(checksum\)/],
    [json, /cached page 1 refused: not a snapshot of this format version/],
  ];
  for (const [replacement, warning] of cases) {
    expect(await tamperStoredPages(page, 'skip=1000&', replacement)).toHaveLength(1);
    warnings.length = 0;
    await server.clearRequests();
    await page.reload();
    await app.waitCurrent();
    // Exactly the server's library, the refused page asked again (Chromium's
    // own HTTP cache may turn that into a 304 on the wire).
    expect(await appView(page)).toEqual(await serverView(server));
    expect(warnings.filter((w) => warning.test(w))).toHaveLength(1);
    const pages = pageRequests(await server.requests());
    expect(pages.some((r) => r.query.includes('skip=1000&'))).toBeTruthy();
    // The page was stored again: the next reload reads every page and asks for none.
    await server.clearRequests();
    await page.reload();
    await app.waitCurrent();
    await expect(app.progress).toHaveAttribute('data-from-cache', 'true');
    expect(pageRequests(await server.requests())).toEqual([]);
    expect(await appView(page)).toEqual(await serverView(server));
  }
});
