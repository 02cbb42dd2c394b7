// The full-window viewer against the fixture server: what a person sees is
// checked against the server's own answers (ids in server order, the
// record's exif values, image sizes of the preview and the thumbnail).
import type { Page } from '@playwright/test';
import { test, expect, FixtureServer } from './support/server';
import { AppPage } from './support/app';
import { serverAssets, shownByDefault } from './support/content';

test.use({ fixtureOptions: { assets: 1200 } });

/** Long sides of the fixture's thumbnail (WEBP) and preview (JPEG). */
const THUMB_SIDE = 250;
const PREVIEW_SIDE = 720;

const viewer = (page: Page) => page.getByTestId('viewer');

/** The asset id the viewer shows. */
async function shownId(page: Page): Promise<string | null> {
  return viewer(page).getAttribute('data-asset');
}

/** The preview as drawn: its natural size once decoded (0 before). */
async function previewSize(page: Page): Promise<{ w: number; h: number; src: string }> {
  return page.getByTestId('viewer-preview').evaluate((el) => {
    const i = el as HTMLImageElement;
    return { w: i.complete ? i.naturalWidth : 0, h: i.complete ? i.naturalHeight : 0, src: i.src };
  });
}

async function expectPreviewDrawn(page: Page, id: string): Promise<void> {
  await expect.poll(async () => Math.max((await previewSize(page)).w, (await previewSize(page)).h), { timeout: 20_000 }).toBe(PREVIEW_SIDE);
  const thumb = await page.getByTestId('viewer-thumb').evaluate((el) => {
    const i = el as HTMLImageElement;
    return Math.max(i.naturalWidth, i.naturalHeight);
  });
  // The layers really are different files: the thumbnail is the small one.
  if (thumb > 0) expect(thumb).toBe(THUMB_SIDE);
  expect(await shownId(page)).toBe(id);
}

/** Opens the app and waits until the whole library is listed. */
async function openApp(page: Page, server: FixtureServer, search = ''): Promise<AppPage> {
  const app = new AppPage(page);
  await app.open(`${server.url}/${search}`);
  await app.waitCurrent();
  return app;
}

/** What the heap and the page hold: for the README's performance figures. */
async function footprint(page: Page): Promise<{ nodes: number; wasm: number; heap: number }> {
  return page.evaluate(() => ({
    nodes: document.querySelectorAll('*').length,
    wasm: (window as any).__immichGrid.wasmMemoryBytes(),
    heap: (performance as any).memory?.usedJSHeapSize ?? 0,
  }));
}

test('open by click: thumbhash, thumbnail, then the preview drawn at its own size; Escape returns focus', async ({ page, server }) => {
  const app = await openApp(page, server);
  const tile = app.tiles.nth(3);
  const id = (await tile.getAttribute('data-id'))!;
  await server.clearRequests();
  await tile.click();
  await expect(viewer(page)).toBeVisible();
  await expect(viewer(page)).toHaveAttribute('role', 'dialog');
  await expect(viewer(page)).toHaveAttribute('aria-modal', 'true');
  await expectPreviewDrawn(page, id);
  expect(new URL(page.url()).searchParams.get('asset')).toBe(id);
  const reqs = await server.requests();
  expect(reqs.some((r) => r.path === `/api/asset/thumbnail/${id}` && r.query.includes('format=JPEG') && r.status === 200)).toBeTruthy();
  // Focus is inside the dialog, and Tab keeps it there.
  for (let i = 0; i < 12; i++) {
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => !!document.activeElement?.closest('[data-testid=viewer]'))).toBeTruthy();
  }
  await page.keyboard.press('Escape');
  await expect(viewer(page)).toBeHidden();
  await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-id'))).toBe(id);
  expect(new URL(page.url()).searchParams.get('asset')).toBeNull();
});

