// A small client of the W3C WebDriver protocol (the classic HTTP one) and the
// driver processes of the three engines: chromedriver for Chromium,
// geckodriver for Firefox ESR and WebKitWebDriver (WebKitGTK's MiniBrowser,
// under Xvfb) for WebKit. Playwright drives only its own patched browser
// builds, which cannot be downloaded here; WebDriver drives the browsers the
// system has. The protocol needs nothing but `fetch`, so no npm package (and
// none of their driver or browser downloaders) sits between the tests and
// the drivers. See ARCHITECTURE.md, "Tests in every engine".
//
// Plain JavaScript (JSDoc types) so that both the Playwright specs (through
// webdriver.ts) and the plain-Node benchmark (end2end/bench/run.mjs) use it.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';

/** @typedef {'chromium' | 'firefox' | 'webkit'} Engine */

/** @type {Engine[]} */
export const ENGINES = ['chromium', 'firefox', 'webkit'];

/** Where the browsers and drivers are; `cargo xtask test` sets the variables. */
export const paths = {
  chromium: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  chromedriver: process.env.CHROMEDRIVER ?? '/usr/bin/chromedriver',
  firefox: process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr',
  geckodriver: process.env.GECKODRIVER ?? 'geckodriver',
  webkitDriver: process.env.WEBKIT_WEBDRIVER ?? '/usr/bin/WebKitWebDriver',
  miniBrowser: process.env.WEBKIT_MINIBROWSER ?? '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser',
};

/** The element reference key of the WebDriver standard. */
const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

/** @typedef {{ 'element-6066-11e4-a52e-4f735466cecf': string }} ElementRef A reference to an element of the page. */

/** Keys of the WebDriver key table (normalised key values). */
export const Key = Object.freeze({
  End: '\uE010',
  Home: '\uE011',
  ArrowRight: '\uE014',
  Enter: '\uE007',
  Escape: '\uE00C',
});

export class WebDriverError extends Error {
  /**
   * @param {number} status
   * @param {string} error
   * @param {string} message
   */
  constructor(status, error, message) {
    super(`WebDriver ${status} ${error}: ${message}`);
    /** @readonly */ this.status = status;
    /** @readonly */ this.error = error;
  }
}

/**
 * @param {string} base
 * @param {'GET' | 'POST' | 'DELETE'} method
 * @param {string} path
 * @param {unknown} [body]
 * @returns {Promise<any>}
 */
async function call(base, method, path, body) {
  const r = await fetch(base + path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    throw new WebDriverError(r.status, 'invalid response', text.slice(0, 500));
  }
  if (!r.ok || (json.value && typeof json.value === 'object' && 'error' in json.value && json.value.error)) {
    const v = json.value ?? {};
    throw new WebDriverError(r.status, String(v.error ?? 'unknown error'), String(v.message ?? text).slice(0, 1000));
  }
  return json.value;
}

/** A driver process listening on a local port. */
export class DriverProcess {
  /**
   * Use `DriverProcess.start`.
   * @param {Engine} engine
   * @param {string} url
   * @param {import('node:child_process').ChildProcess} proc
   * @param {() => string} output
   */
  constructor(engine, url, proc, output) {
    /** @readonly */ this.engine = engine;
    /** @readonly */ this.url = url;
    /** @private */ this.proc = proc;
    /** @private */ this.output = output;
  }

