// Browser benchmarks of immich-grid, side by side with the alternatives, in
// ONE headless Chromium run. Usually started by `cargo xtask bench` (or, tiny,
// by `cargo xtask test`), which builds everything and passes the paths:
//
//   node end2end/bench/run.mjs --fixture target/release-native/immich-fixture \
//     --dist dist --wasm-z DIR --wasm-o3 DIR --sizes 10000,100000 --out bench
//
// Sections: (a) layout of N tiles: ours vs @immich/justified-layout-wasm vs
// flickr's justified-layout; (b) decoding a page set of the fixture's real
// `/api/asset?take=1000` bodies: ours vs JSON.parse; (c) the built app
// served by the fixture: cold/warm start, bytes, DOM size, memory, app size,
// at each size twice: as Immich v1.103 serves the library (`/api/asset`
// pages) and as v3.1.0 does (month buckets, `--immich-version`); scrolling
// (a scrollTop sweep, wheel input, touch flings; frames, long tasks, and a
// performance traces of the wheel and fling runs when a frame passes 34 ms) at each size
// and at --scroll-sizes (20,000); then cold/warm start at the smallest size
// in Firefox and WebKit through WebDriver (benchEngine).
// Writes results.json and results.md into --out. Everything the app does not
// expose yet is "n/a" (but --smoke fails if a Firefox/WebKit row failed).

import { spawn, execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { createReadStream, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { DriverProcess } from '../tests/support/webdriver.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const END2END = resolve(HERE, '..');
const ROOT = resolve(END2END, '..');

// ---- options -------------------------------------------------------------

function parseArgs(argv) {
  const o = {
    sizes: [10000, 100000, 1000000],
    layoutSizes: null,
    appSizes: null,
    decodeAssets: 100000,
    take: 1000,
    samples: 7,
    decodeSamples: 5,
    width: 1200,
    rowHeight: 235,
    out: join(ROOT, 'bench'),
    fixture: null,
    dist: null,
    wasmZ: null,
    wasmO3: null,
    chromium: process.env.CHROMIUM || '/usr/bin/chromium',
    // 300 s: a 1M cold load by months (148 requests, up to 8 MB each) can pass 180 s on a busy machine.
    appTimeoutMs: 300000,
    scrollMs: 3000,
    smoke: false,
    appOnly: false,
    coldConcurrency: [],
    quietMs: 3000,
    // The same library served as Immich v3.1.0 serves it (month buckets):
    // null = at every app size.
    v3Sizes: null,
    // Extra sizes where only scrolling is measured (wheel, touch fling, the
    // scrollTop sweep); the app sizes measure it too.
    scrollSizes: [20000],
    wheelSteps: 40,
    wheelPx: 2000,
    wheelGapMs: 25,
    flings: 4,
    // Performance trace of the wheel run: 'auto' when a frame passes 34 ms.
    trace: 'auto',
  };
  const num = (s) => s.split(',').filter(Boolean).map((x) => Number(x));
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i];
    const v = () => argv[++i];
    switch (a) {
      case '--sizes': o.sizes = num(v()); break;
      case '--layout-sizes': o.layoutSizes = num(v()); break;
      case '--app-sizes': o.appSizes = num(v()); break;
      case '--decode-assets': o.decodeAssets = Number(v()); break;
      case '--take': o.take = Number(v()); break;
      case '--samples': o.samples = Number(v()); break;
      case '--decode-samples': o.decodeSamples = Number(v()); break;
      case '--out': o.out = resolve(v()); break;
      case '--fixture': o.fixture = resolve(v()); break;
      case '--dist': o.dist = resolve(v()); break;
      case '--wasm-z': o.wasmZ = resolve(v()); break;
      case '--wasm-o3': o.wasmO3 = resolve(v()); break;
      case '--chromium': o.chromium = v(); break;
      case '--app-timeout-ms': o.appTimeoutMs = Number(v()); break;
      case '--scroll-ms': o.scrollMs = Number(v()); break;
      case '--smoke': o.smoke = true; break;
      // Only the app rows (no layout/decode page, no API-key row, no other engines).
      case '--app-only': o.appOnly = true; break;
      // Cold loads of the smallest app size with 1..4 pages in flight each.
      case '--cold-concurrency': o.coldConcurrency = num(v()); break;
      // How long without an asset-list response counts as done when the app
      // never reports "current" (a publish of millions of assets can take longer).
      case '--quiet-ms': o.quietMs = Number(v()); break;
      // Sizes the v3 (month buckets) app rows run at; '' for none.
      case '--v3-sizes': o.v3Sizes = num(v()); break;
      // Scroll-only sizes ('' for none); --wheel-steps/--wheel-px/--wheel-gap-ms/--flings shape the input.
      case '--scroll-sizes': o.scrollSizes = num(v()); break;
      case '--wheel-steps': o.wheelSteps = Number(v()); break;
      case '--wheel-px': o.wheelPx = Number(v()); break;
      case '--wheel-gap-ms': o.wheelGapMs = Number(v()); break;
      case '--flings': o.flings = Number(v()); break;
      // 'auto' (when the worst wheel or fling frame passes 34 ms), 'always' or 'never'.
      case '--trace': o.trace = v(); break;
      // Keep each trace as --out/trace-wheel-N.json and trace-fling-N.json (open in chrome://tracing or DevTools).
      case '--keep-traces': o.keepTraces = true; break;
      default: throw new Error(`unknown option ${a}`);
    }
  }
  o.layoutSizes ??= o.sizes;
  o.appSizes ??= o.sizes;
  o.v3Sizes ??= o.appSizes;
  if (!['auto', 'always', 'never'].includes(o.trace)) throw new Error('--trace auto|always|never');
  if (!o.fixture) throw new Error('--fixture PATH (the immich-fixture binary) is required');
  return o;
}

const log = (...a) => console.error('[bench]', ...a);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Runs `f`, logging and returning `fallback` on failure (the report then shows n/a). */
async function attempt(what, f, fallback = null) {
  try {
    return await f();
  } catch (e) {
    log(`${what}: ${e && e.message ? e.message.split('\n')[0] : e}`);
    return fallback;
  }
}

// ---- static server for the bench page ------------------------------------

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript',
  '.wasm': 'application/wasm', '.json': 'application/json', '.css': 'text/css',
};

/** Serves /bench/ (this folder), /node_modules/ and /ours-<variant>/ (our wasm-bindgen output). */
function startStatic(mounts) {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    for (const [prefix, dir] of Object.entries(mounts)) {
      if (!dir || !path.startsWith(prefix)) continue;
      const file = resolve(dir, '.' + sep + path.slice(prefix.length));
      if (!file.startsWith(dir) || !existsSync(file) || !statSync(file).isFile()) break;
      res.writeHead(200, { 'content-type': TYPES[extname(file)] || 'application/octet-stream', 'cache-control': 'no-store' });
      createReadStream(file).pipe(res);
      return;
    }
    res.writeHead(404).end('not found');
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
}

// ---- fixture servers -----------------------------------------------------

/** Fixture servers still running, stopped if this script dies early. */
const children = new Set();
process.on('exit', () => { for (const c of children) c.kill(); });

/** Starts the fixture with `assets` assets; resolves once it printed its URL and users. */
function startFixture(o, assets, extra = []) {
  const args = ['--port', '0', '--assets', String(assets), '--seed', '1', '--test-controls', ...extra];
  const child = spawn(o.fixture, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => { err += d; });
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => { child.kill(); fail(new Error(`fixture (${assets}) did not start: ${err}`)); }, 600000);
    const onEarlyExit = (code) => { clearTimeout(timer); fail(new Error(`fixture exited (${code}): ${err}`)); };
    child.on('exit', onEarlyExit);
    child.stdout.on('data', (d) => {
      out += d;
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      const admin = /user admin@\S+ \S+ apiKey=(\S+)/.exec(out)?.[1];
      if (url && admin) {
        clearTimeout(timer);
        child.removeListener('exit', onEarlyExit);
        ok({ url, apiKey: admin, child, stop: () => child.kill() });
      }
    });
  });
}

