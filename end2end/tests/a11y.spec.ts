// Accessibility: axe-core (from npm) finds no serious or critical violation
// on the grid, the filters, the connect form and the viewer; the grid read
// through the accessibility tree has rows numbered for the whole library,
// month and day headings, tiles named by what a sighted person sees, and a
// scrubber that works as a keyboard slider.
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { test, expect } from './support/server';
import { AppPage } from './support/app';
import { serverAssets, shownByDefault, monthHeader } from './support/content';

test.use({ fixtureOptions: { assets: 1200 } });

/** Serious and critical violations, with where they are, for the failure message. */
async function seriousViolations(page: Page, include?: string): Promise<string[]> {
  let builder = new AxeBuilder({ page });
  if (include) builder = builder.include(include);
  const r = await builder.analyze();
  return r.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
}

test('axe: no serious or critical violation on the grid, the filters, the connect form and the viewer', async ({ page, server }) => {
  const app = new AppPage(page);
  await app.open(server.url);
  await app.waitCurrent();
  await expect(app.tiles.first()).toBeVisible();
  expect(await seriousViolations(page), 'grid').toEqual([]);

  await page.getByTestId('toggle-filters').click();
  await expect(page.getByRole('region', { name: 'Filters', exact: true })).toBeVisible();
  expect(await seriousViolations(page), 'filters').toEqual([]);
  await page.getByTestId('toggle-filters').click();

  await page.getByTestId('toggle-connect').click();
  await expect(page.getByTestId('connect')).toBeVisible();
  expect(await seriousViolations(page), 'connect form').toEqual([]);
  await page.getByTestId('toggle-connect').click();

  await app.tiles.first().click();
  await expect(page.getByTestId('viewer')).toBeVisible();
  await page.getByTestId('viewer-info-toggle').click();
  await expect(page.getByTestId('viewer-facts')).toBeVisible();
  expect(await seriousViolations(page, '[data-testid=viewer]'), 'viewer').toEqual([]);
});

test('the accessibility tree: numbered rows, month and day headings, named tiles, a keyboard scrubber', async ({ page, server }) => {
  const app = new AppPage(page);
  await app.open(server.url);
  await app.waitCurrent();
  const expected = shownByDefault(await serverAssets(server));
  const grid = page.getByRole('grid', { name: 'Photos' });
  await expect(grid).toBeVisible();
  // Rows for the whole library: the count covers every asset, not the band on screen.
  const rowCount = Number(await grid.getAttribute('aria-rowcount'));
  expect(rowCount).toBeGreaterThanOrEqual(expected.length);
  // Numbered rows (the tiles' layer row, left empty by aria-owns, has no number).
  const rows = grid.locator('[role=row][aria-rowindex]');
  await expect.poll(() => rows.count()).toBeGreaterThan(3);
  const indices = await rows.evaluateAll((els) => els.map((e) => Number(e.getAttribute('aria-rowindex'))));
  expect(indices.every((i) => i >= 1 && i <= rowCount)).toBeTruthy();
  expect([...indices].sort((a, b) => a - b)).toEqual([...new Set(indices)].sort((a, b) => a - b));
  // Every tile row owns tiles that exist, in order.
  const owned = await page.evaluate(() =>
    [...document.querySelectorAll('[role=row][aria-owns]')].map((r) =>
      (r.getAttribute('aria-owns') ?? '').split(' ').map((id) => document.getElementById(id)?.getAttribute('data-pos')),
    ),
  );
  expect(owned.length).toBeGreaterThan(0);
  for (const r of owned) for (const pos of r) expect(pos).toBeDefined();
  // The month heading of the first asset, and a day heading.
  await expect(page.getByRole('heading', { level: 2, name: monthHeader(expected[0].localDateTime) })).toBeVisible();
  expect(await page.getByRole('heading', { level: 3 }).count()).toBeGreaterThan(0);

  // Walk by keyboard: the focused tile's name says what is seen.
  await app.grid.focus();
  for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
  const focused = page.locator(':focus');
  await expect(focused).toHaveAttribute('data-id', expected[3].id);
  const name = (await focused.getAttribute('aria-label'))!;
  expect(name).toContain(expected[3].originalFileName);
  if (expected[3].type === 'VIDEO') expect(name).toContain('video');
  if (expected[3].isFavorite) expect(name).toContain('favourite');
  // Its row says where it is in the whole library.
  const row = await focused.evaluate((el) => {
    const r = [...document.querySelectorAll('[role=row][aria-owns]')].find((x) => (x.getAttribute('aria-owns') ?? '').split(' ').includes(el.id));
    return r ? Number(r.getAttribute('aria-rowindex')) : 0;
  });
  expect(row).toBeGreaterThan(0);

  // The scrubber is a slider: End goes to the end of the library.
  const slider = page.getByRole('slider', { name: 'Position in the library' });
  await expect(slider).toHaveAttribute('aria-valuenow', '0');
  await slider.focus();
  await page.keyboard.press('End');
  // The value is where the view's top is: at the end, the last screenful's top.
  await expect.poll(async () => Number(await slider.getAttribute('aria-valuenow'))).toBeGreaterThanOrEqual(95);
  await expect.poll(() => app.grid.evaluate((g) => g.scrollTop + g.clientHeight >= g.scrollHeight - 2)).toBeTruthy();
  await page.keyboard.press('Home');
  await expect.poll(() => app.grid.evaluate((g) => g.scrollTop)).toBe(0);
  await page.keyboard.press('PageDown');
  await expect.poll(async () => Number(await slider.getAttribute('aria-valuenow'))).toBeGreaterThan(0);
  expect(await slider.getAttribute('aria-valuetext')).toMatch(/\d{4}/);
});

