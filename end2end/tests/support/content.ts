// What the grid shows, checked against an oracle that does not come from the
// app: the fixture's own answer to GET /api/asset (v1), or on a current
// server (v3) to its timeline's months and each asset's record. A tile's
// place in display order (`data-pos`) must hold the server's asset at that
// place (`data-id`, and its name in the tile's label), and every header on
// screen must name the date of the first asset below it.
import type { Page } from '@playwright/test';
import { expect } from '@playwright/test';
import type { FixtureServer } from './server';

/** The fields of an `AssetResponseDto` the checks read. */
export interface ServerAsset {
  id: string;
  originalFileName: string;
  localDateTime: string;
  type: string;
  isTrashed: boolean;
  isOffline: boolean;
  isFavorite: boolean;
  /**
   * The name a tile's label starts with: the file name, or on a current
   * server, whose months carry no file names, the kind (`Photo`, `Video`).
   */
  shownName: string;
}

/** What the person sees in the grid's viewport. */
export interface Shown {
  tiles: { id: string; pos: number; label: string; top: number; left: number; bottom: number }[];
  headers: { text: string; month: boolean; top: number; bottom: number; left: number }[];
  scrollTop: number;
}

/**
 * The admin's library as the server lists it for `query` (e.g.
 * `isFavorite=true`), in server order: `GET /api/asset` on v1; on v3 the
 * timeline's months in the list's order, each month's ids in its order, and
 * each asset's record (`GET /api/assets/{id}`) for its file name, local time
 * and kind.
 */
export async function serverAssets(server: FixtureServer, query = ''): Promise<ServerAsset[]> {
  const info = await server.info();
  const admin = info.users.find((u: any) => u.isAdmin);
  if (server.flavour === 'v3') return timelineAssets(server, admin.apiKey, query);
  const r = await fetch(`${server.apiBase}/api/asset${query ? `?${query}` : ''}`, {
    headers: { 'x-api-key': admin.apiKey },
  });
  expect(r.status).toBe(200);
  const assets: Omit<ServerAsset, 'shownName'>[] = await r.json();
  return assets.map((a) => ({ ...a, shownName: a.originalFileName }));
}

/** A month of the timeline as the server lists it (`GET /api/timeline/buckets`). */
export interface ServerMonth {
  /** `YYYY-MM-DD`, the month's first day. */
  timeBucket: string;
  count: number;
  /** The month's ids, in its order (`GET /api/timeline/bucket`). */
  ids: string[];
}

/** The filters both timeline routes take; anything else has no v3 equivalent. */
const TIMELINE_FILTERS = ['isFavorite', 'isTrashed', 'userId', 'visibility', 'withPartners', 'withStacked', 'order'];

/**
 * GETs `path` of the API with `key`, expecting 200 and JSON. (It throws
 * rather than `expect`s: Playwright records every `expect` as a step, some
 * 10 ms each, and a v3 library asks one record per asset.)
 */
async function getJson(server: FixtureServer, key: string, path: string): Promise<any> {
  const r = await fetch(`${server.apiBase}${path}`, { headers: { 'x-api-key': key } });
  if (r.status !== 200) throw new Error(`GET ${path}: ${r.status}, expected 200`);
  return r.json();
}

/** The `timeBucket` value of a month as the routes take it. */
export const bucketParam = (timeBucket: string) => `${timeBucket.slice(0, 10)}T00:00:00.000Z`;

/** The v3 server's months for `query`, each with its ids (asked with the admin's key). */
export async function serverMonths(server: FixtureServer, query = ''): Promise<ServerMonth[]> {
  const key = (await server.info()).users.find((u: any) => u.isAdmin).apiKey;
  return timelineMonths(server, key, query);
}

async function timelineMonths(server: FixtureServer, key: string, query: string): Promise<ServerMonth[]> {
  for (const k of new URLSearchParams(query).keys()) {
    if (!TIMELINE_FILTERS.includes(k)) throw new Error(`serverAssets: "${k}" has no equivalent on the timeline routes`);
  }
  const list: { timeBucket: string; count: number }[] = await getJson(server, key, `/api/timeline/buckets${query ? `?${query}` : ''}`);
  return Promise.all(
    list.map(async (m) => {
      const month = await getJson(server, key, `/api/timeline/bucket?timeBucket=${encodeURIComponent(bucketParam(m.timeBucket))}${query ? `&${query}` : ''}`);
      expect(month.id.length, `the month ${m.timeBucket} holds what the list says`).toBe(m.count);
      return { timeBucket: m.timeBucket, count: m.count, ids: month.id, columns: month };
    }),
  );
}

/** Each fixture server's asset records by id: a record's name, time and kind never change. */
const records = new WeakMap<FixtureServer, Map<string, Promise<any>>>();

async function timelineAssets(server: FixtureServer, key: string, query: string): Promise<ServerAsset[]> {
  const months = (await timelineMonths(server, key, query)) as (ServerMonth & { columns: any })[];
  let held = records.get(server);
  if (!held) records.set(server, (held = new Map()));
  const cache = held;
  const ids = months.flatMap((m) => m.ids);
  // A few records at a time (the fixture answers each in well under a millisecond).
  const todo = ids.filter((id) => !cache.has(id));
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < todo.length) {
        const id = todo[next++];
        const p = getJson(server, key, `/api/assets/${id}`);
        cache.set(id, p);
        await p;
      }
    }),
  );
  const out: ServerAsset[] = [];
  for (const m of months) {
    const c = m.columns;
    for (let i = 0; i < c.id.length; i++) {
      const r = await cache.get(c.id[i])!;
      if (r.id !== c.id[i]) throw new Error(`the record of ${c.id[i]} is ${r.id}'s`);
      out.push({
        id: r.id,
        originalFileName: r.originalFileName,
        localDateTime: r.localDateTime,
        type: r.type,
        isOffline: r.isOffline ?? false,
        // What may change (a favourite, the trash) as the month says it now.
        isFavorite: c.isFavorite[i],
        isTrashed: c.isTrashed[i],
        shownName: c.isImage[i] ? 'Photo' : 'Video',
      });
    }
  }
  return out;
}

