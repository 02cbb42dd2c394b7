// Filter controls: each server input changes the request the fixture sees;
// each in-app refinement changes the grid without a request; the view is a
// link; back and forward restore it.
import { test, expect, FixtureServer } from './support/server';
import { AppPage } from './support/app';
import { serverAssets } from './support/content';
import type { Page } from '@playwright/test';

test.use({ fixtureOptions: { assets: 1500 } });

async function openFilters(page: Page): Promise<void> {
  await page.getByTestId('toggle-filters').click();
  await expect(page.getByTestId('filters')).toBeVisible();
}

/** The queries of /api/asset pages received since the log was cleared (not
 * the deltas, which carry no filter: the app applies the view's filters). */
async function pageQueries(server: FixtureServer): Promise<string[]> {
  return (await server.assetRequests()).map((r) => r.query).filter((q) => q.includes('skip='));
}

test('each server input reaches the request and changes the grid', async ({ page, server }) => {
  const app = new AppPage(page);
  await app.open(server.url);
  await app.waitCurrent();
  const all = await app.shown();
  await openFilters(page);

  const cases: [string, () => Promise<void>, RegExp][] = [
    ['favourites only', () => page.getByTestId('filter-favorite-only').check(), /isFavorite=true/],
    ['not archived', () => page.getByTestId('filter-archived-none').check(), /isArchived=false/],
    ['page size', async () => { await page.getByTestId('filter-take').fill('200'); await page.getByTestId('filter-take').press('Enter'); }, /take=200/],
    ['updated after', async () => { await page.getByTestId('filter-updated-after').fill('2000-01-01T00:00'); await page.getByTestId('filter-updated-after').blur(); }, /updatedAfter=/],
    ['updated before', async () => { await page.getByTestId('filter-updated-before').fill('2099-01-01T00:00'); await page.getByTestId('filter-updated-before').blur(); }, /updatedBefore=/],
  ];
  for (const [name, act, want] of cases) {
    await server.clearRequests();
    await act();
    await app.waitCurrent();
    const queries = await pageQueries(server);
    expect(queries.length, name).toBeGreaterThan(0);
    for (const q of queries) expect(q, name).toMatch(want);
  }
  // Favourites only and not archived leave fewer assets than the whole library.
  expect(await app.shown()).toBeLessThan(all);
  expect(new URL(page.url()).search).toMatch(/isFavorite=true/);
});

test('explicit pages send skip and take', async ({ page, server }) => {
  const app = new AppPage(page);
  await app.open(`${server.url}/?take=100&paged=1`);
  await app.waitCurrent();
  // Exactly the server's first page of 100, in its order.
  const first = (await serverAssets(server, 'skip=0&take=100')).map((a) => a.id);
  expect(first.length).toBe(100);
  expect(await app.loadedIds()).toEqual(first);
  expect(await app.shown()).toBeGreaterThan(0);
  await openFilters(page);
  await server.clearRequests();
  await page.getByTestId('page-next').click();
  await app.waitCurrent();
  const queries = await pageQueries(server);
  expect(queries.length).toBeGreaterThan(0);
  for (const q of queries) expect(q).toMatch(/skip=100&take=100/);
  // And then exactly the second page.
  const second = (await serverAssets(server, 'skip=100&take=100')).map((a) => a.id);
  expect(second.length).toBe(100);
  expect(await app.loadedIds()).toEqual(second);
});

