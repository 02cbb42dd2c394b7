// The widget, the frame protocol and static hosting in Firefox and WebKit
// (through WebDriver), with the essential assertions of the Chromium specs
// tests/widget.spec.ts, frame.spec.ts and site.spec.ts: two elements with
// their own grids and events, a live attribute, a removal that leaves no
// timer or request; a frame the host sizes and hears, that ignores a foreign
// origin; dist/ under a sub-path with and without config.json. The strict
// CSP is on everywhere, and the browser reports any violation to the host
// server (report-uri), which must have none; a page that breaks the policy
// on purpose shows the reports do arrive.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, expect } from '../support/engine';
import { FixtureServer } from '../support/server';
import { HostServer } from '../support/host';
import { serverAssets, shownByDefault, ServerAsset } from '../support/content';
import { waitCurrent } from '../support/core';
import { expectListedByMonth } from '../support/embed';
import type { Session } from '../support/webdriver';

let host: HostServer;

test.beforeAll(async () => {
  host = await HostServer.start();
});

test.afterAll(async () => {
  await host?.stop();
});

test.skip(({ engine }) => engine === 'chromium', 'Chromium runs the fuller widget, frame and site specs through Playwright');

test.beforeEach(async () => {
  test.setTimeout(120_000);
  host.violations.length = 0;
});

/** A copy of dist/ with `config` as its config.json. */
function distWith(config: unknown): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ig-dist-'));
  fs.cpSync(process.env.IMMICH_GRID_DIST!, dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  return dir;
}

/** No violation reported; waits a moment, as reports are sent after the fact. */
async function expectNoViolations(): Promise<void> {
  await new Promise((r) => setTimeout(r, 1000));
  expect(host.violations, 'Content-Security-Policy violations').toEqual([]);
}

type HostEvent = { widget: string; type: string; detail: any };

/** Waits for `n` host events `type` of `widget`; gives the n-th. */
async function hostEvent(s: Session, widget: string, type: string, n = 1): Promise<HostEvent> {
  return s.waitFor(`${n} ${type} event(s) of ${widget}`, 45_000, (w: string, t: string, k: number) => {
    const all = ((window as any).hostEvents ?? []).filter((e: any) => e.widget === w && e.type === t);
    return all.length >= k ? all[k - 1] : null;
  }, widget, type, n);
}

/** The tiles of element `id` (in its shadow root), or of the page when id is ''. */
function tilesOf(id: string): { id: string; pos: number; label: string }[] {
  const root: ParentNode | null | undefined = id ? document.getElementById(id)?.shadowRoot : document;
  return Array.from(root?.querySelectorAll('[data-testid=tile]') ?? []).map((e) => ({
    id: e.getAttribute('data-id') ?? '',
    pos: Number(e.getAttribute('data-pos')),
    label: e.getAttribute('aria-label') ?? '',
  }));
}

/** Every tile of `id` holds the server's asset at its place (id and file name). */
async function checkTiles(s: Session, id: string, expected: ServerAsset[]): Promise<void> {
  await s.waitFor(`tiles of ${id || 'the page'}`, 20_000, (w: string) => {
    const root: ParentNode | null | undefined = w ? document.getElementById(w)?.shadowRoot : document;
    return (root?.querySelectorAll('[data-testid=tile]').length ?? 0) > 0;
  }, id);
  const tiles = await s.exec(tilesOf, id);
  expect(tiles.length).toBeGreaterThan(0);
  for (const t of tiles) {
    expect(t.id, `tile ${t.pos} of ${id || 'the page'}`).toBe(expected[t.pos]?.id);
    expect(t.label.startsWith(`${expected[t.pos]?.shownName},`), t.label).toBe(true);
  }
}

test('the CSP reports of a page that breaks the policy reach the host', async ({ session: s }) => {
  host.configure({ appUrl: `${host.url}/`, serverUrl: host.url });
  const t0 = Date.now();
  await s.goto(`${host.url}/__csp-check.html`);
  for (const deadline = Date.now() + 15_000; host.violations.length === 0 && Date.now() < deadline; ) {
    await new Promise((r) => setTimeout(r, 50));
  }
  console.log(`[${s.engine}] ${s.browser}: CSP report after ${Date.now() - t0} ms: ${host.violations[0]}`);
  expect(host.violations.length, 'a report of the inline style').toBeGreaterThan(0);
  host.violations.length = 0;
});

