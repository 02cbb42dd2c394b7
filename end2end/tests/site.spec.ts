// dist/ as plain static files at any path, with and without a config.json
// beside index.html, under the strict CSP (the fixture sends it; any
// violation fails the test).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, expect, FixtureServer } from './support/server';
import { AppPage } from './support/app';
import { serverAssets, shownByDefault } from './support/content';

/** A copy of dist/ with `config` as its config.json (a string is written as is). */
function distWith(config: unknown): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ig-dist-'));
  fs.cpSync(process.env.IMMICH_GRID_DIST!, dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'config.json'), typeof config === 'string' ? config : JSON.stringify(config));
  return dir;
}

for (const appPath of ['/', '/grid/', '/a/b/grid/']) {
  test(`dist/ at ${appPath} without config.json shows the library`, async ({ page }) => {
    const s = await FixtureServer.start({ assets: 300, appPath });
    try {
      const app = new AppPage(page);
      await app.open(`${s.url}${appPath}`);
      await app.waitCurrent();
      const expected = shownByDefault(await serverAssets(s));
      expect(await app.shown()).toBe(expected.length);
      const ids = await app.tiles.evaluateAll((els) => els.map((e) => [Number(e.getAttribute('data-pos')), e.getAttribute('data-id')]));
      expect(ids.length).toBeGreaterThan(5);
      for (const [pos, id] of ids) expect(id).toBe(expected[pos as number].id);
      // The host answers every path with index.html (a single-page
      // rewrite), config.json included: that is no file, not a bad one.
      const probe = await page.request.get(`${s.url}${appPath}config.json`);
      expect(probe.status()).toBe(200);
      expect(probe.headers()['content-type']).toContain('text/html');
      await expect(page.locator('.ig-config-error')).toHaveCount(0);
      await expect(page.getByRole('alert')).toHaveCount(0);
      // The only file asked for beside index.html is config.json.
      if (appPath !== '/') {
        const outside = await page.evaluate(() =>
          performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname).filter((p) => !p.startsWith('/api/')),
        );
        for (const p of outside) expect(p.startsWith(appPath), p).toBeTruthy();
      }
    } finally {
      await s.stop();
    }
  });
}

