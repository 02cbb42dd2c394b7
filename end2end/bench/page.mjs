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
/** Least time spent calling a contender before it is timed. */
const WARMUP_MS = 300;
/// Same gap as the app's default (grid-core's LayoutConfig::gap).
const GAP = 4;
/// Immich web's height tolerance for its justified layout; every packer runs
/// with it so they pack comparably: Immich's rows may be 15% shorter or taller
/// than the target, ours at most 15% taller (`max_row_height_factor` 1.15;
/// ours has no lower bound), flickr's `targetRowHeightTolerance` 0.15.
const TOLERANCE = 0.15;

/** Our module in each build variant that exists (a variant whose build failed is skipped). */
const ours = {};
/** Each variant's wasm memory (our rects are written there). */
const memories = {};
for (const variant of ['z', 'o3']) {
  try {
    const mod = await import(`/ours-${variant}/bench_wasm.js`);
    const exports = await mod.default();
    ours[variant] = mod;
    memories[variant] = exports.memory;
  } catch (e) {
    console.warn(`ours-${variant} not available: ${e}`);
  }
}
/** Immich's raw wasm exports (its binding's `wasm`), for reading its result in place. */
const immichWasm = immichInit({ module: IMMICH_MODULE });
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

/** Seeded day keys for `n` tiles: days of 1 to 60 tiles, most of them small
 * (60·u³, mean ≈ 15), 1 to 3 days apart, newest first (as the app groups). */
function dayKeys(n, seed = 2) {
  let s = seed >>> 0;
  const rand = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = new Int32Array(n);
  let day = 20454;
  let left = 0;
  for (let i = 0; i < n; i++) {
    if (left === 0) {
      left = Math.max(1, Math.ceil(60 * rand() ** 3));
      day -= 1 + Math.floor(rand() * 3);
    }
    left--;
    out[i] = day;
  }
  return out;
}

/** Row heights of a layout given each tile's top, left, width and height (a
 * new row starts where the top changes), how far they are from the target,
 * how many leave the ±TOLERANCE band, and how many end short of the width. */
function rowStats(n, rect, rowHeight, width) {
  const rows = []; // [height, right edge]
  let prev = NaN;
  for (let i = 0; i < n; i++) {
    const [left, top, w, h] = rect(i);
    if (top !== prev) { rows.push([h, 0]); prev = top; }
    rows[rows.length - 1][1] = left + w;
  }
  // The last row is left at the target (or unjustified) by every packer: skip it.
  const full = rows.slice(0, -1);
  const k = Math.max(full.length, 1);
  const dev = full.reduce((s, [h]) => s + Math.abs(h / rowHeight - 1), 0) / k;
  const signed = full.reduce((s, [h]) => s + (h / rowHeight - 1), 0) / k;
  const outside = full.filter(([h]) => Math.abs(h / rowHeight - 1) > TOLERANCE + 1e-3).length;
  const short = full.filter(([, right]) => right < width - 1).length;
  return { rows: rows.length, meanAbsDev: dev, meanDev: signed, outside, short };
}

let sink = 0;

/** Calls `fn` until it is warm; returns how many calls make one sample. */
function warmUp(fn, budgetMs) {
  // Warm-up: the first calls compile and tier up the code and grow memory
  // (V8 runs wasm in its baseline tier until the optimised code is ready,
  // compiled in the background: on a busy machine that takes a while, so
  // warm up for WARMUP_MS, not a fixed number of calls); the mean warm-up
  // call sizes the repetitions (a single first call would make them too few
  // for the small sizes; the fastest call can read 0 with the coarse timer).
  let first = Infinity;
  const warm = performance.now();
  let calls = 0;
  while (calls < 3 || performance.now() - warm < WARMUP_MS) {
    const t = performance.now();
    sink += fn();
    calls++;
    first = Math.min(first, Math.max(performance.now() - t, 0.001));
    if (first > budgetMs / 4) break;
  }
  first = Math.max(first, (performance.now() - warm) / calls / 2);
  return Math.max(1, Math.ceil(MIN_SAMPLE_MS / first));
}

/** One sample: ms a call over `reps` calls. */
function sample(fn, reps) {
  const t = performance.now();
  for (let r = 0; r < reps; r++) sink += fn();
  return (performance.now() - t) / reps;
}

function summary(times, reps) {
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)], min: times[0], samples: times.length, reps };
}

/** Times `fn` (returns a number, kept so nothing is optimised away). */
function measure(fn, { samples = 5, budgetMs = 4000 } = {}) {
  const reps = warmUp(fn, budgetMs);
  const times = [];
  const start = performance.now();
  while (times.length < samples) {
    times.push(sample(fn, reps));
    if (times.length >= 3 && performance.now() - start > budgetMs) break;
  }
  return summary(times, reps);
}

/** Times every function of `fns` (name → fn) in rounds, one sample of each
 * a round, so a burst of load from other processes on a shared machine hits
 * all of them alike instead of whichever ran at that moment. */