test('open by keyboard; Back closes it; Escape after steps returns focus to the tile scrolled into view', async ({ page, server }) => {
  const app = await openApp(page, server);
  const expected = shownByDefault(await serverAssets(server));
  await app.grid.focus();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  const focused = await page.evaluate(() => document.activeElement?.getAttribute('data-id'));
  expect(focused).toBe(expected[2].id);
  await page.keyboard.press('Enter');
  await expect(viewer(page)).toBeVisible();
  expect(await shownId(page)).toBe(expected[2].id);
  // Back closes the viewer (opening pushed a history entry).
  await page.goBack();
  await expect(viewer(page)).toBeHidden();
  expect(new URL(page.url()).searchParams.get('asset')).toBeNull();

  // Open again and walk far away: closing brings the last shown asset's tile into view, focused.
  await app.tiles.first().click();
  await expect(viewer(page)).toBeVisible();
  for (let i = 0; i < 40; i++) await page.keyboard.press('ArrowRight');
  await expect.poll(() => shownId(page)).toBe(expected[40].id);
  await page.keyboard.press('Escape');
  await expect(viewer(page)).toBeHidden();
  await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-id'))).toBe(expected[40].id);
  const inView = await page.evaluate(() => {
    const t = document.activeElement!.getBoundingClientRect();
    const g = document.querySelector('[data-testid=grid]')!.getBoundingClientRect();
    return t.top >= g.top - 1 && t.bottom <= g.bottom + 1;
  });
  expect(inView).toBeTruthy();
});

test('step 30 times across a page boundary with a refinement, and back; DOM and wasm memory stay flat', async ({ page, server }) => {
  // Pages of 250: positions 240..270 of the photos cross the first page boundary
  // (of the server's listing; the refinement drops the videos in between).
  const photos = shownByDefault(await serverAssets(server)).filter((a) => a.type === 'IMAGE');
  const start = 230;
  await openApp(page, server, `?take=250&type=photos&asset=${photos[start].id}`);
  await expect(viewer(page)).toBeVisible();
  expect(await shownId(page)).toBe(photos[start].id);
  await expectPreviewDrawn(page, photos[start].id);
  const before = await footprint(page);
  for (let i = 1; i <= 30; i++) {
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => shownId(page)).toBe(photos[start + i].id);
  }
  expect(new URL(page.url()).searchParams.get('asset')).toBe(photos[start + 30].id);
  // The neighbours' previews were asked for ahead of the step.
  for (let i = 30; i >= 1; i--) {
    await page.getByTestId('viewer-prev').click();
    await expect.poll(() => shownId(page)).toBe(photos[start + i - 1].id);
  }
  await expectPreviewDrawn(page, photos[start].id);
  const after = await footprint(page);
  console.log(`viewer footprint: before ${JSON.stringify(before)} after 60 steps ${JSON.stringify(after)}`);
  expect(Math.abs(after.nodes - before.nodes)).toBeLessThanOrEqual(5);
  expect(after.wasm - before.wasm).toBeLessThanOrEqual(2 * 1024 * 1024);
  // The photo the page boundary cut: still the server's next one.
  const listed = (await server.assetRequests()).map((r) => r.query);
  expect(listed.some((q) => q.includes('skip=250'))).toBeTruthy();
});

test('a deep link opens the asset in a fresh page, and Close keeps the filters in the URL', async ({ page, server, browser }) => {
  const expected = shownByDefault(await serverAssets(server));
  const target = expected[500];
  const fresh = await browser.newPage();
  try {
    await fresh.goto(`${server.url}/?asset=${target.id}`);
    await expect(viewer(fresh)).toBeVisible({ timeout: 30_000 });
    expect(await shownId(fresh)).toBe(target.id);
    await expect(fresh.getByTestId('viewer-name')).toHaveText(target.originalFileName);
    await expectPreviewDrawn(fresh, target.id);
    await fresh.getByTestId('viewer-close').click();
    await expect(viewer(fresh)).toBeHidden();
    expect(new URL(fresh.url()).searchParams.get('asset')).toBeNull();
  } finally {
    await fresh.close();
  }
  // A bad id in the URL opens nothing and requests nothing.
  await server.clearRequests();
  await page.goto(`${server.url}/?asset=../user/me`);
  await new AppPage(page).waitCurrent();
  await expect(viewer(page)).toBeHidden();
  expect((await server.requests()).some((r) => r.path.includes('..'))).toBeFalsy();
});

