// The core specs, run in every engine (Chromium, Firefox, WebKit) through
// WebDriver: what a person sees on a first load, on a reload (all 304s),
// with a filter, with the keyboard and in a fast scroll.
//
// They are parameterised by a variant: how the fixture server is started
// and how the app is opened and signed in. `core.spec.ts` runs them with the
// browser's Immich session (the cookie); another sign-in mode (an API key, a
// cross-origin app) adds a variant there and reuses every spec. The fixture's
// flavour (its options: v1.103's `GET /api/asset` pages, or with
// `--immich-version 3.1.0` a current server's timeline months) decides what
// the specs ask the server and which requests they expect; core-v3*.spec.ts
// run every spec against the v3 fixture.
import { test, expect } from './engine';
import type { FixtureOptions, FixtureServer, FixtureRequest } from './server';
import { Key, Session } from './webdriver';
import { serverAssets, serverMonths, ServerAsset, ServerMonth } from './content';

/** How the app is served and signed in for one run of the core specs. */
export interface CoreVariant {
  /** Shown in the test titles. */
  name: string;
  /**
   * Options of the fixture server (its arguments); a function for a
   * cross-origin variant, given the app's own server (`appServer`, started
   * first: the API must allow its origin by CORS).
   */
  fixtureOptions: FixtureOptions | ((app: FixtureServer) => FixtureOptions);
  /**
   * The app's address for a view: `query` is a query string without `?` (may
   * be empty); `app` is the app's own server in a cross-origin variant.
   */
  appUrl(server: FixtureServer, query: string, app: FixtureServer | null): string;
  /**
   * Runs once in a fresh session before the first visit (e.g. to store an
   * API key through the Connect form); the cookie variant needs nothing.
   */
  signIn?(session: Session, server: FixtureServer, app: FixtureServer | null): Promise<void>;
  /** The `auth` the fixture must log for the app's asset requests. */
  auth: FixtureRequest['auth'];
  /**
   * Checks run at the end of every spec on what the API server logged (e.g.
   * that no request carried the key in its URL, nor a cookie).
   */
  afterEach?(session: Session, server: FixtureServer, app: FixtureServer | null): Promise<void>;
}

/** An asset the grid shows, with its place in the server's list (the tile's `data-index`). */
export interface Shown {
  index: number;
  asset: ServerAsset;
}

/**
 * The browser's Immich session: the app on Immich's own origin, signed in by
 * the login cookie (the fixture's demo session), with `fixture`'s library.
 */
export function cookieVariant(name: string, fixture: FixtureOptions): CoreVariant {
  return {
    name,
    fixtureOptions: fixture,
    appUrl: (server, query) => `${server.url}/${query ? `?${query}` : ''}`,
    auth: 'cookie',
  };
}

async function adminKey(server: FixtureServer): Promise<string> {
  const info = await server.info();
  return info.users.find((u: any) => u.isAdmin).apiKey;
}

/**
 * The path people take when Immich is elsewhere: the app alone on one origin
 * (which also sets an Immich login cookie for the host, as a browser signed
 * in elsewhere has), Immich's API (`fixture`'s library, claiming `version`)
 * on another origin under /immich, and an API key typed into the Connect
 * form. After each spec: no request URL carried the key, no key request
 * carried a cookie, the key is in no store another server can read.
 */
export function apiKeyVariant(name: string, fixture: FixtureOptions, version: string): CoreVariant {
  return {
    name,
    fixtureOptions: (app) => ({
      ...fixture,
      app: false,
      demoSession: false,
      basePath: '/immich',
      corsOrigins: [app.url],
    }),
    appUrl: (_server, query, app) => `${app!.url}/${query ? `?${query}` : ''}`,
    auth: 'apiKeyHeader',

    async signIn(s, server, app) {
      const key = await adminKey(server);
      await s.goto(`${app!.url}/`);
      // The app's own origin has no Immich: the app says so and offers Connect.
      await s.waitFor('the Connect form', 30_000, () => {
        const el = document.querySelector('[data-testid=connect-url]');
        return !!el && el.getBoundingClientRect().height > 0;
      });
      await s.type('[data-testid=connect-url]', server.apiBase);
      await s.click('[data-testid=connect-auth-key]');
      await s.waitFor('the key field', 10_000, () => !!document.querySelector('[data-testid=connect-key]'));
      await s.type('[data-testid=connect-key]', key);
      await s.click('[data-testid=connect-test]');
      const outcome = await s.waitFor('the connection tested', 20_000, () =>
        document.querySelector('[data-testid=connect-ok]')?.textContent || document.querySelector('[data-testid=connect-error]')?.textContent || null,
      );
      expect(outcome).toContain(`Connected to Immich v${version} as Immich Admin`);
      await s.click('[data-testid=connect-save]');
      await waitCurrent(s);
    },

    async afterEach(s, server, app) {
      const key = await adminKey(server);
      const log = await server.requests();
      for (const r of log) {
        const where = `${r.method} ${r.path}?${r.query}`;
        expect(`${r.path}?${r.query}`, `${where}: the key in a URL`).not.toContain(key);
        expect(r.cookie, `${where} carried a cookie`).toBe(false);
        expect(r.auth, where).toBe('apiKeyHeader');
      }
      expect(await s.url()).not.toContain(key);
      // The key stays in this tab (sessionStorage), not in localStorage.
      expect(await s.exec(() => JSON.stringify(Object.entries(localStorage)))).not.toContain(key);
      expect(await s.exec(() => Object.values(sessionStorage).join(' '))).toContain(key);
      // The browser does hold an Immich login cookie for the host (set by the
      // app's origin), which key requests to the API's origin must not send.
      const cookies = await s.cookies();
      const names = cookies.map((c) => c.name);
      console.log(`[${s.engine}] key variant: ${log.length} API requests since the last clear, none with the key in the URL or a cookie; cookies on ${app!.url}: ${names.join(', ') || 'none'}`);
      expect(names).toContain('immich_access_token');
    },
  };
}

