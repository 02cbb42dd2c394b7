// `test` for specs that run in every engine through WebDriver: the fixture
// server of ./server plus, per worker, the engine's driver process and, per
// test, a fresh browser session (a new, empty profile: no cookies, no
// localStorage, no IndexedDB, no HTTP cache).
//
// A cross-origin variant (`crossOrigin: true`) also gets `appServer`: the app
// alone on an origin of its own (no API; it sets an Immich login cookie for
// the host, as a browser signed in elsewhere has), while `server` is then the
// Immich API under a path on another origin (see core.ts, core-key.spec.ts).
import { serverTest, expect, FixtureServer } from './server';
import { DriverProcess, Engine, Session } from './webdriver';

export const test = serverTest.extend<
  { session: Session },
  { engine: Engine; driver: DriverProcess; crossOrigin: boolean; appServer: FixtureServer | null }
>({
  engine: ['chromium', { scope: 'worker', option: true }],
  crossOrigin: [false, { scope: 'worker', option: true }],
  appServer: [
    async ({ crossOrigin }, use) => {
      if (!crossOrigin) return use(null);
      // Another seed than the API's: its login cookie is nobody's on the API
      // server, so a request that carried it would fail there.
      const s = await FixtureServer.start({ appOnly: true, testControls: false, demoSession: true, seed: 99, assets: 1 });
      await use(s);
      await s.stop();
    },
    { scope: 'worker' },
  ],
  driver: [
    async ({ engine }, use) => {
      const d = await DriverProcess.start(engine);
      await use(d);
      await d.stop();
    },
    { scope: 'worker' },
  ],
  session: async ({ driver }, use, testInfo) => {
    const s = await driver.newSession();
    testInfo.annotations.push({ type: 'browser', description: s.browser });
    try {
      await s.setViewport(1280, 800);
      await use(s);
    } finally {
      try {
        await s.close();
      } catch (e) {
        // A session whose browser died is already gone; say so with the driver's log.
        if (testInfo.status === testInfo.expectedStatus) throw new Error(`closing the session failed: ${e}\n${driver.log()}`);
      }
    }
  },
});

export { expect };
