// End-to-end tests of immich-grid against the fixture server. Run through
// `cargo xtask test`, which builds the app and the server and passes their
// paths in IMMICH_GRID_DIST and IMMICH_FIXTURE_BIN.
//
// Projects:
// - `chromium`: every spec under tests/ (not tests/engines/), driven by
//   Playwright in Debian's Chromium.
// - `core-chromium`, `core-firefox`, `core-webkit`: the core specs of
//   tests/engines/ in each engine through WebDriver (chromedriver,
//   geckodriver + Firefox ESR, WebKitWebDriver + WebKitGTK's MiniBrowser);
//   see tests/support/webdriver.ts. Pick one with `--project core-firefox`.
import { defineConfig } from '@playwright/test';
import type { Engine } from './tests/support/webdriver';

const engineProject = (engine: Engine) => ({
  name: `core-${engine}`,
  testMatch: /engines\/.*\.spec\.ts$/,
  use: { engine },
});

export default defineConfig<{}, { engine: Engine }>({
  testDir: './tests',
  // Two cores: one worker keeps timings honest; no retries that hide flakiness.
  workers: 1,
  retries: 0,
  timeout: 60_000,
  reporter: [['list']],
  projects: [
    {
      name: 'chromium',
      testIgnore: /engines\//,
      use: {
        browserName: 'chromium',
        launchOptions: {
          executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
          args: [
            '--no-sandbox',
            '--headless',
            '--disable-gpu',
            '--disable-quic',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
            '--no-first-run',
          ],
        },
        viewport: { width: 1280, height: 800 },
      },
    },
    engineProject('chromium'),
    engineProject('firefox'),
    engineProject('webkit'),
  ],
});