/** The app's default in-app refinements: trashed assets hidden, the rest shown. */
export function shownByDefault(assets: ServerAsset[]): ServerAsset[] {
  return assets.filter((a) => !a.isTrashed);
}

const MONTHS = [
  'January', 'February', 'March', 'April', 'May', 'June',
  'July', 'August', 'September', 'October', 'November', 'December',
];
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** `Fri, 3 May 2024`: the day header for an asset's local date and time. */
export function dayHeader(localDateTime: string): string {
  const d = new Date(localDateTime);
  return `${WEEKDAYS[d.getUTCDay()]}, ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()].slice(0, 3)} ${d.getUTCFullYear()}`;
}

/** `May 2024`: the month header for an asset's local date and time. */
export function monthHeader(localDateTime: string): string {
  const d = new Date(localDateTime);
  return `${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}

/**
 * Reads the tiles and headers inside the grid's viewport. Runs in the page
 * (self-contained: Playwright's `page.evaluate` and WebDriver's execute
 * both take it).
 */
export function collectShown(): Shown {
  const grid = document.querySelector('[data-testid=grid]') as HTMLElement | null;
  if (!grid) return { tiles: [], headers: [], scrollTop: 0 };
  const view = grid.getBoundingClientRect();
  const inView = (r: DOMRect) => r.bottom > view.top + 1 && r.top < view.bottom - 1 && r.height > 0;
  const tiles = Array.from(grid.querySelectorAll<HTMLElement>('[data-testid=tile]'))
    .map((el) => ({ el, r: el.getBoundingClientRect() }))
    .filter(({ r }) => inView(r))
    .map(({ el, r }) => ({
      id: el.dataset.id ?? '',
      pos: Number(el.dataset.pos),
      label: el.getAttribute('aria-label') ?? '',
      top: r.top,
      left: r.left,
      bottom: r.bottom,
    }));
  const headers = Array.from(grid.querySelectorAll<HTMLElement>('.ig-month-header, .ig-day-header'))
    .map((el) => ({ el, r: el.getBoundingClientRect() }))
    .filter(({ r }) => inView(r))
    .map(({ el, r }) => ({
      text: (el.textContent ?? '').trim(),
      month: el.classList.contains('ig-month-header'),
      top: r.top,
      bottom: r.bottom,
      left: r.left,
    }));
  return { tiles, headers, scrollTop: grid.scrollTop };
}

/** Reads what the grid's viewport shows, with Playwright. */
export async function readShown(page: Page): Promise<Shown> {
  return page.evaluate(collectShown);
}

/**
 * Every problem with what is shown, as sentences (empty when all is right).
 * `expected` is the displayed order the view should have (the server's list
 * with the view's refinements applied). During a load the app may show fewer
 * assets than `expected`, but never another asset at a place.
 */
export function contentProblems(shown: Shown, expected: ServerAsset[]): string[] {
  const problems: string[] = [];
  const seen = new Set<number>();
  for (const t of shown.tiles) {
    const want = expected[t.pos];
    if (seen.has(t.pos)) problems.push(`two tiles at position ${t.pos}`);
    seen.add(t.pos);
    if (!want) {
      problems.push(`a tile at position ${t.pos}, past the ${expected.length} assets of the view`);
      continue;
    }
    if (t.id !== want.id) {
      problems.push(`position ${t.pos} shows ${t.id} (${t.label}); the server has ${want.id} (${want.originalFileName}) there`);
    } else if (!t.label.startsWith(`${want.shownName}, `)) {
      problems.push(`position ${t.pos}: label "${t.label}" does not name ${want.shownName}`);
    }
  }
  // Each header names the date of the first tile below it (the nearest row
  // under it, its first tile from the header's left edge on, so groups laid
  // side by side are each read under their own header). Headers whose group
  // lies below the band of tiles that exist have nothing under them to check.
  const byRow = [...shown.tiles].sort((a, b) => a.top - b.top || a.left - b.left);
  for (const h of shown.headers) {
    const below = byRow.find((t) => t.top >= h.bottom - 1 && t.left >= h.left - 1);
    if (!below || below.top - h.bottom > 120) continue;
    const asset = expected[below.pos];
    if (!asset) continue;
    const want = h.month ? monthHeader(asset.localDateTime) : dayHeader(asset.localDateTime);
    if (h.text !== want) {
      problems.push(`header "${h.text}" above position ${below.pos} (${asset.originalFileName}, ${asset.localDateTime}); expected "${want}"`);
    }
  }
  return problems;
}

/** Asserts what is on screen now; returns how many tiles were checked. */
export async function expectContent(page: Page, expected: ServerAsset[], where: string): Promise<number> {
  const shown = await readShown(page);
  const problems = contentProblems(shown, expected);
  expect(problems, `${where}: ${problems.slice(0, 5).join('; ')}`).toEqual([]);
  return shown.tiles.length;
}

/** Waits two animation frames (the grid renders in requestAnimationFrame). */
export async function frames(page: Page): Promise<void> {
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

/** Scrolls the grid to `fraction` of its range and lets it render. */
export async function scrollGrid(page: Page, fraction: number): Promise<void> {
  await page.getByTestId('grid').evaluate((el, f) => {
    el.scrollTop = (el.scrollHeight - el.clientHeight) * f;
  }, fraction);
  await frames(page);
  await frames(page);
}
