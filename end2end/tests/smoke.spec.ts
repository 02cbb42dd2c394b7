// The path through every layer: the app, served by the fixture server,
// lists assets through GET /api/asset and shows them as tiles.
import { test, expect } from './support/server';

test('the app shows tiles from the fixture server', async ({ page, server }) => {
  await server.clearRequests();
  await page.goto(server.url);
  const tiles = page.getByTestId('tile');
  await expect(tiles.first()).toBeVisible();
  expect(await tiles.count()).toBeGreaterThan(10);
  const listed = await server.assetRequests();
  expect(listed.length).toBeGreaterThan(0);
  expect(listed.every((r) => r.status === 200 || r.status === 304)).toBeTruthy();
});
