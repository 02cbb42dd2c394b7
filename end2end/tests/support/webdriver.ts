// The WebDriver client lives in webdriver.mjs (plain JavaScript, so that the
// plain-Node benchmark end2end/bench/run.mjs can use it too); this module
// re-exports it for the specs, with its TypeScript types.
export { ENGINES, paths, Key, WebDriverError, DriverProcess, Session } from './webdriver.mjs';

export type Engine = 'chromium' | 'firefox' | 'webkit';

/** A reference to an element of the page. */
export type ElementRef = { 'element-6066-11e4-a52e-4f735466cecf': string };
