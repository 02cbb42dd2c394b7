// The virtualised grid's end-to-end cases over the fixture's library: a
// flat DOM whatever the size and the scroll position, the library's last
// asset on screen at the end, and the last asset reachable by keyboard.
import { test, expect } from './server';
import type { FixtureServer } from './server';
import { AppPage } from './app';
import { readShown, serverAssets, shownByDefault } from './content';
import type { Page } from '@playwright/test';

async function scrollTo(page: Page, fraction: number): Promise<void> {
  await page.getByTestId('grid').evaluate((el, f) => {
    el.scrollTop = (el.scrollHeight - el.clientHeight) * f;
  }, fraction);
  // Two frames for the scroll handler's requestAnimationFrame and the render.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

/** The last asset the default view shows, as the server lists it (its last page only). */
async function lastServerAsset(server: FixtureServer, assets: number) {
  const tail = shownByDefault(await serverAssets(server, `skip=${Math.max(0, assets - 200)}&take=200`));
  expect(tail.length, 'the server lists assets at the end of its library').toBeGreaterThan(0);
  return tail[tail.length - 1];
}

/** The grid tests for a library of `assets` assets (call at the top level of a spec file). */
export function gridTests(assets: number): void {
  test.use({ fixtureOptions: { assets } });
  // Big libraries load in pages of 10,000 (the person's page size) and take
  // their time; small ones use the app's defaults.
  const path = assets > 100_000 ? '/?take=10000' : '/';
  const loadMs = Math.max(60_000, assets / 5);
  test.describe(`a library of ${assets} assets`, () => {
    test.setTimeout(loadMs * 2);

    test('keeps the grid DOM flat at the top, middle and end', async ({ page, server }) => {
      const app = new AppPage(page);
      await app.open(server.url + path);
      await app.waitCurrent(loadMs);
      const counts: number[] = [];
      for (const f of [0, 0.5, 1]) {
        await scrollTo(page, f);
        await expect(app.tiles.first()).toBeVisible();
        counts.push(await app.gridNodes());
      }
      console.log(`grid DOM nodes at ${assets} assets (top, middle, end): ${counts.join(', ')}`);
      // At the end, the library's last asset is on screen, with its name.
      const last = await lastServerAsset(server, assets);
      const shown = await readShown(page);
      const tile = shown.tiles.find((t) => t.id === last.id);
      expect(tile, `last asset ${last.id} (${last.originalFileName}) on screen at the end; shown: ${shown.tiles.map((t) => t.id).slice(-3).join(', ')}`).toBeTruthy();
      expect(tile!.label.startsWith(`${last.originalFileName}, `), tile!.label).toBe(true);
      expect(Math.max(...shown.tiles.map((t) => t.pos))).toBe(tile!.pos);
      for (const c of counts) expect(c).toBeLessThanOrEqual(400);
      expect(Math.max(...counts) - Math.min(...counts)).toBeLessThan(150);
    });

    test('End reaches and focuses the last asset; arrows move focus', async ({ page, server }) => {
      const app = new AppPage(page);
      await app.open(server.url + path);
      await app.waitCurrent(loadMs);
      const last = await page.evaluate(() => (window as any).__immichGrid.lastShown());
      await app.tiles.first().focus();
      await page.keyboard.press('End');
      const focused = page.locator('[data-testid=tile]:focus');
      await expect(focused).toBeVisible();
      await expect(focused).toHaveAttribute('data-index', String(last));
      await page.keyboard.press('Home');
      await expect(page.locator('[data-testid=tile]:focus')).toHaveAttribute('data-index', '0');
      await page.keyboard.press('ArrowRight');
      await expect(page.locator('[data-testid=tile]:focus')).not.toHaveAttribute('data-index', '0');
    });
  });
}
