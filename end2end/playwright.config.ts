// End-to-end tests of immich-grid in Debian's Chromium against the fixture
// server. Run through `cargo xtask test`, which builds the app and the server
// and passes their paths in IMMICH_GRID_DIST and IMMICH_FIXTURE_BIN.
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: './tests',
  // Two cores: one worker keeps timings honest; no retries that hide flakiness.
  workers: 1,
  retries: 0,
  timeout: 60_000,
  reporter: [['list']],
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
});