test('a video plays from /api/asset/file and seeks with Range', async ({ page, server }) => {
  const expected = shownByDefault(await serverAssets(server));
  const video = expected.find((a) => a.type === 'VIDEO')!;
  await server.clearRequests();
  await openApp(page, server, `?asset=${video.id}`);
  await expect(viewer(page)).toBeVisible();
  const el = page.getByTestId('viewer-video');
  await expect(el).toBeVisible();
  await expect.poll(() => el.evaluate((v: HTMLVideoElement) => v.readyState), { timeout: 20_000 }).toBeGreaterThanOrEqual(1);
  expect(await el.evaluate((v: HTMLVideoElement) => v.src)).toContain(`/api/asset/file/${video.id}`);
  const played = await el.evaluate(async (v: HTMLVideoElement) => {
    v.muted = true;
    await v.play();
    await new Promise((r) => setTimeout(r, 400));
    return v.currentTime;
  });
  expect(played).toBeGreaterThan(0);
  const seeked = await el.evaluate(async (v: HTMLVideoElement) => {
    v.pause();
    const done = new Promise((r) => v.addEventListener('seeked', r, { once: true }));
    v.currentTime = 1.5;
    await done;
    return { t: v.currentTime, d: v.duration };
  });
  expect(seeked.t).toBeCloseTo(1.5, 1);
  expect(seeked.d).toBeGreaterThan(1.5);
  const files = (await server.requests()).filter((r) => r.path === `/api/asset/file/${video.id}`);
  expect(files.length).toBeGreaterThan(0);
  expect(files.every((r) => r.status === 200 || r.status === 206)).toBeTruthy();
  // The browser streams it in ranges, and the server answers them.
  expect(files.some((r) => r.status === 206)).toBeTruthy();
});

test('the info panel shows the record of GET /api/asset/{id}, worded for a photographer', async ({ page, server }) => {
  const info = await server.info();
  const key = info.users.find((u: any) => u.isAdmin).apiKey;
  const expected = shownByDefault(await serverAssets(server));
  // The first photo with a camera, an exposure, coordinates and a place.
  let full: any = null;
  for (const a of expected.slice(0, 200)) {
    if (a.type !== 'IMAGE') continue;
    const r = await fetch(`${server.url}/api/asset/${a.id}`, { headers: { 'x-api-key': key } });
    const dto = await r.json();
    const e = dto.exifInfo ?? {};
    if (e.model && e.exposureTime && e.fNumber && e.iso && e.latitude != null && e.city) {
      full = dto;
      break;
    }
  }
  expect(full, 'the fixture has a photo with full exif').not.toBeNull();
  await openApp(page, server, `?asset=${full.id}`);
  await expect(viewer(page)).toBeVisible();
  await page.getByTestId('viewer-info-toggle').click();
  const e = full.exifInfo;
  const f = (k: string) => page.getByTestId(`info-${k}`);
  await expect(f('file-name')).toHaveText(full.originalFileName);
  await expect(f('camera')).toContainText(e.model);
  await expect(f('exposure')).toContainText(`${e.exposureTime} s`);
  await expect(f('exposure')).toContainText(`f/${Math.round(e.fNumber * 10) / 10}`);
  await expect(f('exposure')).toContainText(`ISO ${e.iso}`);
  if (e.focalLength) await expect(f('exposure')).toContainText(`${Math.round(e.focalLength * 10) / 10} mm`);
  if (e.lensModel) await expect(f('lens')).toHaveText(e.lensModel);
  await expect(f('pixels')).toContainText(`${e.exifImageWidth} × ${e.exifImageHeight}`);
  await expect(f('place')).toContainText(e.city);
  // Taken on the photo's own clock (localDateTime) in its zone.
  const local = new Date(full.localDateTime);
  const hhmm = `${String(local.getUTCHours()).padStart(2, '0')}:${String(local.getUTCMinutes()).padStart(2, '0')}`;
  await expect(f('taken')).toContainText(`${local.getUTCDate()} `);
  await expect(f('taken')).toContainText(`${local.getUTCFullYear()}, ${hhmm}`);
  if (e.timeZone) await expect(f('taken')).toContainText(e.timeZone);
  const href = await page.getByTestId('info-map').getAttribute('href');
  expect(href).toContain(`mlat=${e.latitude.toFixed(6)}`);
  expect(href).toContain(`mlon=${e.longitude.toFixed(6)}`);
  // The grid's listing never carried these: only this asset's record was read.
  const records = (await server.requests()).filter((r) => r.path.startsWith('/api/asset/') && !r.path.includes('thumbnail') && !r.path.includes('file'));
  expect(records.map((r) => r.path)).toContain(`/api/asset/${full.id}`);
});