test('config.json sets the defaults and the page URL overrides them', async ({ page }) => {
  const dir = distWith({ filters: { isFavorite: true }, layout: 'square', tileSize: 120, theme: 'dark', locale: 'en-GB' });
  const s = await FixtureServer.start({ assets: 300, appPath: '/a/b/grid/', appDir: dir });
  try {
    const app = new AppPage(page);
    await app.open(`${s.url}/a/b/grid/`);
    await app.waitCurrent();
    const favs = shownByDefault(await serverAssets(s, 'isFavorite=true'));
    expect(await app.shown()).toBe(favs.length);
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en-GB');
    const box = await app.tiles.first().boundingBox();
    expect(Math.abs(box!.width - box!.height)).toBeLessThan(1);
    // Columns fill the width: tiles near the 120 px asked, far from the default 220.
    expect(box!.width).toBeGreaterThan(100);
    expect(box!.width).toBeLessThan(160);
    // The dark theme's colours are on.
    expect(await page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--ig-bg').trim())).toBe('#111114');

    await app.open(`${s.url}/a/b/grid/?isFavorite=false&theme=light&layout=justified`);
    await app.waitCurrent();
    const others = shownByDefault(await serverAssets(s, 'isFavorite=false'));
    expect(await app.shown()).toBe(others.length);
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('light');
  } finally {
    await s.stop();
  }
});

const GERMAN_MONTHS = ['Januar', 'Februar', 'März', 'April', 'Mai', 'Juni', 'Juli', 'August', 'September', 'Oktober', 'November', 'Dezember'];

test('config.json locale "de": German months in the headers and the info panel, German digit groups in the status', async ({ page }) => {
  const dir = distWith({ locale: 'de' });
  const s = await FixtureServer.start({ assets: 1500, appPath: '/grid/', appDir: dir });
  try {
    const app = new AppPage(page);
    await app.open(`${s.url}/grid/`);
    await app.waitCurrent();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('de');
    const all = shownByDefault(await serverAssets(s));
    // Month headers: the month of the first asset below, in German.
    const first = new Date(all[0].localDateTime);
    const header = page.locator('.ig-month-header').first();
    await expect(header).toHaveText(`${GERMAN_MONTHS[first.getUTCMonth()]} ${first.getUTCFullYear()}`);
    for (const t of await page.locator('.ig-month-header').allTextContents()) {
      expect(t).toMatch(new RegExp(`^(${GERMAN_MONTHS.join('|')}) \\d{4}$`));
    }
    // Day headers: German weekday and month abbreviations (`Fr., 3. Mai 2024`).
    const day = (await page.locator('.ig-day-header').first().textContent()) ?? '';
    expect(day).toMatch(/^(Mo|Di|Mi|Do|Fr|Sa|So)\., \d{1,2}\. \S+ \d{4}$/);
    expect(day).toContain(`${first.getUTCDate()}.`);
    // The status counts with German digit groups.
    const count = await page.getByTestId('progress').getAttribute('data-loaded');
    await expect(page.getByTestId('status-text')).toContainText(Number(count).toLocaleString('de-DE'));
    expect(Number(count)).toBeGreaterThan(999);
    // The info panel's date.
    await app.tiles.first().click();
    await page.getByTestId('viewer-info-toggle').click();
    const opened = all[Number(await app.tiles.first().getAttribute('data-pos'))];
    const local = new Date(opened.localDateTime);
    const taken = page.getByTestId('info-taken');
    await expect(taken).toContainText(`${local.getUTCDate()}. ${GERMAN_MONTHS[local.getUTCMonth()]} ${local.getUTCFullYear()}`);
    await expect(taken).toContainText(`${String(local.getUTCHours()).padStart(2, '0')}:${String(local.getUTCMinutes()).padStart(2, '0')}`);
  } finally {
    await s.stop();
  }
});

test('a bad config.json is reported in one sentence and the app runs on its defaults', async ({ page }) => {
  const dir = distWith('{"sever": "https://photos.example.org", "tileSize": 120}');
  const s = await FixtureServer.start({ assets: 300, appPath: '/grid/', appDir: dir });
  try {
    const app = new AppPage(page);
    await app.open(`${s.url}/grid/`);
    await expect(page.locator('.ig-config-error')).toContainText('config.json: unknown field `sever`');
    await app.waitCurrent();
    expect(await app.shown()).toBe(shownByDefault(await serverAssets(s)).length);
  } finally {
    await s.stop();
  }
});

/** The ```html blocks of the README's embedding section. */
function readmeSnippets(): string[] {
  const readme = fs.readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8');
  const section = readme.split('## Deployment and embedding')[1].split('\n## ')[0];
  return [...section.matchAll(/```html\n([\s\S]*?)\n```/g)].map((m) => m[1]);
}

test("the Embed panel writes the README's snippets for the view, and copies them", async ({ page }) => {
  const s = await FixtureServer.start({ assets: 100, appPath: '/grid/' });
  try {
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: s.url });
    await page.goto(`${s.url}/grid/?isFavorite=true&type=photo`);
    await page.getByTestId('toggle-embed').click();
    const asDocumented = (t: string) => t.replaceAll(s.url, 'https://photos.example.org');
    const element = await page.getByTestId('embed-element').inputValue();
    const iframe = await page.getByTestId('embed-iframe').inputValue();
    const readme = readmeSnippets();
    expect(readme).toContain(asDocumented(element));
    expect(readme).toContain(asDocumented(iframe));
    for (const text of [element, iframe]) expect(text).not.toMatch(/key/i);

    await page.getByTestId('embed-copy-element').click();
    await expect(page.getByTestId('embed-note')).toHaveText('element copied.');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(element);
    await page.getByTestId('embed-copy-iframe').click();
    await expect(page.getByTestId('embed-note')).toHaveText('iframe copied.');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(iframe);
  } finally {
    await s.stop();
  }
});
