// The path through every layer: the app, served by the fixture server,
// lists assets through GET /api/asset and shows them as tiles.
import { test, expect } from './support/server';
import { AppPage } from './support/app';

test('the app shows tiles from the fixture server', async ({ page, server }) => {
  await server.clearRequests();
  const app = new AppPage(page);
  await app.open(server.url);
  await expect(app.tiles.first()).toBeVisible();
  expect(await app.tiles.count()).toBeGreaterThan(10);
  await app.waitCurrent();
  const listed = await server.assetRequests();
  expect(listed.length).toBeGreaterThan(0);
  expect(listed.every((r) => r.status === 200 || r.status === 304)).toBeTruthy();
  // The demo session is the browser's Immich cookie, as on a real Immich origin.
  expect(listed.every((r) => r.auth === 'cookie')).toBeTruthy();
});