async function fixtureJson(fx, path, method = 'GET') {
  const r = await fetch(fx.url + path, { method });
  if (method === 'DELETE') return null;
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status}`);
  return r.json();
}

// ---- statistics helpers --------------------------------------------------

const ratio = (a, b) => (a && b ? b / a : null);
const fmt = (v, d = 1) => (v == null || Number.isNaN(v) ? 'n/a' : typeof v === 'number' ? v.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }) : String(v));
const times = (v, d) => (v == null ? 'n/a' : fmt(v, d) + '×');
const fmtInt = (v) => (v == null ? 'n/a' : Math.round(v).toLocaleString('en-US'));
const mb = (b) => (b == null ? null : b / 1048576);
const kb = (b) => (b == null ? null : b / 1024);
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.floor(s.length / 2)] : null; };

// ---- (a) + (b): the bench page -------------------------------------------

async function benchPage(browser, o, staticUrl) {
  const page = await browser.newPage();
  page.on('console', (m) => { if (m.type() === 'warning' || m.type() === 'error') log('page:', m.text()); });
  page.on('pageerror', (e) => log('page error:', e.message));
  await page.goto(`${staticUrl}/bench/index.html`);
  await page.waitForFunction(() => window.benchReady === true, null, { timeout: 60000 });
  const variants = await page.evaluate(() => window.bench.variants());
  log(`our variants: ${variants.join(', ') || 'none'}`);

  const layout = {};
  // flickr's justified-layout concatenates its output once per row, so its
  // time grows with n²; a size it would need minutes for is skipped.
  let flickrLast = null;
  for (const n of [...o.layoutSizes].sort((a, b) => a - b)) {
    const est = flickrLast ? flickrLast.ms * (n / flickrLast.n) ** 2 : 0;
    const skip = est > 20000 ? ['flickr'] : [];
    log(`layout: ${n} tiles${skip.length ? ` (skipping flickr: about ${(est / 1000).toFixed(0)} s a call)` : ''}`);
    layout[n] = await attempt(`layout ${n}`, () => page.evaluate(
      ([n, w, h, s, skip]) => window.bench.layout(n, w, h, s, skip), [n, o.width, o.rowHeight, o.samples, skip]));
    if (layout[n]?.flickr) flickrLast = { n, ms: layout[n].flickr.ms };
    if (layout[n] && skip.length) layout[n].flickr = { skipped: true, estMs: est };
  }

  let decode = null;
  if (o.decodeAssets > 0) {
    decode = await attempt('decode', async () => {
      log(`decode: starting a fixture with ${o.decodeAssets} assets`);
      const fx = await startFixture(o, o.decodeAssets, ['--cors-origin', staticUrl]);
      try {
        const set = await page.evaluate(([u, k, n, t]) => window.bench.fetchPages(u, k, n, t), [fx.url, fx.apiKey, o.decodeAssets, o.take]);
        log(`decode: ${set.pages} pages, ${(set.bytes / 1048576).toFixed(1)} MB, ${set.assets} assets`);
        const times = await page.evaluate((s) => window.bench.decode(s), o.decodeSamples);
        const memory = await page.evaluate(() => window.bench.oursMemory());
        const cdp = await page.context().newCDPSession(page);
        const heap = async () => {
          await cdp.send('HeapProfiler.collectGarbage');
          return (await cdp.send('Runtime.getHeapUsage')).usedSize;
        };
        const before = await heap();
        await page.evaluate(() => window.bench.retainParsed());
        const after = await heap();
        await page.evaluate(() => window.bench.dropRetained());
        await page.evaluate(() => window.bench.dropPages());
        await cdp.detach();
        return { ...set, times, memory, jsonHeapBytes: after - before };
      } finally {
        fx.stop();
      }
    });
  }
  await page.close();
  return { variants, layout, decode };
}

// ---- (c) the app ---------------------------------------------------------

/**
 * Records, from the first script on, when the first tile shows, when loading
 * completes (the progress element's data-state="current"), long tasks, and the app's wasm memory if exposed.
 */
const APP_PROBE = () => {
  const b = (window.__bench = { firstTile: null, complete: null, longTasks: [], lastList: null, lists: 0 });
  try {
    new PerformanceObserver((l) => {
      for (const e of l.getEntries()) b.longTasks.push([e.startTime, e.duration]);
    }).observe({ type: 'longtask', buffered: true });
  } catch { /* not supported */ }
  try {
    // Asset-list responses (not thumbnails): the fallback completion signal.
    new PerformanceObserver((l) => {
      for (const e of l.getEntries()) {
        const path = new URL(e.name).pathname;
        if (path === '/api/asset' || path.startsWith('/api/timeline/')) {
          b.lists++;
          b.lastList = Math.max(b.lastList ?? 0, e.responseEnd);
        }
      }
    }).observe({ type: 'resource', buffered: true });
  } catch { /* not supported */ }
  const check = () => {
    const now = performance.now();
    if (b.firstTile == null) {
      const t = document.querySelector('[data-testid=tile]');
      if (t) {
        const r = t.getBoundingClientRect();
        if (r.width > 0 && r.height > 0) b.firstTile = now;
      }
    }
    if (b.complete == null && document.querySelector(
      '[data-testid=progress][data-state=current]')) {
      b.complete = now;
    }
  };
  const mo = new MutationObserver(check);
  mo.observe(document, { subtree: true, childList: true, attributes: true });
  // Called before scrolling so the probe does not add work to the frames measured.
  b.stop = () => { b.stopped = true; mo.disconnect(); };
  const tick = () => { check(); if (!b.stopped && (b.firstTile == null || b.complete == null)) requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
};

/** Waits for first tile and completion (each up to `timeout`), then returns the probe's times. */
async function waitLoaded(page, o, expectTotal) {
  const deadline = Date.now() + o.appTimeoutMs;
  let state = null;
  while (Date.now() < deadline) {
    state = await page.evaluate(([n, quietMs]) => {
      const b = window.__bench || {};
      // Second signal: a total count equal to the library's size.
      const total = document.querySelector('[data-testid=count-total]')?.textContent?.replace(/\D/g, '');
      if (b.complete == null && total && Number(total) === n) { b.complete = performance.now(); b.source = 'count'; }
      if (b.complete != null && !b.source) b.source = 'progress';
      // Last resort: tiles shown and no asset-list response for 3 s.
      const quiet = b.lastList != null && performance.now() - b.lastList > quietMs;
      return { firstTile: b.firstTile ?? null, complete: b.complete ?? null, source: b.source ?? null,
        lastList: b.lastList ?? null, quiet };
    }, [expectTotal, o.quietMs]).catch(() => null);
    if (state && state.firstTile != null && state.complete != null) break;
    if (state && state.firstTile != null && state.quiet) {
      state = { ...state, complete: state.lastList, source: 'last-list-response' };
      break;
    }
    // Without any tile after a while the app probably cannot show this page yet.
    if (state && state.firstTile == null && Date.now() > deadline - o.appTimeoutMs + Math.min(o.appTimeoutMs, 30000)) break;
    await sleep(100);
  }
  return state || { firstTile: null, complete: null };
}

/** Sums the requests the page made: count, bytes up and down (headers + bodies). */
function trackRequests(page) {
  const reqs = [];
  page.on('requestfinished', (r) => reqs.push(r));
  return async () => {
    let up = 0, down = 0;
    for (const r of reqs) {
      const s = await r.sizes().catch(() => null);
      if (!s) continue;
      up += s.requestHeadersSize + s.requestBodySize;
      down += s.responseHeadersSize + s.responseBodySize;
    }
    return { requests: reqs.length, upBytes: up, downBytes: down };
  };
}

/** What a logged path is: the library list (v1 pages, v3 month list or
 * months), a thumbnail, other media, or another JSON call. */
function kindOf(path) {
  if (path === '/api/asset') return 'page';
  if (path === '/api/timeline/buckets') return 'monthList';
  if (path === '/api/timeline/bucket') return 'month';
  if (path.startsWith('/api/asset/thumbnail') || /^\/api\/assets\/[^/]+\/thumbnail$/.test(path)) return 'thumb';
  if (path.startsWith('/api/asset/file') || /^\/api\/assets\/[^/]+\/(video\/playback|original)$/.test(path)) return 'media';
  return 'json';
}

/** Summary of the fixture's request log. */
function summariseLog(entries) {
  const api = entries.filter((e) => e.path.startsWith('/api/'));
  const of = (k) => api.filter((e) => kindOf(e.path) === k);
  const thumbs = of('thumb');
  // JSON answers (lists, user, server info): the ones an unchanged library should answer with 304.
  const json = api.filter((e) => !['thumb', 'media'].includes(kindOf(e.path)));
  // The library itself: v1 `/api/asset` pages, or v3 months (with their list apart).
  const lists = json.filter((e) => ['page', 'month'].includes(kindOf(e.path)));
  const monthList = of('monthList');
  const other = json.filter((e) => kindOf(e.path) === 'json');
  const count = (xs, st) => xs.filter((e) => e.status === st).length;
  const bytes = (xs) => xs.reduce((s, e) => s + (e.bytes || 0), 0);
  return {
    requests: entries.length,
    apiRequests: api.length,
    // v1 pages or v3 months (the field names date from v1 only).
    assetPages: lists.length,
    json200: count(json, 200),
    json304: count(json, 304),
    asset200: count(lists, 200),
    asset304: count(lists, 304),
    listBodyBytes: bytes(lists),
    // v3 only: `GET /api/timeline/buckets`.
    monthLists: monthList.length,
    monthList200: count(monthList, 200),
    monthList304: count(monthList, 304),
    monthListBytes: bytes(monthList),
    otherJsonRequests: other.length,
    otherJsonBytes: bytes(other),
    otherJson: other.reduce((m, e) => {
      const k = `${e.path} ${e.status}`;
      m[k] = (m[k] || 0) + 1;
      return m;
    }, {}),
    jsonBodyBytes: bytes(json),
    apiBodyBytes: bytes(api),
    thumbnails: thumbs.length,
    thumbnail304: count(thumbs, 304),
    thumbnailBytes: bytes(thumbs),
  };
}

/** The element that scrolls the grid: the grid, an ancestor, or the document. */
const SCROLLER = `(() => {
  let el = document.querySelector('[data-testid=grid]');
  while (el && el !== document.body) {
    const cs = getComputedStyle(el);
    if (el.scrollHeight > el.clientHeight + 1 && /(auto|scroll)/.test(cs.overflowY)) return el;
    el = el.parentElement;
  }
  return document.scrollingElement;
})()`;

/**
 * In the page (evaluated there, like SCROLLER): frame intervals (ms) and the
 * probe's long tasks between t0 and t1, as worst/p95 frame, frames over
 * 34 ms, and long tasks' count, total and worst.
 */
const FRAME_STATS = `((frames, t0, t1) => {
  const lt = (window.__bench?.longTasks || []).filter(([st]) => st >= t0 && st <= t1);
  const f = [...frames].sort((a, b) => a - b);
  return {
    frames: f.length,
    worstFrameMs: f[f.length - 1] ?? null,
    p95FrameMs: f[Math.floor(f.length * 0.95)] ?? null,
    over34: f.filter((d) => d > 34).length,
    longTasks: lt.length,
    longTaskMs: lt.reduce((a, [, d]) => a + d, 0),
    worstLongTaskMs: lt.reduce((a, [, d]) => Math.max(a, d), 0),
  };
})`;

async function domAt(page, where) {
  return page.evaluate(async ([where, SCROLLER]) => {
    const s = eval(SCROLLER);
    const max = s.scrollHeight - s.clientHeight;
    s.scrollTop = where === 'top' ? 0 : where === 'middle' ? max / 2 : max;
    s.dispatchEvent(new Event('scroll'));
    for (let i = 0; i < 3; i++) await new Promise((r) => requestAnimationFrame(r));
    await new Promise((r) => setTimeout(r, 400));
    for (let i = 0; i < 2; i++) await new Promise((r) => requestAnimationFrame(r));
    return {
      nodes: document.querySelectorAll('[data-testid=grid] *').length,
      tiles: document.querySelectorAll('[data-testid=tile]').length,
      scrollHeight: s.scrollHeight,
    };
  }, [where, SCROLLER]);
}

/** Scrolls top to bottom in `ms`, one step a frame; frame times and long tasks meanwhile. */
async function fastScroll(page, ms) {
  return page.evaluate(async ([ms, SCROLLER, FRAME_STATS]) => {
    const s = eval(SCROLLER);
    s.scrollTop = 0;
    await new Promise((r) => setTimeout(r, 300));
    const max = s.scrollHeight - s.clientHeight;
    const t0 = performance.now();
    const frames = [];
    let last = t0;
    await new Promise((done) => {
      const step = (now) => {
        frames.push(now - last);
        last = now;
        const f = Math.min(1, (now - t0) / ms);
        s.scrollTop = f * max;
        if (f < 1) requestAnimationFrame(step); else done();
      };
      requestAnimationFrame(step);
    });
    const t1 = performance.now();
    frames.shift();
    return { ...eval(FRAME_STATS)(frames, t0, t1), scrolledPx: max };
  }, [ms, SCROLLER, FRAME_STATS]);
}

/**
 * In the page: from scrollTop 0, records every animation frame's interval
 * until `__rec.stop()`, which returns worst/p95 frame, frames over 34 ms
 * and the long tasks (the probe's observer) in between.
 */
async function recordStart(page) {
  return page.evaluate(async ([SCROLLER, FRAME_STATS]) => {
    const s = eval(SCROLLER);
    s.scrollTop = 0;
    s.dispatchEvent(new Event('scroll'));
    await new Promise((r) => setTimeout(r, 400));
    const g = (document.querySelector('[data-testid=grid]') || s).getBoundingClientRect();
    const vis = { top: Math.max(0, g.top), bottom: Math.min(innerHeight, g.bottom) };
    const r = (window.__rec = { frames: [], t0: performance.now(), last: null, on: true });
    const step = (now) => {
      if (!r.on) return;
      if (r.last != null) r.frames.push([r.last, now - r.last]);
      r.last = now;
      requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
    r.stop = () => {
      r.on = false;
      const t1 = performance.now();
      const stats = eval(FRAME_STATS)(r.frames.map(([, d]) => d), r.t0, t1);
      return { ...stats, scrolledPx: s.scrollTop, ms: t1 - r.t0 };
    };
    // Where to point: the middle of the grid's visible part.
    return { x: Math.round(g.left + g.width / 2), y: Math.round((vis.top + vis.bottom) / 2) };
  }, [SCROLLER, FRAME_STATS]);
}

const recordStop = (page) => page.evaluate(() => window.__rec.stop());

/** Lets a smooth scroll or fling come to rest: scrollTop unchanged for 300 ms (at most 5 s). */
const settle = (page) => page.evaluate(async (SCROLLER) => {
  const s = eval(SCROLLER);
  const end = performance.now() + 5000;
  let last = -1;
  let since = performance.now();
  while (performance.now() < end) {
    await new Promise((r) => setTimeout(r, 50));
    if (s.scrollTop !== last) { last = s.scrollTop; since = performance.now(); }
    else if (performance.now() - since > 300) break;
  }
}, SCROLLER);

/**
 * Wheel input as a mouse sends it: `o.wheelSteps` CDP mouseWheel events of
 * `o.wheelPx` px, `o.wheelGapMs` apart (sent on schedule, not waiting for
 * the page), from the top; frames and long tasks until the scroll settles.
 */
async function wheelScroll(page, o, cdp) {
  const at = await recordStart(page);
  const t0 = Date.now();
  const sent = [];
  for (let i = 0; i < o.wheelSteps; i++) {
    const wait = t0 + i * o.wheelGapMs - Date.now();
    if (wait > 0) await sleep(wait);
    sent.push(cdp.send('Input.dispatchMouseEvent', {
      type: 'mouseWheel', x: at.x, y: at.y, deltaX: 0, deltaY: o.wheelPx, pointerType: 'mouse',
    }));
  }
  await Promise.all(sent);
  await settle(page);
  return { ...(await recordStop(page)), input: `${o.wheelSteps} × ${o.wheelPx} px, ${o.wheelGapMs} ms apart` };
}

/**
 * Touch flings: `o.flings` quick swipes up as a finger makes them (CDP
 * `Input.dispatchTouchEvent`, touch emulation on: a touchStart, 8 touchMoves
 * of 70 px 16 ms apart with their timestamps, a touchEnd), each left to
 * coast to rest (Chromium turns the release velocity into a fling); frames
 * and long tasks over all of them. (`Input.synthesizeScrollGesture` with a
 * touch source does not scroll in headless Chromium.)
 */
async function touchFling(page, o, cdp) {
  const at = await recordStart(page);
  const grid = await page.evaluate(() => {
    const r = document.querySelector('[data-testid=grid]')?.getBoundingClientRect();
    return r ? { top: Math.max(0, r.top), bottom: Math.min(innerHeight, r.bottom) } : { top: 0, bottom: innerHeight };
  });
  const steps = 8;
  const dy = Math.min(70, Math.floor((grid.bottom - grid.top - 20) / steps));
  const y0 = Math.round(grid.bottom - 10);
  await cdp.send('Emulation.setTouchEmulationEnabled', { enabled: true, maxTouchPoints: 1 });
  try {
    for (let i = 0; i < o.flings; i++) {
      const t0 = Date.now() / 1000;
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x: at.x, y: y0 }], timestamp: t0 });
      for (let k = 1; k <= steps; k++) {
        await sleep(16);
        await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x: at.x, y: y0 - k * dy }], timestamp: t0 + k * 0.016 });
      }
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [], timestamp: t0 + (steps + 1) * 0.016 });
      await settle(page);
    }
  } finally {
    await cdp.send('Emulation.setTouchEmulationEnabled', { enabled: false }).catch(() => {});
  }
  return { ...(await recordStop(page)), input: `${o.flings} swipes of ${steps * dy} px in ${steps * 16} ms` };
}

/** Main-thread trace event names that only wrap others (left out of the breakdown). */
const TRACE_WRAPPERS = new Set(['RunTask', 'ThreadControllerImpl::RunTask', 'ThreadPool_RunTask', 'SequenceManager::RunTask',
  'TaskQueueManager::ProcessTaskFromWorkQueue', 'MessageLoop::RunTask', 'Scheduler::RunTask']);

/**
 * A wheel or fling run again under a performance trace (CDP Tracing): frames on
 * the renderer's main thread over 34 ms (between BeginMainThreadFrame /
 * animation-frame events), and what ran in them: time by event name
 * (inclusive, nested names overlap), and how much of each such frame the
 * main thread was busy at all (idle = the wait is elsewhere: compositor,
 * raster, GPU process).
 */
async function traceRun(page, o, cdp, file, run) {
  const chunks = [];
  const onData = (d) => { for (const e of d.value) chunks.push(e); };
  cdp.on('Tracing.dataCollected', onData);
  const done = new Promise((r) => cdp.once('Tracing.tracingComplete', r));
  await cdp.send('Tracing.start', {
    transferMode: 'ReportEvents',
    traceConfig: { includedCategories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'disabled-by-default-devtools.timeline.frame', 'v8', 'v8.execute', 'blink', 'cc', 'gpu', 'toplevel', 'disabled-by-default-v8.gc'] },
  });
  const measured = await run();
  await cdp.send('Tracing.end');
  await done;
  cdp.off('Tracing.dataCollected', onData);
  if (file) writeFileSync(file, JSON.stringify({ traceEvents: chunks }));
  return { run: measured, ...analyseTrace(chunks), file };
}

function analyseTrace(events) {
  const names = new Map();
  for (const e of events) {
    if (e.ph === 'M' && e.name === 'thread_name') names.set(`${e.pid}:${e.tid}`, e.args?.name);
  }
  const byThread = (n) => [...names].filter(([, v]) => v === n).map(([k]) => k);
  const mains = byThread('CrRendererMain');
  // The main thread with the most events is the app's.
  const count = new Map();
  for (const e of events) { const k = `${e.pid}:${e.tid}`; if (mains.includes(k)) count.set(k, (count.get(k) || 0) + 1); }
  const main = [...count].sort((a, b) => b[1] - a[1])[0]?.[0];
  if (!main) return { error: 'no renderer main thread in the trace' };
  const onMain = events.filter((e) => `${e.pid}:${e.tid}` === main && e.ph === 'X' && e.dur != null);
  // Frame boundaries: the main thread's frame starts.
  // (or, without those, the animation-frame callbacks, several a frame).
  const at = (name) => events.filter((e) => `${e.pid}:${e.tid}` === main && e.name === name).map((e) => e.ts).sort((a, b) => a - b);
  let starts = at('BeginMainThreadFrame');
  if (starts.length < 2) starts = at('FireAnimationFrame').filter((t, i, xs) => i === 0 || t - xs[i - 1] > 2000);
  const frames = [];
  for (let i = 1; i < starts.length; i++) {
    const ms = (starts[i] - starts[i - 1]) / 1000;
    if (ms > 34) frames.push([starts[i - 1], starts[i]]);
  }
  // Self time of every event (its duration less its children's: events on
  // one thread nest), so the breakdown adds up.
  onMain.sort((x, y) => x.ts - y.ts || y.dur - x.dur);
  const stack = [];
  for (const e of onMain) {
    e.self = e.dur;
    while (stack.length && stack[stack.length - 1].ts + stack[stack.length - 1].dur <= e.ts) stack.pop();
    const parent = stack[stack.length - 1];
    if (parent) parent.self -= Math.min(e.dur, parent.ts + parent.dur - e.ts);
    e.top = !parent;
    stack.push(e);
  }
  const tasks = onMain.filter((e) => e.top);
  const selfIn = (a, b) => {
    const m = new Map();
    for (const e of onMain) {
      if (e.ts < a || e.ts >= b || TRACE_WRAPPERS.has(e.name) || e.self <= 0) continue;
      m.set(e.name, (m.get(e.name) || 0) + e.self);
    }
    return [...m].sort((x, y) => y[1] - x[1]).map(([name, us]) => ({ name, ms: us / 1000 }));
  };
  let busy = 0;
  let span = 0;
  const totals = new Map();
  for (const [a, b] of frames) {
    span += b - a;
    for (const t of tasks) busy += Math.max(0, Math.min(b, t.ts + t.dur) - Math.max(a, t.ts));
    for (const x of selfIn(a, b)) totals.set(x.name, (totals.get(x.name) || 0) + x.ms);
  }
  const top = [...totals].sort((a, b) => b[1] - a[1]).slice(0, 10).map(([name, ms]) => ({ name, ms }));
  const longest = tasks.filter((t) => t.dur > 34000).sort((a, b) => b.dur - a.dur).slice(0, 3)
    .map((t) => ({ ms: t.dur / 1000, inside: selfIn(t.ts, t.ts + t.dur).slice(0, 5) }));
  return {
    events: events.length,
    mainFrames: starts.length,
    longFrames: frames.length,
    longFrameMs: span / 1000,
    mainBusyMs: busy / 1000,
    top,
    longTasks: longest,
  };
}

/**
 * Scrolling as people scroll, on a loaded app: the scrollTop sweep (one step
 * a frame), wheel input and touch flings; performance traces of the wheel
 * run when asked or (auto) when a wheel or fling frame passed 34 ms.
 */
async function scrollSuite(page, o, n) {
  const out = {};
  out.sweep = await attempt('fast scroll', () => fastScroll(page, o.scrollMs));
  const cdp = await page.context().newCDPSession(page);
  try {
    out.wheel = await attempt('wheel scroll', () => wheelScroll(page, o, cdp));
    out.fling = await attempt('touch fling', () => touchFling(page, o, cdp));
    const worst = Math.max(out.wheel?.worstFrameMs ?? 0, out.fling?.worstFrameMs ?? 0);
    if (o.trace === 'always' || (o.trace === 'auto' && worst > 34)) {
      const file = (k) => (o.keepTraces ? join(o.out, `trace-${k}-${n}.json`) : null);
      out.trace = await attempt('trace', () => traceRun(page, o, cdp, file('wheel'), () => wheelScroll(page, o, cdp)));
      out.traceFling = await attempt('trace', () => traceRun(page, o, cdp, file('fling'), () => touchFling(page, o, cdp)));
    }
  } finally {
    await cdp.detach().catch(() => {});
  }
  return out;
}

/** JS heap (CDP) and wasm linear memories found on the heap (CDP queryObjects). */
async function memory(page) {
  const cdp = await page.context().newCDPSession(page);
  try {
    await cdp.send('HeapProfiler.collectGarbage');
    const heap = await cdp.send('Runtime.getHeapUsage');
    const hook = (name) => page.evaluate((k) => {
      const f = window.__immichGrid?.[k];
      return typeof f === 'function' ? f() : null;
    }, name);
    const exposed = await hook('wasmMemoryBytes');
    const indexBytes = await hook('indexBytes');
    const assets = await page.evaluate(() => window.__immichGrid?.count?.() ?? null).catch(() => null);
    let wasm = exposed;
    if (wasm == null) {
      wasm = await attempt('wasm memory via CDP', async () => {
        const proto = await cdp.send('Runtime.evaluate', { expression: 'WebAssembly.Memory.prototype' });
        const { objects } = await cdp.send('Runtime.queryObjects', { prototypeObjectId: proto.result.objectId });
        const sum = await cdp.send('Runtime.callFunctionOn', {
          objectId: objects.objectId,
          functionDeclaration: 'function () { return this.reduce((s, m) => s + m.buffer.byteLength, 0); }',
          returnByValue: true,
        });
        return sum.result.value;
      });
    }
    return { jsHeapUsed: heap.usedSize, jsHeapTotal: heap.totalSize, wasmMemory: wasm, indexBytes, assets };
  } finally {
    await cdp.detach().catch(() => {});
  }
}

/** Cold loads of n assets, one fresh profile per pages-in-flight setting. */
async function benchColdConcurrency(browser, o, n) {
  log(`cold concurrency: starting a fixture with ${n} assets`);
  const fx = await startFixture(o, n, ['--app-dir', o.dist, '--demo-session']);
  const out = {};
  try {
    for (const c of o.coldConcurrency) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      try {
        await context.addInitScript((k) => localStorage.setItem('immich-grid:concurrency', String(k)), c);
        await context.addInitScript(APP_PROBE);
        const page = await context.newPage();
        await fixtureJson(fx, '/__fixture/requests', 'DELETE');
        await page.goto(fx.url + '/', { waitUntil: 'commit' });
        const cold = await waitLoaded(page, o, n);
        const log_ = summariseLog(await fixtureJson(fx, '/__fixture/requests'));
        out[c] = { firstTileMs: cold.firstTile, completeMs: cold.complete, completeSource: cold.source, assetPages: log_.assetPages, load: loadavg()[0] };
        log(`cold ${n} with ${c} in flight: complete ${fmt(cold.complete)} ms (${cold.source}), ${log_.assetPages} pages, load ${loadavg()[0].toFixed(1)}`);
      } finally {
        await context.close();
      }
    }
  } finally {
    fx.stop();
  }
  return out;
}

/** The server version the v3 rows play (`immich-fixture --immich-version`). */
const V3_VERSION = '3.1.0';

/**
 * Cold and warm start of the app on n assets, served as v1.103 serves them
 * (`/api/asset` pages) or, with `v3`, as Immich v3.1.0 does (month buckets);
 * the same seed and library either way. The v1 run also measures the DOM,
 * scrolling and memory (the grid is the same code in both).
 */
async function benchApp(browser, o, n, { v3 = false } = {}) {
  const label = v3 ? `app v3 ${n}` : `app ${n}`;
  log(`${label}: starting a fixture with ${n} assets`);
  const fx = await startFixture(o, n, ['--app-dir', o.dist, '--demo-session', ...(v3 ? ['--immich-version', V3_VERSION] : [])]);
  const r = { assets: n, server: v3 ? V3_VERSION : '1.103.1' };
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    await context.addInitScript(APP_PROBE);
    const page = await context.newPage();
    page.on('pageerror', (e) => log('app error:', e.message));
    // Cold: a fresh profile, nothing cached.
    await fixtureJson(fx, '/__fixture/requests', 'DELETE');
    let sizes = trackRequests(page);
    await page.goto(fx.url + '/', { waitUntil: 'commit' });
    const cold = await waitLoaded(page, o, n);
    r.cold = { firstTileMs: cold.firstTile, completeMs: cold.complete, completeSource: cold.source, ...(await sizes()) };
    r.coldLog = summariseLog(await fixtureJson(fx, '/__fixture/requests'));
    log(`${label} cold: first tile ${fmt(cold.firstTile)} ms, complete ${fmt(cold.complete)} ms`);
    if (cold.firstTile != null && !v3) {
      await page.evaluate(() => window.__bench?.stop?.());
      r.dom = {};
      for (const where of ['top', 'middle', 'end']) r.dom[where] = await attempt(`dom ${where}`, () => domAt(page, where));
      const sc = await scrollSuite(page, o, n);
      r.scroll = sc.sweep;
      Object.assign(r, { wheel: sc.wheel, fling: sc.fling, trace: sc.trace, traceFling: sc.traceFling });
    }
    r.memory = await attempt('memory', () => memory(page));
    // Warm: reload in the same profile (the app's caches and the HTTP cache are kept).
    await sleep(500);
    await fixtureJson(fx, '/__fixture/requests', 'DELETE');
    page.removeAllListeners('requestfinished');
    sizes = trackRequests(page);
    await page.reload({ waitUntil: 'commit' });
    const warm = await waitLoaded(page, o, n);
    await sleep(500);
    r.warm = { firstTileMs: warm.firstTile, completeMs: warm.complete, completeSource: warm.source, ...(await sizes()) };
    r.warmLog = summariseLog(await fixtureJson(fx, '/__fixture/requests'));
    r.memoryWarm = await attempt('memory after reload', () => memory(page));
    // The loader's steps (`immich-grid:*` performance marks), ms since navigation.
    r.warmMarks = await attempt('marks', () => page.evaluate(() => Object.fromEntries(performance.getEntriesByType('mark')
      .filter((m) => m.name.startsWith('immich-grid:')).map((m) => [m.name.slice(12), Math.round(m.startTime)]))));
    log(`${label} warm: first tile ${fmt(warm.firstTile)} ms, complete ${fmt(warm.complete)} ms, ${r.warmLog.json304} x 304, `
      + `${r.warmLog.json200 + r.warmLog.json304} JSON requests ${JSON.stringify(r.warmLog.otherJson)} + ${r.warmLog.assetPages} ${v3 ? 'months' : '/api/asset'}, marks ${JSON.stringify(r.warmMarks)}`);
  } finally {
    await context.close();
    fx.stop();
  }
  return r;
}

/** Scrolling only, at a size the app rows do not cover: load (cold), then scrollSuite. */
async function benchScroll(browser, o, n) {
  log(`scroll: starting a fixture with ${n} assets`);
  const fx = await startFixture(o, n, ['--app-dir', o.dist, '--demo-session']);
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    await context.addInitScript(APP_PROBE);
    const page = await context.newPage();
    page.on('pageerror', (e) => log('app error:', e.message));
    await page.goto(fx.url + '/', { waitUntil: 'commit' });
    const cold = await waitLoaded(page, o, n);
    if (cold.firstTile == null) throw new Error('no tile shown');
    await page.evaluate(() => window.__bench?.stop?.());
    const sc = await scrollSuite(page, o, n);
    return { assets: n, completeMs: cold.complete, scroll: sc.sweep, wheel: sc.wheel, fling: sc.fling, trace: sc.trace, traceFling: sc.traceFling };
  } finally {
    await context.close();
    fx.stop();
  }
}

/**
 * The path real people take: the app alone on one origin, Immich on another
 * under /immich, an API key (as the Connect panel saves it). Cold and warm
 * start only; thumbnails come through the key-in-header fetch queue.
 */
async function benchAppKey(browser, o, n) {
  log(`app (API key, other origin, /immich): starting two fixtures with ${n} assets`);
  const appFx = await startFixture(o, 1, ['--app-only', '--app-dir', o.dist]);
  const apiFx = await startFixture(o, n, ['--base-path', '/immich', '--cors-origin', appFx.url]);
  const server = `${apiFx.url}/immich`;
  const fx = { url: server };
  const r = { assets: n };
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    await context.addInitScript(APP_PROBE);
    // What the Connect panel stores: the server, the mode, the key for that server only.
    await context.addInitScript(({ server, key }) => {
      if (!localStorage.getItem('immich-grid.server')) {
        localStorage.setItem('immich-grid.server', server);
        localStorage.setItem('immich-grid.auth', 'api-key');
        sessionStorage.setItem(`immich-grid.api-key@${server}`, key);
      }
    }, { server, key: apiFx.apiKey });
    const page = await context.newPage();
    page.on('pageerror', (e) => log('app error:', e.message));
    await fixtureJson(fx, '/__fixture/requests', 'DELETE');
    let sizes = trackRequests(page);
    await page.goto(appFx.url + '/', { waitUntil: 'commit' });
    const cold = await waitLoaded(page, o, n);
    await sleep(500);
    r.cold = { firstTileMs: cold.firstTile, completeMs: cold.complete, completeSource: cold.source, ...(await sizes()) };
    r.coldLog = summariseLog(await fixtureJson(fx, '/__fixture/requests'));
    log(`app key ${n} cold: first tile ${fmt(cold.firstTile)} ms, complete ${fmt(cold.complete)} ms`);
    await fixtureJson(fx, '/__fixture/requests', 'DELETE');
    page.removeAllListeners('requestfinished');
    sizes = trackRequests(page);
    await page.reload({ waitUntil: 'commit' });
    const warm = await waitLoaded(page, o, n);
    await sleep(500);
    r.warm = { firstTileMs: warm.firstTile, completeMs: warm.complete, completeSource: warm.source, ...(await sizes()) };
    r.warmLog = summariseLog(await fixtureJson(fx, '/__fixture/requests'));
    log(`app key ${n} warm: first tile ${fmt(warm.firstTile)} ms, complete ${fmt(warm.complete)} ms, ${r.warmLog.json304} x 304`);
  } finally {
    await context.close();
    apiFx.stop();
    appFx.stop();
  }
  return r;
}

/**
 * Firefox and WebKit, driven through WebDriver (tests/support/webdriver.mjs):
 * no init script can run before the page's own scripts, so the session uses
 * `pageLoadStrategy: 'none'` (navigation commands return at once) and the
 * first script call that reaches the new document installs APP_PROBE there.
 * Times are `performance.now()` in the page, from its navigation start, as
 * in Chromium. If a tile (or completion) is already there when the probe
 * arrives, the install time is taken: an upper bound, marked in the report.
 */
const WD_STATE = (probe, n) => {
  if (window.__benchOld || location.href === 'about:blank') return { old: true };
  if (!window.__bench) {
    (0, eval)(`(${probe})()`);
    const b = window.__bench;
    const now = performance.now();
    b.installedAt = now;
    const t = document.querySelector('[data-testid=tile]');
    if (t) { const r = t.getBoundingClientRect(); if (r.width > 0 && r.height > 0) { b.firstTile = now; b.firstTileBound = true; } }
    if (document.querySelector('[data-testid=progress][data-state=current]')) { b.complete = now; b.completeBound = true; }
  }
  const b = window.__bench;
  // The same signals as waitLoaded.
  const total = document.querySelector('[data-testid=count-total]')?.textContent?.replace(/\D/g, '');
  if (b.complete == null && total && Number(total) === n) { b.complete = performance.now(); b.source = 'count'; }
  if (b.complete != null && !b.source) b.source = 'progress';
  const quiet = b.lastList != null && performance.now() - b.lastList > 3000;
  return { firstTile: b.firstTile ?? null, complete: b.complete ?? null, source: b.source ?? null,
    lastList: b.lastList ?? null, quiet, installedAt: b.installedAt,
    firstTileBound: !!b.firstTileBound, completeBound: !!b.completeBound };
};

/** waitLoaded for a WebDriver session; throws unless both first tile and completion were seen. */
async function wdLoaded(s, o, n) {
  const deadline = Date.now() + o.appTimeoutMs;
  const probe = APP_PROBE.toString();
  let state = null;
  let lastError = null;
  while (Date.now() < deadline) {
    try {
      state = await s.exec(WD_STATE, probe, n);
      lastError = null;
    } catch (e) {
      // A script call can meet a document that is being replaced; the deadline bounds this.
      lastError = e;
      state = null;
    }
    if (state && !state.old) {
      if (state.firstTile != null && state.complete != null) return state;
      if (state.firstTile != null && state.quiet) return { ...state, complete: state.lastList, source: 'last-list-response' };
    }
    await sleep(20);
  }
  throw new Error(`${s.engine}: not loaded within ${o.appTimeoutMs} ms (last state ${JSON.stringify(state)}${lastError ? `, last error ${lastError.message.split('\n')[0]}` : ''})`);
}

/** Cold start (a new session: fresh profile) and warm start (refresh) of the app in `engine`. */
async function benchEngine(o, engine, n) {
  log(`${engine}: starting a fixture with ${n} assets`);
  const fx = await startFixture(o, n, ['--app-dir', o.dist, '--demo-session']);
  let driver = null;
  let s = null;
  const r = { engine, assets: n };
  try {
    driver = await DriverProcess.start(engine);
    s = await driver.newSession({ pageLoadStrategy: 'none' });
    r.browser = s.browser;
    r.browserName = s.capabilities.browserName ?? engine;
    r.browserVersion = s.capabilities.browserVersion ?? null;
    r.viewport = await s.setViewport(1280, 800);
    const timesOf = (x) => ({ firstTileMs: x.firstTile, completeMs: x.complete, completeSource: x.source,
      probeAtMs: x.installedAt, firstTileBound: x.firstTileBound, completeBound: x.completeBound });
    // Cold: the session's fresh profile.
    await fixtureJson(fx, '/__fixture/requests', 'DELETE');
    await s.exec(() => { window.__benchOld = true; });
    await s.goto(fx.url + '/');
    const cold = await wdLoaded(s, o, n);
    r.cold = timesOf(cold);
    await sleep(500);
    r.coldLog = summariseLog(await fixtureJson(fx, '/__fixture/requests'));
    log(`${r.browser} ${n} cold: first tile ${fmt(cold.firstTile)} ms, complete ${fmt(cold.complete)} ms (probe at ${fmt(cold.installedAt)} ms)`);
    // Warm: reload in the same session.
    await fixtureJson(fx, '/__fixture/requests', 'DELETE');
    await s.exec(() => { window.__benchOld = true; });
    await s.refresh();
    const warm = await wdLoaded(s, o, n);
    r.warm = timesOf(warm);
    await sleep(500);
    r.warmLog = summariseLog(await fixtureJson(fx, '/__fixture/requests'));
    log(`${r.browser} ${n} warm: first tile ${fmt(warm.firstTile)} ms, complete ${fmt(warm.complete)} ms (probe at ${fmt(warm.installedAt)} ms), /api/asset ${r.warmLog.asset304} x 304, ${r.warmLog.asset200} x 200`);
  } catch (e) {
    throw new Error(`${e.message}${driver ? `\n${engine} driver log (end):\n${driver.log().slice(-1500)}` : ''}`);
  } finally {
    if (s) await s.close().catch((e) => log(`${engine}: closing the session: ${e.message}`));
    if (driver) await driver.stop();
    fx.stop();
  }
  return r;
}

/** Raw and gzip (level 9) size of the app's first screen (html/js/css and
 * the main wasm, `*_bg.wasm`), as `cargo xtask build` counts it; the lazy
 * panels' chunks (every other `.wasm`) are summed apart. */
function appSize(dist) {
  if (!dist || !existsSync(dist)) return null;
  const files = {};
  let raw = 0, gz = 0, lazyRaw = 0, lazyGzip = 0, chunks = 0;
  for (const f of readdirSync(dist)) {
    if (!/\.(wasm|js|css|html)$/.test(f)) continue;
    const data = readFileSync(join(dist, f));
    const g = gzipSync(data, { level: 9 }).length;
    if (f.endsWith('.wasm') && !f.endsWith('_bg.wasm')) {
      lazyRaw += data.length;
      lazyGzip += g;
      chunks++;
      continue;
    }
    files[f] = { raw: data.length, gzip: g };
    raw += data.length;
    gz += g;
  }
  return { raw, gzip: gz, files, lazyRaw, lazyGzip, chunks };
}

// ---- machine -------------------------------------------------------------

function machine(browserVersion) {
  let cpu = cpus()[0]?.model ?? 'unknown';
  try {
    cpu = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpu;
  } catch { /* not Linux */ }
  let nproc = cpus().length;
  try { nproc = Number(execFileSync('nproc').toString().trim()); } catch { /* keep */ }
  return {
    nproc, cpu, chromium: browserVersion, node: process.version,
    loadavg: loadavg().map((x) => Math.round(x * 100) / 100),
    date: new Date().toISOString(),
  };
}

// ---- report --------------------------------------------------------------

function markdown(res) {
  const L = [];
  const m = res.machine;
  L.push('# immich-grid benchmarks', '');
  L.push(`${m.date.slice(0, 10)} · ${m.nproc} cores (${m.cpu}) · Chromium ${m.chromium} (headless) · Node ${m.node} · load average at start ${m.loadavg.join(' / ')}`);
  L.push('', 'Reproduce: `cargo xtask bench --sizes ' + res.options.sizes.join(',') + '` (writes this file and results.json). Times are medians of several samples; a ratio "X ÷ ours" above 1 means ours is faster. The machine is shared (see the load average), so treat small differences as noise.', '');
  L.push('Our wasm builds: **z** = `--release` (opt-level "z", LTO, as the app ships) + `wasm-opt -Oz`; **o3** = `--profile release-native` (opt-level 3) + `wasm-opt -O3`.', '');

  if (!res.options.appOnly) {
  // (a)
  L.push('## Layout', '');
  L.push(`N tiles (seeded mix of photo shapes, 3% panoramas), width ${res.options.width} px, target row height ${res.options.rowHeight} px, gap 4 px, `
    + 'every packer with a height tolerance of 0.15: Immich `get_justified_layout(aspects, rowHeight, width, 4, 0.15)` (rows within ±15% of the target), '
    + 'flickr `justifiedLayout(array, {containerWidth, containerPadding: 0, boxSpacing: 4, targetRowHeight, targetRowHeightTolerance: 0.15})`, '
    + 'ours with `max_row_height_factor` 1.15 (rows at most 15% taller; ours has no lower bound and picks the closer of stretching or shrinking). '
    + 'Each call includes copying the aspects into wasm memory and the result out into a new `Float32Array` (`slice` of a view of wasm memory), as Immich\'s binding does; '
    + 'ours (`RectLayout` in crates/bench-wasm) keeps its two buffers in wasm memory from call to call where Immich\'s wasm-bindgen binding allocates and frees both on every call. '
    + 'Both pay the same allocation of the new array, which is most of the time at 100,000 and up. '
    + 'Ours and Immich\'s are timed in rounds (one sample of each contender a round, after each is warmed up), so a burst of load on the shared machine hits all of them alike.', '');
  const sizes = Object.keys(res.layout).map(Number);
  const rowsOf = (keys) => keys.filter((k) => sizes.some((n) => res.layout[n]?.[k]));
  const allKeys = [...new Set(Object.values(res.layout).filter(Boolean).flatMap((r) => Object.keys(r).filter((k) => typeof r[k] === 'object' && r[k])))];
  const like = rowsOf(allKeys.filter((k) => k.endsWith('+rects')).concat(['immich', 'flickr']));
  const IMMICH_VIEW = 'immich, view (no copy out)';
  const view = rowsOf(allKeys.filter((k) => k.includes('view (no copy out)')));
  const other = rowsOf(allKeys.filter((k) => k.startsWith('ours') && !k.includes('+rects')));
  const cell = (r, k) => (r?.[k]?.skipped ? `skipped (≈${fmt(r[k].estMs / 1000, 0)} s)` : fmt(r?.[k]?.ms, 2));
  const head = `| ${sizes.map((n) => `${fmtInt(n)} ms`).join(' | ')} | ${sizes.map((n) => `immich ÷ this, ${fmtInt(n)}`).join(' | ')} |`;
  const line = (k, base = 'immich') => `| ${sizes.map((n) => cell(res.layout[n], k)).join(' | ')} | ${sizes.map((n) => (k === base ? '' : times(ratio(res.layout[n]?.[k]?.ms, res.layout[n]?.[base]?.ms), 2))).join(' | ')} |`;
  L.push('**Like for like** (same input, same output: x, y, width and height of every tile in one flat `Float32Array`; one ungrouped list):', '');
  L.push(`| packer ${head}`);
  L.push(`|---|${sizes.map(() => '---:').join('|')}|${sizes.map(() => '---:').join('|')}|`);
  for (const k of like) L.push(`| ${k} ${line(k)}`);
  if (view.length) {
    const base = view.includes(IMMICH_VIEW) ? IMMICH_VIEW : 'immich';
    L.push('', 'Same output, read in place: each layout read as a `Float32Array` view of its wasm memory instead of copied into a new array (ours: `RectLayout`\'s buffer, valid until its next call; Immich\'s: the raw calls its binding makes, the aspects copied into a buffer it allocates, its result read, then freed). The ratios compare '
      + (base === IMMICH_VIEW ? 'with Immich read in place, so this table is the packing itself, like for like:' : 'with Immich\'s binding above (which copies out), so they are not like for like:'), '');
    const headView = head.replaceAll('immich ÷ this', base === IMMICH_VIEW ? 'immich in place ÷ this' : 'immich ÷ this');
    L.push(`| packer ${headView}`);
    L.push(`|---|${sizes.map(() => '---:').join('|')}|${sizes.map(() => '---:').join('|')}|`);
    for (const k of view) L.push(`| ${k} ${line(k, base)}`);
  }
  L.push('');
  // Packing quality at the largest size every like-for-like packer ran.
  const statSize = [...sizes].reverse().find((n) => like.every((k) => res.layout[n]?.[k]?.rows)) ?? [...sizes].reverse().find((n) => res.layout[n]);
  if (statSize != null) {
    const r = res.layout[statSize];
    L.push(`Do they pack comparably? At ${fmtInt(statSize)} tiles (rows except the last; deviation = row height ÷ target − 1):`, '');
    L.push('| packer | total height px | rows | mean \\|deviation\\| | mean deviation | rows outside ±15% | rows narrower than the width |', '|---|---:|---:|---:|---:|---:|---:|');
    for (const k of like) {
      if (!r[k]?.rows) continue;
      L.push(`| ${k} | ${fmtInt(r[k].height)} | ${fmtInt(r[k].rows)} | ${fmt(100 * r[k].meanAbsDev, 1)}% | ${fmt(100 * r[k].meanDev, 1)}% | ${fmtInt(r[k].outside)} | ${fmtInt(r[k].short)} |`);
    }
    L.push('', 'Why the heights differ: the packers share the target, gap and the +15% stretch cap, and agree on rows of equal shapes (checked: 1.5, 1, 4:3 and 3:4 tiles give the same rows), '
      + 'but Immich also keeps rows at least 15% below the target: when neither closing a row early (stretch above +15%) nor adding the next tile (shrink below −15%) fits the band, it leaves the row narrower than the width. '
      + 'Ours always fills the width and lets such a row shrink further (the app never leaves a ragged right edge inside a day), so it needs fewer rows; ours also crops panoramas above 3:1 (`max_aspect`), which changes little here. '
      + 'The packings are comparable in mean |deviation|; the height gap is the cost of Immich\'s narrower rows, not a looser setting of ours.', '');
  }
  if (other.length) {
    L.push('**Not the same output** (for scale; no ratio is taken from these): "rows only" is the grid as the app keeps it (`Grid::new` + `layout_all`: one aspect a tile plus rows, positions derived on demand for the few visible tiles); '
      + `"app: day groups" is the app's real path on the same aspects in day groups (${sizes.map((n) => `${fmtInt(res.layout[n]?.dayGroups)} days at ${fmtInt(n)}`).join(', ')}; day and month headers, groups laid out one by one), which Immich and flickr do not do.`, '');
    L.push(`| ours | ${sizes.map((n) => `${fmtInt(n)} ms`).join(' | ')} |`);
    L.push(`|---|${sizes.map(() => '---:').join('|')}|`);
    for (const k of other) L.push(`| ${k} | ${sizes.map((n) => cell(res.layout[n], k)).join(' | ')} |`);
    L.push('');
    L.push(`Grid memory (rows only): ${sizes.map((n) => `${fmt(res.layout[n]?.heapBytesPerTile, 1)} bytes/tile at ${fmtInt(n)}`).join(', ')}; a materialised layout is 16 bytes/tile.`);
  }
  if (Object.values(res.layout).some((r) => r?.flickr?.skipped)) {
    L.push('', 'flickr\'s `justified-layout` concatenates its result array once per row (`laidOutItems.concat(...)`), so its time grows with n²; sizes where one call would take over 20 s (extrapolated from the previous size) are skipped.');
  }
  L.push('');

  // (b)
  L.push('## Decode', '');
  const d = res.decode;
  if (!d) {
    L.push(res.options.decodeAssets > 0 ? 'n/a (the decode run failed; see the log).' : 'skipped (--decode-assets 0).', '');
  } else {
    L.push(`The fixture's real \`GET /api/asset?take=${res.options.take}&skip=…\` bodies for ${fmtInt(d.assets)} assets (${d.pages} pages, ${fmt(mb(d.bytes))} MB), fetched once, then decoded whole per sample. `
      + '**ours** = `library_core::decode_page` per page from the body bytes (copied into wasm memory, as the app does) into our index: about 17 fields an asset (id, owner, times, aspect, kind, flags, stack, duration, thumbhash decoded from base64, file name, lowercased search text), every kept string UTF-8-validated; '
      + 'everything else is checked for JSON syntax and skipped. **+keep fields** = `JSON.parse` then copying the same fields into columns (typed arrays and string arrays; the equal output, see `keepFields` in end2end/bench/page.mjs); '
      + '**full objects** = `JSON.parse` alone, which keeps every field as JS objects (more output than ours). "TextDecoder+" rows start from the same bytes as ours; "(text)" rows from ready-made strings, which the app would have to decode first.', '');
    const t = d.times;
    const eqBytes = t['TextDecoder+JSON.parse+keep fields']?.ms;
    const eqText = t['JSON.parse(text)+keep fields']?.ms;
    const fullText = t['JSON.parse(text) (full objects)']?.ms;
    L.push('| decoder | ms | MB/s | M assets/s | TextDecoder+JSON.parse+keep fields ÷ this (same input, same output) | JSON.parse(text)+keep fields ÷ this (same output) | JSON.parse(text) (full objects) ÷ this |');
    L.push('|---|---:|---:|---:|---:|---:|---:|');
    for (const [k, v] of Object.entries(t)) {
      const isOurs = k.startsWith('ours');
      L.push(`| ${k} | ${fmt(v.ms)} | ${fmt(mb(d.bytes) / (v.ms / 1000), 0)} | ${fmt(d.assets / (v.ms / 1000) / 1e6, 2)} | ${isOurs ? times(ratio(v.ms, eqBytes), 2) : ''} | ${isOurs ? times(ratio(v.ms, eqText), 2) : ''} | ${isOurs ? times(ratio(v.ms, fullText), 2) : ''} |`);
    }
    const mm = d.memory;
    L.push('', '| memory | bytes/asset |', '|---|---:|');
    L.push(`| JSON body (wire) | ${fmt(d.bytes / d.assets, 0)} |`);
    L.push(`| JSON.parse objects kept (JS heap growth) | ${fmt(d.jsonHeapBytes / d.assets, 0)} |`);
    if (mm) {
      L.push(`| our index, per page as decoded | ${fmt(mm.pagesBytes / mm.assets, 0)} |`);
      L.push(`| our index, merged (as the app publishes it) | ${fmt(mm.mergedBytes / mm.mergedAssets, 0)} |`);
    }
    L.push('');
  }

  }
  // (c)
  L.push('## App', '');
  const s = res.appSize;
  if (s) L.push(`App size, first screen (dist/: html + js + css + main wasm): ${fmt(kb(s.raw))} KB raw, **${fmt(kb(s.gzip))} KB gzip** (level 9). ${Object.entries(s.files).map(([f, v]) => `${f.replace(/-[0-9a-f]{16}/, '')} ${fmt(kb(v.gzip))} KB`).join(', ')}. Lazy panels, fetched on first use: ${fmt(kb(s.lazyGzip ?? 0))} KB gzip in ${s.chunks ?? 0} chunks.`, '');
  if (!res.app || !Object.keys(res.app).length) {
    L.push('n/a (no dist/ given or the app did not load).', '');
  } else {
    L.push(`Served by the fixture (\`--demo-session\`), viewport 1280×800, a fresh browser profile for the cold start, a reload of it for the warm start. "complete" = \`[data-testid=progress]\` reaching \`data-state="current"\` (every page verified with the server); n/a = it did not happen within ${res.options.appTimeoutMs / 1000} s. Bytes are headers + bodies as Chromium counts them; API bodies from the fixture's log.`, '');
    const rows = [
      ['cold: first tile (ms)', (a) => fmt(a.cold?.firstTileMs, 0)],
      ['cold: complete (ms)', (a) => fmt(a.cold?.completeMs, 0) + mark(a.cold)],
      ['cold: requests', (a) => fmtInt(a.cold?.requests)],
      ['cold: bytes down / up (KB)', (a) => `${fmt(kb(a.cold?.downBytes), 0)} / ${fmt(kb(a.cold?.upBytes), 0)}`],
      ['cold: /api/asset requests, JSON body MB', (a) => `${fmtInt(a.coldLog?.assetPages)}, ${fmt(mb(a.coldLog?.jsonBodyBytes))}`],
      ['cold: thumbnails, KB', (a) => `${fmtInt(a.coldLog?.thumbnails)}, ${fmt(kb(a.coldLog?.thumbnailBytes), 0)}`],
      ['warm: first tile (ms)', (a) => fmt(a.warm?.firstTileMs, 0)],
      ['warm: complete (ms)', (a) => fmt(a.warm?.completeMs, 0) + mark(a.warm)],
      ['warm: `/api/asset` pages 304 / 200', (a) => `${fmtInt(a.warmLog?.asset304)} / ${fmtInt(a.warmLog?.asset200)}`],
      ['warm: other JSON calls (path status × count)', (a) => Object.entries(a.warmLog?.otherJson ?? {}).map(([k, v]) => `${k.replace(/^\/api\//, '')} ×${v}`).join(', ') || 'none'],
      ['warm: thumbnails requested (304), KB', (a) => `${fmtInt(a.warmLog?.thumbnails)} (${fmtInt(a.warmLog?.thumbnail304)}), ${fmt(kb(a.warmLog?.thumbnailBytes), 0)}`],
      ['warm: bytes down / up (KB)', (a) => `${fmt(kb(a.warm?.downBytes), 0)} / ${fmt(kb(a.warm?.upBytes), 0)}`],
      ['DOM nodes in grid: top / middle / end', (a) => a.dom ? ['top', 'middle', 'end'].map((w) => fmtInt(a.dom[w]?.nodes)).join(' / ') : 'n/a'],
      ['scrollTop sweep: long tasks (total ms)', (a) => a.scroll ? `${a.scroll.longTasks} (${fmt(a.scroll.longTaskMs, 0)})` : 'n/a'],
      ['scrollTop sweep: worst / p95 frame (ms)', (a) => a.scroll ? `${fmt(a.scroll.worstFrameMs, 0)} / ${fmt(a.scroll.p95FrameMs, 0)}` : 'n/a'],
      ['wheel: worst / p95 frame (ms), long tasks', (a) => scrollCell(a.wheel)],
      ['touch fling: worst / p95 frame (ms), long tasks', (a) => scrollCell(a.fling)],
      ['JS heap used (MB)', (a) => fmt(mb(a.memory?.jsHeapUsed))],
      ['wasm memory (MB)', (a) => fmt(mb(a.memory?.wasmMemory))],
      ['wasm memory after the reload (MB)', (a) => fmt(mb(a.memoryWarm?.wasmMemory))],
      ['index bytes/asset (total; 48 fixed)', (a) => fmt(a.memory?.indexBytes / (a.memory?.assets || a.assets), 1)],
    ];
    const scrollCell = (x) => (x ? `${fmt(x.worstFrameMs, 0)} / ${fmt(x.p95FrameMs, 0)}, ${x.longTasks}` : 'n/a');
    const mark = (x) => (x?.completeSource === 'last-list-response' ? ' ¹' : x?.completeSource === 'count' ? ' ²' : '');
    const apps = Object.values(res.app);
    L.push(`| metric | ${apps.map((a) => `${fmtInt(a?.assets)} assets`).join(' | ')} |`);
    L.push(`|---|${apps.map(() => '---:').join('|')}|`);
    for (const [label, f] of rows) L.push(`| ${label} | ${apps.map((a) => (a?.error ? 'n/a' : f(a))).join(' | ')} |`);
    L.push('', '¹ no completion seen: time of the last library-list response (`/api/asset`, or `/api/timeline/…` for v3; decode and publish not included). ² when `[data-testid=count-total]` showed N.');
    const errs = apps.filter((a) => a?.error);
    if (errs.length) L.push('', ...errs.map((a) => `- ${fmtInt(a.assets)} assets: ${a.error}`));
    L.push('');
    if (res.appV3 && Object.keys(res.appV3).length) L.push(...v3Section(res, mark));
    L.push(...scrollSection(res));
    const cc = res.coldConcurrency;
    if (cc?.runs) {
      L.push(`Cold load of ${fmtInt(cc.assets)} assets by pages in flight (\`localStorage["immich-grid:concurrency"]\`, a fresh profile each, one fixture):`, '');
      L.push('| pages in flight | complete (ms) | `/api/asset` requests | load average |', '|---:|---:|---:|---:|');
      for (const [k, r] of Object.entries(cc.runs)) L.push(`| ${k} | ${fmt(r.completeMs, 0)}${mark(r)} | ${fmtInt(r.assetPages)} | ${fmt(r.load, 1)} |`);
      L.push('');
    }
    if (res.engines) {
      const n = Object.values(res.engines)[0]?.assets;
      const c = res.app[n];
      const cols = [
        { name: `Chromium ${m.chromium} (Playwright)`, cold: c?.cold, warm: c?.warm, coldLog: c?.coldLog, warmLog: c?.warmLog, error: c ? c.error : 'not run' },
        ...[['firefox', 'Firefox ESR'], ['webkit', 'WebKitGTK']].map(([k, label]) => {
          const e = res.engines[k];
          return { name: `${label} ${e?.browserVersion ?? ''} (WebDriver)`.replace('  ', ' '), ...e, error: e ? e.error : 'not run' };
        }),
      ];
      const bound = (x, k) => (x?.[k] ? ' ≤' : '');
      L.push(`### First load and reload in every engine (${fmtInt(n)} assets)`, '');
      L.push('Chromium: the column above (Playwright; the probe is an init script, so it sees the page from its first script). '
        + 'Firefox and WebKit: driven through WebDriver (`end2end/tests/support/webdriver.mjs`), a new session (fresh profile) for the cold start, WebDriver "refresh" for the warm start. '
        + 'WebDriver cannot run a script before the page\'s own, so the same probe is installed by the first script call that reaches the new document (the session uses `pageLoadStrategy: "none"` and polls every ~20 ms; "probe at" says when it got there); '
        + 'times are `performance.now()` from the navigation start in every engine. A time marked ≤ was already reached when the probe arrived (the probe\'s arrival, an upper bound). Firefox and WebKit give \`performance.now()\` in whole milliseconds here. Single samples.', '');
      const rows = [
        ['cold: first tile (ms)', (x) => fmt(x.cold?.firstTileMs, 0) + bound(x.cold, 'firstTileBound')],
        ['cold: complete (ms)', (x) => fmt(x.cold?.completeMs, 0) + bound(x.cold, 'completeBound') + mark(x.cold)],
        ['cold: JSON body KB', (x) => fmt(kb(x.coldLog?.jsonBodyBytes), 0)],
        ['warm: first tile (ms)', (x) => fmt(x.warm?.firstTileMs, 0) + bound(x.warm, 'firstTileBound')],
        ['warm: complete (ms)', (x) => fmt(x.warm?.completeMs, 0) + bound(x.warm, 'completeBound') + mark(x.warm)],
        ['warm: `/api/asset` 304 / 200', (x) => `${fmtInt(x.warmLog?.asset304)} / ${fmtInt(x.warmLog?.asset200)}`],
        ['warm: JSON body KB', (x) => fmt(kb(x.warmLog?.jsonBodyBytes), 0)],
        ['probe at, cold / warm (ms)', (x) => (x.cold?.probeAtMs == null ? 'init script' : `${fmt(x.cold.probeAtMs, 0)} / ${fmt(x.warm?.probeAtMs, 0)}`)],
      ];
      L.push(`| metric | ${cols.map((x) => x.name).join(' | ')} |`);
      L.push(`|---|${cols.map(() => '---:').join('|')}|`);
      for (const [label, f] of rows) L.push(`| ${label} | ${cols.map((x) => (x.error ? 'n/a' : f(x))).join(' | ')} |`);
      const errs = cols.filter((x) => x.error);
      if (errs.length) L.push('', ...errs.map((x) => `- ${x.name}: ${x.error}`));
      L.push('');
    }
    for (const k of Object.values(res.appKey || {})) {
      L.push(`### API key, app and Immich on two origins, Immich under /immich (${fmtInt(k?.assets)} assets)`, '');
      if (k?.error) { L.push(`n/a: ${k.error}`, ''); continue; }
      L.push('| | first tile (ms) | complete (ms) | JSON answers 200 / 304 | thumbnails, KB |', '|---|---:|---:|---:|---:|');
      for (const [name, x, lg] of [['cold', k.cold, k.coldLog], ['warm', k.warm, k.warmLog]]) {
        L.push(`| ${name} | ${fmt(x?.firstTileMs, 0)} | ${fmt(x?.completeMs, 0)}${mark(x)} | ${fmtInt(lg?.json200)} / ${fmtInt(lg?.json304)} | ${fmtInt(lg?.thumbnails)}, ${fmt(kb(lg?.thumbnailBytes), 0)} |`);
      }
      L.push('');
    }
  }
  return L.join('\n');
}