  /**
   * Starts the driver of `engine` and waits until it accepts sessions.
   * @param {Engine} engine
   * @returns {Promise<DriverProcess>}
   */
  static async start(engine) {
    const port = await freePort();
    /** @type {string} */
    let cmd;
    /** @type {string[]} */
    let args;
    switch (engine) {
      case 'chromium':
        [cmd, args] = [paths.chromedriver, [`--port=${port}`]];
        break;
      case 'firefox':
        [cmd, args] = [paths.geckodriver, [`--port=${port}`, '--binary', paths.firefox]];
        break;
      case 'webkit':
        // WebKitGTK has no headless mode: its MiniBrowser draws into a
        // virtual X server. `-a` picks a free display number.
        [cmd, args] = ['xvfb-run', ['-a', '-s', '-screen 0 1920x1080x24', paths.webkitDriver, `--port=${port}`]];
        break;
      default:
        throw new Error(`unknown engine ${engine}`);
    }
    const env = { ...process.env };
    if (engine === 'webkit') {
      // Xvfb has no GPU: WebKitGTK's default DMA-BUF renderer then draws each
      // scrolled frame in ~500 ms (measured: 8 frames in a 3 s scroll); its
      // shared-memory renderer draws them like the other engines do.
      env.WEBKIT_DISABLE_DMABUF_RENDERER = '1';
    }
    // Its own process group, so that stop() also ends Xvfb and the browsers.
    const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env });
    let out = '';
    /** @param {Buffer} c */
    const keep = (c) => {
      out = (out + c.toString()).slice(-20_000);
    };
    proc.stdout.on('data', keep);
    proc.stderr.on('data', keep);
    const url = `http://127.0.0.1:${port}`;
    /** @type {Promise<never>} */
    const exited = new Promise((_, reject) => {
      proc.on('error', (e) => reject(new Error(`${cmd} did not start: ${e.message}`)));
      proc.on('exit', (code) => reject(new Error(`${cmd} exited with ${code} before it was ready:\n${out}`)));
    });
    exited.catch(() => {});
    const ready = (async () => {
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        try {
          const s = await call(url, 'GET', '/status');
          if (s?.ready !== false) return;
        } catch {
          // Not listening yet.
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`${cmd} was not ready after 30 s:\n${out}`);
    })();
    await Promise.race([ready, exited]);
    return new DriverProcess(engine, url, proc, () => out);
  }

  /**
   * A new browser session with a fresh profile. `extra` adds standard
   * capabilities (the benchmark passes `{ pageLoadStrategy: 'none' }`).
   * @param {Record<string, unknown>} [extra]
   * @returns {Promise<Session>}
   */
  async newSession(extra = {}) {
    const value = await call(this.url, 'POST', '/session', { capabilities: { alwaysMatch: { ...capabilities(this.engine), ...extra } } });
    const s = new Session(this.url, value.sessionId, this.engine, value.capabilities ?? {});
    await s.setTimeouts({ script: 60_000, pageLoad: 60_000, implicit: 0 });
    return s;
  }

  /**
   * The driver's recent output, for failure messages.
   * @returns {string}
   */
  log() {
    return this.output();
  }

  /** @returns {Promise<void>} */
  async stop() {
    if (this.proc.exitCode !== null || this.proc.pid === undefined) return;
    const gone = new Promise((r) => this.proc.once('exit', r));
    try {
      process.kill(-this.proc.pid, 'SIGTERM');
    } catch {
      return;
    }
    await Promise.race([gone, new Promise((r) => setTimeout(r, 5_000))]);
  }
}

/**
 * The capabilities that make each engine start a clean, windowless browser.
 * @param {Engine} engine
 * @returns {Record<string, unknown>}
 */
function capabilities(engine) {
  switch (engine) {
    case 'chromium':
      return {
        browserName: 'chrome',
        'goog:chromeOptions': {
          binary: paths.chromium,
          args: [
            '--headless',
            '--no-sandbox',
            '--disable-gpu',
            '--disable-dev-shm-usage',
            '--disable-background-networking',
            '--disable-component-update',
            '--no-first-run',
            '--window-size=1280,800',
          ],
        },
      };
    case 'firefox':
      return {
        browserName: 'firefox',
        'moz:firefoxOptions': {
          binary: paths.firefox,
          args: ['-headless', '-width', '1280', '-height', '800'],
          // A test machine has no internet: keep the browser's own services quiet.
          prefs: {
            'app.update.enabled': false,
            'browser.shell.checkDefaultBrowser': false,
            'datareporting.policy.dataSubmissionEnabled': false,
            'toolkit.telemetry.enabled': false,
            'network.captive-portal-service.enabled': false,
            'network.connectivity-service.enabled': false,
          },
        },
      };
    case 'webkit':
      return {
        'webkitgtk:browserOptions': { binary: paths.miniBrowser, args: ['--automation'] },
      };
    default:
      throw new Error(`unknown engine ${engine}`);
  }
}

/** One browser session. */
export class Session {
  /**
   * @param {string} base
   * @param {string} id
   * @param {Engine} engine
   * @param {Record<string, any>} capabilities
   */
  constructor(base, id, engine, capabilities) {
    /** @private @readonly */ this.base = base;
    /** @readonly */ this.id = id;
    /** @readonly */ this.engine = engine;
    /** @readonly */ this.capabilities = capabilities;
  }

