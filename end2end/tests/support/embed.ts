// What the embedding specs share: the host page's record of the widgets'
// events (examples/host-element.js keeps them in window.hostEvents), and a
// check that the tiles of a widget or frame hold the server's listing.
import type { Frame, Page } from '@playwright/test';
import { expect } from '@playwright/test';
import { serverMonths, type ServerAsset } from './content';
import type { FixtureServer } from './server';

export type HostEvent = { widget: string; type: string; detail: any };

/** Every immich-grid event the host page heard, oldest first. */
export const events = (page: Page): Promise<HostEvent[]> => page.evaluate(() => (window as any).hostEvents);

/** Waits for `n` events `type` of a widget and gives the n-th. */
export async function hostEvent(page: Page, widget: string, type: string, n = 1): Promise<HostEvent> {
  const of = async () => (await events(page)).filter((e) => e.widget === widget && e.type === type);
  await expect.poll(async () => (await of()).length, { timeout: 30_000 }).toBeGreaterThanOrEqual(n);
  return (await of())[n - 1];
}

/** Waits for `n` `loaded` events of a widget and gives the n-th. */
export const loaded = (page: Page, widget: string, n = 1): Promise<HostEvent> => hostEvent(page, widget, 'loaded', n);

/**
 * The tiles on screen under `scope` (`#id ` of a widget, or '' in a frame):
 * each holds the server's asset at its place, by id and name (the
 * start of its label). Answers how many were checked.
 */
export async function checkTiles(where: Page | Frame, scope: string, expected: ServerAsset[]): Promise<number> {
  const tiles = where.locator(`${scope}[data-testid=tile]`);
  await expect(tiles.first()).toBeVisible();
  const shown = await tiles.evaluateAll((els) =>
    els.map((e) => ({ id: e.getAttribute('data-id'), pos: Number(e.getAttribute('data-pos')), label: e.getAttribute('aria-label') ?? '' })),
  );
  expect(shown.length).toBeGreaterThan(0);
  for (const t of shown) {
    expect(t.id, `tile ${t.pos} of ${scope || 'the frame'}`).toBe(expected[t.pos]?.id);
    expect(t.label.startsWith(`${expected[t.pos]?.shownName},`), `tile ${t.pos}: ${t.label}`).toBeTruthy();
  }
  return shown.length;
}

/**
 * Checks the first screen of tiles, then scrolls the grid to its end and
 * checks the last ones: the whole listing is there, in the server's order.
 */
export async function checkListing(where: Page | Frame, scope: string, expected: ServerAsset[]): Promise<void> {
  await checkTiles(where, scope, expected);
  await where.locator(`${scope}[data-testid=grid]`).evaluate((g) => (g.scrollTop = g.scrollHeight));
  const last = () =>
    where
      .locator(`${scope}[data-testid=tile]`)
      .evaluateAll((els) => Math.max(...els.map((e) => Number(e.getAttribute('data-pos')))));
  await expect.poll(last).toBe(expected.length - 1);
  await checkTiles(where, scope, expected);
}

/**
 * On a v3 server, after examples/element.html's two widgets loaded: the
 * library was listed by month, never by `/api/asset`; the favourites'
 * widget asked each of the server's favourite months (with `isFavorite=true`),
 * the videos' widget every month (the kind is refined in the app), each
 * downloaded with the visitor's session cookie. Answers how many month
 * requests were made.
 */
export async function expectListedByMonth(server: FixtureServer): Promise<number> {
  const log = await server.requests();
  expect(log.filter((r) => r.path === '/api/asset'), 'no /api/asset on v3').toEqual([]);
  const months = log.filter((r) => r.path === '/api/timeline/bucket');
  for (const r of months) {
    expect(r.status, r.query).toBe(200);
    expect(r.auth, r.query).toBe('cookie');
  }
  const asked = (fav: boolean) =>
    [...new Set(months.filter((r) => (new URLSearchParams(r.query).get('isFavorite') === 'true') === fav).map((r) => new URLSearchParams(r.query).get('timeBucket')!.slice(0, 10)))].sort();
  const names = (ms: { timeBucket: string }[]) => ms.map((m) => m.timeBucket.slice(0, 10)).sort();
  expect(asked(true), 'the favourite months').toEqual(names(await serverMonths(server, 'isFavorite=true')));
  expect(asked(false), 'every month').toEqual(names(await serverMonths(server)));
  return months.length;
}
