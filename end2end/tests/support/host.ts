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
}

export class HostServer {
  private opts: HostOptions | null = null;
  private constructor(readonly url: string, private readonly server: http.Server) {}

  /** Where the app and Immich are (known once their servers run, which
   * need this origin for CORS). */
  configure(opts: HostOptions): void {
    this.opts = opts;
  }

  static async start(): Promise<HostServer> {
    let self: HostServer | null = null;
    const server = http.createServer((req, res) => {
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
      ].join('; ');
      const name = path.basename(new URL(req.url ?? '/', 'http://x').pathname) || 'element.html';
      const file = path.join(EXAMPLES, name);
      if (!file.startsWith(EXAMPLES) || !fs.existsSync(file)) {
        res.writeHead(404).end();
        return;
      }
      const text = fs
        .readFileSync(file, 'utf8')
        .replaceAll('https://photos.example.org/grid/', opts.appUrl)
        .replaceAll('https://photos.example.org', opts.serverUrl);
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

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server.close(resolve));
  }
}
