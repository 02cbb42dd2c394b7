// A host page's origin: serves the example pages of examples/ (the repo's
// own) from another origin than the app's, with the address of the app and
// of Immich filled in for https://photos.example.org, under a strict CSP
// that lets in only what the documentation says a host must allow.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';

const EXAMPLES = path.resolve(__dirname, '../../../examples');
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
};

export interface HostOptions {
  /** Where dist/ is served, ending in `/` (replaces https://photos.example.org/grid/). */
  appUrl: string;
  /** The Immich address (replaces https://photos.example.org). */
  serverUrl: string;
  /**
   * Load `__probe.js` first in every page: it counts the page's live
   * intervals and the fetches it starts (window.__probe), for engines
   * driven through WebDriver, which cannot run a script before the page's.
   */
  probe?: boolean;
}

/** Counts live intervals and started fetches; runs before any other script. */
const PROBE = `(() => {
  const live = new Set();
  const set = window.setInterval.bind(window);
  const clear = window.clearInterval.bind(window);
  window.setInterval = (...a) => { const id = set(...a); live.add(id); return id; };
  window.clearInterval = (id) => { live.delete(id); clear(id); };
  const fetches = [];
  const fetch = window.fetch.bind(window);
  window.fetch = (input, init) => {
    fetches.push({ url: String((input && input.url) || input), t: performance.now() });
    return fetch(input, init);
  };
  window.__probe = { intervals: () => live.size, fetches };
})();
`;

export class HostServer {
  private opts: HostOptions | null = null;
  /**
   * Content-Security-Policy violations the browser reported (report-uri
   * /__csp) for this host's pages, and for any page whose policy names
   * `reportUri` (the fixture's --csp-report).
   */
  readonly violations: string[] = [];
  private constructor(readonly url: string, private readonly server: http.Server) {}

  /** Where the app and Immich are (known once their servers run, which
   * need this origin for CORS). */
  configure(opts: HostOptions): void {
    this.opts = opts;
  }

  static async start(): Promise<HostServer> {
    let self: HostServer | null = null;
    const server = http.createServer((req, res) => {
      const route = new URL(req.url ?? '/', 'http://x').pathname;
      if (route === '/__csp' && req.method === 'POST') {
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', () => {
          let v = body;
          try {
            const r = JSON.parse(body)['csp-report'] ?? {};
            v = `${r['effective-directive'] ?? r['violated-directive']} blocked ${r['blocked-uri']} on ${r['document-uri']}`;
          } catch {
            // kept as sent
          }
          self?.violations.push(v);
          res.writeHead(204).end();
        });
        return;
      }
      const opts = self?.opts;
      if (!opts) {
        res.writeHead(503).end();
        return;
      }
      const app = new URL(opts.appUrl).origin;
      const immich = new URL(opts.serverUrl).origin;
      const csp = [
        "default-src 'self'",
        `script-src 'self' ${app} 'wasm-unsafe-eval'`,
        `style-src 'self' ${app}`,
        `connect-src 'self' ${app} ${immich}`,
        `img-src 'self' data: blob: ${immich}`,
        `media-src 'self' blob: ${immich}`,
        `frame-src ${app}`,
        `report-uri ${self!.url}/__csp`,
      ].join('; ');
      if (route === '/__csp-check.html') {
        // A page that breaks the policy on purpose: proves reports arrive.
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': csp });
        res.end('<!doctype html><title>CSP check</title><p style="color: red">inline style</p>');
        return;
      }
      if (route === '/__probe.js' && opts.probe) {
        res.writeHead(200, { 'content-type': 'text/javascript', 'content-security-policy': csp }).end(PROBE);
        return;
      }
      const name = path.basename(new URL(req.url ?? '/', 'http://x').pathname) || 'element.html';
      const file = path.join(EXAMPLES, name);
      if (!file.startsWith(EXAMPLES) || !fs.existsSync(file)) {
        res.writeHead(404).end();
        return;
      }
      let text = fs
        .readFileSync(file, 'utf8')
        .replaceAll('https://photos.example.org/grid/', opts.appUrl)
        .replaceAll('https://photos.example.org', opts.serverUrl);
      if (opts.probe && file.endsWith('.html')) text = text.replace('<head>', '<head>\n    <script src="__probe.js"></script>');
      res.writeHead(200, {
        'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
        'content-security-policy': csp,
      });
      res.end(text);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    self = new HostServer(`http://127.0.0.1:${port}`, server);
    return self;
  }

  /** Where pages of other servers report CSP violations to this host. */
  get reportUri(): string {
    return `${this.url}/__csp`;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server.close(resolve));
  }
}