test('two elements show their own grids and tell the host; an attribute changes one; removal leaves no timer or request', async ({ session: s, engine }) => {
  const immich = await FixtureServer.start({ assets: 400, corsOrigins: [host.url], cspReport: host.reportUri });
  try {
    host.configure({ appUrl: `${immich.url}/`, serverUrl: immich.url, probe: true });
    // The visitor's Immich session: a login cookie for the host name.
    const admin = (await immich.info()).users.find((u: any) => u.isAdmin);
    await s.goto(`${host.url}/__nothing`);
    await s.addCookie('immich_access_token', admin.accessToken);
    await s.goto(`${host.url}/element.html`);

    const favs = shownByDefault(await serverAssets(immich, 'isFavorite=true'));
    const videos = shownByDefault(await serverAssets(immich)).filter((a) => a.type === 'VIDEO');
    expect((await hostEvent(s, 'favourites', 'loaded')).detail.shown).toBe(favs.length);
    expect((await hostEvent(s, 'videos', 'loaded')).detail.shown).toBe(videos.length);
    await hostEvent(s, 'favourites', 'ready');
    await hostEvent(s, 'videos', 'ready');
    expect(await s.exec(() => (window as any).hostEvents.filter((e: any) => e.type === 'error'))).toEqual([]);
    await checkTiles(s, 'favourites', favs);
    await checkTiles(s, 'videos', videos);
    // One download of the wasm for both.
    expect(await s.exec(() => performance.getEntriesByType('resource').filter((e) => e.name.endsWith('.wasm')).length)).toBe(1);
    // The host's CSS stays out of the shadow root (its red borders on every div).
    expect(await s.exec(() => getComputedStyle(document.getElementById('favourites')!.shadowRoot!.querySelector('[data-testid=tile]')!).borderTopWidth)).toBe('0px');

    // A click on a tile tells the host which asset.
    await s.clickFound(() => document.getElementById('favourites')!.shadowRoot!.querySelector('[data-testid=tile][data-pos="0"]'));
    expect((await hostEvent(s, 'favourites', 'open')).detail.id).toBe(favs[0].id);

    // An attribute changes the view.
    await s.exec(() => document.getElementById('videos')!.setAttribute('favorite', 'only'));
    const favVideos = videos.filter((a) => a.isFavorite);
    // The latest `loaded` of that element counts the favourite videos.
    await s.waitFor('the favourite videos loaded', 45_000, (n: number) =>
      ((window as any).hostEvents ?? []).filter((e: any) => e.widget === 'videos' && e.type === 'loaded').at(-1)?.detail.shown === n,
      favVideos.length,
    );
    await checkTiles(s, 'videos', favVideos);

    // Removal: the background sync timers go, and no request follows.
    const intervals = await s.exec(() => (window as any).__probe.intervals());
    expect(intervals).toBeGreaterThanOrEqual(2);
    const removedAt = await s.exec(() => {
      document.getElementById('favourites')!.remove();
      document.getElementById('videos')!.remove();
      return performance.now();
    });
    await immich.clearRequests();
    await s.exec(() => window.dispatchEvent(new Event('focus')));
    await new Promise((r) => setTimeout(r, 2000));
    const after = await s.exec((t: number) => (window as any).__probe.fetches.filter((f: any) => f.t >= t).map((f: any) => f.url), removedAt);
    expect(after, 'requests started after removal').toEqual([]);
    // (A thumbnail the browser was still fetching for an <img> may finish
    // after the log was cleared: only the app's own calls count here.)
    const calls = (await immich.requests()).filter((r) => r.path.startsWith('/api/') && !r.path.startsWith('/api/asset/thumbnail/'));
    expect(calls, 'API calls after removal').toEqual([]);
    expect(await s.exec(() => (window as any).__probe.intervals()), 'live intervals after removal').toBe(intervals - 2);
    expect(await s.exec(() => document.querySelectorAll('immich-grid').length)).toBe(0);
    await expectNoViolations();
    console.log(`[${engine}] ${s.browser}: two elements, ${favs.length} and ${videos.length} tiles; ${intervals} → ${intervals - 2} intervals at removal`);
  } finally {
    await immich.stop();
  }
});