/** The v1 / v3 table: the same library (seed 1, N assets) served both ways. */
function v3Section(res, mark) {
  const L = [];
  const cols = [];
  for (const [n, v3] of Object.entries(res.appV3)) {
    cols.push({ name: `${fmtInt(Number(n))} v1`, a: res.app[n], v3: false });
    cols.push({ name: `${fmtInt(Number(n))} v3`, a: v3, v3: true });
  }
  const list = (lg, v3, st) => (v3 ? `${fmtInt(lg?.[`monthList${st}`])} + ${fmtInt(lg?.[`asset${st}`])}` : `— + ${fmtInt(lg?.[`asset${st}`])}`);
  const other = (lg) => Object.entries(lg?.otherJson ?? {}).map(([k, v]) => `${k.replace(/^\/api\//, '')} ×${v}`).join(', ') || 'none';
  L.push('### Old and current Immich servers: v1 (`/api/asset` pages) beside v3 (month buckets)', '');
  L.push(`The same library (fixture seed 1, N assets, same users) served two ways, as the app chooses by the server's version: **v1** = Immich v1.103.1 routes, the library as \`GET /api/asset?take=1000&skip=…\` pages (plus \`/api/asset/statistics\` for the count); **v3** = \`--immich-version ${V3_VERSION}\`, \`GET /api/timeline/buckets\` (the month list, one request) then one \`GET /api/timeline/bucket?timeBucket=…\` per month, columns per month. `
    + 'Same browser, viewport, demo session cookie and measurement as the table above (the v1 columns are its columns). "complete" = `data-state="current"`: every page or month verified with the server. '
    + 'Requests are split into: the library list (v3: month list + months; v1: pages), the other JSON calls (user, partners, server version, statistics…), thumbnails. Warm = a reload in the same profile: the app asks every list request with `If-None-Match`.', '');
  const rows = [
    ['cold: first tile (ms)', (a) => fmt(a.cold?.firstTileMs, 0)],
    ['cold: complete (ms)', (a) => fmt(a.cold?.completeMs, 0) + mark(a.cold)],
    ['cold: requests (all, as Chromium counts)', (a) => fmtInt(a.cold?.requests)],
    ['cold: library list: month list + pages/months', (a, v3) => list(a.coldLog, v3, 200)],
    ['cold: library list JSON body (MB)', (a) => fmt(mb((a.coldLog?.listBodyBytes ?? 0) + (a.coldLog?.monthListBytes ?? 0)), 2)],
    ['cold: other JSON calls (count, KB)', (a) => `${fmtInt(a.coldLog?.otherJsonRequests)}, ${fmt(kb(a.coldLog?.otherJsonBytes), 1)}`],
    ['cold: thumbnails (count, KB)', (a) => `${fmtInt(a.coldLog?.thumbnails)}, ${fmt(kb(a.coldLog?.thumbnailBytes), 0)}`],
    ['cold: bytes down / up (KB)', (a) => `${fmt(kb(a.cold?.downBytes), 0)} / ${fmt(kb(a.cold?.upBytes), 0)}`],
    ['warm: first tile (ms)', (a) => fmt(a.warm?.firstTileMs, 0)],
    ['warm: complete (ms)', (a) => fmt(a.warm?.completeMs, 0) + mark(a.warm)],
    ['warm: requests (all, as Chromium counts)', (a) => fmtInt(a.warm?.requests)],
    ['warm: library list 304: month list + pages/months', (a, v3) => list(a.warmLog, v3, 304)],
    ['warm: library list 200: month list + pages/months', (a, v3) => list(a.warmLog, v3, 200)],
    ['warm: other JSON calls (path status × count)', (a) => other(a.warmLog)],
    ['warm: thumbnails requested (304), KB', (a) => `${fmtInt(a.warmLog?.thumbnails)} (${fmtInt(a.warmLog?.thumbnail304)}), ${fmt(kb(a.warmLog?.thumbnailBytes), 0)}`],
    ['warm: bytes down / up (KB)', (a) => `${fmt(kb(a.warm?.downBytes), 0)} / ${fmt(kb(a.warm?.upBytes), 0)}`],
    ['wasm memory after the cold load (MB)', (a) => fmt(mb(a.memory?.wasmMemory))],
  ];
  L.push(`| metric | ${cols.map((c) => c.name).join(' | ')} |`, `|---|${cols.map(() => '---:').join('|')}|`);
  for (const [label, f] of rows) L.push(`| ${label} | ${cols.map((c) => (!c.a || c.a.error ? 'n/a' : f(c.a, c.v3))).join(' | ')} |`);
  const errs = cols.filter((c) => !c.a || c.a.error);
  if (errs.length) L.push('', ...errs.map((c) => `- ${c.name}: ${c.a?.error ?? 'not run'}`));
  L.push('');
  return L;
}