test.describe('on a phone (390×844, touch)', () => {
  test.use({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });

  test('compact header behind one menu, the scrubber over the edge, 3–4 photos a row', async ({ page, server }) => {
    const app = new AppPage(page);
    await app.open(server.url);
    await app.waitCurrent();
    // One line of header.
    const bar = (await page.locator('.ig-bar').boundingBox())!;
    expect(bar.height).toBeLessThan(60);
    await expect(page.getByTestId('toggle-filters')).toBeHidden();
    await page.getByTestId('toggle-menu').tap();
    await expect(page.getByTestId('toggle-filters')).toBeVisible();
    await page.getByTestId('toggle-menu').tap();
    await expect(page.getByTestId('toggle-filters')).toBeHidden();
    // A panel picked from the menu is shown, not left under the open menu.
    await page.getByTestId('toggle-menu').tap();
    await page.getByTestId('toggle-filters').tap();
    const filters = page.getByRole('region', { name: 'Filters', exact: true });
    await expect(filters).toBeVisible();
    await expect(page.getByTestId('toggle-filters')).toBeHidden();
    await expect(page.getByTestId('toggle-menu')).toHaveAttribute('aria-expanded', 'false');
    const panelTop = (await filters.boundingBox())!;
    const covering = await page.evaluate(([x, y]) => document.elementFromPoint(x, y)?.closest('section')?.getAttribute('aria-label') ?? null,
      [panelTop.x + panelTop.width / 2, panelTop.y + 10]);
    expect(covering, 'what a person sees at the top of the panel').toBe('Filters');
    // Escape from inside the panel closes it.
    await filters.locator('input, select, button').first().focus();
    await page.keyboard.press('Escape');
    await expect(filters).toBeHidden();
    // The grid gets the whole width; the scrubber lies over its edge.
    const grid = (await app.grid.boundingBox())!;
    expect(grid.width).toBeGreaterThanOrEqual(388);
    const scrub = (await page.getByTestId('scrubber').boundingBox())!;
    expect(scrub.width).toBeLessThanOrEqual(32);
    expect(scrub.x + scrub.width).toBeLessThanOrEqual(390.5);
    await expect(page.locator('.ig-scrub-year').first()).toBeHidden();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    // Tiles per row: 3 to 4 on a typical row.
    const perRow = await page.evaluate(() => {
      const rows = new Map<number, number>();
      for (const t of document.querySelectorAll('[data-testid=tile]')) {
        const r = t.getBoundingClientRect();
        if (r.bottom < 0 || r.top > innerHeight) continue;
        const y = Math.round(r.top);
        rows.set(y, (rows.get(y) ?? 0) + 1);
      }
      const counts = [...rows.values()].filter((n) => n > 1).sort((a, b) => a - b);
      return counts[Math.floor(counts.length / 2)] ?? 0;
    });
    expect(perRow).toBeGreaterThanOrEqual(3);
    expect(perRow).toBeLessThanOrEqual(4);
  });
});
