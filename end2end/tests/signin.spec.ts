// The first visit of someone not signed in yet, in both sign-in modes: the
// status says what is missing in plain words ("not signed in", "refused the
// API key"; never "no longer accepts", which is for a page that was signed
// in), the connect form is offered, and signing in then loads the library.
import { test, expect, FixtureServer } from './support/server';
import { AppPage } from './support/app';
import { serverAssets } from './support/content';

test.use({ fixtureOptions: { assets: 50, demoSession: false } });

test('the Immich session: not signed in, then signed in in another tab and Retry', async ({ page, server }) => {
  const app = new AppPage(page);
  await app.open(server.url);
  await expect(app.progress).toHaveAttribute('data-state', 'error', { timeout: 30_000 });
  const status = page.getByTestId('status-text');
  await expect(status).toContainText('Not signed in: this browser has no Immich session for');
  await expect(status).not.toContainText('no longer');
  await expect(page.getByTestId('connect')).toBeVisible();
  await expect(app.tiles).toHaveCount(0);
  // Signed in to Immich in another tab: the browser now holds its cookie.
  const admin = (await server.info()).users.find((u: any) => u.isAdmin);
  await page.context().addCookies([{ name: 'immich_access_token', value: admin.accessToken, url: server.url }]);
  await page.getByTestId('retry').click();
  await app.waitCurrent();
  expect(await app.loadedIds()).toEqual((await serverAssets(server)).map((a) => a.id));
});

test.describe('an API key against Immich on another origin under /immich', () => {
  let appServer: FixtureServer;
  let api: FixtureServer;
  let key: string;
  test.beforeAll(async () => {
    appServer = await FixtureServer.start({ appOnly: true, testControls: false, demoSession: true, seed: 99, assets: 1 });
    api = await FixtureServer.start({ app: false, demoSession: false, basePath: '/immich', assets: 50, corsOrigins: [appServer.url] });
    key = (await api.info()).users.find((u: any) => u.isAdmin).apiKey;
  });
  test.afterAll(async () => {
    await api?.stop();
    await appServer?.stop();
  });

  test('a wrong key: "refused the API key" without the key; the right key then loads', async ({ page }) => {
    const wrong = 'wrong-key-0123456789abcdef';
    await page.goto(`${appServer.url}/`);
    await expect(page.getByTestId('connect')).toBeVisible({ timeout: 20_000 });
    await page.getByTestId('connect-url').fill(api.apiBase);
    await page.getByTestId('connect-auth-key').check();
    await page.getByTestId('connect-key').fill(wrong);
    await page.getByTestId('connect-save').click();
    const app = new AppPage(page);
    await expect(app.progress).toHaveAttribute('data-state', 'error', { timeout: 30_000 });
    const status = page.getByTestId('status-text');
    await expect(status).toContainText('refused the API key');
    await expect(status).toContainText(api.apiBase);
    await expect(status).not.toContainText('no longer');
    expect(await page.locator('body').innerText()).not.toContain(wrong);
    await expect(page.getByTestId('connect')).toBeVisible();
    await page.getByTestId('connect-key').fill(key);
    await page.getByTestId('connect-save').click();
    await app.waitCurrent();
    const r = await fetch(`${api.apiBase}/api/asset`, { headers: { 'x-api-key': key } });
    expect(await app.loadedIds()).toEqual((await r.json()).map((a: any) => a.id));
  });
});
