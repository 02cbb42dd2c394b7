// Storage faults, made with init scripts that break the browser's storage
// APIs before the app starts: the app keeps working (uncached if it must),
// says so once, and shows exactly the server's assets.
import type { Page } from '@playwright/test';
import { test, expect, FixtureServer } from './support/server';
import { AppPage } from './support/app';
import { expectContent, serverAssets, shownByDefault } from './support/content';

test.use({ fixtureOptions: { assets: 2500 } });

/** Loads, and checks the app holds and shows exactly the server's assets. */
async function loadsAll(page: Page, server: FixtureServer): Promise<AppPage> {
  const app = new AppPage(page);
  await app.open(server.url);
  await app.waitCurrent();
  const assets = await serverAssets(server);
  expect(await app.loadedIds()).toEqual(assets.map((a) => a.id));
  expect(await expectContent(page, shownByDefault(assets), 'loaded')).toBeGreaterThan(0);
  return app;
}

/** The cache note, said once (one element), with `text`. */
async function notedOnce(page: Page, text: RegExp): Promise<void> {
  const note = page.getByTestId('cache-note');
  await expect(note).toHaveCount(1);
  await expect(note).toContainText(text);
}

test('localStorage that throws on every call: loads uncached and says so', async ({ page, server }) => {
  await page.addInitScript(() => {
    const fail = () => {
      throw new DOMException('The operation is insecure.', 'SecurityError');
    };
    for (const m of ['getItem', 'setItem', 'removeItem', 'key', 'clear'] as const) {
      Storage.prototype[m] = fail as any;
    }
    Object.defineProperty(Storage.prototype, 'length', { get: fail });
  });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await loadsAll(page, server);
  await notedOnce(page, /storage/i);
  // A reload works the same (nothing was kept).
  await page.reload();
  await loadsAll(page, server);
  expect(errors).toEqual([]);
});

test('localStorage missing altogether: loads', async ({ page, server }) => {
  await page.addInitScript(() => {
    Object.defineProperty(window, 'localStorage', { get: () => null, configurable: true });
    Object.defineProperty(window, 'sessionStorage', { get: () => null, configurable: true });
  });
  await loadsAll(page, server);
  await notedOnce(page, /storage/i);
});

test('localStorage full: loads, caches what fits or nothing, says so once', async ({ page, server }) => {
  await page.addInitScript(() => {
    const real = Storage.prototype.setItem;
    Storage.prototype.setItem = function (k: string, v: string) {
      if (k.startsWith('immich-grid:v1:etag:')) {
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      }
      return real.call(this, k, v);
    };
  });
  await loadsAll(page, server);
  await notedOnce(page, /full/);
});

test('IndexedDB unavailable (private mode): loads without caching bodies', async ({ page, server }) => {
  await page.addInitScript(() => {
    Object.defineProperty(window, 'indexedDB', { get: () => undefined, configurable: true });
  });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await loadsAll(page, server);
  await page.reload();
  await loadsAll(page, server);
  expect(errors).toEqual([]);
});

test('IndexedDB open that fails: loads', async ({ page, server }) => {
  await page.addInitScript(() => {
    IDBFactory.prototype.open = function () {
      throw new DOMException('A mutation operation was attempted on a database that did not allow mutations.', 'InvalidStateError');
    } as any;
  });
  await loadsAll(page, server);
});

test('corrupt and foreign entries in localStorage: ignored or dropped, the load is right', async ({ page, server }) => {
  // A first load fills the cache; then every entry of ours is garbled and
  // foreign keys are added.
  await loadsAll(page, server);
  await page.evaluate(() => {
    for (let i = 0; i < localStorage.length; i++) {
      const k = localStorage.key(i)!;
      if (k.startsWith('immich-grid:v1:etag:') || k.includes(':sync:')) localStorage.setItem(k, '{"v":1,"etag":');
    }
    localStorage.setItem('immich-grid:v0:etag:old', 'x');
    localStorage.setItem('immich-grid:v1:etag:https://elsewhere|u|skip=0', '\u0000\uffff');
    localStorage.setItem('someone-else', '<script>');
  });
  await page.reload();
  await loadsAll(page, server);
  expect(await page.evaluate(() => localStorage.getItem('someone-else'))).toBe('<script>');
});

test('the IndexedDB database deleted while the app runs: a refresh still ends right', async ({ page, server }) => {
  const app = await loadsAll(page, server);
  await page.evaluate(async () => {
    const dbs = (await indexedDB.databases?.()) ?? [];
    await Promise.all(
      dbs.map(
        (d) =>
          new Promise<void>((resolve) => {
            const r = indexedDB.deleteDatabase(d.name!);
            r.onsuccess = r.onerror = r.onblocked = () => resolve();
          }),
      ),
    );
  });
  await server.change({ new: 3 });
  await page.getByTestId('refresh').click();
  await app.waitCurrent();
  const assets = await serverAssets(server);
  expect(await app.loadedIds()).toEqual(assets.map((a) => a.id));
  // And a reload after that, with the database gone or half there, too.
  await page.reload();
  await loadsAll(page, server);
});