/** Scrolling: the scrollTop sweep, wheel input and touch flings, per size; trace findings. */
function scrollSection(res) {
  const L = [];
  const cols = [
    ...Object.values(res.scrollOnly || {}),
    ...Object.values(res.app || {}),
  ].filter(Boolean).sort((a, b) => a.assets - b.assets);
  if (!cols.length) return L;
  const o = res.options;
  const cell = (x) => (x ? `${fmt(x.worstFrameMs, 0)} / ${fmt(x.p95FrameMs, 0)} / ${fmtInt(x.over34)}` : 'n/a');
  const lt = (x) => (x ? `${x.longTasks} (${fmt(x.longTaskMs, 0)}; worst ${fmt(x.worstLongTaskMs, 0)})` : 'n/a');
  L.push('### Scrolling as a person scrolls', '');
  L.push('Frame = interval between two `requestAnimationFrame` callbacks on the page (the main thread\'s frames); long tasks from `PerformanceObserver` (`longtask`, > 50 ms). '
    + `**scrollTop sweep** = the page sets \`scrollTop\` top to bottom in ${fmt(o.scrollMs / 1000, 1)} s, one step a frame (a scrollbar drag). `
    + `**wheel** = ${o.wheelSteps} mouse-wheel events of ${fmtInt(o.wheelPx)} px, ${o.wheelGapMs} ms apart (CDP \`Input.dispatchMouseEvent\` type \`mouseWheel\` over the grid, sent on schedule), from the top, measured until the scroll rests. `
    + `**touch fling** = ${o.flings} swipes up of 560 px in 128 ms as a finger makes them (CDP \`Input.dispatchTouchEvent\` with touch emulation: touchStart, 8 touchMoves 16 ms apart, touchEnd; Chromium flings on from the release velocity), each left to coast to rest. `
    + 'Headless Chromium with `--disable-gpu` (software raster), viewport 1280×800. Target: worst frame ≤ 34 ms, 0 long tasks.', '');
  const rows = [
    ['scrollTop sweep: worst / p95 frame (ms) / frames > 34 ms', (a) => cell(a.scroll)],
    ['scrollTop sweep: long tasks (ms total; worst)', (a) => lt(a.scroll)],
    ['wheel: worst / p95 frame (ms) / frames > 34 ms', (a) => cell(a.wheel)],
    ['wheel: long tasks (ms total; worst)', (a) => lt(a.wheel)],
    ['wheel: px scrolled, frames', (a) => (a.wheel ? `${fmtInt(a.wheel.scrolledPx)}, ${fmtInt(a.wheel.frames)}` : 'n/a')],
    ['touch fling: worst / p95 frame (ms) / frames > 34 ms', (a) => cell(a.fling)],
    ['touch fling: long tasks (ms total; worst)', (a) => lt(a.fling)],
    ['touch fling: px scrolled, frames', (a) => (a.fling ? `${fmtInt(a.fling.scrolledPx)}, ${fmtInt(a.fling.frames)}` : 'n/a')],
  ];
  L.push(`| metric | ${cols.map((a) => `${fmtInt(a.assets)} assets`).join(' | ')} |`, `|---|${cols.map(() => '---:').join('|')}|`);
  for (const [label, f] of rows) L.push(`| ${label} | ${cols.map((a) => (a.error ? 'n/a' : f(a))).join(' | ')} |`);
  const traced = cols.filter((a) => a.trace || a.traceFling);
  if (traced.length) {
    L.push('', `Performance traces of the wheel and the fling runs (CDP \`Tracing\`, taken ${o.trace === 'always' ? 'always' : 'when a wheel or fling frame passed 34 ms'}; second runs, so their frames differ a little from the rows above). `
      + 'A long frame is a gap over 34 ms between two `BeginMainThreadFrame`s of the renderer\'s main thread; "busy" = the part of those gaps the main thread ran tasks (the rest it waited: compositor, raster, GPU process, or the input). Time by trace event name is self time (less the events nested in it), summed over those frames.', '');
    for (const a of traced) for (const [kind, t] of [['wheel', a.trace], ['fling', a.traceFling]]) {
      if (!t || t.error) { L.push(`- ${fmtInt(a.assets)} assets, ${kind}: trace n/a (${t?.error ?? 'failed, see the log'})`); continue; }
      L.push(`- ${fmtInt(a.assets)} assets, ${kind}: this run worst / p95 frame ${fmt(t.run?.worstFrameMs, 0)} / ${fmt(t.run?.p95FrameMs, 0)} ms, ${fmtInt(t.run?.longTasks)} long tasks; `
        + `${fmtInt(t.longFrames)} of ${fmtInt(t.mainFrames)} main-thread frames over 34 ms, ${fmt(t.longFrameMs, 0)} ms in all, main thread busy ${fmt(t.mainBusyMs, 0)} ms of it. `
        + `In them: ${t.top.slice(0, 8).map((x) => `${x.name} ${fmt(x.ms, 0)}`).join(', ') || 'nothing on the main thread'}.`
        + (t.longTasks.length ? ` Longest tasks: ${t.longTasks.map((x) => `${fmt(x.ms, 0)} ms (${x.inside.map((y) => `${y.name} ${fmt(y.ms, 0)}`).join(', ')})`).join('; ')}.` : ''));
    }
  }
  L.push('');
  return L;
}