function measureRounds(fns, { samples = 5, budgetMs = 4000 } = {}) {
  const reps = Object.fromEntries(Object.entries(fns).map(([k, f]) => [k, warmUp(f, budgetMs)]));
  const times = Object.fromEntries(Object.keys(fns).map((k) => [k, []]));
  for (let s = 0; s < samples; s++) {
    for (const [k, f] of Object.entries(fns)) times[k].push(sample(f, reps[k]));
  }
  return Object.fromEntries(Object.keys(fns).map((k) => [k, summary(times[k], reps[k])]));
}

/** Our like-for-like binding (`RectLayout`, crates/bench-wasm): the aspects
 * are copied into a buffer kept in wasm memory, laid out into another kept
 * buffer, and (with `copy`) the `4 × n` floats copied out into a new
 * `Float32Array` with `slice`, the same output as Immich's binding, which
 * allocates both buffers in wasm memory on every call and copies out the
 * same way. Without `copy`: a view of wasm memory, valid until the next call. */
function oursRects(m, memory, width, rowHeight) {
  const l = new m.RectLayout();
  return (a, copy) => {
    // `input` may grow memory (detaching older views): take the views after it.
    const at = l.input(a.length);
    new Float32Array(memory.buffer, at, a.length).set(a);
    const out = new Float32Array(memory.buffer, l.layout(width, rowHeight, TOLERANCE), a.length * 4);
    return copy ? out.slice() : out;
  };
}

/** Each layout contender: `run(Float32Array, plain array, days)` returns the
 * total height; `stats` (optional, not timed) the row statistics. */
function layoutContenders(width, rowHeight) {
  const c = {};
  for (const [v, m] of Object.entries(ours)) {
    const rects = oursRects(m, memories[v], width, rowHeight);
    c[`ours-${v}+rects`] = {
      run: (a) => {
        const r = rects(a, true);
        return r.length ? r[r.length - 3] + r[r.length - 1] : 0;
      },
      stats: (a) => {
        const r = rects(a, true);
        return rowStats(a.length, (i) => r.subarray(i * 4, i * 4 + 4), rowHeight, width);
      },
    };
  }
  for (const [v, m] of Object.entries(ours)) {
    // The same floats, read in place from wasm memory instead of copied out.
    const rects = oursRects(m, memories[v], width, rowHeight);
    c[`ours-${v}+rects, view (no copy out)`] = {
      run: (a) => {
        const r = rects(a, false);
        return r.length ? r[r.length - 3] + r[r.length - 1] : 0;
      },
    };
  }
  // Immich's layout read in place too: the calls its binding makes (copy the
  // aspects into a buffer it allocates in wasm memory, lay out into a new
  // wasm buffer, free it), minus the copy into a new `Float32Array`.
  c['immich, view (no copy out)'] = {
    run: (a) => {
      const w = immichWasm;
      const ptr = w.__wbindgen_malloc(a.length * 4, 4) >>> 0;
      new Float32Array(w.memory.buffer, ptr, a.length).set(a);
      const [at, len] = w.get_justified_layout(ptr, a.length, rowHeight, width, GAP, TOLERANCE);
      const height = new Float32Array(w.memory.buffer, at >>> 0, len)[1];
      w.__wbindgen_free(at, len * 4, 4);
      return height;
    },
  };
  c.immich = {
    run: (a) => get_justified_layout(a, rowHeight, width, GAP, TOLERANCE)[1],
    stats: (a) => {
      // After 4 header floats, `top, left, width, height` a tile.
      const r = get_justified_layout(a, rowHeight, width, GAP, TOLERANCE);
      return rowStats(a.length, (i) => [r[5 + i * 4], r[4 + i * 4], r[6 + i * 4], r[7 + i * 4]], rowHeight, width);
    },
  };
  const flickrOpts = {
    containerWidth: width,
    containerPadding: 0,
    boxSpacing: GAP,
    targetRowHeight: rowHeight,
    targetRowHeightTolerance: TOLERANCE,
  };
  c.flickr = {
    run: (_a, arr) => flickrLayout(arr, flickrOpts).containerHeight,
    stats: (_a, arr) => {
      const b = flickrLayout(arr, flickrOpts).boxes;
      return rowStats(b.length, (i) => [b[i].left, b[i].top, b[i].width, b[i].height], rowHeight, width);
    },
  };
  // Ours as the app keeps it (rows only, positions on demand) and the app's
  // real path with day groups: not the others' output, reported beside them.
  for (const [v, m] of Object.entries(ours)) {
    c[`ours-${v} rows only`] = { run: (a) => m.layout(a, width, rowHeight, TOLERANCE) };
    c[`ours-${v} app: day groups`] = { run: (a, _arr, days) => m.layout_days(a, days, width, rowHeight, TOLERANCE) };
  }
  return c;
}