  /**
   * @private
   * @param {'GET' | 'POST' | 'DELETE'} method
   * @param {string} path
   * @param {unknown} [body]
   * @returns {Promise<any>}
   */
  cmd(method, path, body) {
    return call(this.base, method, `/session/${this.id}${path}`, body);
  }

  /**
   * Browser name and version as the driver reports them.
   * @returns {string}
   */
  get browser() {
    return `${this.capabilities.browserName ?? this.engine} ${this.capabilities.browserVersion ?? ''}`.trim();
  }

  /**
   * @param {{ script?: number, pageLoad?: number, implicit?: number }} t
   * @returns {Promise<void>}
   */
  setTimeouts(t) {
    return this.cmd('POST', '/timeouts', t);
  }

  /**
   * Navigates and waits for the page's load event.
   * @param {string} url
   * @returns {Promise<void>}
   */
  goto(url) {
    return this.cmd('POST', '/url', { url });
  }

  /**
   * Reloads the page, as a person pressing F5, and waits for its load event.
   * @returns {Promise<void>}
   */
  refresh() {
    return this.cmd('POST', '/refresh', {});
  }

  /**
   * Goes back one step in the tab's history, as the browser's Back button.
   * @returns {Promise<void>}
   */
  back() {
    return this.cmd('POST', '/back', {});
  }

  /** @returns {Promise<string>} */
  url() {
    return this.cmd('GET', '/url');
  }

  /**
   * Runs `fn(...args)` in the page and returns its (JSON) result.
   * @template T
   * @template {unknown[]} A
   * @param {(...args: A) => T} fn
   * @param {A} args
   * @returns {Promise<T>}
   */
  exec(fn, ...args) {
    return this.cmd('POST', '/execute/sync', { script: `return (${fn.toString()}).apply(null, arguments);`, args });
  }

  /**
   * Runs `fn(...args)` in the page and returns what its promise resolves to.
   * @template T
   * @template {unknown[]} A
   * @param {(...args: A) => Promise<T>} fn
   * @param {A} args
   * @returns {Promise<T>}
   */
  execAsync(fn, ...args) {
    const script =
      `const done = arguments[arguments.length - 1];` +
      `Promise.resolve((${fn.toString()}).apply(null, Array.prototype.slice.call(arguments, 0, -1)))` +
      `.then((v) => done({ ok: v }), (e) => done({ err: String(e && e.stack || e) }));`;
    return this.cmd('POST', '/execute/async', { script, args }).then((r) => {
      if (r && 'err' in r) throw new Error(`in the page: ${r.err}`);
      return r?.ok;
    });
  }

  /**
   * Waits until `fn(...args)`, run in the page, returns something truthy,
   * and returns it. Polls every 50 ms; fails after `timeout` ms with the
   * last value seen.
   * @template T
   * @template {unknown[]} A
   * @param {string} what
   * @param {number} timeout
   * @param {(...args: A) => T} fn
   * @param {A} args
   * @returns {Promise<T>}
   */
  async waitFor(what, timeout, fn, ...args) {
    const deadline = Date.now() + timeout;
    let last;
    for (;;) {
      last = await this.exec(fn, ...args);
      if (last) return last;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what} (last: ${JSON.stringify(last)})`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /**
   * Finds elements by CSS selector.
   * @param {string} css
   * @returns {Promise<ElementRef[]>}
   */
  async findAll(css) {
    return this.cmd('POST', '/elements', { using: 'css selector', value: css });
  }

  /**
   * Clicks the first element that matches `css` (scrolled into view, as a person would).
   * @param {string} css
   * @returns {Promise<void>}
   */
  async click(css) {
    const [el] = await this.findAll(css);
    if (!el) throw new Error(`no element matches ${css}`);
    await this.cmd('POST', `/element/${el[ELEMENT]}/click`, {});
  }

  /**
   * Empties the first field that matches `css` and types `text` into it, as
   * a person does (the driver sends key events; the page sees input events).
   * @param {string} css
   * @param {string} text
   * @returns {Promise<void>}
   */
  async type(css, text) {
    const [el] = await this.findAll(css);
    if (!el) throw new Error(`no element matches ${css}`);
    await this.cmd('POST', `/element/${el[ELEMENT]}/clear`, {});
    await this.cmd('POST', `/element/${el[ELEMENT]}/value`, { text });
  }

  /**
   * Clicks the element `fn(...args)` gives when run in the page (one inside a
   * shadow root, which CSS selectors from outside do not reach), as a person
   * would: scrolled into view, then a real click.
   * @template {unknown[]} A
   * @param {(...args: A) => Element | null} fn
   * @param {A} args
   * @returns {Promise<void>}
   */
  async clickFound(fn, ...args) {
    const el = await this.exec(fn, ...args);
    if (!el || !el[ELEMENT]) throw new Error(`no element from ${fn}`);
    await this.cmd('POST', `/element/${el[ELEMENT]}/click`, {});
  }

  /**
   * Empties the field `fn(...args)` gives (see `clickFound`) and types
   * `text` into it, as a person does.
   * @template {unknown[]} A
   * @param {(...args: A) => Element | null} fn
   * @param {string} text
   * @param {A} args
   * @returns {Promise<void>}
   */
  async typeFound(fn, text, ...args) {
    const el = await this.exec(fn, ...args);
    if (!el || !el[ELEMENT]) throw new Error(`no element from ${fn}`);
    await this.cmd('POST', `/element/${el[ELEMENT]}/clear`, {});
    await this.cmd('POST', `/element/${el[ELEMENT]}/value`, { text });
  }

  /**
   * Makes the first frame that matches `css` the one later commands act in.
   * @param {string} css
   * @returns {Promise<void>}
   */
  async switchToFrame(css) {
    const [el] = await this.findAll(css);
    if (!el) throw new Error(`no frame matches ${css}`);
    await this.cmd('POST', '/frame', { id: el });
  }

  /**
   * Back to the page that holds the current frame.
   * @returns {Promise<void>}
   */
  switchToParent() {
    return this.cmd('POST', '/frame/parent', {});
  }

  /**
   * The cookies the browser holds for the current page's address (HttpOnly
   * ones too, which the page itself cannot read).
   * @returns {Promise<{ name: string, value: string, domain?: string, httpOnly?: boolean }[]>}
   */
  cookies() {
    return this.cmd('GET', '/cookie');
  }

  /**
   * Adds a cookie for the current page's host (every port of it), as a
   * login elsewhere on that host leaves one.
   * @param {string} name
   * @param {string} value
   * @returns {Promise<void>}
   */
  addCookie(name, value) {
    return this.cmd('POST', '/cookie', { cookie: { name, value, path: '/', sameSite: 'Lax', httpOnly: true } });
  }

  /**
   * Presses and releases each key in turn, at the focused element.
   * @param {...string} keys
   * @returns {Promise<void>}
   */
  async press(...keys) {
    const actions = keys.flatMap((k) => [
      { type: 'keyDown', value: k },
      { type: 'keyUp', value: k },
    ]);
    await this.cmd('POST', '/actions', { actions: [{ type: 'key', id: 'keyboard', actions }] });
    await this.cmd('DELETE', '/actions');
  }

  /**
   * Sizes the window so that the page's viewport is `width` × `height`.
   * @param {number} width
   * @param {number} height
   * @returns {Promise<{ width: number, height: number }>}
   */
  async setViewport(width, height) {
    if (this.capabilities.setWindowRect === false) return this.viewport();
    await this.cmd('POST', '/window/rect', { width, height });
    const inner = await this.viewport();
    // The window rect includes the browser's own chrome: grow by the difference.
    if (inner.width !== width || inner.height !== height) {
      const rect = await this.cmd('GET', '/window/rect');
      await this.cmd('POST', '/window/rect', { width: rect.width + width - inner.width, height: rect.height + height - inner.height });
    }
    return this.viewport();
  }

  /** @returns {Promise<{ width: number, height: number }>} */
  viewport() {
    return this.exec(() => ({ width: window.innerWidth, height: window.innerHeight }));
  }

  /** @returns {Promise<void>} */
  async close() {
    await call(this.base, 'DELETE', `/session/${this.id}`);
  }
}

/**
 * A TCP port that was free a moment ago (the drivers take a port number, not 0).
 * @returns {Promise<number>}
 */
async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}