/**
 * What the grid shows by default, in order: the server's list without the
 * trashed assets (the app hides the trash unless asked).
 */
function shownByDefault(assets: ServerAsset[]): Shown[] {
  return assets.map((asset, index) => ({ index, asset })).filter((x) => !x.asset.isTrashed);
}


const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * The start of the tile's accessible name a person's screen reader reads:
 * `file name, 3 May 2024, 14:05` (the asset's local wall-clock time, which
 * Immich sends as if it were UTC); on v3, whose months name no file, `Photo`
 * or `Video` in place of the file name.
 */
export function expectedLabel(a: ServerAsset): string {
  const d = new Date(a.localDateTime);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${a.shownName}, ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}, ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}`;
}

/** Waits until the status says the view matches the server. */
export async function waitCurrent(s: Session, timeout = 60_000): Promise<void> {
  await s.waitFor('data-state=current', timeout, () => document.querySelector('[data-testid=progress]')?.getAttribute('data-state') === 'current');
}

/** The tiles inside the grid's viewport, in reading order (top, then left). */
async function visibleTiles(s: Session): Promise<{ index: number; label: string }[]> {
  return s.exec(() => {
    const grid = document.querySelector('[data-testid=grid]');
    if (!grid) return [];
    const g = grid.getBoundingClientRect();
    return Array.from(document.querySelectorAll('[data-testid=tile]'))
      .map((el) => ({ el, r: el.getBoundingClientRect() }))
      .filter(({ r }) => r.width > 0 && r.height > 0 && r.bottom > g.top && r.top < g.bottom && r.right > g.left && r.left < g.right)
      .sort((a, b) => Math.round(a.r.top) - Math.round(b.r.top) || a.r.left - b.r.left)
      .map(({ el }) => ({ index: Number(el.getAttribute('data-index')), label: el.getAttribute('aria-label') ?? '' }));
  });
}

/** The focused element's tile index and label, or null when no tile has focus. */
function focusedTile(): { index: number; label: string; inView: boolean; whole: boolean; atTop: boolean } | null {
  const el = document.activeElement;
  if (!el || el.getAttribute('data-testid') !== 'tile') return null;
  const grid = document.querySelector('[data-testid=grid]');
  const r = el.getBoundingClientRect();
  const g = grid ? grid.getBoundingClientRect() : r;
  return {
    index: Number(el.getAttribute('data-index')),
    label: el.getAttribute('aria-label') ?? '',
    inView: r.bottom > g.top && r.top < g.bottom,
    // Entirely in view (a pixel of rounding either way).
    whole: r.top >= g.top - 1 && r.bottom <= g.bottom + 1,
    atTop: (document.querySelector('.ig-scroller')?.scrollTop ?? -1) === 0,
  };
}

/**
 * Checks that the tiles in view, in reading order, are the first of `shown`,
 * each labelled as a person hears it.
 */
async function expectTopTiles(s: Session, shown: Shown[]): Promise<number> {
  // Tiles appear as the first page is laid out; the state may say current a frame earlier.
  await s.waitFor('tiles in view', 10_000, () => document.querySelectorAll('[data-testid=tile]').length > 0);
  const tiles = await visibleTiles(s);
  expect(tiles.length, 'tiles in view').toBeGreaterThanOrEqual(Math.min(3, shown.length));
  expect(tiles.map((t) => t.index), 'the tiles in view are the first assets, in order').toEqual(shown.slice(0, tiles.length).map((x) => x.index));
  tiles.forEach((t, k) => {
    const want = expectedLabel(shown[k].asset);
    expect(t.label.startsWith(want), `tile ${k}: "${t.label}" names ${want}`).toBe(true);
  });
  return tiles.length;
}

/** Page requests of the listing, as opposed to deltas (`updatedAfter`, which no core view sets itself). */
const pageRequests = (rs: FixtureRequest[]) => rs.filter((r) => !r.query.includes('updatedAfter='));
const deltaRequests = (rs: FixtureRequest[]) => rs.filter((r) => r.query.includes('updatedAfter='));

function summarise(reqs: FixtureRequest[]): string {
  const by = new Map<number, number>();
  for (const r of reqs) by.set(r.status, (by.get(r.status) ?? 0) + 1);
  const statuses = [...by].map(([s, n]) => `${n} × ${s}`).join(', ');
  const bytes = reqs.reduce((n, r) => n + r.bytes, 0);
  return `${reqs.length} listing requests (${statuses || 'none'}), ${bytes} bytes of JSON`;
}

/**
 * What v3 listing requests asked, sorted: `list` for the month list, the
 * month (`YYYY-MM-DD`) for a month.
 */
function asked(reqs: FixtureRequest[]): string[] {
  return reqs
    .map((r) => (r.path === '/api/timeline/buckets' ? 'list' : (new URLSearchParams(r.query).get('timeBucket') ?? '?').slice(0, 10)))
    .sort();
}

/** The month list and every month of `months`, as `asked` names them. */
function everyMonth(months: ServerMonth[]): string[] {
  return ['list', ...months.map((m) => m.timeBucket.slice(0, 10))].sort();
}

/** The path of an asset's preview (v1: `?format=JPEG`, v3: `?size=preview`). */
function isPreview(server: FixtureServer, r: FixtureRequest, id: string): boolean {
  return server.flavour === 'v3'
    ? r.path === `/api/assets/${id}/thumbnail` && new URLSearchParams(r.query).get('size') === 'preview'
    : r.path === `/api/asset/thumbnail/${id}` && r.query.includes('format=JPEG');
}

/** The path of an asset's full record. */
const recordPath = (server: FixtureServer, id: string) => (server.flavour === 'v3' ? `/api/assets/${id}` : `/api/asset/${id}`);

/** Long sides of the fixture's thumbnail (WEBP) and preview (JPEG) of a photo. */
const THUMB_SIDE = 250;
const PREVIEW_SIDE = 720;

/** Waits until the viewer is open on `id`. */
async function waitViewer(s: Session, id: string, timeout = 20_000): Promise<void> {
  await s.waitFor(`the viewer on ${id}`, timeout, (want: string) => {
    const v = document.querySelector('[data-testid=viewer]');
    return !!v && v.getBoundingClientRect().width > 0 && v.getAttribute('data-asset') === want;
  }, id);
}

/** Waits until the viewer is closed. */
async function waitViewerClosed(s: Session): Promise<void> {
  await s.waitFor('the viewer closed', 10_000, () => {
    const v = document.querySelector('[data-testid=viewer]');
    return !v || v.getBoundingClientRect().width === 0;
  });
}

/**
 * Waits until the viewer shows `id` with its preview decoded at the
 * preview's own size (720 px on the long side, not the thumbnail's 250),
 * and checks the thumbnail layer beneath is the small file.
 */
async function expectPreviewDrawn(s: Session, id: string): Promise<void> {
  await waitViewer(s, id);
  const got = await s.waitFor(`the preview of ${id} decoded`, 20_000, (want: number) => {
    const p = document.querySelector('[data-testid=viewer-preview]') as HTMLImageElement | null;
    if (!p || !p.complete) return null;
    const side = Math.max(p.naturalWidth, p.naturalHeight);
    if (side !== want) return null;
    const t = document.querySelector('[data-testid=viewer-thumb]') as HTMLImageElement | null;
    return { side, thumb: t && t.complete ? Math.max(t.naturalWidth, t.naturalHeight) : 0 };
  }, PREVIEW_SIDE);
  expect(got.side).toBe(PREVIEW_SIDE);
  if (got.thumb > 0) expect(got.thumb, 'the thumbnail layer is the small file').toBe(THUMB_SIDE);
}

/**
 * Waits until the viewer's title names `name` (on v3 the file name comes
 * with the asset's record, a moment after the viewer opens).
 */
async function expectViewerName(s: Session, name: string): Promise<void> {
  const got = await s.waitFor(`the viewer named ${name}`, 10_000, (want: string) => {
    const t = document.querySelector('[data-testid=viewer-name]')?.textContent ?? '';
    return t === want ? t : null;
  }, name);
  expect(got).toBe(name);
}

/** The `asset` parameter of the page's address. */
async function assetParam(s: Session): Promise<string | null> {
  return new URL(await s.url()).searchParams.get('asset');
}

/** The id of the focused tile, waiting until it is `want`. */
async function waitFocusOn(s: Session, want: string): Promise<void> {
  await s.waitFor(`focus back on the tile of ${want}`, 10_000, (id: string) => {
    const el = document.activeElement;
    return !!el && el.getAttribute('data-testid') === 'tile' && el.getAttribute('data-id') === id;
  }, want);
}

/**
 * Defines the core specs for `variant`. Call it at the top level of a spec
 * file, once a file: the fixture server is the worker's, started with the
 * variant's options.
 */
export function coreSpecs(variant: CoreVariant): void {
  const opts = variant.fixtureOptions;
  if (typeof opts === 'function') {
    // The API server's options depend on the app's origin (CORS).
    test.use({
      crossOrigin: true,
      fixtureOptions: [async ({ appServer }, use) => use(opts(appServer!)), { scope: 'worker' }],
    });
  } else {
    test.use({ fixtureOptions: opts });
  }
  test.describe(`core (${variant.name})`, () => {
    test.setTimeout(120_000);

    // The app's server of this worker (null unless cross-origin), for `open`.
    let app: FixtureServer | null = null;
    test.beforeEach(async ({ appServer }) => {
      app = appServer;
    });
    if (variant.afterEach) {
      const check = variant.afterEach;
      test.afterEach(async ({ session, server, appServer }) => check(session, server, appServer));
    }

    async function open(s: Session, server: FixtureServer, query = ''): Promise<void> {
      if (variant.signIn) await variant.signIn(s, server, app);
      await s.goto(variant.appUrl(server, query, app));
    }

    test('first load shows the server\'s first assets, in order', async ({ session: s, server, engine }) => {
      const assets = await serverAssets(server);
      await server.clearRequests();
      const t0 = Date.now();
      await open(s, server);
      await waitCurrent(s);
      const ms = Date.now() - t0;
      const n = await expectTopTiles(s, shownByDefault(assets));
      const listed = await server.listingRequests();
      console.log(`[${engine}] ${s.browser}: first load current after ${ms} ms; ${n} tiles in view; ${summarise(listed)}`);
      // Pages are fetched (200), then verified in a pass of conditional
      // requests (304) before the view says current.
      expect(listed.filter((r) => r.status === 200).length).toBeGreaterThan(0);
      for (const r of listed) {
        expect([200, 304], r.query).toContain(r.status);
        if (r.status === 200) expect(r.bytes, r.query).toBeGreaterThan(0);
        else expect(r.ifNoneMatch, `${r.query}: a 304 answers a held ETag`).toBeTruthy();
        expect(r.auth, r.query).toBe(variant.auth);
      }
      if (server.flavour === 'v3') {
        // The month list, then every month of the server, each downloaded
        // once (a sign-in that loaded the grid before the visit makes the
        // visit a reload: its requests are the 304s).
        const months = await serverMonths(server);
        expect(months.length, 'a library of many months').toBeGreaterThan(10);
        expect(asked(listed.filter((r) => r.status === 200)), 'each month downloaded once').toEqual(everyMonth(months));
      }
      expect(await s.exec(() => (window as any).__immichGrid.count())).toBe(assets.length);
      expect(await s.exec(() => (window as any).__immichGrid.shown())).toBe(shownByDefault(assets).length);
      // The app's host answers config.json with index.html (a single-page
      // rewrite, as many hosts do): no file, so no complaint on the page.
      expect(await s.exec(() => document.querySelectorAll('.ig-config-error').length)).toBe(0);
    });

    test('a reload of an unchanged library downloads no listing; a full check is only 304s', async ({ session: s, server, engine }) => {
      const assets = await serverAssets(server);
      await open(s, server);
      await waitCurrent(s);
      const months = server.flavour === 'v3' ? await serverMonths(server) : [];
      const statusText = () => s.exec(() => document.querySelector('[data-testid=status-text]')?.textContent ?? '');
      const before = await statusText();
      await server.clearRequests();
      await s.refresh();
      await waitCurrent(s);
      const listed = await server.listingRequests();
      console.log(`[${engine}] ${s.browser}: reload: ${summarise(listed)}; If-None-Match on ${listed.filter((r) => r.ifNoneMatch).length}`);
      // The status counts the library on screen, as after the first load
      // (not the pages or months downloaded again: none). A total, when
      // known, follows as "of N" (a v1 delta reload does not ask for it).
      const shownCount = (t: string) => /^([\d,]+)(?: of [\d,]+)? assets: up to date$/.exec(t)?.[1];
      expect(shownCount(before), `the status after the first load: ${before}`).toMatch(/^[1-9]/);
      const after = await statusText();
      expect(shownCount(after), `the status after the reload: ${after}`).toBe(shownCount(before));
      expect(listed.length).toBeGreaterThan(0);
      // Pages are verified with their ETags (304, no body); a delta since
      // the last sync, when the app sends one, finds nothing: an empty list.
      for (const r of pageRequests(listed)) {
        expect(r.ifNoneMatch, `${r.query} carries the held ETag`).toBeTruthy();
        expect(r.status, `${r.query} answered`).toBe(304);
        expect(r.bytes, r.query).toBe(0);
      }
      // The delta repeats the first load's question (the watermark stays
      // until the next full check) and the app holds its last answer with
      // the ETag, so it is a 304 in every engine, not a fresh `[]`; so are
      // the deletions since the watermark and the count.
      for (const r of deltaRequests(listed)) {
        expect(r.ifNoneMatch, `${r.query} carries the held ETag`).toBeTruthy();
        expect(r.status, `${r.query} answered`).toBe(304);
        expect(r.bytes, `${r.query}: no body`).toBe(0);
      }
      if (server.flavour === 'v1' && deltaRequests(listed).length) {
        const all = await server.requests();
        const deletes = all.filter((r) => r.path === '/api/audit/deletes');
        expect(deletes.length, 'the deletions are asked').toBeGreaterThan(0);
        const counts = all.filter((r) => r.path === '/api/asset/statistics');
        for (const r of [...deletes, ...counts]) {
          expect(r.ifNoneMatch, `${r.path}?${r.query} carries the held ETag`).toBeTruthy();
          expect(r.status, `${r.path}?${r.query}`).toBe(304);
        }
      }
      expect(pageRequests(listed).length + deltaRequests(listed).length).toBe(listed.length);
      // v3 has no deltas: the month list and every month, each asked once with its ETag.
      if (server.flavour === 'v3') expect(asked(listed), 'the list and every month, once each').toEqual(everyMonth(months));
      // And the grid shows the same library, from this device.
      expect(await s.exec(() => document.querySelector('[data-testid=progress]')?.getAttribute('data-from-cache'))).toBe('true');
      await expectTopTiles(s, shownByDefault(assets));

      // Refresh checks every page with its stored ETag: in every engine each
      // must come back 304 with no body (Firefox and WebKit sent
      // `Cache-Control: no-cache` under the default cache mode, and Immich
      // then answers 200 with the whole page).
      await server.clearRequests();
      await s.click('[data-testid=refresh]');
      // Every page (the app's default pages of 1,000; on v3 the month list
      // and every month) is asked again; then the view is current.
      const pages = server.flavour === 'v3' ? months.length + 1 : Math.ceil(assets.length / 1000);
      for (const deadline = Date.now() + 30_000; pageRequests(await server.listingRequests()).length < pages; ) {
        expect(Date.now(), `the full check asks all ${pages} pages`).toBeLessThan(deadline);
        await new Promise((r) => setTimeout(r, 50));
      }
      await waitCurrent(s);
      const checked = pageRequests(await server.listingRequests());
      console.log(`[${engine}] ${s.browser}: refresh: ${summarise(checked)}`);
      expect(checked.length, 'every page is checked').toBeGreaterThan(1);
      for (const r of checked) {
        expect(r.ifNoneMatch, `${r.query} carries the held ETag`).toBeTruthy();
        expect(r.status, `${r.query} answered`).toBe(304);
        expect(r.bytes, r.query).toBe(0);
      }
      if (server.flavour === 'v3') expect(asked(checked), 'the list and every month, once each').toEqual(everyMonth(months));
      await expectTopTiles(s, shownByDefault(assets));
    });

    test('the favourites filter asks the server for favourites and shows them', async ({ session: s, server, engine }) => {
      const favourites = await serverAssets(server, 'isFavorite=true');
      expect(favourites.length).toBeGreaterThan(8);
      await open(s, server);
      await waitCurrent(s);
      await server.clearRequests();
      // As a person does it: open the Filters panel, pick "only" favourites.
      await s.click('[data-testid=toggle-filters]');
      await s.waitFor('the filters panel', 10_000, () => {
        const el = document.querySelector('[data-testid=filter-favorite-only]');
        return !!el && el.getBoundingClientRect().height > 0;
      });
      await s.click('[data-testid=filter-favorite-only]');
      await s.waitFor('the favourites view', 30_000, () => new URL(location.href).searchParams.get('isFavorite') === 'true');
      await waitCurrent(s);
      // Close the panel to see the grid whole: Escape from the control just
      // used, which gives focus back to the Filters button.
      await s.press(Key.Escape);
      await s.waitFor('the filters panel closed by Escape, focus on its button', 10_000, () => {
        const el = document.querySelector('[data-testid=filter-favorite-only]');
        const button = document.querySelector('[data-testid=toggle-filters]');
        return !el && document.activeElement === button && button?.getAttribute('aria-expanded') === 'false';
      });
      const listed = await server.listingRequests();
      console.log(`[${engine}] favourites: ${summarise(listed)}; server has ${favourites.length} favourites`);
      expect(listed.length).toBeGreaterThan(0);
      // Pages carry the filter; a delta covers the whole library (the view's
      // filters are applied in the app) and must not carry it.
      expect(pageRequests(listed).length).toBeGreaterThan(0);
      for (const r of pageRequests(listed)) expect(new URLSearchParams(r.query).get('isFavorite'), r.query).toBe('true');
      for (const r of deltaRequests(listed)) expect(new URLSearchParams(r.query).get('isFavorite'), r.query).toBeNull();
      // v3: the favourites' month list and each of its months, downloaded once.
      if (server.flavour === 'v3') {
        expect(asked(listed.filter((r) => r.status === 200)), 'the favourites\' months, once each').toEqual(everyMonth(await serverMonths(server, 'isFavorite=true')));
      }
      const shown = shownByDefault(favourites);
      expect(await s.exec(() => (window as any).__immichGrid.shown())).toBe(shown.length);
      await expectTopTiles(s, shown);
      for (const t of await visibleTiles(s)) expect(t.label, 'a favourite says so').toContain('favourite');
    });

    test('End focuses the last asset and Home the first', async ({ session: s, server }) => {
      const shown = shownByDefault(await serverAssets(server));
      const [first, last] = [shown[0], shown[shown.length - 1]];
      await open(s, server);
      await waitCurrent(s);
      await s.waitFor('the first tile', 10_000, (i: number) => document.querySelector(`[data-testid=tile][data-index="${i}"]`) !== null, first.index);
      await s.exec((i: number) => (document.querySelector(`[data-testid=tile][data-index="${i}"]`) as HTMLElement).focus(), first.index);
      await s.press(Key.End);
      const atEnd = await s.waitFor('focus on the last asset', 10_000, (want: number) => {
        const el = document.activeElement;
        const f = el && el.getAttribute('data-testid') === 'tile' ? Number(el.getAttribute('data-index')) : -1;
        return f === want ? true : null;
      }, last.index);
      expect(atEnd).toBe(true);
      const end = await s.exec(focusedTile);
      expect(end?.inView, 'the last asset is scrolled into view').toBe(true);
      // Entirely: real row heights near the end replace the estimates the
      // jump was aimed with, and the view follows them.
      expect(end?.whole, 'the last asset is entirely in view').toBe(true);
      expect(end!.label.startsWith(expectedLabel(last.asset)), `${end!.label} names the last asset`).toBe(true);

      await s.press(Key.Home);
      await s.waitFor('focus on the first asset', 10_000, (i: number) => document.activeElement?.getAttribute('data-index') === String(i), first.index);
      const start = await s.exec(focusedTile);
      expect(start?.inView, 'the first asset is scrolled into view').toBe(true);
      expect(start?.atTop, 'Home shows the top of the grid, its month and day headers').toBe(true);
      expect(start!.label.startsWith(expectedLabel(first.asset))).toBe(true);

      await s.press(Key.ArrowRight);
      await s.waitFor('focus on the second asset', 10_000, (i: number) => document.activeElement?.getAttribute('data-index') === String(i), shown[1].index);
    });

    test('a fast scroll from top to bottom has no long frame and ends at the last assets', async ({ session: s, server, engine }) => {
      const assets = await serverAssets(server);
      const shown = shownByDefault(assets);
      const last = shown[shown.length - 1];
      await open(s, server);
      await waitCurrent(s);
      await s.waitFor('tiles', 10_000, () => document.querySelectorAll('[data-testid=tile]').length > 0);
      // Scroll the grid from top to bottom in 3 s, one step a frame, and
      // record the time between frames (what makes a scroll look smooth).
      const run = await s.execAsync(async (durationMs: number) => {
        const grid = document.querySelector('[data-testid=grid]') as HTMLElement;
        // The height grows as estimated day groups are laid out: aim at the
        // bottom as it is in each frame.
        const bottom = () => grid.scrollHeight - grid.clientHeight;
        const deltas: number[] = [];
        await new Promise<void>((resolve) => {
          let start = -1;
          let last = 0;
          const frame = (t: number) => {
            if (start < 0) start = t;
            else deltas.push(t - last);
            last = t;
            const f = Math.min(1, (t - start) / durationMs);
            grid.scrollTop = bottom() * f;
            if (f < 1) requestAnimationFrame(frame);
            else resolve();
          };
          requestAnimationFrame(frame);
        });
        const sorted = [...deltas].sort((a, b) => a - b);
        return {
          frames: deltas.length,
          worst: sorted[sorted.length - 1],
          p95: sorted[Math.floor(sorted.length * 0.95)],
          over50: deltas.filter((d) => d > 50).length,
          max: bottom(),
          top: grid.scrollTop,
        };
      }, 3000);
      console.log(`[${engine}] ${s.browser}: fast scroll over ${assets.length} assets: ${run.frames} frames, worst ${run.worst.toFixed(1)} ms, p95 ${run.p95.toFixed(1)} ms, ${run.over50} over 50 ms`);
      expect(run.max).toBeGreaterThan(1000);
      expect(run.top / run.max, 'the scroll reached the bottom').toBeGreaterThan(0.99);
      expect(run.frames).toBeGreaterThan(20);
      // Generous: two shared cores and three engines; a janky grid takes far longer.
      expect(run.worst).toBeLessThan(200);
      // At the bottom a person sees the library's last assets (scrolling on
      // while the last groups' real heights replace their estimates).
      await s.waitFor('the last asset in view', 10_000, (want: number) => {
        const g = document.querySelector('[data-testid=grid]') as HTMLElement;
        g.scrollTop = g.scrollHeight;
        const grid = g.getBoundingClientRect();
        const el = document.querySelector(`[data-testid=tile][data-index="${want}"]`);
        if (!el) return false;
        const r = el.getBoundingClientRect();
        return r.bottom > grid.top && r.top < grid.bottom;
      }, last.index);
      const tile = (await visibleTiles(s)).find((t) => t.index === last.index);
      expect(tile!.label.startsWith(expectedLabel(last.asset))).toBe(true);
    });

    test('the viewer opens on a click with the preview drawn at its own size; Escape returns focus to the tile', async ({ session: s, server, engine }) => {
      const shown = shownByDefault(await serverAssets(server));
      await open(s, server);
      await waitCurrent(s);
      await s.waitFor('tiles in view', 10_000, () => document.querySelectorAll('[data-testid=tile]').length > 0);
      // The first photo among the tiles in view (a video shows no preview).
      const inView = new Set((await visibleTiles(s)).map((t) => t.index));
      const target = shown.find((x) => inView.has(x.index) && x.asset.type === 'IMAGE');
      expect(target, 'a photo in view').toBeTruthy();
      const id = target!.asset.id;
      const tile = `[data-testid=tile][data-id="${id}"]`;
      expect(await s.exec((sel: string) => document.querySelector(sel)?.getAttribute('data-index'), tile)).toBe(String(target!.index));
      await server.clearRequests();
      const t0 = Date.now();
      await s.click(tile);
      await expectPreviewDrawn(s, id);
      console.log(`[${engine}] ${s.browser}: viewer: preview drawn ${Date.now() - t0} ms after the click`);
      await expectViewerName(s, target!.asset.originalFileName);
      const dialog = await s.exec(() => {
        const v = document.querySelector('[data-testid=viewer]')!;
        return { role: v.getAttribute('role'), modal: v.getAttribute('aria-modal'), name: document.querySelector('[data-testid=viewer-name]')?.textContent ?? '' };
      });
      expect(dialog).toEqual({ role: 'dialog', modal: 'true', name: target!.asset.originalFileName });
      expect(await assetParam(s)).toBe(id);
      // The preview came from the server's preview endpoint, signed in as the variant is.
      const previews = (await server.requests()).filter((r) => isPreview(server, r, id));
      expect(previews.length, 'the preview was asked for').toBeGreaterThan(0);
      for (const r of previews) {
        expect(r.status, r.query).toBe(200);
        expect(r.auth, r.query).toBe(variant.auth);
      }
      await s.press(Key.Escape);
      await waitViewerClosed(s);
      await waitFocusOn(s, id);
      expect(await assetParam(s)).toBeNull();
    });

    test('Enter on a focused tile opens the viewer on it; Back closes it', async ({ session: s, server }) => {
      const shown = shownByDefault(await serverAssets(server));
      await open(s, server);
      await waitCurrent(s);
      await s.waitFor('the first tile', 10_000, (i: number) => document.querySelector(`[data-testid=tile][data-index="${i}"]`) !== null, shown[0].index);
      await s.exec((i: number) => (document.querySelector(`[data-testid=tile][data-index="${i}"]`) as HTMLElement).focus(), shown[0].index);
      // As a person does it: arrows to the third asset, then Enter.
      await s.press(Key.ArrowRight, Key.ArrowRight);
      await waitFocusOn(s, shown[2].asset.id);
      await s.press(Key.Enter);
      if (shown[2].asset.type === 'IMAGE') await expectPreviewDrawn(s, shown[2].asset.id);
      else await waitViewer(s, shown[2].asset.id);
      await expectViewerName(s, shown[2].asset.originalFileName);
      expect(await assetParam(s)).toBe(shown[2].asset.id);
      // Opening pushed a history entry: Back closes the viewer, the grid stays.
      await s.back();
      await waitViewerClosed(s);
      expect(await assetParam(s)).toBeNull();
      expect(await s.exec(() => document.querySelectorAll('[data-testid=tile]').length)).toBeGreaterThan(3);
    });

    test('a deep link opens the asset on a fresh page; stepping right crosses a page (v3: month) boundary in the server\'s order', async ({ session: s, server, engine }) => {
      const shown = shownByDefault(await serverAssets(server));
      // v1, pages of 100: start a few assets before the server's 100th and
      // step past it. v3: the same across the first month boundary past the
      // 100th asset with 4 assets on each side.
      const take = 100;
      let boundary = take;
      let months: [ServerMonth, ServerMonth] | null = null;
      if (server.flavour === 'v3') {
        const all = await serverMonths(server);
        let at = 0;
        for (let m = 0; m + 1 < all.length && !months; m++) {
          at += all[m].count;
          if (at >= take && all[m].count >= 4 && all[m + 1].count >= 4) [boundary, months] = [at, [all[m], all[m + 1]]];
        }
        expect(months, 'a month boundary past the 100th asset').not.toBeNull();
      }
      const first = shown.findIndex((x) => x.index >= boundary - 4);
      const steps = shown.findIndex((x) => x.index >= boundary + 4) - first;
      expect(steps).toBeGreaterThanOrEqual(8);
      const start = shown[first].asset;
      await server.clearRequests();
      await open(s, server, `${months ? '' : `take=${take}&`}asset=${start.id}`);
      await waitViewer(s, start.id, 60_000);
      await expectViewerName(s, start.originalFileName);
      if (start.type === 'IMAGE') await expectPreviewDrawn(s, start.id);
      const t0 = Date.now();
      for (let i = 1; i <= steps; i++) {
        await s.press(Key.ArrowRight);
        await waitViewer(s, shown[first + i].asset.id);
      }
      const ms = Date.now() - t0;
      const end = shown[first + steps].asset;
      console.log(`[${engine}] ${s.browser}: viewer: ${steps} steps across the ${months ? 'month' : 'page'} boundary at ${boundary} in ${ms} ms`);
      expect(await assetParam(s)).toBe(end.id);
      await expectViewerName(s, end.originalFileName);
      if (end.type === 'IMAGE') await expectPreviewDrawn(s, end.id);
      if (months) {
        // The walk started in one month and ended in the next, which was
        // asked for (signed in as the variant is).
        expect(months[0].ids).toContain(start.id);
        expect(months[1].ids).toContain(end.id);
        const next = (await server.listingRequests()).filter((r) => asked([r])[0] === months![1].timeBucket.slice(0, 10));
        expect(next.length, 'the month after the boundary was asked for').toBeGreaterThan(0);
        for (const r of next) expect(r.auth, r.query).toBe(variant.auth);
      } else {
        // The assets past the boundary came from the server's second page.
        const listed = pageRequests(await server.listingRequests()).map((r) => new URLSearchParams(r.query));
        expect(listed.some((q) => q.get('take') === String(take) && q.get('skip') === String(take)), 'the page after the boundary was asked for').toBe(true);
      }
      // Closing brings the last asset's tile into view, focused.
      await s.press(Key.Escape);
      await waitViewerClosed(s);
      await waitFocusOn(s, end.id);
      expect((await s.exec(focusedTile))?.inView, 'the tile is scrolled into view').toBe(true);
    });

    test('the info panel shows the asset\'s record from the server', async ({ session: s, server }) => {
      const info = await server.info();
      const key = info.users.find((u: any) => u.isAdmin).apiKey;
      // The first photo with a camera, an exposure and a place.
      let full: any = null;
      for (const x of shownByDefault(await serverAssets(server)).slice(0, 200)) {
        if (x.asset.type !== 'IMAGE') continue;
        const r = await fetch(`${server.apiBase}${recordPath(server, x.asset.id)}`, { headers: { 'x-api-key': key } });
        const dto = await r.json();
        const e = dto.exifInfo ?? {};
        if (e.model && e.exposureTime && e.fNumber && e.iso && e.exifImageWidth && e.city) {
          full = dto;
          break;
        }
      }
      expect(full, 'the fixture has a photo with full exif').not.toBeNull();
      // Forget the records asked above (with the key, outside the app).
      await server.clearRequests();
      await open(s, server, `asset=${full.id}`);
      await waitViewer(s, full.id, 60_000);
      await s.click('[data-testid=viewer-info-toggle]');
      await s.waitFor('the info panel', 20_000, () => !!document.querySelector('[data-testid=info-camera]'));
      const text = await s.exec(() => {
        const t = (k: string) => document.querySelector(`[data-testid=info-${k}]`)?.textContent ?? '';
        return { name: t('file-name'), camera: t('camera'), exposure: t('exposure'), pixels: t('pixels'), place: t('place'), taken: t('taken') };
      });
      const e = full.exifInfo;
      expect(text.name).toBe(full.originalFileName);
      expect(text.camera).toContain(e.model);
      expect(text.exposure).toContain(`${e.exposureTime} s`);
      expect(text.exposure).toContain(`f/${Math.round(e.fNumber * 10) / 10}`);
      expect(text.exposure).toContain(`ISO ${e.iso}`);
      expect(text.pixels).toContain(`${e.exifImageWidth} × ${e.exifImageHeight}`);
      expect(text.place).toContain(e.city);
      const local = new Date(full.localDateTime);
      expect(text.taken).toContain(`${local.getUTCFullYear()}, ${String(local.getUTCHours()).padStart(2, '0')}:${String(local.getUTCMinutes()).padStart(2, '0')}`);
      // Read from the asset's own record, signed in as the variant is.
      const records = (await server.requests()).filter((r) => r.path === recordPath(server, full.id));
      expect(records.length).toBeGreaterThan(0);
      for (const r of records) {
        expect(r.status).toBe(200);
        expect(r.auth).toBe(variant.auth);
      }
    });
  });
}