test.describe('on a phone (390×844, touch)', () => {
  test.use({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });

  async function swipe(page: Page, fromX: number, toX: number, y: number): Promise<void> {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x: fromX, y }] });
    for (let i = 1; i <= 6; i++) {
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x: fromX + ((toX - fromX) * i) / 6, y }] });
    }
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    await cdp.detach();
  }

  test('tap opens, the photo fills the screen, swipes step, the info panel slides up from the bottom', async ({ page, server }) => {
    const app = await openApp(page, server);
    const expected = shownByDefault(await serverAssets(server));
    await app.tiles.first().tap();
    await expect(viewer(page)).toBeVisible();
    expect(await shownId(page)).toBe(expected[0].id);
    await expectPreviewDrawn(page, expected[0].id);
    const box = (await page.getByTestId('viewer-stage').boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.width).toBeGreaterThanOrEqual(388);
    expect(box.height).toBeGreaterThan(600);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    // The info panel slides up from the bottom, over the photo's lower part.
    await page.getByTestId('viewer-info-toggle').tap();
    const panel = page.getByTestId('viewer-info');
    await expect(panel).toBeVisible();
    await expect(page.getByTestId('info-file-name')).toHaveText(expected[0].originalFileName);
    await expect.poll(async () => (await panel.boundingBox())!.y + (await panel.boundingBox())!.height).toBeCloseTo(844, 0);
    const pb = (await panel.boundingBox())!;
    expect(pb.x).toBe(0);
    expect(pb.width).toBeCloseTo(390, 0);
    expect(pb.y).toBeGreaterThan(844 * 0.3);
    await page.getByTestId('viewer-info-toggle').tap();
    await expect(panel).toBeHidden();
    // Swipes step both ways.
    await swipe(page, 320, 60, 420);
    await expect.poll(() => shownId(page)).toBe(expected[1].id);
    await swipe(page, 320, 60, 420);
    await expect.poll(() => shownId(page)).toBe(expected[2].id);
    await swipe(page, 60, 320, 420);
    await expect.poll(() => shownId(page)).toBe(expected[1].id);
    await expectPreviewDrawn(page, expected[1].id);
    // (A tap right after CDP-dispatched swipes yields no click in headless
    // Chromium; the close button is pressed by keyboard here.)
    await page.getByTestId('viewer-close').focus();
    await page.keyboard.press('Enter');
    await expect(viewer(page)).toBeHidden();
  });
});