test("a partner's library through userId", async ({ page, server }) => {
  const info = await server.info();
  const alice = info.users.find((u: any) => u.name.startsWith('Alice'));
  const app = new AppPage(page);
  await app.open(server.url);
  await app.waitCurrent();
  await openFilters(page);
  await server.clearRequests();
  await page.getByTestId('filter-user-id').fill(alice.id);
  await page.getByTestId('filter-user-id').press('Enter');
  await app.waitCurrent();
  const queries = await pageQueries(server);
  expect(queries.length).toBeGreaterThan(0);
  for (const q of queries) expect(q).toContain(`userId=${alice.id}`);
  // Alice's library, all of it and nothing else: every asset hers.
  const hers = await serverAssets(server, `userId=${alice.id}`);
  expect(hers.length).toBeGreaterThan(0);
  for (const a of hers as any[]) expect(a.ownerId).toBe(alice.id);
  const mine = new Set((await serverAssets(server)).map((a) => a.id));
  expect(await app.loadedIds()).toEqual(hers.map((a) => a.id));
  for (const id of await app.loadedIds()) expect(mine.has(id), id).toBe(false);
  expect(await app.shown()).toBeGreaterThan(0);
});

test('a bad user id and a crossed date range are explained and never sent', async ({ page, server }) => {
  const app = new AppPage(page);
  await app.open(server.url);
  await app.waitCurrent();
  await openFilters(page);
  await server.clearRequests();
  await page.getByTestId('filter-user-id').fill('not-a-uuid');
  await page.getByTestId('filter-user-id').press('Enter');
  await expect(page.getByTestId('error-user-id')).toBeVisible();
  await page.getByTestId('filter-updated-before').fill('2001-01-01T00:00');
  await page.getByTestId('filter-updated-before').blur();
  await page.getByTestId('filter-updated-after').fill('2002-01-01T00:00');
  await page.getByTestId('filter-updated-after').blur();
  await expect(page.locator('[data-testid^=error-updated]')).toBeVisible();
  const queries = await pageQueries(server);
  for (const q of queries) {
    expect(q).not.toContain('not-a-uuid');
    expect(q).not.toMatch(/updatedAfter=2002/);
  }
});

test('in-app refinements change the grid without a request', async ({ page, server }) => {
  const app = new AppPage(page);
  await app.open(server.url);
  await app.waitCurrent();
  const all = await app.shown();
  await openFilters(page);
  // This server (v1.103) has no partners-in-timeline input: no control for it.
  await expect(page.getByTestId('filter-with-partners')).toBeHidden();
  await server.clearRequests();
  // Its listing holds the trash: showing it is a refinement, no request.
  await page.getByTestId('filter-trashed').check();
  await expect.poll(() => app.shown()).toBeGreaterThan(all);
  await expect(page.getByTestId('trash-hint')).toBeHidden();
  await page.getByTestId('filter-trashed').uncheck();
  await expect.poll(() => app.shown()).toBe(all);
  await page.getByTestId('filter-type-videos').check();
  await expect.poll(() => app.shown()).toBeLessThan(all);
  const videos = await app.shown();
  expect(videos).toBeGreaterThan(0);
  await page.getByTestId('filter-text').fill('zzzz-no-such-thing');
  await expect.poll(() => app.shown()).toBe(0);
  await page.getByTestId('filter-text').fill('');
  await expect.poll(() => app.shown()).toBe(videos);
  expect(await pageQueries(server)).toEqual([]);
});

test('a copied URL reproduces the view; back and forward restore it', async ({ page, server, context }) => {
  const app = new AppPage(page);
  await app.open(server.url);
  await app.waitCurrent();
  const all = await app.shown();
  await openFilters(page);
  await page.getByTestId('filter-favorite-only').check();
  await app.waitCurrent();
  await page.getByTestId('filter-type-photos').check();
  await expect.poll(() => app.shown()).toBeLessThan(all);
  const shown = await app.shown();
  const link = page.url();

  const other = new AppPage(await context.newPage());
  await other.open(link);
  await other.waitCurrent();
  expect(await other.shown()).toBe(shown);
  await other.page.close();

  await page.goBack();
  await expect.poll(() => app.shown()).toBeGreaterThan(shown);
  await expect(page.getByTestId('filter-type-photos')).not.toBeChecked();
  await page.goBack();
  await app.waitCurrent();
  await expect.poll(() => app.shown()).toBe(all);
  await page.goForward();
  await app.waitCurrent();
  await expect(page.getByTestId('filter-favorite-only')).toBeChecked();
});
