// The data layer against the fixture server: an unchanged library costs
// only 304s on reload, and changes show without duplicates or losses.
import { test, expect, FixtureServer } from './support/server';
import { AppPage } from './support/app';

test.use({ fixtureOptions: { assets: 2500 } });

/** Every asset the caller's library holds now, in server order. */
async function serverIds(server: FixtureServer): Promise<string[]> {
  const info = await server.info();
  const admin = info.users.find((u: any) => u.isAdmin);
  const r = await fetch(`${server.url}/api/asset`, { headers: { 'x-api-key': admin.apiKey } });
  expect(r.status).toBe(200);
  return (await r.json()).map((a: any) => a.id);
}

test('a reload of an unchanged library is all 304s and shows the same grid', async ({ page, server }) => {
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
  const listed = await server.assetRequests();
  expect(listed.length).toBeGreaterThan(0);
  for (const r of listed) {
    expect(r.status, `${r.query}`).toBe(304);
    expect(r.bytes).toBe(0);
    expect(r.ifNoneMatch).toBeTruthy();
  }
  expect(await app.loadedIds()).toEqual(first);
});

test('changes at the server show after a reload, nothing duplicated or lost', async ({ page, server }) => {
  const app = new AppPage(page);
  await app.open(server.url);
  await app.waitCurrent();
  await server.change({ new: 7, edit: 5, favorite: 3, trash: 2, delete: 4 });
  await server.clearRequests();
  await page.reload();
  await app.waitCurrent();
  const ids = await app.loadedIds();
  expect(new Set(ids).size).toBe(ids.length);
  expect(ids).toEqual(await serverIds(server));
  const listed = await server.assetRequests();
  expect(listed.some((r) => r.status === 200)).toBeTruthy();
});

test('a library that changes while pages load ends complete and without duplicates', async ({ page, server }) => {
  const app = new AppPage(page);
  // Pages of 500 (five of them), three in flight, each of the first four
  // held back 700 ms: the change lands after the first pages and before
  // the last ones.
  await server.faults({ latencyMs: 700, times: 4, path: '/api/asset' });
  await app.open(`${server.url}/?take=500`);
  await expect(app.tiles.first()).toBeVisible();
  await server.change({ new: 5, delete: 5 });
  await app.waitCurrent();
  const ids = await app.loadedIds();
  expect(new Set(ids).size).toBe(ids.length);
  expect(ids).toEqual(await serverIds(server));
  // The change was seen: some page was fetched again after the first pass.
  const pages = (await server.assetRequests()).filter((r) => r.query.includes('take=500'));
  expect(pages.filter((r) => r.status === 200).length).toBeGreaterThan(5);
});
