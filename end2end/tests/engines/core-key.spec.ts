// The core specs with the path real people take when Immich is elsewhere:
// the app alone on one origin (which also sets an Immich login cookie for
// the host, as a browser signed in elsewhere has), Immich's API on another
// origin under /immich, and an API key typed into the Connect form. The
// same specs as core.spec.ts (grid content, reload 304s, filter, keyboard,
// scroll, viewer), plus after each: no request URL carried the key, no key
// request carried a cookie, the key is in no store another server can read
// (support/core.ts `apiKeyVariant`). Chromium runs the fuller cross-origin
// story through Playwright in tests/origins.spec.ts.
import { coreSpecs, apiKeyVariant } from '../support/core';

coreSpecs(apiKeyVariant('API key, Immich on another origin under /immich', { assets: 2500 }, '1.103.1'));
