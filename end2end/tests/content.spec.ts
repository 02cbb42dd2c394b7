// What the grid shows, not how many nodes it has: every tile on screen is the
// server's asset at its place in the view, and every header names the date
// of the first asset below it — during a load, after it, at the top, middle
// and end, after width, tile-size, layout and filter changes, and while pages
// arrive slowly and out of order. The oracle is the fixture's own listing.
import type { Browser } from '@playwright/test';
import { test, expect, FixtureServer } from './support/server';
import { AppPage } from './support/app';
import {
  ServerAsset,
  contentProblems,
  expectContent,
  frames,
  readShown,
  scrollGrid,
  serverAssets,
  shownByDefault,
} from './support/content';

test.use({ fixtureOptions: { assets: 3000 } });

/**
 * Opens the app in a fresh browser profile and checks what is on screen
 * every few frames until the load is current, then once more. Returns the
 * number of snapshots checked.
 */
async function freshLoad(
  browser: Browser,
  server: FixtureServer,
  expected: ServerAsset[],
  viewport: { width: number; height: number },
  where: string,
): Promise<number> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  try {
    const app = new AppPage(page);
    await app.open(server.url);
    let snapshots = 0;
    for (;;) {
      const state = await app.progress.getAttribute('data-state').catch(() => null);
      const shown = await readShown(page);
      const problems = contentProblems(shown, expected);
      expect(problems, `${where}, during the load (${state}): ${problems.slice(0, 3).join('; ')}`).toEqual([]);
      if (shown.tiles.length > 0) snapshots++;
      if (state === 'current') break;
      await frames(page);
    }
    // The settled view, as the reporter looked at it.
    await frames(page);
    const tiles = await expectContent(page, expected, `${where}, after the load`);
    expect(tiles, `${where}: tiles on screen`).toBeGreaterThan(3);
    return snapshots + 1;
  } finally {
    await context.close();
  }
}

test('30 fresh loads at each of two widths show the server\'s assets under the right dates', async ({ browser, server }) => {
  test.setTimeout(300_000);
  const expected = shownByDefault(await serverAssets(server));
  let snapshots = 0;
  for (const viewport of [{ width: 1280, height: 800 }, { width: 390, height: 844 }]) {
    for (let i = 0; i < 30; i++) {
      // Every other load holds the first page back, so later pages answer first.
      if (i % 2 === 1) await server.faults({ latencyMs: 250 + 20 * i, times: 1, path: '/api/asset' });
      snapshots += await freshLoad(browser, server, expected, viewport, `load ${i + 1} at ${viewport.width}px`);
      await fetch(`${server.url}/__fixture/faults`, { method: 'DELETE' });
    }
  }
  console.log(`content checked in ${snapshots} snapshots over 60 fresh loads`);
});

test('a slow load whose pages answer out of order never shows an asset at another\'s place', async ({ page, server }) => {
  const expected = shownByDefault(await serverAssets(server));
  const app = new AppPage(page);
  // Pages of 500, three in flight: page 0 answers last, page 1 second.
  await server.faults({ latencyMs: 1500, times: 1, path: '/api/asset' });
  await server.faults({ latencyMs: 700, times: 1, path: '/api/asset' });
  await app.open(`${server.url}/?take=500`);
  let checked = 0;
  for (;;) {
    const state = await app.progress.getAttribute('data-state');
    const shown = await readShown(page);
    const problems = contentProblems(shown, expected);
    expect(problems, `during the load: ${problems.slice(0, 3).join('; ')}`).toEqual([]);
    checked += shown.tiles.length;
    if (state === 'current') break;
    await frames(page);
  }
  await expectContent(page, expected, 'after the load');
  expect(checked).toBeGreaterThan(0);
});

test('the content stays right at the top, middle and end and after every kind of change', async ({ page, server }) => {
  const all = await serverAssets(server);
  const expected = shownByDefault(all);
  const app = new AppPage(page);
  await app.open(server.url);
  await app.waitCurrent();

  const everywhere = async (exp: ServerAsset[], what: string) => {
    for (const f of [0, 0.5, 1]) {
      await scrollGrid(page, f);
      const n = await expectContent(page, exp, `${what}, scrolled to ${f}`);
      expect(n, `${what}, scrolled to ${f}: tiles on screen`).toBeGreaterThan(0);
    }
    // At the end the view's last asset is on screen.
    const last = (await readShown(page)).tiles.map((t) => t.pos);
    expect(Math.max(...last), `${what}: the last asset is shown at the end`).toBe(exp.length - 1);
  };

  await everywhere(expected, 'loaded');

  // A width change relays out every row.
  await page.setViewportSize({ width: 700, height: 800 });
  await frames(page);
  await everywhere(expected, 'at 700 px');
  await page.setViewportSize({ width: 1280, height: 800 });
  await frames(page);

  // A tile-size change.
  await page.getByTestId('tile-size').evaluate((el: HTMLInputElement) => {
    el.value = '120';
    el.dispatchEvent(new Event('input', { bubbles: true }));
  });
  await frames(page);
  await everywhere(expected, 'tile size 120');

  // Square tiles.
  await page.getByTestId('layout-toggle').click();
  await frames(page);
  await everywhere(expected, 'square tiles');
  await page.getByTestId('layout-toggle').click();

  // An in-app refinement (no request): photos only.
  await page.goto(`${server.url}/?type=photos`);
  await app.waitCurrent();
  await everywhere(expected.filter((a) => a.type === 'IMAGE'), 'photos only');

  // A server filter: favourites only (another listing, another order).
  const favourites = shownByDefault(await serverAssets(server, 'isFavorite=true'));
  expect(favourites.length).toBeGreaterThan(10);
  await page.goto(`${server.url}/?isFavorite=true`);
  await app.waitCurrent();
  await everywhere(favourites, 'favourites');
  for (const t of (await readShown(page)).tiles) {
    expect(t.label, 'a favourite says so').toContain('favourite');
  }
});

test('after changes at the server a reload shows the new content in place', async ({ page, server }) => {
  const app = new AppPage(page);
  await app.open(server.url);
  await app.waitCurrent();
  await server.change({ new: 6, edit: 4, favorite: 5, trash: 3, delete: 4 });
  await page.reload();
  await app.waitCurrent();
  const expected = shownByDefault(await serverAssets(server));
  await scrollGrid(page, 0);
  await expectContent(page, expected, 'top after changes');
  // The favourite flag a tile names is the server's.
  const shown = await readShown(page);
  for (const t of shown.tiles) {
    const a = expected[t.pos];
    expect(t.label.includes('favourite'), `${a.originalFileName} favourite`).toBe(a.isFavorite);
  }
});

test.afterEach(async ({ server }) => {
  await fetch(`${server.url}/__fixture/faults`, { method: 'DELETE' });
});

