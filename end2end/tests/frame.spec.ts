// The frame protocol on the repo's examples/iframe.html, served from
// another origin than the app's under a strict CSP: the host sizes the
// frame to the height it reports and hears the opened asset; it can set
// filters and the theme. A page on an origin config.json does not list
// gets no message and changes nothing.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Frame, Page } from '@playwright/test';
import { test, expect, FixtureServer } from './support/server';
import { HostServer } from './support/host';
import { serverAssets, shownByDefault } from './support/content';

let host: HostServer;
let foreign: HostServer;
let app: FixtureServer;

test.beforeAll(async () => {
  host = await HostServer.start();
  foreign = await HostServer.start();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ig-dist-'));
  fs.cpSync(process.env.IMMICH_GRID_DIST!, dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ allowedParentOrigins: [host.url] }));
  app = await FixtureServer.start({ assets: 60, appPath: '/grid/', appDir: dir });
  for (const h of [host, foreign]) h.configure({ appUrl: `${app.url}/grid/`, serverUrl: app.url });
});

test.afterAll(async () => {
  await app?.stop();
  await host?.stop();
  await foreign?.stop();
});

async function grid(page: Page): Promise<Frame> {
  const frame = page.frame({ url: /\/grid\/\?embed=1/ });
  expect(frame).toBeTruthy();
  await expect(frame!.getByTestId('progress')).toHaveAttribute('data-state', 'current', { timeout: 30_000 });
  return frame!;
}

const shown = (f: Frame): Promise<number> => f.evaluate(() => (window as any).__immichGrid.shown());
const messages = (page: Page): Promise<any[]> => page.evaluate(() => (window as any).frameMessages);

test('the host sizes the frame to its height, hears the opened asset, and sets filters and theme', async ({ page }) => {
  await page.goto(`${host.url}/iframe.html`);
  const f = await grid(page);
  const all = shownByDefault(await serverAssets(app));
  expect(await shown(f)).toBe(all.length);

  // Height: the frame reports its content's full height (again when the
  // layout changes, e.g. once the frame is resized) and the host applies it.
  const lastHeight = async () =>
    (await messages(page)).filter((m) => m.type === 'immich-grid:height').at(-1)?.height ?? -1;
  const content = () =>
    f.evaluate(() => {
      const q = (s: string) => document.querySelector(s) as HTMLElement;
      return q('.ig-app').offsetHeight - q('.ig-main').offsetHeight + q('.ig-spacer').offsetHeight;
    });
  await expect.poll(async () => Math.abs((await lastHeight()) - (await content()))).toBeLessThanOrEqual(1);
  const reported = await lastHeight();
  expect(reported).toBeGreaterThan(400);
  await expect.poll(async () => (await page.locator('#frame').boundingBox())?.height).toBeCloseTo(Math.min(reported, 4000), 0);

  // Open: the host shows the id of the tile clicked.
  const tile = f.getByTestId('tile').first();
  const id = await tile.getAttribute('data-id');
  await tile.click();
  await expect(page.locator('#opened')).toHaveText(id!);

  // Host → frame: filters and theme.
  await page.locator('#favourites').click();
  const favs = shownByDefault(await serverAssets(app, 'isFavorite=true'));
  await expect.poll(() => shown(f)).toBe(favs.length);
  await page.locator('#dark').click();
  await expect.poll(() => f.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
});

test('malformed messages and messages from an origin not listed change nothing', async ({ page }) => {
  await page.goto(`${host.url}/iframe.html`);
  let f = await grid(page);
  const all = await shown(f);
  // From the allowed parent, but malformed or unknown: ignored, no crash.
  await page.evaluate(() => {
    const w = (document.getElementById('frame') as HTMLIFrameElement).contentWindow!;
    const to = new URL((document.getElementById('frame') as HTMLIFrameElement).src).origin;
    for (const m of [
      'immich-grid:set',
      { type: 'immich-grid:set', filters: 'isFavorite=true' },
      { type: 'immich-grid:set', filters: { nope: 'x' } },
      { type: 'immich-grid:set', filters: { isFavorite: ['true'] } },
      { type: 'immich-grid:set', theme: 'pink' },
      { type: 'other' },
      null,
    ])
      w.postMessage(m, to);
  });
  await page.waitForTimeout(1000);
  expect(await shown(f)).toBe(all);
  expect(await f.evaluate(() => document.documentElement.dataset.theme)).toBeUndefined();

  // A page on another origin frames the app: it hears nothing, and its
  // well-formed messages change nothing.
  await page.goto(`${foreign.url}/iframe.html`);
  f = await grid(page);
  await page.locator('#favourites').click();
  await page.locator('#dark').click();
  await page.waitForTimeout(1500);
  expect(await shown(f)).toBe(all);
  expect(await f.evaluate(() => document.documentElement.dataset.theme)).toBeUndefined();
  expect(await messages(page)).toEqual([]);
});
