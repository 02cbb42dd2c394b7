// The <immich-grid> custom element on a page of another origin (the repo's
// examples/element.html, served by support/host.ts under a strict CSP):
// two widgets with their own filters from one wasm download, the host's
// events, live attributes, Shadow DOM isolation, and a removal that leaves
// no timer, listener or request behind. The visitor's own Immich session
// (a cookie for the Immich origin) signs the widgets in.
import type { Page } from '@playwright/test';
import { test, expect, FixtureServer } from './support/server';
import { HostServer } from './support/host';
import { serverAssets, shownByDefault } from './support/content';
import { checkListing, checkTiles, events, expectListedByMonth, loaded } from './support/embed';

let host: HostServer;
let immich: FixtureServer;

test.beforeAll(async () => {
  host = await HostServer.start();
  immich = await FixtureServer.start({ assets: 800, corsOrigins: [host.url] });
  host.configure({ appUrl: `${immich.url}/`, serverUrl: immich.url });
});

test.afterAll(async () => {
  await immich?.stop();
  await host?.stop();
});

/** Counts the page's live intervals (the widgets' background sync timers). */
async function countIntervals(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const live = new Set<number>();
    const set = window.setInterval.bind(window);
    const clear = window.clearInterval.bind(window);
    (window as any).setInterval = (...a: any[]) => {
      const id = (set as any)(...a);
      live.add(id);
      return id;
    };
    (window as any).clearInterval = (id: number) => {
      live.delete(id);
      clear(id);
    };
    (window as any).__liveIntervals = () => live.size;
    // Every fetch the page starts, with its start time.
    const fetches: { url: string; t: number }[] = [];
    const fetch = window.fetch.bind(window);
    window.fetch = (input: any, init?: any) => {
      fetches.push({ url: String(input?.url ?? input), t: performance.now() });
      return fetch(input, init);
    };
    (window as any).__fetches = fetches;
  });
}

async function signIn(page: Page): Promise<void> {
  const info = await immich.info();
  const admin = info.users.find((u: any) => u.isAdmin);
  await page.context().addCookies([{ name: 'immich_access_token', value: admin.accessToken, url: immich.url }]);
}

test('two widgets show their own grids from one download, and tell the host', async ({ page }) => {
  await signIn(page);
  const wasm: string[] = [];
  page.on('request', (r) => {
    if (/\.wasm$|immich-grid-[0-9a-f]+\.js$/.test(r.url())) wasm.push(r.url());
  });
  await page.goto(`${host.url}/element.html`);
  const favs = shownByDefault(await serverAssets(immich, 'isFavorite=true'));
  const videos = shownByDefault(await serverAssets(immich)).filter((a) => a.type === 'VIDEO');
  expect(favs.length).toBeGreaterThan(0);
  expect(videos.length).toBeGreaterThan(0);

  const f = await loaded(page, 'favourites');
  const v = await loaded(page, 'videos');
  expect(f.detail.shown).toBe(favs.length);
  expect(v.detail.shown).toBe(videos.length);
  const all = await events(page);
  for (const w of ['favourites', 'videos']) {
    expect(all.find((e) => e.widget === w && e.type === 'ready'), `ready of ${w}`).toBeTruthy();
  }
  expect(all.filter((e) => e.type === 'error')).toEqual([]);
  await checkTiles(page, '#favourites ', favs);
  await checkTiles(page, '#videos ', videos);
  // One download of the module and the wasm for both.
  expect(wasm.filter((u) => u.endsWith('.wasm'))).toHaveLength(1);
  expect(wasm.filter((u) => u.endsWith('.js'))).toHaveLength(1);

  // layout="square": square tiles; the host's CSS stays out (its red
  // borders on every div), the documented custom property gets in.
  const tile = page.locator('#favourites [data-testid=tile]').first();
  const look = await tile.evaluate((e) => {
    const s = getComputedStyle(e);
    const r = e.getBoundingClientRect();
    return { w: r.width, h: r.height, border: s.borderTopWidth, radius: s.borderTopLeftRadius };
  });
  expect(Math.abs(look.w - look.h)).toBeLessThan(1);
  expect(look.border).toBe('0px');
  expect(look.radius).toBe('8px');
  // height="360" sized the element.
  expect((await page.locator('#favourites').boundingBox())?.height).toBeCloseTo(360 + 2, 0);

  // Opening a tile tells the host which asset.
  const id = await tile.getAttribute('data-id');
  await tile.click();
  await expect.poll(async () => (await events(page)).find((e) => e.type === 'open')?.detail.id).toBe(id);
  expect((await events(page)).find((e) => e.type === 'open')?.widget).toBe('favourites');
});

test('changing an attribute changes the grid', async ({ page }) => {
  await signIn(page);
  await page.goto(`${host.url}/element.html`);
  await loaded(page, 'videos');
  await immich.clearRequests();
  await page.locator('#videos').evaluate((e) => e.setAttribute('favorite', 'only'));
  const v = await loaded(page, 'videos', 2);
  const favVideos = shownByDefault(await serverAssets(immich, 'isFavorite=true')).filter((a) => a.type === 'VIDEO');
  expect(v.detail.shown).toBe(favVideos.length);
  await checkTiles(page, '#videos ', favVideos);
  // The server input reached the request.
  expect((await immich.assetRequests()).some((r) => r.query.includes('isFavorite=true'))).toBeTruthy();
});

