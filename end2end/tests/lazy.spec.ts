// The panels the first screen does not need (Connect, Filters, Embed, the
// viewer) are wasm chunks of their own (`cargo xtask build` splits them off
// the main module): the first load fetches none of them, each panel fetches
// its chunk when it first opens and shows its content, a deep link still
// opens its panel on load, and a chunk that fails to load shows an error
// with a Retry that works, while the rest of the app goes on.
import type { Page, Request } from '@playwright/test';
import { test, expect, FixtureServer } from './support/server';
import { AppPage } from './support/app';
import { serverAssets, shownByDefault } from './support/content';

test.use({ fixtureOptions: { assets: 600 } });

/** A lazy chunk's file: `split_<panel>-<hash>.wasm` (one a panel) or
 * `chunk_<n>-<hash>.wasm` (code two panels share). */
const CHUNK = /\/(split_[a-z]+|chunk_\d+)-[0-9a-f]{16}\.wasm$/;
const chunkOf = (panel: string) => new RegExp(`/split_${panel}-[0-9a-f]{16}\\.wasm$`);

/** Every chunk the page requests, by file name, in order. */
function watchChunks(page: Page): string[] {
  const seen: string[] = [];
  page.on('request', (r: Request) => {
    const m = new URL(r.url()).pathname.match(CHUNK);
    if (m) seen.push(m[1]);
  });
  return seen;
}

/** Fails the test on an uncaught error or a wasm trap in the page. */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && /unreachable|RuntimeError|panicked/.test(m.text())) errors.push(m.text());
  });
  return errors;
}

async function openApp(page: Page, server: FixtureServer, search = ''): Promise<AppPage> {
  const app = new AppPage(page);
  await app.open(`${server.url}/${search}`);
  await app.waitCurrent();
  return app;
}

test('the first load fetches no chunk; each panel fetches its own on first use and shows its content', async ({ page, server }) => {
  const chunks = watchChunks(page);
  const errors = watchErrors(page);
  const app = await openApp(page, server);
  // The grid is up with the server's assets, and no panel code came with it.
  const all = await serverAssets(server);
  const listed = shownByDefault(all);
  expect(await app.shown()).toBe(listed.length);
  expect(await app.tiles.first().getAttribute('data-id')).toBe(listed[0].id);
  expect(chunks).toEqual([]);

  // Filters: the panel and its counts (the server's whole library).
  await page.getByTestId('toggle-filters').click();
  await expect(page.getByTestId('filters')).toBeVisible();
  await expect(page.getByTestId('filter-text')).toBeVisible();
  await expect(page.getByTestId('count-total')).toHaveText(String(all.length));
  expect(chunks).toContain('split_filters');
  expect(chunks.filter((c) => c.startsWith('split_') && c !== 'split_filters')).toEqual([]);
  // Each panel closed after its check: three open panels leave the grid no height.
  await page.getByTestId('toggle-filters').click();
  await expect(page.getByTestId('filters')).toBeHidden();

  // Embed: the element's code names this server.
  await page.getByTestId('toggle-embed').click();
  await expect(page.getByTestId('embed-element')).toBeVisible();
  expect(await page.getByTestId('embed-element').inputValue()).toContain('<immich-grid');
  expect(await page.getByTestId('embed-element').inputValue()).toContain(server.url);
  expect(chunks).toContain('split_embed');
  await page.getByTestId('toggle-embed').click();
  await expect(page.getByTestId('embed-element')).toBeHidden();

  // Connect: the form, filled with this server.
  await page.getByTestId('toggle-connect').click();
  await expect(page.getByTestId('connect')).toBeVisible();
  await expect(page.getByTestId('connect-url')).toHaveValue(server.url);
  expect(chunks).toContain('split_connect');
  expect(chunks).not.toContain('split_viewer');
  await page.getByTestId('toggle-connect').click();
  await expect(page.getByTestId('connect')).toBeHidden();

  // The viewer: the clicked asset.
  const tile = app.tiles.nth(2);
  const id = (await tile.getAttribute('data-id'))!;
  await tile.click();
  await expect(page.getByTestId('viewer')).toBeVisible();
  await expect(page.getByTestId('viewer')).toHaveAttribute('data-asset', id);
  await expect(page.getByTestId('viewer-count')).toContainText('3 /');
  expect(chunks).toContain('split_viewer');

  // Each chunk once: closing and opening again fetches nothing more.
  const fetched = chunks.length;
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('viewer')).toBeHidden();
  await page.getByTestId('toggle-filters').click();
  await expect(page.getByTestId('filters')).toBeVisible();
  await page.getByTestId('toggle-filters').click();
  await expect(page.getByTestId('filters')).toBeHidden();
  await tile.click();
  await expect(page.getByTestId('viewer')).toHaveAttribute('data-asset', id);
  expect(chunks.length).toBe(fetched);
  expect(new Set(chunks).size).toBe(chunks.length);
  expect(errors).toEqual([]);
});

