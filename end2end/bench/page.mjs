// The in-browser half of the benchmarks (driven by run.mjs through Playwright).
//
// It loads every contender once and exposes `window.bench`, whose functions
// each time one thing on identical input and return plain numbers. Timings
// use performance.now(); a sample repeats the call until it lasts at least
// MIN_SAMPLE_MS so the timer's coarse resolution (100 µs without
// cross-origin isolation) does not dominate small inputs; the median of the
// samples is reported.

import { MODULE as IMMICH_MODULE } from '/node_modules/@immich/justified-layout-wasm/pkg/justified-layout-wasm-module.js';
import { initSync as immichInit, get_justified_layout } from '/node_modules/@immich/justified-layout-wasm/pkg/justified-layout-wasm.js';

const MIN_SAMPLE_MS = 25;
/// Same gap as the app's default (grid-core's LayoutConfig::gap).
const GAP = 4;
/// Immich web's height tolerance for its justified layout.
const IMMICH_TOLERANCE = 0.15;

/** Our module in each build variant that exists (a variant whose build failed is skipped). */
const ours = {};
for (const variant of ['z', 'o3']) {
  try {
    const mod = await import(`/ours-${variant}/bench_wasm.js`);
    await mod.default();
    ours[variant] = mod;
  } catch (e) {
    console.warn(`ours-${variant} not available: ${e}`);
  }
}
immichInit({ module: IMMICH_MODULE });
// eslint-disable-next-line no-undef
const flickrLayout = require('justified-layout');

/** A seeded mix of photo shapes: mostly 4:3 and 3:4, some 16:9, squares, panoramas. */
function aspects(n, seed = 1) {
  let s = seed >>> 0;
  const rand = () => {
    // mulberry32
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const shapes = [
    [0.42, 4 / 3], [0.2, 3 / 4], [0.12, 16 / 9], [0.05, 9 / 16],
    [0.08, 1], [0.07, 3 / 2], [0.03, 2 / 3],
  ];
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let r = rand();
    let a = 0;
    for (const [p, v] of shapes) {
      if (r < p) { a = v; break; }
      r -= p;
    }
    out[i] = a || 3 + 3 * rand(); // the remaining 3%: panoramas 3:1 to 6:1
  }
  return out;
}

let sink = 0;

/** Times `fn` (returns a number, kept so nothing is optimised away). */
function measure(fn, { samples = 5, budgetMs = 4000 } = {}) {
  let t = performance.now();
  sink += fn(); // warm-up; also sizes the repetitions
  const first = Math.max(performance.now() - t, 0.001);
  const reps = Math.max(1, Math.ceil(MIN_SAMPLE_MS / first));
  const times = [];
  const start = performance.now();
  while (times.length < samples) {
    t = performance.now();
    for (let r = 0; r < reps; r++) sink += fn();
    times.push((performance.now() - t) / reps);
    if (times.length >= 3 && performance.now() - start > budgetMs) break;
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)], min: times[0], samples: times.length, reps };
}

/** Each layout contender as `name -> (Float32Array, plain array) => total height`. */
function layoutContenders(width, rowHeight) {
  const c = {};
  for (const [v, m] of Object.entries(ours)) {
    c[`ours-${v}`] = (a) => m.layout(a, width, rowHeight);
    c[`ours-${v}+rects`] = (a) => {
      const r = m.layout_rects(a, width, rowHeight);
      return r.length ? r[r.length - 3] + r[r.length - 1] : 0;
    };
  }
  c.immich = (a) => get_justified_layout(a, rowHeight, width, GAP, IMMICH_TOLERANCE)[1];
  c.flickr = (_a, arr) => flickrLayout(arr, {
    containerWidth: width,
    containerPadding: 0,
    boxSpacing: GAP,
    targetRowHeight: rowHeight,
  }).containerHeight;
  return c;
}

let pages = []; // Uint8Array per page
let texts = []; // the same pages as strings
let retained = null;

window.bench = {
  variants: () => Object.keys(ours),

  /** Times every layout contender on `n` identical aspect ratios. */
  layout(n, width, rowHeight, samples, skip = []) {
    const a = aspects(n);
    const arr = Array.from(a);
    const out = {};
    for (const [name, fn] of Object.entries(layoutContenders(width, rowHeight))) {
      if (skip.includes(name)) continue;
      const height = fn(a, arr);
      const m = measure(() => fn(a, arr), { samples, budgetMs: n >= 1e6 ? 8000 : 3000 });
      out[name] = { ...m, height };
    }
    const m = ours.z ?? ours.o3;
    out.heapBytesPerTile = m ? m.layout_heap_bytes(a, width, rowHeight) / Math.max(n, 1) : null;
    return out;
  },

  /** Fetches `/api/asset` pages once (as bytes and as text); returns totals. */
  async fetchPages(base, apiKey, total, take) {
    pages = [];
    texts = [];
    const td = new TextDecoder();
    for (let skip = 0; skip < total; skip += take) {
      const r = await fetch(`${base}/api/asset?take=${take}&skip=${skip}`, {
        headers: { 'x-api-key': apiKey },
        cache: 'no-store',
      });
      if (!r.ok) throw new Error(`page at ${skip}: HTTP ${r.status}`);
      const u8 = new Uint8Array(await r.arrayBuffer());
      pages.push(u8);
      texts.push(td.decode(u8));
    }
    const bytes = pages.reduce((s, p) => s + p.length, 0);
    const assets = texts.reduce((s, t) => s + JSON.parse(t).length, 0);
    return { pages: pages.length, bytes, assets };
  },

  /** Times decoding the whole page set once per sample with each contender. */
  decode(samples) {
    const td = new TextDecoder();
    const c = {};
    for (const [v, m] of Object.entries(ours)) {
      c[`ours-${v}`] = () => pages.reduce((s, p) => s + m.decode(p), 0);
    }
    c['JSON.parse(text)'] = () => texts.reduce((s, t) => s + JSON.parse(t).length, 0);
    c['TextDecoder+JSON.parse'] = () => pages.reduce((s, p) => s + JSON.parse(td.decode(p)).length, 0);
    c['TextDecoder only'] = () => pages.reduce((s, p) => s + td.decode(p).length, 0);
    const out = {};
    for (const [name, fn] of Object.entries(c)) {
      out[name] = { ...measure(fn, { samples, budgetMs: 20000 }), count: fn() };
    }
    return out;
  },

  /** Our decoded library's size: kept pages and the merged index. */
  oursMemory() {
    const m = ours.z ?? ours.o3;
    if (!m) return null;
    const d = new m.PageDecoder();
    for (const p of pages) d.push(p);
    const [mergedAssets, mergedBytes] = d.merged_stats();
    const out = { assets: d.assets(), pagesBytes: d.memory_bytes(), mergedAssets, mergedBytes, wasmMemory: m.wasm_memory_bytes() };
    d.free();
    return out;
  },

  /** Keeps every page JSON.parse'd (measure the heap around this). */
  retainParsed() {
    retained = texts.map((t) => JSON.parse(t));
    return retained.reduce((s, r) => s + r.length, 0);
  },
  dropRetained() {
    retained = null;
  },
  dropPages() {
    pages = [];
    texts = [];
  },
  sink: () => sink,
};
document.getElementById('status').textContent = 'ready';
window.benchReady = true;