test('with an API key on another origin under /immich: the same viewer, files by header, every object URL revoked', async ({ page }) => {
  const appServer = await FixtureServer.start({ appOnly: true, testControls: false, demoSession: true, seed: 99, assets: 1 });
  const api = await FixtureServer.start({
    app: false, demoSession: false, basePath: '/immich', seed: 7, assets: 600, corsOrigins: [appServer.url],
  });
  try {
    const info = await api.info();
    const key: string = info.users.find((u: any) => u.isAdmin).apiKey;
    const expected = shownByDefault(await serverAssets(api));
    // Count object URLs: made, revoked, and alive now.
    await page.addInitScript(() => {
      const live = new Set<string>();
      const w = window as any;
      w.__objectUrls = { made: 0, revoked: 0, live };
      const create = URL.createObjectURL.bind(URL);
      const revoke = URL.revokeObjectURL.bind(URL);
      URL.createObjectURL = (o: any) => {
        const u = create(o);
        w.__objectUrls.made++;
        live.add(u);
        return u;
      };
      URL.revokeObjectURL = (u: string) => {
        if (live.delete(u)) w.__objectUrls.revoked++;
        revoke(u);
      };
    });
    const urls = new Set<string>();
    page.on('request', (req) => urls.add(req.url()));
    await page.goto(`${appServer.url}/`);
    await expect(page.getByTestId('connect')).toBeVisible({ timeout: 20_000 });
    await page.getByTestId('connect-url').fill(api.apiBase);
    await page.getByTestId('connect-auth-key').check();
    await page.getByTestId('connect-key').fill(key);
    await page.getByTestId('connect-test').click();
    await expect(page.getByTestId('connect-ok')).toBeVisible();
    await page.getByTestId('connect-save').click();
    const app = new AppPage(page);
    await app.waitCurrent();

    await app.tiles.first().click();
    await expect(viewer(page)).toBeVisible();
    await expectPreviewDrawn(page, expected[0].id);
    expect((await previewSize(page)).src.startsWith('blob:')).toBeTruthy();
    for (let i = 1; i <= 30; i++) {
      await page.keyboard.press('ArrowRight');
      await expect.poll(() => shownId(page)).toBe(expected[i].id);
    }
    await expectPreviewDrawn(page, expected[30].id);
    // Zoom loads the original, by header too.
    await page.getByTestId('viewer-zoom-in').click();
    await expect.poll(() => page.getByTestId('viewer-original').evaluate((i: HTMLImageElement) => i.complete && i.naturalWidth > 0 && i.src.startsWith('blob:'))).toBeTruthy();
    await page.keyboard.press('Escape');
    await expect(viewer(page)).toBeHidden();
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-id'))).toBe(expected[30].id);

    // Every object URL still alive is a tile's thumbnail on screen: the viewer left none.
    await expect.poll(async () => page.evaluate(() => {
      const shown = new Set([...document.querySelectorAll<HTMLImageElement>('[data-testid=tile] img')].map((i) => i.src));
      return [...(window as any).__objectUrls.live].filter((u: string) => !shown.has(u)).length;
    })).toBe(0);
    const counts = await page.evaluate(() => ({ made: (window as any).__objectUrls.made, revoked: (window as any).__objectUrls.revoked }));
    expect(counts.made).toBeGreaterThan(60);
    expect(counts.revoked).toBeGreaterThan(30);
    // The key never went into a URL; files came from under /immich with the header and no cookie.
    for (const u of urls) expect(u).not.toContain(key);
    const files = (await api.requests()).filter((q) => q.path.startsWith('/api/asset/thumbnail/') || q.path.startsWith('/api/asset/file/'));
    expect(files.some((q) => q.path === `/api/asset/file/${expected[30].id}` && q.status === 200)).toBeTruthy();
    expect(files.every((q) => q.auth === 'apiKeyHeader' && !q.cookie)).toBeTruthy();
  } finally {
    await api.stop();
    await appServer.stop();
  }
});

test('a live photo plays its motion part on press; a stack shows its members and switches between them', async ({ page, server }) => {
  const info = await server.info();
  const key = info.users.find((u: any) => u.isAdmin).apiKey;
  const all = (await serverAssets(server)) as any[];
  const shown = shownByDefault(all) as any[];
  const live = shown.find((a) => a.livePhotoVideoId);
  expect(live, 'the fixture has a live photo').toBeTruthy();
  await openApp(page, server, `?asset=${live.id}`);
  await expect(viewer(page)).toBeVisible();
  await page.getByTestId('viewer-motion').click();
  const motion = page.getByTestId('viewer-motion-video');
  await expect(motion).toBeAttached();
  expect(await motion.getAttribute('src')).toContain(`/api/asset/file/${live.livePhotoVideoId}`);
  await expect.poll(() => motion.evaluate((v: HTMLVideoElement) => v.readyState).catch(() => 4), { timeout: 15_000 }).toBeGreaterThanOrEqual(2);

  const primary = shown.find((a) => (a.stackCount ?? 0) > 1);
  expect(primary, 'the fixture has a stack').toBeTruthy();
  const full = await (await fetch(`${server.url}/api/asset/${primary.id}`, { headers: { 'x-api-key': key } })).json();
  const member = full.stack[0];
  await page.goto(`${server.url}/?asset=${primary.id}`);
  await expect(viewer(page)).toBeVisible();
  const members = page.getByTestId('viewer-stack-member');
  await expect(members).toHaveCount(full.stack.length + 1);
  await members.nth(1).click();
  await expect.poll(() => shownId(page)).toBe(member.id);
  await expectPreviewDrawn(page, member.id);
  await members.nth(0).click();
  await expect.poll(() => shownId(page)).toBe(primary.id);
});