test('deep links open their panel on load: ?asset= the viewer, no session the connect form', async ({ page, server }) => {
  const chunks = watchChunks(page);
  const ids = shownByDefault(await serverAssets(server)).map((a) => a.id);
  const id = ids[5];
  await page.goto(`${server.url}/?asset=${id}`);
  await expect(page.getByTestId('viewer')).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('viewer')).toHaveAttribute('data-asset', id);
  expect(chunks).toContain('split_viewer');
  expect(chunks).not.toContain('split_filters');

  // The app on an origin with no Immich: the connect form opens by itself.
  const bare = await FixtureServer.start({ appOnly: true, testControls: false, demoSession: true, seed: 99, assets: 1 });
  try {
    await page.goto(bare.url);
    await expect(page.getByTestId('connect')).toBeVisible({ timeout: 30_000 });
    await expect(page.getByTestId('connect-url')).toBeVisible();
  } finally {
    await bare.stop();
  }
});

test('a panel whose chunk fails to load says so, the app goes on, and Retry loads it', async ({ page, server }) => {
  const errors = watchErrors(page);
  const app = await openApp(page, server);
  const filters = chunkOf('filters');
  await page.route(filters, (route) => route.abort('failed'));
  await page.getByTestId('toggle-filters').click();
  const panel = page.getByRole('region', { name: 'Filters' });
  await expect(panel.getByTestId('chunk-error')).toBeVisible();
  await expect(panel.getByTestId('chunk-error')).toContainText('could not be loaded');
  await expect(page.getByTestId('filters')).toHaveCount(0);

  // The rest works: another panel opens, the grid scrolls and opens the viewer.
  await page.getByTestId('toggle-embed').click();
  await expect(page.getByTestId('embed-element')).toBeVisible();
  await app.grid.evaluate((g) => g.scrollBy(0, 600));
  const tile = app.tiles.first();
  const id = (await tile.getAttribute('data-id'))!;
  await tile.click();
  await expect(page.getByTestId('viewer')).toHaveAttribute('data-asset', id);
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('viewer')).toBeHidden();

  // Retry with the network back.
  await page.unroute(filters);
  await panel.getByTestId('chunk-retry').click();
  await expect(page.getByTestId('filters')).toBeVisible();
  await expect(page.getByTestId('filter-text')).toBeVisible();
  await expect(panel.getByTestId('chunk-error')).toHaveCount(0);
  expect(errors).toEqual([]);
});

test('a viewer whose chunk fails to load says so with Retry and Close', async ({ page, server }) => {
  const errors = watchErrors(page);
  const app = await openApp(page, server);
  const viewerChunk = chunkOf('viewer');
  await page.route(viewerChunk, (route) => route.abort('failed'));
  const tile = app.tiles.nth(1);
  const id = (await tile.getAttribute('data-id'))!;
  await tile.click();
  const pending = page.getByTestId('viewer-chunk');
  await expect(pending.getByTestId('chunk-error')).toBeVisible();
  await expect(pending.getByTestId('chunk-error')).toContainText('viewer could not be loaded');
  // Close leaves the grid as it was, with no asset in the URL.
  await page.getByTestId('viewer-chunk-close').click();
  await expect(pending).toBeHidden();
  expect(new URL(page.url()).searchParams.get('asset')).toBeNull();
  await expect(app.tiles.nth(1)).toBeVisible();

  // Opened again: still failing, then Retry with the network back.
  await tile.click();
  await expect(pending.getByTestId('chunk-error')).toBeVisible();
  await page.unroute(viewerChunk);
  await pending.getByTestId('chunk-retry').click();
  await expect(page.getByTestId('viewer')).toBeVisible();
  await expect(page.getByTestId('viewer')).toHaveAttribute('data-asset', id);
  await expect(pending).toBeHidden();
  expect(errors).toEqual([]);
});
