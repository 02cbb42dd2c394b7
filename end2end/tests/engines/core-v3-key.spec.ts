// The core specs against a current Immich server (the fixture's
// --immich-version 3.1.0 mode: months by /api/timeline/…, records by
// /api/assets/{id}) on the path people take when Immich is elsewhere: the
// app alone on its origin, Immich's API on another origin under /immich,
// an API key typed into the Connect form; after each spec no URL carried
// the key, no key request a cookie, no shared store the key (as
// core-key.spec.ts, through support/core.ts `apiKeyVariant`).
import { coreSpecs, apiKeyVariant } from '../support/core';

coreSpecs(
  apiKeyVariant('v3, API key, Immich on another origin under /immich', { assets: 2500, extraArgs: ['--immich-version', '3.1.0'] }, '3.1.0'),
);