test('elements against a current Immich (v3) show the server\'s months, in order, listed by the timeline routes', async ({ session: s, engine }) => {
  const immich = await FixtureServer.start({ assets: 400, corsOrigins: [host.url], cspReport: host.reportUri, extraArgs: ['--immich-version', '3.1.0'] });
  try {
    host.configure({ appUrl: `${immich.url}/`, serverUrl: immich.url });
    const admin = (await immich.info()).users.find((u: any) => u.isAdmin);
    // The server's months (with their records' kinds), asked outside the page.
    const favs = shownByDefault(await serverAssets(immich, 'isFavorite=true'));
    const videos = shownByDefault(await serverAssets(immich)).filter((a) => a.type === 'VIDEO');
    expect(favs.length).toBeGreaterThan(8);
    expect(videos.length).toBeGreaterThan(0);
    await immich.clearRequests();
    await s.goto(`${host.url}/__nothing`);
    await s.addCookie('immich_access_token', admin.accessToken);
    await s.goto(`${host.url}/element.html`);
    expect((await hostEvent(s, 'favourites', 'loaded')).detail.shown).toBe(favs.length);
    expect((await hostEvent(s, 'videos', 'loaded')).detail.shown).toBe(videos.length);
    expect(await s.exec(() => (window as any).hostEvents.filter((e: any) => e.type === 'error'))).toEqual([]);
    await checkTiles(s, 'favourites', favs);
    await checkTiles(s, 'videos', videos);
    // At the end of its grid, the favourites' last month.
    await s.exec(() => {
      const g = document.getElementById('favourites')!.shadowRoot!.querySelector('[data-testid=grid]') as HTMLElement;
      g.scrollTop = g.scrollHeight;
    });
    await s.waitFor('the last favourite', 20_000, (n: number) =>
      Array.from(document.getElementById('favourites')!.shadowRoot!.querySelectorAll('[data-testid=tile]')).some((e) => e.getAttribute('data-pos') === String(n)),
      favs.length - 1,
    );
    await checkTiles(s, 'favourites', favs);
    const months = await expectListedByMonth(immich);
    // A click on the last tile tells the host which asset.
    await s.clickFound((n: number) => document.getElementById('favourites')!.shadowRoot!.querySelector(`[data-testid=tile][data-pos="${n}"]`), favs.length - 1);
    expect((await hostEvent(s, 'favourites', 'open')).detail.id).toBe(favs[favs.length - 1].id);
    await expectNoViolations();
    console.log(`[${engine}] ${s.browser}: v3 elements: ${favs.length} favourites and ${videos.length} videos, ${months} months asked`);
  } finally {
    await immich.stop();
  }
});

