// The companion proxy (crates/immich-grid-proxy) in front of the fixture,
// allowing favourites only: a widget on another origin (examples/proxy.html,
// served by support/host.ts under a strict CSP) shows the public grid with
// no API key anywhere in the browser, and the app served by the proxy itself
// needs no login and hides the filters the proxy forbids.
import { spawn, ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { test, expect, FixtureServer, listeningUrl } from './support/server';
import { HostServer } from './support/host';
import { serverAssets, shownByDefault, ServerAsset } from './support/content';

/** One running immich-grid-proxy, its stderr (the access log) kept. */
class ProxyServer {
  private constructor(
    readonly url: string,
    private readonly proc: ChildProcess,
    private readonly stderr: () => string,
  ) {}

  /** Everything the proxy logged so far. */
  get log(): string {
    return this.stderr();
  }

  static async start(config: string): Promise<ProxyServer> {
    const bin = process.env.IMMICH_GRID_PROXY_BIN;
    if (!bin) throw new Error('run through `cargo xtask test` (IMMICH_GRID_PROXY_BIN unset)');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'igp-'));
    const file = path.join(dir, 'config.toml');
    fs.writeFileSync(file, config);
    const proc = spawn(bin, ['serve', '--config', file, '--listen', '127.0.0.1:0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    proc.stderr!.on('data', (c: Buffer) => {
      log += c.toString();
    });
    const url = await listeningUrl(proc, 'proxy');
    return new ProxyServer(url, proc, () => log);
  }

  stop(): void {
    this.proc.kill('SIGTERM');
  }
}

let host: HostServer;
let immich: FixtureServer;
let proxy: ProxyServer;
let key: string;
let favourites: ServerAsset[];

test.beforeAll(async () => {
  host = await HostServer.start();
  // No app, no demo session: the fixture is only the upstream Immich.
  immich = await FixtureServer.start({ assets: 800, app: false, demoSession: false });
  const info = await immich.info();
  key = info.users.find((u: any) => u.isAdmin).apiKey;
  expect(key.length).toBeGreaterThan(8);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'igp-key-'));
  const keyFile = path.join(dir, 'api-key');
  fs.writeFileSync(keyFile, `${key}\n`, { mode: 0o600 });
  proxy = await ProxyServer.start(
    [
      `upstream = ${JSON.stringify(immich.url)}`,
      `api_key_file = ${JSON.stringify(keyFile)}`,
      `app_dir = ${JSON.stringify(process.env.IMMICH_GRID_DIST)}`,
      'is_favorite = true',
      `cors_origins = [${JSON.stringify(host.url)}]`,
      '',
    ].join('\n'),
  );
  host.configure({ appUrl: `${proxy.url}/`, serverUrl: proxy.url });
  // The proxy forces isFavorite=true and (by default) isArchived=false.
  favourites = shownByDefault(await serverAssets(immich, 'isFavorite=true&isArchived=false'));
  expect(favourites.length).toBeGreaterThan(10);
  const all = shownByDefault(await serverAssets(immich));
  expect(all.length).toBeGreaterThan(favourites.length * 2);
});

test.afterAll(async () => {
  proxy?.stop();
  await immich?.stop();
  await host?.stop();
});

/** Every request the page makes, with all its headers. */
function recordRequests(page: Page): Promise<{ url: string; headers: Record<string, string> }>[] {
  const seen: Promise<{ url: string; headers: Record<string, string> }>[] = [];
  page.on('request', (r) => {
    seen.push(r.allHeaders().then((headers) => ({ url: r.url(), headers })));
  });
  return seen;
}

/** Everything the page's origin stored: cookies, both web storages, every IndexedDB record. */
async function storedText(page: Page): Promise<{ text: string; entries: number }> {
  return page.evaluate(async () => {
    const parts: string[] = [document.cookie];
    let entries = 0;
    for (const s of [localStorage, sessionStorage]) {
      for (let i = 0; i < s.length; i++) {
        const k = s.key(i)!;
        parts.push(k, s.getItem(k) ?? '');
        entries++;
      }
    }
    const asText = (v: any): string => {
      if (v instanceof ArrayBuffer) return new TextDecoder('latin1').decode(new Uint8Array(v));
      if (ArrayBuffer.isView(v)) return new TextDecoder('latin1').decode(v as any);
      if (v instanceof Blob) return '';
      try {
        return JSON.stringify(v, (_k, x) => (ArrayBuffer.isView(x) || x instanceof ArrayBuffer ? asText(x) : x));
      } catch {
        return String(v);
      }
    };
    const blobs: Promise<string>[] = [];
    for (const info of await indexedDB.databases()) {
      const db = await new Promise<IDBDatabase>((res, rej) => {
        const r = indexedDB.open(info.name!);
        r.onsuccess = () => res(r.result);
        r.onerror = () => rej(r.error);
      });
      for (const store of Array.from(db.objectStoreNames)) {
        const values = await new Promise<any[]>((res, rej) => {
          const r = db.transaction(store, 'readonly').objectStore(store).getAll();
          r.onsuccess = () => res(r.result);
          r.onerror = () => rej(r.error);
        });
        const keys = await new Promise<any[]>((res, rej) => {
          const r = db.transaction(store, 'readonly').objectStore(store).getAllKeys();
          r.onsuccess = () => res(r.result);
          r.onerror = () => rej(r.error);
        });
        for (const v of values) {
          if (v instanceof Blob) blobs.push(v.arrayBuffer().then(asText));
          parts.push(asText(v));
          entries++;
        }
        parts.push(asText(keys));
      }
      db.close();
    }
    parts.push(...(await Promise.all(blobs)));
    return { text: parts.join('\n'), entries };
  });
}

