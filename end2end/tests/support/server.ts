// Starts the fixture server on an ephemeral port for a test file and gives
// page objects for its test controls.
import { spawn, ChildProcess } from 'node:child_process';
import { test as base, expect, APIRequestContext, request } from '@playwright/test';

export interface FixtureOptions {
  assets?: number;
  seed?: number;
  extraArgs?: string[];
  /** Serve the API and the test controls under this path (`/immich`). */
  basePath?: string;
  /** Serve the built app (default true). */
  app?: boolean;
  /** Set the admin's session cookie on the app's pages (default true). */
  demoSession?: boolean;
  /** Enable the test controls (default true; an app-only server has none). */
  testControls?: boolean;
  /** Serve only the app: no API (the app's origin when the API lives on another). */
  appOnly?: boolean;
  /** Origins allowed by CORS. */
  corsOrigins?: string[];
  /** CORS without `Access-Control-Expose-Headers: ETag`. */
  corsHideEtag?: boolean;
  /** Send the strict CSP header with the app's pages (default true); the
   * API servers of other tests are on 127.0.0.1, any port. */
  csp?: boolean;
  /** Serve the app under this path (`/a/b/grid/`). */
  appPath?: string;
  /** Serve the app from this folder instead of IMMICH_GRID_DIST (a copy with a config.json). */
  appDir?: string;
  /** With the CSP on: where browsers report violations (see HostServer.violations). */
  cspReport?: string;
}

/** The `http://…` a server started as `proc` prints as `… listening on URL`
 * (within 60 s); its stdout is drained afterwards so it never blocks. */