test('elements on another origin than Immich (under /immich) sign in with a key typed into one of them', async ({ session: s, engine }) => {
  const app = await FixtureServer.start({ appOnly: true, testControls: false, demoSession: false, assets: 1, appPath: '/grid/', corsOrigins: [host.url], cspReport: host.reportUri });
  const api = await FixtureServer.start({ app: false, demoSession: false, basePath: '/immich', assets: 400, corsOrigins: [host.url] });
  try {
    host.configure({ appUrl: `${app.url}/grid/`, serverUrl: api.apiBase });
    const key = (await api.info()).users.find((u: any) => u.isAdmin).apiKey;
    // A login cookie for the host name that is nobody's on this Immich.
    await s.goto(`${host.url}/__nothing`);
    await s.addCookie('immich_access_token', 'someone-elses-session');
    await s.goto(`${host.url}/element.html`);
    // Refused, each element says so and offers its Connect form.
    await hostEvent(s, 'favourites', 'error');
    await hostEvent(s, 'videos', 'error');
    await s.waitFor('the Connect form', 20_000, () => !!document.getElementById('favourites')?.shadowRoot?.querySelector('[data-testid=connect-url]'));
    expect(await s.exec(() => (document.getElementById('favourites')!.shadowRoot!.querySelector('[data-testid=connect-url]') as HTMLInputElement).value)).toBe(api.apiBase);
    await s.clickFound(() => document.getElementById('favourites')!.shadowRoot!.querySelector('[data-testid=connect-auth-key]'));
    await s.typeFound(() => document.getElementById('favourites')!.shadowRoot!.querySelector('[data-testid=connect-key]'), key);
    await s.clickFound(() => document.getElementById('favourites')!.shadowRoot!.querySelector('[data-testid=connect-test]'));
    const ok = await s.waitFor('the connection tested', 20_000, () => document.getElementById('favourites')!.shadowRoot!.querySelector('[data-testid=connect-ok]')?.textContent ?? null);
    expect(ok).toContain('Connected to Immich v1.103.1 as Immich Admin');
    await s.clickFound(() => document.getElementById('favourites')!.shadowRoot!.querySelector('[data-testid=connect-save]'));

    // Both elements (the second finds the key in the page's memory) show their listing.
    const favs = shownByDefault(await serverAssets(api, 'isFavorite=true'));
    const videos = shownByDefault(await serverAssets(api)).filter((a) => a.type === 'VIDEO');
    expect((await hostEvent(s, 'favourites', 'loaded')).detail.shown).toBe(favs.length);
    expect((await hostEvent(s, 'videos', 'loaded')).detail.shown).toBe(videos.length);
    await checkTiles(s, 'favourites', favs);
    await checkTiles(s, 'videos', videos);

    // The key: in no URL, no cookie with a key request, no attribute or storage of the page.
    const log = await api.requests();
    const keyed = log.filter((r) => r.auth === 'apiKeyHeader');
    expect(keyed.length).toBeGreaterThan(0);
    for (const r of log) expect(`${r.path}?${r.query}`).not.toContain(key);
    for (const r of keyed) expect(r.cookie, `${r.path} carried a cookie`).toBe(false);
    const leaks = await s.exec((k: string) => {
      const hits: string[] = [];
      const walk = (root: Document | ShadowRoot) => {
        for (const el of Array.from(root.querySelectorAll('*'))) {
          for (const a of el.getAttributeNames()) if ((el.getAttribute(a) ?? '').includes(k)) hits.push(a);
          if (el.shadowRoot) walk(el.shadowRoot);
        }
      };
      walk(document);
      for (const st of [localStorage, sessionStorage]) for (let i = 0; i < st.length; i++) if (`${st.key(i)}=${st.getItem(st.key(i)!)}`.includes(k)) hits.push(`storage ${st.key(i)}`);
      return hits;
    }, key);
    expect(leaks).toEqual([]);
    expect(await s.url()).not.toContain(key);
    await expectNoViolations();
    console.log(`[${engine}] ${s.browser}: key typed into an element: ${favs.length} and ${videos.length} tiles, ${keyed.length} key requests without a cookie`);
  } finally {
    await api.stop();
    await app.stop();
  }
});

