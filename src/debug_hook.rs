//! `window.__immichGrid`: a read-only window into the app's state for
//! end-to-end tests and benchmarks (what a person could see by scrolling,
//! never credentials).

use js_sys::{Array, Object, Reflect};
use leptos::prelude::*;
use wasm_bindgen::{closure::Closure, JsCast, JsValue};

use crate::{components::grid::GridData, data::loader::Library};

/// Installs the hook; a page without `window` (tests on the host) skips it.
pub fn install(library: Library, grid: RwSignal<GridData>) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let hook = Object::new();
    let set = |name: &str, f: Closure<dyn Fn() -> JsValue>| {
        let _ = Reflect::set(&hook, &JsValue::from_str(name), f.as_ref().unchecked_ref());
        // Lives as long as the page.
        f.forget();
    };
    set(
        "count",
        Closure::new(move || JsValue::from_f64(library.index.with_untracked(|ix| ix.len()) as f64)),
    );
    set(
        "shown",
        Closure::new(move || JsValue::from_f64(grid.with_untracked(|g| g.order.len()) as f64)),
    );
    set(
        "lastShown",
        Closure::new(move || {
            grid.with_untracked(|g| {
                g.order
                    .last()
                    .map_or(JsValue::NULL, |&i| JsValue::from_f64(f64::from(i)))
            })
        }),
    );
    set(
        "ids",
        Closure::new(move || {
            library.index.with_untracked(|ix| {
                let out = Array::new_with_length(ix.len() as u32);
                for i in 0..ix.len() {
                    let id = ix.id_string(i).unwrap_or_default();
                    out.set(i as u32, JsValue::from_str(&id));
                }
                out.into()
            })
        }),
    );
    set(
        "flags",
        Closure::new(move || {
            // Per asset in index order: 1 favourite, 2 archived, 4 trashed.
            library.index.with_untracked(|ix| {
                let out = Array::new_with_length(ix.len() as u32);
                for i in 0..ix.len() {
                    let bits = ix.flags(i).map_or(0, |f| f.bits() & 0b111);
                    out.set(i as u32, JsValue::from_f64(f64::from(bits)));
                }
                out.into()
            })
        }),
    );
    set(
        "indexBytes",
        Closure::new(move || {
            JsValue::from_f64(library.index.with_untracked(|ix| ix.memory_bytes()) as f64)
        }),
    );
    set(
        "wasmMemoryBytes",
        Closure::new(move || {
            wasm_bindgen::memory()
                .dyn_into::<js_sys::WebAssembly::Memory>()
                .ok()
                .and_then(|m| m.buffer().dyn_into::<js_sys::ArrayBuffer>().ok())
                .map_or(JsValue::NULL, |b| JsValue::from_f64(b.byte_length() as f64))
        }),
    );
    let _ = Reflect::set(&window, &JsValue::from_str("__immichGrid"), &hook);
}
