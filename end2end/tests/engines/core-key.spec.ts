// The core specs with the path real people take when Immich is elsewhere:
// the app alone on one origin (which also sets an Immich login cookie for
// the host, as a browser signed in elsewhere has), Immich's API on another
// origin under /immich, and an API key typed into the Connect form. The
// same specs as core.spec.ts (grid content, reload 304s, filter, keyboard,
// scroll, viewer), plus after each: no request URL carried the key, no key
// request carried a cookie, the key is in no store another server can read.
// Chromium runs the fuller cross-origin story through Playwright in
// tests/origins.spec.ts.
import { coreSpecs, waitCurrent } from '../support/core';
import { expect } from '../support/engine';
import type { FixtureServer } from '../support/server';

async function adminKey(server: FixtureServer): Promise<string> {
  const info = await server.info();
  return info.users.find((u: any) => u.isAdmin).apiKey;
}

coreSpecs({
  name: 'API key, Immich on another origin under /immich',
  fixtureOptions: (app) => ({
    app: false,
    demoSession: false,
    basePath: '/immich',
    assets: 2500,
    corsOrigins: [app.url],
  }),
  appUrl: (_server, query, app) => `${app!.url}/${query ? `?${query}` : ''}`,
  auth: 'apiKeyHeader',

  async signIn(s, server, app) {
    const key = await adminKey(server);
    await s.goto(`${app!.url}/`);
    // The app's own origin has no Immich: the app says so and offers Connect.
    await s.waitFor('the Connect form', 30_000, () => {
      const el = document.querySelector('[data-testid=connect-url]');
      return !!el && el.getBoundingClientRect().height > 0;
    });
    await s.type('[data-testid=connect-url]', server.apiBase);
    await s.click('[data-testid=connect-auth-key]');
    await s.waitFor('the key field', 10_000, () => !!document.querySelector('[data-testid=connect-key]'));
    await s.type('[data-testid=connect-key]', key);
    await s.click('[data-testid=connect-test]');
    const outcome = await s.waitFor('the connection tested', 20_000, () =>
      document.querySelector('[data-testid=connect-ok]')?.textContent || document.querySelector('[data-testid=connect-error]')?.textContent || null,
    );
    expect(outcome).toContain('Connected to Immich v1.103.1 as Immich Admin');
    await s.click('[data-testid=connect-save]');
    await waitCurrent(s);
  },

  async afterEach(s, server, app) {
    const key = await adminKey(server);
    const log = await server.requests();
    for (const r of log) {
      const where = `${r.method} ${r.path}?${r.query}`;
      expect(`${r.path}?${r.query}`, `${where}: the key in a URL`).not.toContain(key);
      expect(r.cookie, `${where} carried a cookie`).toBe(false);
      expect(r.auth, where).toBe('apiKeyHeader');
    }
    expect(await s.url()).not.toContain(key);
    // The key stays in this tab (sessionStorage), not in localStorage.
    expect(await s.exec(() => JSON.stringify(Object.entries(localStorage)))).not.toContain(key);
    expect(await s.exec(() => Object.values(sessionStorage).join(' '))).toContain(key);
    // The browser does hold an Immich login cookie for the host (set by the
    // app's origin), which key requests to the API's origin must not send.
    const cookies = await s.cookies();
    const names = cookies.map((c) => c.name);
    console.log(`[${s.engine}] key variant: ${log.length} API requests since the last clear, none with the key in the URL or a cookie; cookies on ${app!.url}: ${names.join(', ') || 'none'}`);
    expect(names).toContain('immich_access_token');
  },
});