/** Checks that the key is nowhere the browser can see, and that the upstream saw only the key. */
async function expectNoKey(page: Page, requests: ReturnType<typeof recordRequests>): Promise<void> {
  const all = await Promise.all(requests);
  expect(all.length).toBeGreaterThan(5);
  for (const r of all) {
    expect(r.url, 'a request URL').not.toContain(key);
    expect(r.url).not.toMatch(/apiKey=|[?&]key=/i);
    for (const [name, value] of Object.entries(r.headers)) {
      expect(name.toLowerCase(), `a header of ${r.url}`).not.toBe('x-api-key');
      expect(value, `header ${name} of ${r.url}`).not.toContain(key);
    }
  }
  const stored = await storedText(page);
  expect(stored.entries, 'the app stored its cache').toBeGreaterThan(0);
  expect(stored.text).not.toContain(key);
  for (const c of await page.context().cookies()) expect(c.value).not.toContain(key);
  expect(proxy.log.length).toBeGreaterThan(0);
  expect(proxy.log).not.toContain(key);
  // Upstream, every API request carried the proxy's key and no cookie.
  const upstream = (await immich.requests()).filter((r) => r.path.startsWith('/api/'));
  expect(upstream.length).toBeGreaterThan(0);
  for (const r of upstream) {
    expect((r as any).auth, r.path).toBe('apiKeyHeader');
    expect((r as any).cookie, r.path).toBe(false);
  }
}

/** The tiles on screen under `scope`: each holds the favourite at its place. */
async function checkTiles(page: Page, scope: string): Promise<number> {
  const tiles = page.locator(`${scope} [data-testid=tile]`);
  await expect(tiles.first()).toBeVisible({ timeout: 30_000 });
  const shown = await tiles.evaluateAll((els) =>
    els.map((e) => ({ id: e.getAttribute('data-id'), pos: Number(e.getAttribute('data-pos')) })),
  );
  expect(shown.length).toBeGreaterThan(5);
  for (const t of shown) expect(t.id, `tile ${t.pos}`).toBe(favourites[t.pos]?.id);
  // Real thumbnails arrive through the proxy.
  await expect
    .poll(
      () =>
        page
          .locator(`${scope} [data-testid=tile] img`)
          .evaluateAll((imgs) => imgs.filter((i) => (i as HTMLImageElement).naturalWidth > 0).length),
      { timeout: 30_000 },
    )
    .toBeGreaterThan(5);
  return shown.length;
}

test('a widget on another origin shows the favourites through the proxy with no key in the browser', async ({ page }) => {
  const requests = recordRequests(page);
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await immich.clearRequests();
  await page.goto(`${host.url}/proxy.html`);
  await expect
    .poll(() => page.evaluate(() => (window as any).hostEvents.filter((e: any) => e.type === 'loaded').length), {
      timeout: 30_000,
    })
    .toBeGreaterThan(0);
  const events = await page.evaluate(() => (window as any).hostEvents);
  const loaded = events.find((e: any) => e.type === 'loaded');
  expect(loaded.widget).toBe('public');
  expect(loaded.detail.shown).toBe(favourites.length);
  expect(events.filter((e: any) => e.type === 'error')).toEqual([]);
  await checkTiles(page, '#public');
  // Every API call went to the proxy, none to the fixture.
  const urls = (await Promise.all(requests)).map((r) => r.url);
  expect(urls.filter((u) => u.includes('/api/')).every((u) => u.startsWith(`${proxy.url}/api/`))).toBe(true);
  expect(urls.some((u) => u.startsWith(immich.url))).toBe(false);
  await expectNoKey(page, requests);
});

test('the app served by the proxy needs no login and hides the filters the proxy forbids', async ({ page }) => {
  const requests = recordRequests(page);
  await immich.clearRequests();
  await page.goto(`${proxy.url}/`);
  await checkTiles(page, '.ig-app');
  await page.getByTestId('toggle-filters').click();
  // The panel is there (its other controls are), but not the forbidden ones.
  await expect(page.getByTestId('filter-updated-after')).toBeVisible();
  await expect(page.getByTestId('filter-take')).toBeVisible();
  await expect(page.getByTestId('filter-favorite-any')).toBeHidden();
  await expect(page.getByTestId('filter-archived-any')).toBeHidden();
  await expect(page.getByTestId('filter-user')).toBeHidden();
  await expect(page.getByTestId('filter-user-id')).toBeHidden();
  await expect(page.getByRole('group', { name: 'Favourites' })).toHaveCount(0);
  // The proxy allows no other user's library: the app does not ask for partners.
  const urls = (await Promise.all(requests)).map((r) => r.url);
  expect(urls.filter((u) => u.includes('/api/partner'))).toEqual([]);
  await expectNoKey(page, requests);
});