test('removing the elements leaves no timer, listener or request behind', async ({ page }) => {
  await countIntervals(page);
  await signIn(page);
  await page.goto(`${host.url}/element.html`);
  await loaded(page, 'favourites');
  await loaded(page, 'videos');
  const cdp = await page.context().newCDPSession(page);
  const counters = async () => {
    await cdp.send('HeapProfiler.collectGarbage');
    return cdp.send('Memory.getDOMCounters');
  };
  const before = await counters();
  const intervals = await page.evaluate(() => (window as any).__liveIntervals());
  expect(intervals).toBeGreaterThanOrEqual(2); // one background sync each

  // Slow pages so that loads are in flight at removal.
  await immich.faults({ latencyMs: 1500, times: 50, path: '/api/asset' });
  const inFlight = page.waitForRequest((r) => r.url().includes('isFavorite=false'));
  await page.locator('#favourites').evaluate((e) => e.setAttribute('favorite', 'exclude'));
  await inFlight;
  const aborted: string[] = [];
  page.on('requestfailed', (r) => {
    if (r.url().includes('isFavorite=false')) aborted.push(r.failure()?.errorText ?? '');
  });
  const removedAt = await page.evaluate(() => {
    document.getElementById('favourites')!.remove();
    document.getElementById('videos')!.remove();
    return performance.now();
  });
  await page.evaluate(() => window.dispatchEvent(new Event('focus')));
  await page.waitForTimeout(3000);
  const after = await page.evaluate(
    (t) => (window as any).__fetches.filter((f: any) => f.t >= t).map((f: any) => f.url),
    removedAt,
  );
  expect(after, 'requests started after removal').toEqual([]);
  // The pages in flight at removal were cancelled, not left to finish.
  expect(aborted.length).toBeGreaterThan(0);
  expect(aborted.every((e) => e.includes('ABORTED'))).toBeTruthy();
  expect(await page.evaluate(() => (window as any).__liveIntervals())).toBe(intervals - 2);
  const end = await counters();
  expect(end.jsEventListeners).toBeLessThan(before.jsEventListeners);
  expect(end.nodes).toBeLessThan(before.nodes - 20);
});

test('locale="de" writes the element\'s month headers in German', async ({ page }) => {
  await signIn(page);
  await page.goto(`${host.url}/element.html`);
  await loaded(page, 'favourites');
  await page.evaluate((server) => {
    const el = document.createElement('immich-grid');
    el.id = 'german';
    for (const [k, v] of Object.entries({ server, favorite: 'only', locale: 'de', height: '360' })) el.setAttribute(k, v);
    document.body.append(el);
  }, immich.url);
  await loaded(page, 'german');
  const favs = shownByDefault(await serverAssets(immich, 'isFavorite=true'));
  const first = new Date(favs[0].localDateTime);
  const months = ['Januar', 'Februar', 'März', 'April', 'Mai', 'Juni', 'Juli', 'August', 'September', 'Oktober', 'November', 'Dezember'];
  await expect(page.locator('#german .ig-month-header').first()).toHaveText(`${months[first.getUTCMonth()]} ${first.getUTCFullYear()}`);
  // The other elements keep the page's language (English here).
  expect(await page.locator('#favourites .ig-month-header').first().textContent()).toMatch(/^[A-Z][a-z]+ \d{4}$/);
  expect(await page.locator('#german .ig-widget-root').getAttribute('lang')).toBe('de');
});

test('against a current Immich (v3): the widgets list the server\'s months, in order, by the timeline routes', async ({ page }) => {
  const v3 = await FixtureServer.start({ assets: 800, corsOrigins: [host.url], extraArgs: ['--immich-version', '3.1.0'] });
  try {
    host.configure({ appUrl: `${v3.url}/`, serverUrl: v3.url });
    const admin = (await v3.info()).users.find((u: any) => u.isAdmin);
    await page.context().addCookies([{ name: 'immich_access_token', value: admin.accessToken, url: v3.url }]);
    // The server's months (with their records' kinds), asked outside the page.
    const favs = shownByDefault(await serverAssets(v3, 'isFavorite=true'));
    const videos = shownByDefault(await serverAssets(v3)).filter((a) => a.type === 'VIDEO');
    expect(favs.length).toBeGreaterThan(20);
    expect(videos.length).toBeGreaterThan(0);
    await v3.clearRequests();
    await page.goto(`${host.url}/element.html`);
    expect((await loaded(page, 'favourites')).detail.shown).toBe(favs.length);
    expect((await loaded(page, 'videos')).detail.shown).toBe(videos.length);
    expect((await events(page)).filter((e) => e.type === 'error')).toEqual([]);
    // Every favourite, first screen to last, at its place in the months' order.
    await checkListing(page, '#favourites ', favs);
    await checkTiles(page, '#videos ', videos);
    await expectListedByMonth(v3);
    // Opening the last tile (the grid is at its end) tells the host which asset.
    await page.locator(`#favourites [data-testid=tile][data-pos="${favs.length - 1}"]`).click();
    await expect.poll(async () => (await events(page)).find((e) => e.type === 'open')?.detail.id).toBe(favs[favs.length - 1].id);
  } finally {
    host.configure({ appUrl: `${immich.url}/`, serverUrl: immich.url });
    await v3.stop();
  }
});
