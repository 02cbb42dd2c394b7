// The core specs in the engine of this Playwright project (see
// playwright.config.ts: core-chromium, core-firefox, core-webkit), with the
// browser's Immich session cookie, as on an Immich origin. Another variant
// (sign-in mode, server version) goes in a spec file of its own.
import { coreSpecs, cookieVariant } from '../support/core';

coreSpecs(cookieVariant('Immich session cookie', { assets: 2500 }));
