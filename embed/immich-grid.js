// immich-grid.js — the one script a page includes. On the app's own page
// (index.html, which carries <meta name="immich-grid-app">) it starts the
// app; on any other page it defines <immich-grid>. Hand-written; `cargo
// xtask build` copies it into dist/ with the built file names filled in.
// No inline script or style anywhere: it runs under a strict CSP.
const FILES = /*FILES*/ { js: 'immich-grid.js', wasm: 'immich-grid_bg.wasm', css: [] } /*END*/;
const base = new URL('./', import.meta.url);
const appPage = document.querySelector('meta[name="immich-grid-app"]') !== null;

let loading = null;
/** The wasm module, downloaded and started once for the whole page. */
function load() {
  if (!loading) {
    if (!appPage) globalThis.__immichGridWidget = true;
    loading = import(new URL(FILES.js, base).href).then(async (bindings) => {
      const wasm = await bindings.default({ module_or_path: new URL(FILES.wasm, base) });
      if (appPage) {
        window.wasmBindings = bindings;
        dispatchEvent(new CustomEvent('TrunkApplicationStarted', { detail: { wasm } }));
      }
      return bindings;
    });
  }
  return loading;
}

/** Filter, layout and connection attributes the element follows live. */
const OBSERVED = [
  'server', 'layout', 'size', 'theme', 'favorite', 'archived', 'skip', 'take',
  'updated-after', 'updated-before', 'user-id', 'type', 'trashed', 'offline',
  'text', 'taken-from', 'taken-to', 'paged', 'with-partners',
];

class ImmichGrid extends HTMLElement {
  static observedAttributes = [...OBSERVED, 'height'];

  #handle = null;
  #generation = 0;

  connectedCallback() {
    const generation = ++this.#generation;
    const root = this.shadowRoot ?? this.attachShadow({ mode: 'open' });
    this.#size();
    root.replaceChildren();
    for (const href of FILES.css) {
      const link = document.createElement('link');
      link.rel = 'stylesheet';
      link.href = new URL(href, base).href;
      root.append(link);
    }
    const mount = document.createElement('div');
    mount.className = 'ig-widget-root';
    root.append(mount);
    load().then((bindings) => {
      // Removed (or moved and mounted again) while the wasm was loading.
      if (generation !== this.#generation || !this.isConnected) return;
      this.#handle = bindings.mount_widget(mount, this) ?? null;
    }, (err) => {
      this.dispatchEvent(new CustomEvent('immich-grid:error', {
        bubbles: true, composed: true,
        detail: { message: `immich-grid could not start: ${err && err.message ? err.message : err}` },
      }));
    });
  }

  disconnectedCallback() {
    this.#generation++;
    if (this.#handle) {
      this.#handle.unmount();
      this.#handle.free();
      this.#handle = null;
    }
    this.shadowRoot?.replaceChildren();
  }

  attributeChangedCallback(name, before, after) {
    if (name === 'height') {
      this.#size();
    } else if (this.#handle && before !== after) {
      this.#handle.set(name, after);
    }
  }

  /** `height` in CSS pixels (a number) or any CSS length; set through CSSOM. */
  #size() {
    const h = this.getAttribute('height');
    if (h === null) this.style.removeProperty('height');
    else this.style.setProperty('height', /^\d+(\.\d+)?$/.test(h.trim()) ? `${h.trim()}px` : h);
  }
}

if (appPage) {
  load();
} else if (!customElements.get('immich-grid')) {
  customElements.define('immich-grid', ImmichGrid);
}
