// The core specs (grid, reload 304s, favourites, keyboard, scroll, viewer,
// deep link, info panel) against a current Immich server: the fixture's
// --immich-version 3.1.0 mode, which lists the library by month
// (/api/timeline/buckets and /bucket, ETags and 304s) and has no
// /api/asset. Signed in with the browser's Immich session cookie, in every
// engine (core-chromium, core-firefox, core-webkit).
import { coreSpecs, cookieVariant } from '../support/core';

coreSpecs(cookieVariant('v3, Immich session cookie', { assets: 2500, extraArgs: ['--immich-version', '3.1.0'] }));
