// Hostile data from the server (the fixture's `hostile` rewrite of every
// listing): markup and script in names, cities, tags and people, RTL
// overrides and zero-width characters, 10 KB strings, zero, negative, NaN,
// huge and missing dimensions, broken thumbhashes, unknown enum values, a
// duplicate key and duplicate ids. Shown as text, layout intact, no panic,
// and exactly the server's set.
import { test, expect } from './support/server';
import { AppPage } from './support/app';
import { expectContent, scrollGrid, serverAssets, shownByDefault } from './support/content';

test.use({ fixtureOptions: { assets: 2500 } });

test('hostile data is shown as text, with the layout intact and every asset there', async ({ page, server }) => {
  await server.faults({ path: '/api/asset', hostile: true, times: 100_000 });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('dialog', (d) => {
    errors.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  const app = new AppPage(page);
  await app.open(server.url);
  await app.waitCurrent();

  // The oracle: the same hostile listing, read with JSON.parse (the later of
  // two equal keys counts). Duplicate ids count once, at their first place.
  const listed = await serverAssets(server);
  expect(listed.some((a) => a.originalFileName.startsWith('<img'))).toBe(true);
  expect(listed.some((a) => a.originalFileName.length > 10_000)).toBe(true);
  const seen = new Set<string>();
  const unique = listed.filter((a) => (seen.has(a.id) ? false : (seen.add(a.id), true)));
  expect(unique.length).toBeLessThan(listed.length);
  expect(await app.loadedIds()).toEqual(unique.map((a) => a.id));

  // Markup stays text: no element made from it, no script run.
  const shown = shownByDefault(unique);
  for (const f of [0, 0.5, 1]) {
    await scrollGrid(page, f);
    expect(await expectContent(page, shown, `at ${f}`)).toBeGreaterThan(0);
    const injected = await page.evaluate(() => ({
      pwned: (window as any).__pwned ?? null,
      elements: document.querySelectorAll('[data-testid=grid] script, [data-testid=grid] b, [data-testid=grid] i, img[onerror]').length,
    }));
    expect(injected).toEqual({ pwned: null, elements: 0 });
    // Layout intact: every tile on screen has a finite, positive box inside the grid.
    const boxes = await page.evaluate(() => {
      const grid = document.querySelector('[data-testid=grid]')!.getBoundingClientRect();
      return [...document.querySelectorAll('[data-testid=tile]')].map((t) => {
        const r = t.getBoundingClientRect();
        return { ok: Number.isFinite(r.width) && r.width > 0 && r.height > 0 && r.left >= grid.left - 1 && r.right <= grid.right + 1 };
      });
    });
    expect(boxes.length).toBeGreaterThan(0);
    expect(boxes.every((b) => b.ok)).toBe(true);
    expect(await app.gridNodes()).toBeLessThanOrEqual(400);
  }
  // The markup is shown literally in a tile's label.
  await scrollGrid(page, 0);
  const first = page.locator(`[data-testid=tile][data-id="${unique[0].id}"]`);
  await expect(first).toHaveAttribute('aria-label', new RegExp(`^${unique[0].originalFileName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, `));
  expect(errors).toEqual([]);
});

test('a stack of 100,000 members: counted on the tile and in the viewer, no panic, bounded DOM', async ({ page, server }) => {
  await server.clearFaults();
  const listed = await serverAssets(server);
  const target = listed[0];
  // The first asset becomes a stack's primary with 100,000 members, in the
  // listing and in its own record (about 5 MB of members each time).
  await server.faults({ pathPrefix: '/api/asset', hugeStack: target.id, times: 100_000 });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const app = new AppPage(page);
  await app.open(server.url);
  await app.waitCurrent();
  // Every asset is there, once: the stack's members are not assets of the list.
  expect(await app.loadedIds()).toEqual(listed.map((a) => a.id));
  const tile = page.locator(`[data-testid=tile][data-id="${target.id}"]`);
  await expect(tile).toBeVisible();
  await expect(tile).toHaveAttribute('aria-label', /stack of 65,535 or more/);
  await expect(tile).toContainText('❐ 65535+');
  expect(await app.gridNodes()).toBeLessThanOrEqual(400);
  const box = await tile.boundingBox();
  expect(box && box.width > 0 && box.height > 0).toBeTruthy();

  // The viewer says how big the stack is without a node per member.
  await tile.click();
  await expect(page.getByTestId('viewer')).toBeVisible();
  await expect(page.getByTestId('viewer')).toHaveAttribute('data-asset', target.id);
  await expect(page.getByTestId('viewer-stack-count')).toHaveText(/^Stack of (100,000|65,535 or more)$/, { timeout: 20_000 });
  // The record (5 MB of members, past the 4 MiB limit for a record) is
  // refused whole or shown with a bounded strip.
  await page.waitForTimeout(1_000);
  expect(await page.getByTestId('viewer-stack-member').count()).toBeLessThanOrEqual(50);
  expect(await page.evaluate(() => document.querySelectorAll('*').length)).toBeLessThan(3_000);
  await page.getByTestId('viewer-close').click();
  await expect(page.getByTestId('viewer')).toHaveCount(0);
  await expect(tile).toBeVisible();
  expect(errors).toEqual([]);
  await server.clearFaults();
});
