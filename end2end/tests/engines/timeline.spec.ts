// A current Immich server (the fixture's --immich-version 3.1.0) in every
// engine (core-chromium, core-firefox, core-webkit): the first load lists the
// library by month and equals the fixture's own months, and a reload asks
// every month with its ETag and gets only 304s (Firefox and WebKit would get
// 200s if the client sent a page-set If-None-Match under the default cache
// mode), showing the same ids.
import { test, expect } from '../support/engine';
import type { FixtureServer, FixtureRequest } from '../support/server';
import { waitCurrent } from '../support/core';

test.use({ fixtureOptions: { assets: 1500, extraArgs: ['--immich-version', '3.1.0'] } });

/** The ids of the fixture's months, in its order (asked with the admin's key). */
async function monthIds(server: FixtureServer): Promise<string[]> {
  const info = await server.info();
  const key = info.users.find((u: any) => u.isAdmin).apiKey;
  const get = async (path: string) => (await fetch(`${server.apiBase}${path}`, { headers: { 'x-api-key': key } })).json();
  const ids: string[] = [];
  for (const m of await get('/api/timeline/buckets')) {
    const c = await get(`/api/timeline/bucket?timeBucket=${m.timeBucket}`);
    ids.push(...c.id);
  }
  return ids;
}

const timeline = (rs: FixtureRequest[]) => rs.filter((r) => r.path.startsWith('/api/timeline/'));

test('v3: the months on first load, and a reload of 304s', async ({ session: s, server, engine }) => {
  test.setTimeout(120_000);
  const expected = await monthIds(server);
  expect(expected.length).toBeGreaterThan(1000);
  await server.clearRequests();
  await s.goto(`${server.url}/`);
  await waitCurrent(s);
  expect(await s.exec(() => (window as any).__immichGrid.ids())).toEqual(expected);
  await s.waitFor('tiles in view', 10_000, () => document.querySelectorAll('[data-testid=tile]').length > 0);
  const cold = timeline(await server.requests());
  expect(cold.length).toBeGreaterThan(3);
  for (const r of cold) expect(r.status, r.query).toBe(200);

  await server.clearRequests();
  await s.refresh();
  await waitCurrent(s);
  expect(await s.exec(() => (window as any).__immichGrid.ids())).toEqual(expected);
  const warm = timeline(await server.requests());
  console.log(`[${engine}] ${s.browser}: v3 reload: ${warm.length} timeline requests, statuses ${[...new Set(warm.map((r) => r.status))]}`);
  expect(warm.length).toBe(cold.length);
  for (const r of warm) {
    expect(r.status, r.query).toBe(304);
    expect(r.ifNoneMatch).toBeTruthy();
  }
});