test('a frame: the host sizes it and hears the opened asset; a foreign origin changes nothing', async ({ session: s, engine }) => {
  const foreign = await HostServer.start();
  const dir = distWith({ allowedParentOrigins: [host.url] });
  const app = await FixtureServer.start({ assets: 60, appPath: '/grid/', appDir: dir, cspReport: host.reportUri });
  try {
    for (const h of [host, foreign]) h.configure({ appUrl: `${app.url}/grid/`, serverUrl: app.url });
    const all = shownByDefault(await serverAssets(app));
    await s.goto(`${host.url}/iframe.html`);
    // The frame reports its content's height once the grid is laid out
    // (60 assets: several rows, far more than the status line's 23 px).
    const reported = await s.waitFor('the grid\'s height from the frame', 45_000, () => {
      const h = ((window as any).frameMessages ?? []).filter((m: any) => m.type === 'immich-grid:height').at(-1)?.height ?? 0;
      return h > 400 ? h : 0;
    });
    // The host applied the latest height it heard (capped at 4000 px by examples/host-frame.js).
    await s.waitFor('the frame sized to its last reported height', 20_000, () => {
      const last = ((window as any).frameMessages ?? []).filter((m: any) => m.type === 'immich-grid:height').at(-1)?.height ?? 0;
      return Math.abs(document.getElementById('frame')!.getBoundingClientRect().height - Math.max(100, Math.min(last, 4000))) < 1;
    });

    await s.switchToFrame('#frame');
    await waitCurrent(s);
    expect(await s.exec(() => (window as any).__immichGrid.shown())).toBe(all.length);
    await checkTiles(s, '', all);
    await s.click('[data-testid=tile][data-pos="0"]');
    await s.switchToParent();
    await s.waitFor('the opened asset at the host', 20_000, (id: string) => document.getElementById('opened')?.textContent === id, all[0].id);

    // Host → frame: a filter.
    await s.click('#favourites');
    await s.switchToFrame('#frame');
    const favs = shownByDefault(await serverAssets(app, 'isFavorite=true'));
    await s.waitFor('the favourites in the frame', 20_000, (n: number) => (window as any).__immichGrid.shown() === n, favs.length);
    await s.switchToParent();
    await expectNoViolations();

    // A page of an origin config.json does not list: no message out, none in.
    await s.goto(`${foreign.url}/iframe.html`);
    await s.switchToFrame('#frame');
    await waitCurrent(s);
    await s.switchToParent();
    await s.click('#favourites');
    await s.click('#dark');
    await new Promise((r) => setTimeout(r, 1500));
    expect(await s.exec(() => (window as any).frameMessages)).toEqual([]);
    await s.switchToFrame('#frame');
    expect(await s.exec(() => (window as any).__immichGrid.shown())).toBe(all.length);
    expect(await s.exec(() => document.documentElement.dataset.theme ?? null)).toBeNull();
    await s.switchToParent();
    await expectNoViolations();
    console.log(`[${engine}] ${s.browser}: frame reported ${reported} px; foreign origin ignored`);
  } finally {
    await app.stop();
    await foreign.stop();
  }
});

test('dist/ under a sub-path works without and with config.json', async ({ session: s, engine }) => {
  const plain = await FixtureServer.start({ assets: 200, appPath: '/a/b/grid/', cspReport: host.reportUri });
  try {
    await s.goto(`${plain.url}/a/b/grid/`);
    await waitCurrent(s);
    const all = shownByDefault(await serverAssets(plain));
    expect(await s.exec(() => (window as any).__immichGrid.shown())).toBe(all.length);
    await checkTiles(s, '', all);
  } finally {
    await plain.stop();
  }
  const dir = distWith({ filters: { isFavorite: true }, layout: 'square', theme: 'dark', locale: 'de' });
  const configured = await FixtureServer.start({ assets: 200, appPath: '/grid/', appDir: dir, cspReport: host.reportUri });
  try {
    await s.goto(`${configured.url}/grid/`);
    await waitCurrent(s);
    const favs = shownByDefault(await serverAssets(configured, 'isFavorite=true'));
    expect(await s.exec(() => (window as any).__immichGrid.shown())).toBe(favs.length);
    await checkTiles(s, '', favs);
    expect(await s.exec(() => document.documentElement.dataset.theme)).toBe('dark');
    // locale "de": the month headers are in German.
    const months = await s.exec(() => Array.from(document.querySelectorAll('.ig-month-header')).map((h) => h.textContent ?? ''));
    expect(months.length).toBeGreaterThan(0);
    for (const m of months) expect(m, 'a German month header').toMatch(/^(Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember) \d{4}$/);
    await expectNoViolations();
    console.log(`[${engine}] ${s.browser}: /a/b/grid/ without and /grid/ with config.json (${favs.length} favourites); headers ${months.slice(0, 2).join(', ')}`);
  } finally {
    await configured.stop();
  }
});
