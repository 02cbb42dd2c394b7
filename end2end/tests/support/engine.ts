// `test` for specs that run in every engine through WebDriver: the fixture
// server of ./server plus, per worker, the engine's driver process and, per
// test, a fresh browser session (a new, empty profile: no cookies, no
// localStorage, no IndexedDB, no HTTP cache).
import { serverTest, expect } from './server';
import { DriverProcess, Engine, Session } from './webdriver';

export const test = serverTest.extend<{ session: Session }, { engine: Engine; driver: DriverProcess }>({
  engine: ['chromium', { scope: 'worker', option: true }],
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
