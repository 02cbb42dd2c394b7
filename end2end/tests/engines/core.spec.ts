// The core specs in the engine of this Playwright project (see
// playwright.config.ts: core-chromium, core-firefox, core-webkit), with the
// browser's Immich session cookie, as on an Immich origin. Another variant
// (sign-in mode) goes in a spec file of its own.
import { coreSpecs } from '../support/core';

coreSpecs({
  name: 'Immich session cookie',
  fixtureOptions: { assets: 2500 },
  appUrl: (server, query) => `${server.url}/${query ? `?${query}` : ''}`,
  auth: 'cookie',
});
