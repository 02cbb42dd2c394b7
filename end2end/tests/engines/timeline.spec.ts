// A current Immich server (the fixture's --immich-version 3.1.0) in every
// engine (core-chromium, core-firefox, core-webkit): the first load lists the
// library by month and equals the fixture's own months, and a reload asks
// every month with its ETag and gets only 304s (Firefox and WebKit would get
// 200s if the client sent a page-set If-None-Match under the default cache
// mode), showing the same ids. The views only such a server has, the trash
// (isTrashed=true) and partners in the timeline (withPartners=true), as
// links, equal the fixture's own months for them.
import { test, expect } from '../support/engine';
import type { FixtureServer, FixtureRequest } from '../support/server';
import { waitCurrent } from '../support/core';
import { collectShown, contentProblems, serverAssets, serverMonths } from '../support/content';

test.use({ fixtureOptions: { assets: 1500, extraArgs: ['--immich-version', '3.1.0'] } });

/** The ids of the fixture's months, in its order (asked with the admin's key). */
const monthIds = async (server: FixtureServer) => (await serverMonths(server)).flatMap((m) => m.ids);

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

test('v3: the trash and partners in the timeline, as links', async ({ session: s, server }) => {
  test.setTimeout(120_000);
  for (const [search, query] of [['trashed=show', 'isTrashed=true'], ['withPartners=true', 'visibility=timeline&withPartners=true']]) {
    // Both views show every asset they hold (the trash view shows trashed ones).
    const expected = await serverAssets(server, query);
    expect(expected.length, query).toBeGreaterThan(0);
    await server.clearRequests();
    await s.goto(`${server.url}/?${search}`);
    await waitCurrent(s);
    expect(await s.exec(() => (window as any).__immichGrid.ids()), search).toEqual(expected.map((a) => a.id));
    // What a person sees: each tile on screen is the server's asset at its
    // place (id, kind and date in its label), each header the right date.
    await s.waitFor('tiles in view', 10_000, () => document.querySelectorAll('[data-testid=tile]').length > 3);
    const shown = await s.exec(collectShown);
    expect(contentProblems(shown, expected), search).toEqual([]);
    const rs = timeline(await server.requests());
    expect(rs.length).toBeGreaterThan(1);
    for (const r of rs) for (const part of query.split('&')) expect(r.query).toContain(part);
  }
  // The trash view says why it holds only the trash.
  await s.goto(`${server.url}/?trashed=show`);
  await waitCurrent(s);
  await s.exec(() => (document.querySelector('[data-testid=toggle-filters]') as HTMLElement).click());
  await s.waitFor('trash hint', 10_000, () => {
    const el = document.querySelector('[data-testid=trash-hint]') as HTMLElement | null;
    return !!el && !el.hidden && el.textContent!.includes('the trash alone');
  });
});