/** "h:mm:ss.ffffff" to milliseconds (0 when unparseable), as ours does. */
function durationMs(d) {
  if (typeof d !== 'string') return 0;
  const m = /^(\d+):(\d{1,2}):(\d{1,2}(?:\.\d+)?)$/.exec(d);
  return m ? Math.round((Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3])) * 1000) : 0;
}

const KIND = { IMAGE: 1, VIDEO: 2, AUDIO: 3 };
const SEARCHABLE = ['city', 'country', 'make', 'model', 'lensModel'];

/** The fields our index keeps, copied out of `JSON.parse`'s objects into
 * columns (typed arrays for numbers, arrays of strings), as our decoder
 * fills its index: id, owner (interned), local and file-created time in ms,
 * aspect ratio from exif size and orientation, kind, six flags, stack count,
 * duration in ms, thumbhash, file name, lowercased search text (city,
 * country, make, model, lens, tag names). The objects are dropped after; only
 * the columns stay. (Ours also decodes the thumbhash's base64 and packs the
 * id into 16 bytes; this keeps both as strings, which is less work.) */
function keepFields(list) {
  const n = list.length;
  const c = {
    id: new Array(n), owner: new Uint16Array(n), local: new Float64Array(n), created: new Float64Array(n),
    aspect: new Float32Array(n), kind: new Uint8Array(n), flags: new Uint8Array(n), stack: new Uint16Array(n),
    duration: new Uint32Array(n), thumbhash: new Array(n), name: new Array(n), search: new Array(n),
  };
  const owners = new Map();
  for (let i = 0; i < n; i++) {
    const a = list[i];
    c.id[i] = a.id;
    let o = owners.get(a.ownerId);
    if (o === undefined) { o = owners.size; owners.set(a.ownerId, o); }
    c.owner[i] = o;
    c.local[i] = Date.parse(a.localDateTime);
    c.created[i] = Date.parse(a.fileCreatedAt);
    c.kind[i] = KIND[a.type] ?? 0;
    c.flags[i] = (a.isFavorite ? 1 : 0) | (a.isArchived ? 2 : 0) | (a.isTrashed ? 4 : 0) | (a.isOffline ? 8 : 0)
      | (a.livePhotoVideoId != null ? 16 : 0) | (a.stackParentId != null ? 32 : 0);
    c.stack[i] = a.stackCount ?? 0;
    c.duration[i] = durationMs(a.duration);
    const e = a.exifInfo;
    let aspect = 1;
    const parts = [];
    if (e) {
      const w = e.exifImageWidth, h = e.exifImageHeight;
      if (w > 0 && h > 0) aspect = ['5', '6', '7', '8'].includes(String(e.orientation)) ? h / w : w / h;
      for (const k of SEARCHABLE) if (e[k]) parts.push(e[k].toLowerCase());
    }
    if (a.tags) for (const t of a.tags) if (t?.name) parts.push(t.name.toLowerCase());
    c.aspect[i] = aspect;
    c.thumbhash[i] = a.thumbhash;
    c.name[i] = a.originalFileName;
    c.search[i] = parts.join('\u001f');
  }
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
    const days = dayKeys(n);
    const out = {};
    const budgetMs = n >= 1e6 ? 8000 : 3000;
    const all = Object.entries(layoutContenders(width, rowHeight)).filter(([name]) => !skip.includes(name));
    // Ours and Immich's in rounds (see measureRounds); flickr, seconds a
    // call at 100,000, on its own within the budget.
    const rounds = measureRounds(
      Object.fromEntries(all.filter(([name]) => name !== 'flickr').map(([name, c]) => [name, () => c.run(a, arr, days)])),
      { samples, budgetMs },
    );
    for (const [name, c] of all) {
      const height = c.run(a, arr, days);
      const m = rounds[name] ?? measure(() => c.run(a, arr, days), { samples, budgetMs });
      out[name] = { ...m, height, ...(c.stats ? c.stats(a, arr) : {}) };
    }
    const m = ours.z ?? ours.o3;
    out.heapBytesPerTile = m ? m.layout_heap_bytes(a, width, rowHeight, TOLERANCE) / Math.max(n, 1) : null;
    out.dayGroups = new Set(days).size;
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
    // Equal output: the fields our index keeps, in columns.
    c['TextDecoder+JSON.parse+keep fields'] = () => pages.reduce((s, p) => s + keepFields(JSON.parse(td.decode(p))).id.length, 0);
    c['JSON.parse(text)+keep fields'] = () => texts.reduce((s, t) => s + keepFields(JSON.parse(t)).id.length, 0);
    // Full parse: every field of every asset as JS objects (more output than ours).
    c['TextDecoder+JSON.parse (full objects)'] = () => pages.reduce((s, p) => s + JSON.parse(td.decode(p)).length, 0);
    c['JSON.parse(text) (full objects)'] = () => texts.reduce((s, t) => s + JSON.parse(t).length, 0);
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
