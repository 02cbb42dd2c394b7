// A page object for the app: waits and reads through data-testid attributes
// and the read-only window.__immichGrid hook.
import { Page, Locator, expect } from '@playwright/test';

export class AppPage {
  readonly progress: Locator;
  readonly grid: Locator;
  readonly tiles: Locator;

  constructor(readonly page: Page) {
    this.progress = page.getByTestId('progress');
    this.grid = page.getByTestId('grid');
    this.tiles = page.getByTestId('tile');
  }

  async open(url: string): Promise<void> {
    await this.page.goto(url);
  }

  /** Waits until the loader says the view matches the server. */
  async waitCurrent(timeout = 60_000): Promise<void> {
    await expect(this.progress).toHaveAttribute('data-state', 'current', { timeout });
  }

  async loadedIds(): Promise<string[]> {
    return this.page.evaluate(() => (window as any).__immichGrid.ids());
  }

  async shown(): Promise<number> {
    return this.page.evaluate(() => (window as any).__immichGrid.shown());
  }

  /** Thumbnails actually decoded in tiles from object URLs (the path of
   * images fetched with the key in a header). */
  async blobThumbsDrawn(): Promise<number> {
    return this.page.evaluate(
      () =>
        [...document.querySelectorAll<HTMLImageElement>('[data-testid=tile] img')].filter(
          (i) => i.complete && i.naturalWidth > 0 && i.src.startsWith('blob:'),
        ).length,
    );
  }

  /** Elements under the grid (all descendants). */
  async gridNodes(): Promise<number> {
    return this.page.evaluate(() => document.querySelectorAll('[data-testid=grid] *').length);
  }
}

/** Opens the app at `appUrl` (an origin without Immich: Connect opens by
 * itself), types `apiBase` and `key`, tests and saves: the path a person
 * takes with an API key. The load then starts. */
export async function connectWithKey(page: Page, appUrl: string, apiBase: string, key: string): Promise<AppPage> {
  await page.goto(appUrl);
  await expect(page.getByTestId('connect')).toBeVisible({ timeout: 20_000 });
  await page.getByTestId('connect-url').fill(apiBase);
  await page.getByTestId('connect-auth-key').check();
  await page.getByTestId('connect-key').fill(key);
  await page.getByTestId('connect-test').click();
  await expect(page.getByTestId('connect-ok')).toContainText('Immich Admin');
  await page.getByTestId('connect-save').click();
  return new AppPage(page);
}