// ---- main ----------------------------------------------------------------

async function main() {
  // `node run.mjs --report-only DIR`: re-render DIR/results.md from DIR/results.json.
  const ro = process.argv.indexOf('--report-only');
  if (ro > 0) {
    const dir = resolve(process.argv[ro + 1]);
    const res = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
    writeFileSync(join(dir, 'results.md'), markdown(res) + '\n');
    console.log(markdown(res));
    return;
  }
  const o = parseArgs(process.argv);
  const started = Date.now();
  mkdirSync(o.out, { recursive: true });
  const server = await startStatic({
    '/bench/': HERE,
    '/node_modules/': join(END2END, 'node_modules'),
    '/ours-z/': o.wasmZ,
    '/ours-o3/': o.wasmO3,
  });
  const staticUrl = `http://127.0.0.1:${server.address().port}`;
  const browser = await chromium.launch({
    executablePath: o.chromium,
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const res = { machine: machine(browser.version()), options: { ...o, fixture: undefined } };
  try {
    if (!o.appOnly) Object.assign(res, await benchPage(browser, o, staticUrl));
    res.appSize = appSize(o.dist);
    res.app = {};
    if (o.dist && existsSync(join(o.dist, 'index.html'))) {
      for (const n of o.appSizes) {
        res.app[n] = await attempt(`app ${n}`, () => benchApp(browser, o, n), null) ?? { assets: n, error: 'failed (see the log)' };
        if (o.v3Sizes.includes(n)) {
          res.appV3 ??= {};
          res.appV3[n] = await attempt(`app v3 ${n}`, () => benchApp(browser, o, n, { v3: true }), null) ?? { assets: n, error: 'failed (see the log)' };
        }
      }
      for (const n of o.scrollSizes.filter((n) => !o.appSizes.includes(n))) {
        res.scrollOnly ??= {};
        res.scrollOnly[n] = await attempt(`scroll ${n}`, () => benchScroll(browser, o, n), null) ?? { assets: n, error: 'failed (see the log)' };
      }
      if (o.coldConcurrency.length) {
        const n = Math.min(...o.appSizes);
        res.coldConcurrency = { assets: n, runs: await attempt('cold concurrency', () => benchColdConcurrency(browser, o, n), null) };
      }
      // The API-key path at the smallest size: one cold/warm row.
      const n = o.appSizes[0];
      if (!o.appOnly) res.appKey = { [n]: await attempt(`app key ${n}`, () => benchAppKey(browser, o, n), null) ?? { assets: n, error: 'failed (see the log)' } };
    } else {
      log('no --dist with index.html: skipping the app section');
    }
  } finally {
    await browser.close();
    server.close();
  }
  // Firefox and WebKit at the smallest size: first load and reload only.
  let enginesOk = true;
  if (!o.appOnly && res.app && Object.keys(res.app).length) {
    const n = Math.min(...o.appSizes);
    res.engines = {};
    for (const engine of ['firefox', 'webkit']) {
      try {
        res.engines[engine] = await benchEngine(o, engine, n);
      } catch (e) {
        enginesOk = false;
        log(`engine ${engine}: ${e.message}`);
        res.engines[engine] = { engine, assets: n, error: e.message.split('\n')[0] };
      }
    }
  }
  res.seconds = (Date.now() - started) / 1000;
  writeFileSync(join(o.out, 'results.json'), JSON.stringify(res, null, 2) + '\n');
  const md = markdown(res);
  writeFileSync(join(o.out, 'results.md'), md + '\n');
  console.log(md);
  log(`done in ${res.seconds.toFixed(0)} s; wrote ${join(o.out, 'results.md')} and results.json`);
  // The bench page must have produced numbers; anything else may be n/a.
  let ok = o.appOnly ? Object.values(res.app || {}).some((a) => a && !a.error)
    : Object.values(res.layout || {}).some(Boolean);
  // The smoke run also needs the every-engine rows (a full run shows n/a),
  // and every app row: each size in Chromium, and the API-key row.
  if (o.smoke && !(enginesOk && res.engines && Object.keys(res.engines).length === 2)) {
    log('smoke: the Firefox/WebKit first-load rows failed');
    ok = false;
  }
  if (o.smoke) {
    const rows = [...Object.values(res.app || {}), ...Object.values(res.appKey || {}), ...Object.values(res.appV3 || {}),
      ...Object.values(res.scrollOnly || {})];
    const expected = o.appSizes.length + 1 + o.v3Sizes.filter((n) => o.appSizes.includes(n)).length
      + o.scrollSizes.filter((n) => !o.appSizes.includes(n)).length;
    const failed = rows.filter((r) => !r || r.error);
    if (!o.dist || rows.length < expected || failed.length) {
      log(`smoke: the app section failed (${rows.length} of ${expected} rows, ${failed.length} failed: ${failed.map((r) => r?.error).join('; ')})`);
      ok = false;
    }
    // Each size's scrolling produced frames (no time threshold), and the v3
    // rows loaded their library through months, warm by 304s.
    const scrolled = [...Object.values(res.app || {}), ...Object.values(res.scrollOnly || {})];
    const noFrames = scrolled.filter((r) => !(r?.wheel?.frames > 0 && r?.fling?.frames > 0 && r?.wheel?.scrolledPx > 0 && r?.fling?.scrolledPx > 0));
    if (noFrames.length) {
      log(`smoke: wheel or fling measured nothing at ${noFrames.map((r) => r?.assets).join(', ')}`);
      ok = false;
    }
    if (o.trace === 'always' && scrolled.some((r) => [r?.trace, r?.traceFling].some((t) => !t || t.error || !(t.mainFrames > 0)))) {
      log('smoke: a wheel or fling trace is missing or found no main-thread frames');
      ok = false;
    }
    // (That every month is a 304 is timeline.spec.ts's to check; here a slow
    // machine could reload before the cold load asked its last month.)
    const v3Bad = Object.values(res.appV3 || {}).filter((r) => !(r?.coldLog?.monthList200 === 1 && r.coldLog.asset200 > 0
      && r.cold?.completeMs != null && r.warmLog?.monthList304 === 1 && r.warmLog.asset304 > 0));
    if (v3Bad.length) {
      log(`smoke: a v3 row did not load by months and reload by 304s: ${JSON.stringify(v3Bad.map((r) => ({ cold: r?.coldLog, warm: r?.warmLog })))}`);
      ok = false;
    }
  }
  process.exit(ok ? 0 : 1);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
