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

  /** Elements under the grid (all descendants). */
  async gridNodes(): Promise<number> {
    return this.page.evaluate(() => document.querySelectorAll('[data-testid=grid] *').length);
  }
}
