// The grid's content in every engine: 30 loads from an empty profile at each
// of two widths, every tile and header on screen checked against the
// fixture's own listing at every poll during the load and after it (see
// support/content.ts). Chromium runs the same check, with more cases,
// through Playwright in tests/content.spec.ts; here it runs in Firefox and
// WebKit, whose timing (and so whose page arrival order) differs.
import { test, expect } from '../support/engine';
import { collectShown, contentProblems, serverAssets, shownByDefault } from '../support/content';
import type { Session } from '../support/webdriver';

test.use({ fixtureOptions: { assets: 3000 } });

/** Empties what the app keeps on this origin, so the next load starts cold. */
async function forget(s: Session): Promise<void> {
  await s.execAsync(async () => {
    localStorage.clear();
    sessionStorage.clear();
    await new Promise<void>((resolve) => {
      const r = indexedDB.deleteDatabase('immich-grid');
      r.onsuccess = r.onerror = r.onblocked = () => resolve();
    });
  });
  await s.goto('about:blank');
}

test('30 cold loads at each of two widths show the server\'s assets under the right dates', async ({ session: s, server, engine }) => {
  test.skip(engine === 'chromium', 'Chromium runs the fuller tests/content.spec.ts through Playwright');
  test.setTimeout(600_000);
  const expected = shownByDefault(await serverAssets(server));
  let snapshots = 0;
  for (const [width, height] of [[1280, 800], [390, 844]]) {
    const got = await s.setViewport(width, height);
    for (let i = 0; i < 30; i++) {
      const where = `[${engine}] load ${i + 1} at ${got.width}px`;
      // Every other load holds the first page back, so later pages answer first.
      if (i % 2 === 1) await server.faults({ latencyMs: 250 + 20 * i, times: 1, path: '/api/asset' });
      await s.goto(server.url);
      for (;;) {
        const state = await s.exec(() => document.querySelector('[data-testid=progress]')?.getAttribute('data-state') ?? null);
        const problems = contentProblems(await s.exec(collectShown), expected);
        expect(problems, `${where}, during the load (${state}): ${problems.slice(0, 3).join('; ')}`).toEqual([]);
        snapshots++;
        if (state === 'current') break;
      }
      // The grid draws the last publish on its next frame, which can come
      // after the status says current on a loaded machine: the screen must
      // fill within a few seconds, and hold the right assets when it has.
      let settled = await s.exec(collectShown);
      for (const t0 = Date.now(); settled.tiles.length <= 3 && Date.now() - t0 < 10_000; ) {
        await new Promise((r) => setTimeout(r, 100));
        settled = await s.exec(collectShown);
      }
      expect(contentProblems(settled, expected), `${where}, after the load`).toEqual([]);
      expect(settled.tiles.length, `${where}: tiles on screen`).toBeGreaterThan(3);
      await fetch(`${server.url}/__fixture/faults`, { method: 'DELETE' });
      await forget(s);
    }
  }
  console.log(`[${engine}] ${s.browser}: content checked in ${snapshots} snapshots over 60 cold loads`);
});