export async function listeningUrl(proc: ChildProcess, name: string): Promise<string> {
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${name} did not start: ${out}`)), 60_000);
    proc.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    proc.on('exit', (code) => reject(new Error(`${name} exited with ${code}: ${out}`)));
  });
  proc.stdout!.on('data', () => {});
  return url;
}

/**
 * The API a fixture server speaks: `v1` is Immich v1.103's (`GET /api/asset`
 * pages), `v3` a current server's (`--immich-version 3.1.0`: the timeline's
 * months, `/api/assets/{id}`).
 */
export type Flavour = 'v1' | 'v3';

/** The flavour the fixture's arguments ask for (`--immich-version` ≥ 1.106 is current). */
export function flavourOf(args: string[]): Flavour {
  const at = args.indexOf('--immich-version');
  if (at < 0) return 'v1';
  const [major, minor] = (args[at + 1] ?? '').replace(/^v/, '').split('.').map(Number);
  return major > 1 || (major === 1 && minor >= 106) ? 'v3' : 'v1';
}

/** One running fixture server. */
export class FixtureServer {
  /** Where the API lives: `url` plus the base path, if any (no trailing slash). */
  readonly apiBase: string;

  constructor(
    readonly url: string,
    private readonly proc: ChildProcess,
    private readonly api: APIRequestContext,
    basePath = '',
    readonly flavour: Flavour = 'v1',
  ) {
    this.apiBase = url + basePath.replace(/\/+$/, '');
  }

  /** The URL of a test control, under the base path like the API. */
  private control(name: string): string {
    return `${this.apiBase}/__fixture/${name}`;
  }

  static async start(opts: FixtureOptions = {}): Promise<FixtureServer> {
    const bin = process.env.IMMICH_FIXTURE_BIN;
    const dist = process.env.IMMICH_GRID_DIST;
    if (!bin || !dist) throw new Error('run through `cargo xtask test` (IMMICH_FIXTURE_BIN / IMMICH_GRID_DIST unset)');
    const args = [
      '--port', '0',
      '--assets', String(opts.assets ?? 1000),
      '--seed', String(opts.seed ?? 7),
      ...(opts.app ?? true ? ['--app-dir', opts.appDir ?? dist] : []),
      ...(opts.csp ?? true ? ['--csp', '--csp-allow', 'http://127.0.0.1:*'] : []),
      ...(opts.appPath ? ['--app-path', opts.appPath] : []),
      ...(opts.cspReport ? ['--csp-report', opts.cspReport] : []),
      ...(opts.demoSession ?? true ? ['--demo-session'] : []),
      ...(opts.testControls ?? true ? ['--test-controls'] : []),
      ...(opts.appOnly ? ['--app-only'] : []),
      ...(opts.basePath ? ['--base-path', opts.basePath] : []),
      ...(opts.corsOrigins ?? []).flatMap((o) => ['--cors-origin', o]),
      ...(opts.corsHideEtag ? ['--cors-hide-etag'] : []),
      ...(opts.extraArgs ?? []),
    ];
    const proc = spawn(bin, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    const url = await listeningUrl(proc, 'fixture');
    const api = await request.newContext({ baseURL: url });
    return new FixtureServer(url, proc, api, opts.basePath ?? '', flavourOf(opts.extraArgs ?? []));
  }

  /** The requests the server received, oldest first. */
  async requests(): Promise<FixtureRequest[]> {
    const r = await this.api.get(this.control('requests'));
    expect(r.ok()).toBeTruthy();
    return r.json();
  }

  async clearRequests(): Promise<void> {
    await this.api.delete(this.control('requests'));
  }

  /** Requests to the asset listing endpoint. */
  async assetRequests(): Promise<FixtureRequest[]> {
    return (await this.requests()).filter((r) => r.path === '/api/asset');
  }

  /** Requests that list the library: `/api/asset` pages (v1), or the
   * timeline's month list and months (v3). */
  async listingRequests(): Promise<FixtureRequest[]> {
    if (this.flavour === 'v1') return this.assetRequests();
    return (await this.requests()).filter((r) => r.path === '/api/timeline/buckets' || r.path === '/api/timeline/bucket');
  }

  /** Mutates the library (and the server's clock); answers what changed. */
  async change(c: {
    new?: number;
    edit?: number;
    favorite?: number;
    trash?: number;
    delete?: number;
    userId?: string;
    stale?: boolean;
    advanceDays?: number;
  }): Promise<ChangeReport> {
    const r = await this.api.post(this.control('change'), { data: c });
    expect(r.ok()).toBeTruthy();
    return r.json();
  }

  async faults(f: Record<string, unknown>): Promise<void> {
    const r = await this.api.post(this.control('faults'), { data: f });
    expect(r.ok()).toBeTruthy();
  }

  /** Re-scope user `user`'s API key (current-server mode; 0 is the admin):
   * `['all']`, or names such as `asset.read`. */
  async setKeyPermissions(permissions: string[], user = 0): Promise<void> {
    const r = await this.api.post(this.control('api-key'), { data: { user, permissions } });
    expect(r.ok()).toBeTruthy();
  }

  async clearFaults(): Promise<void> {
    await this.api.delete(this.control('faults'));
  }

  async info(): Promise<any> {
    return (await this.api.get(this.control('info'))).json();
  }

  async stop(): Promise<void> {
    await this.api.dispose();
    this.proc.kill('SIGTERM');
  }
}

export interface ChangeReport {
  created: string[];
  edited: string[];
  favorited: string[];
  trashed: string[];
  deleted: string[];
  total: number;
  nowMs: number;
}

export interface FixtureRequest {
  method: string;
  path: string;
  query: string;
  ifNoneMatch: string | null;
  status: number;
  bytes: number;
  auth: string | null;
  /** Whether the request carried a Cookie header. */
  cookie: boolean;
}

/** `test` with a worker-wide fixture server (`server`) of `fixtureOptions`,
 * and no page (the WebDriver specs drive their own browsers). */
export const serverTest = base.extend<{}, { server: FixtureServer; fixtureOptions: FixtureOptions }>({
  fixtureOptions: [{}, { scope: 'worker', option: true }],
  server: [
    async ({ fixtureOptions }, use) => {
      const s = await FixtureServer.start(fixtureOptions);
      await use(s);
      await s.stop();
    },
    { scope: 'worker' },
  ],
});

/** `serverTest` with Playwright's page: every test fails on a
 * Content-Security-Policy violation in any frame of it. */
export const test = serverTest.extend<{ cspViolations: string[] }>({
  cspViolations: [
    async ({ page }, use) => {
      const seen: string[] = [];
      await page.exposeFunction('__igCspViolation', (v: string) => seen.push(v));
      await page.addInitScript(() => {
        document.addEventListener(
          'securitypolicyviolation',
          (e) =>
            (window as any).__igCspViolation(
              `${e.effectiveDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber}`,
            ),
          true,
        );
      });
      await use(seen);
      expect(seen, 'Content-Security-Policy violations').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };
