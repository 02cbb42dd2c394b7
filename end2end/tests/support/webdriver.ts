// A small client of the W3C WebDriver protocol (the classic HTTP one) and the
// driver processes of the three engines: chromedriver for Chromium,
// geckodriver for Firefox ESR and WebKitWebDriver (WebKitGTK's MiniBrowser,
// under Xvfb) for WebKit. Playwright drives only its own patched browser
// builds, which cannot be downloaded here; WebDriver drives the browsers the
// system has. The protocol needs nothing but `fetch`, so no npm package (and
// none of their driver or browser downloaders) sits between the tests and
// the drivers. See ARCHITECTURE.md, "Tests in every engine".
import { spawn, ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

export type Engine = 'chromium' | 'firefox' | 'webkit';

export const ENGINES: Engine[] = ['chromium', 'firefox', 'webkit'];

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

/** Keys of the WebDriver key table (normalised key values). */
export const Key = {
  End: '\uE010',
  Home: '\uE011',
  ArrowRight: '\uE014',
} as const;

export class WebDriverError extends Error {
  constructor(readonly status: number, readonly error: string, message: string) {
    super(`WebDriver ${status} ${error}: ${message}`);
  }
}

async function call(base: string, method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<any> {
  const r = await fetch(base + path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  let json: any;
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
  private constructor(readonly engine: Engine, readonly url: string, private readonly proc: ChildProcess, private readonly output: () => string) {}

  /** Starts the driver of `engine` and waits until it accepts sessions. */
  static async start(engine: Engine): Promise<DriverProcess> {
    const port = await freePort();
    let cmd: string;
    let args: string[];
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
    const keep = (c: Buffer) => {
      out = (out + c.toString()).slice(-20_000);
    };
    proc.stdout!.on('data', keep);
    proc.stderr!.on('data', keep);
    const url = `http://127.0.0.1:${port}`;
    const exited = new Promise<never>((_, reject) => {
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

  /** A new browser session with a fresh profile. */
  async newSession(): Promise<Session> {
    const value = await call(this.url, 'POST', '/session', { capabilities: { alwaysMatch: capabilities(this.engine) } });
    const s = new Session(this.url, value.sessionId, this.engine, value.capabilities ?? {});
    await s.setTimeouts({ script: 60_000, pageLoad: 60_000, implicit: 0 });
    return s;
  }

  /** The driver's recent output, for failure messages. */
  log(): string {
    return this.output();
  }

  async stop(): Promise<void> {
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

/** The capabilities that make each engine start a clean, windowless browser. */
function capabilities(engine: Engine): Record<string, unknown> {
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
  }
}

/** A reference to an element of the page. */
export type ElementRef = { [ELEMENT]: string };

/** One browser session. */
export class Session {
  constructor(private readonly base: string, readonly id: string, readonly engine: Engine, readonly capabilities: Record<string, any>) {}

  private cmd(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<any> {
    return call(this.base, method, `/session/${this.id}${path}`, body);
  }

  /** Browser name and version as the driver reports them. */
  get browser(): string {
    return `${this.capabilities.browserName ?? this.engine} ${this.capabilities.browserVersion ?? ''}`.trim();
  }

  setTimeouts(t: { script?: number; pageLoad?: number; implicit?: number }): Promise<void> {
    return this.cmd('POST', '/timeouts', t);
  }

  /** Navigates and waits for the page's load event. */
  goto(url: string): Promise<void> {
    return this.cmd('POST', '/url', { url });
  }

  /** Reloads the page, as a person pressing F5, and waits for its load event. */
  refresh(): Promise<void> {
    return this.cmd('POST', '/refresh', {});
  }

  url(): Promise<string> {
    return this.cmd('GET', '/url');
  }

  /** Runs `fn(...args)` in the page and returns its (JSON) result. */
  exec<T, A extends unknown[]>(fn: (...args: A) => T, ...args: A): Promise<T> {
    return this.cmd('POST', '/execute/sync', { script: `return (${fn.toString()}).apply(null, arguments);`, args });
  }

  /** Runs `fn(...args)` in the page and returns what its promise resolves to. */
  execAsync<T, A extends unknown[]>(fn: (...args: A) => Promise<T>, ...args: A): Promise<T> {
    const script =
      `const done = arguments[arguments.length - 1];` +
      `Promise.resolve((${fn.toString()}).apply(null, Array.prototype.slice.call(arguments, 0, -1)))` +
      `.then((v) => done({ ok: v }), (e) => done({ err: String(e && e.stack || e) }));`;
    return this.cmd('POST', '/execute/async', { script, args }).then((r: any) => {
      if (r && 'err' in r) throw new Error(`in the page: ${r.err}`);
      return r?.ok as T;
    });
  }

  /**
   * Waits until `fn(...args)`, run in the page, returns something truthy,
   * and returns it. Polls every 50 ms; fails after `timeout` ms with the
   * last value seen.
   */
  async waitFor<T, A extends unknown[]>(what: string, timeout: number, fn: (...args: A) => T, ...args: A): Promise<T> {
    const deadline = Date.now() + timeout;
    let last: T | undefined;
    for (;;) {
      last = await this.exec(fn, ...args);
      if (last) return last;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what} (last: ${JSON.stringify(last)})`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Finds elements by CSS selector. */
  async findAll(css: string): Promise<ElementRef[]> {
    return this.cmd('POST', '/elements', { using: 'css selector', value: css });
  }

  /** Clicks the first element that matches `css` (scrolled into view, as a person would). */
  async click(css: string): Promise<void> {
    const [el] = await this.findAll(css);
    if (!el) throw new Error(`no element matches ${css}`);
    await this.cmd('POST', `/element/${el[ELEMENT]}/click`, {});
  }

  /** Presses and releases each key in turn, at the focused element. */
  async press(...keys: string[]): Promise<void> {
    const actions = keys.flatMap((k) => [
      { type: 'keyDown', value: k },
      { type: 'keyUp', value: k },
    ]);
    await this.cmd('POST', '/actions', { actions: [{ type: 'key', id: 'keyboard', actions }] });
    await this.cmd('DELETE', '/actions');
  }

  /** Sizes the window so that the page's viewport is `width` × `height`. */
  async setViewport(width: number, height: number): Promise<{ width: number; height: number }> {
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

  viewport(): Promise<{ width: number; height: number }> {
    return this.exec(() => ({ width: window.innerWidth, height: window.innerHeight }));
  }

  async close(): Promise<void> {
    await call(this.base, 'DELETE', `/session/${this.id}`);
  }
}

/** A TCP port that was free a moment ago (the drivers take a port number, not 0). */
async function freePort(): Promise<number> {
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
