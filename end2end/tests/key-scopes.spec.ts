// Least privilege on a current Immich (v3.1.0: the fixture's
// --immich-version mode, keys with scopes): signed in with an API key from
// another origin, the app asks GET /api/api-keys/me and warns when the key
// can do more than a read-only grid needs, naming the four permissions to
// give instead; a read-only key (asset.read, asset.view, user.read,
// partner.read) gets no warning and the grid, thumbnails and viewer work
// with it. The key never appears in a URL or in the warning.
import { test, expect, FixtureServer } from './support/server';
import { AppPage } from './support/app';

const V3 = ['--immich-version', '3.1.0'];
const READ_ONLY = ['asset.read', 'asset.view', 'user.read', 'partner.read'];

test('an "all" key is warned about, a read-only key is not and shows the grid', async ({ page }) => {
  const appServer = await FixtureServer.start({ appOnly: true, testControls: false, demoSession: true, seed: 99, assets: 1 });
  const api = await FixtureServer.start({
    app: false,
    demoSession: false,
    basePath: '/immich',
    assets: 600,
    corsOrigins: [appServer.url],
    extraArgs: V3,
  });
  try {
    const info = await api.info();
    const key: string = info.users.find((u: any) => u.isAdmin).apiKey;
    // The fixture's own months, as ids in order (asked outside the page).
    const get = async (path: string) => {
      const r = await fetch(`${api.apiBase}${path}`, { headers: { 'x-api-key': key } });
      expect(r.status, path).toBe(200);
      return r.json();
    };
    const expected: string[] = [];
    for (const m of await get('/api/timeline/buckets')) {
      const c = await get(`/api/timeline/bucket?timeBucket=${encodeURIComponent(`${m.timeBucket}T00:00:00.000Z`)}`);
      expected.push(...c.id);
    }
    expect(expected.length).toBeGreaterThan(300);
    const urls: string[] = [];
    page.on('request', (r) => urls.push(r.url()));

    const app = new AppPage(page);
    await page.goto(`${appServer.url}/`);
    await expect(page.getByTestId('connect')).toBeVisible({ timeout: 20_000 });
    await page.getByTestId('connect-url').fill(api.apiBase);
    await page.getByTestId('connect-auth-key').check();
    await page.getByTestId('connect-key').fill(key);
    await page.getByTestId('connect-test').click();
    await expect(page.getByTestId('connect-version')).toHaveText('v3.1.0');
    await page.getByTestId('connect-save').click();
    await app.waitCurrent();
    expect(await app.loadedIds()).toEqual(expected);

    // The key holds "all": warned, with what to do.
    const note = page.getByTestId('key-note');
    await expect(note).toBeVisible();
    await expect(note).toContainText('every permission ("all")');
    await expect(note).toContainText(
      'Create a key with only asset.read, asset.view, user.read, partner.read in Immich → Account settings → API keys',
    );
    expect(await note.textContent()).not.toContain(key);
    const asked = (await api.requests()).filter((r) => r.path === '/api/api-keys/me');
    expect(asked.length).toBeGreaterThan(0);
    for (const r of asked) {
      expect(r.auth).toBe('apiKeyHeader');
      expect(r.cookie).toBe(false);
      expect(r.status).toBe(200);
    }
    // Dismissible.
    await page.getByTestId('key-note-dismiss').click();
    await expect(note).toHaveCount(0);

    // The same key re-created with only what the grid needs.
    await api.setKeyPermissions(READ_ONLY);
    await api.clearRequests();
    await page.reload();
    await app.waitCurrent();
    expect(await app.loadedIds()).toEqual(expected);
    await expect(page.getByTestId('key-note')).toHaveCount(0);
    // Thumbnails drawn with the read-only key.
    await expect.poll(() => app.blobThumbsDrawn(), { timeout: 20_000 }).toBeGreaterThan(5);
    // The viewer's preview too.
    await app.tiles.first().click();
    await expect
      .poll(
        () =>
          page.getByTestId('viewer-preview').evaluate((el) => {
            const i = el as HTMLImageElement;
            return i.complete ? Math.max(i.naturalWidth, i.naturalHeight) : 0;
          }),
        { timeout: 20_000 },
      )
      .toBe(720);
    const rs = await api.requests();
    expect(rs.filter((r) => r.status === 403)).toEqual([]);
    expect(rs.filter((r) => r.path === '/api/api-keys/me' && r.status === 200).length).toBeGreaterThan(0);
    // The server does refuse what the read-only key lacks (Immich's 403).
    const anId = expected[0];
    const refused = await fetch(`${api.apiBase}/api/assets/${anId}/original`, { headers: { 'x-api-key': key } });
    expect(refused.status).toBe(403);
    expect((await refused.json()).message).toBe('Missing required permission: asset.download');

    // A key with more than reads but not "all": named.
    await api.setKeyPermissions([...READ_ONLY, 'asset.delete']);
    await page.reload();
    await app.waitCurrent();
    await expect(page.getByTestId('key-note')).toContainText('needs: asset.delete.');

    expect(urls.filter((u) => u.includes(key))).toEqual([]);
  } finally {
    await api.stop();
    await appServer.stop();
  }
});
