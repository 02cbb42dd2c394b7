//! Entry point of the wasm app: built by `cargo xtask build` (which splits
//! the lazy panels of `components/lazy.rs` into chunks of their own),
//! started by `immich-grid.js`
//! (`cargo xtask build` writes it beside `index.html`). On the app's own
//! page it mounts the app; on any other page `immich-grid.js` sets
//! `globalThis.__immichGridWidget` first and mounts `<immich-grid>`
//! elements through [`mount_widget`].
use wasm_bindgen::prelude::*;

fn main() {
    let widget_page =
        js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("__immichGridWidget"))
            .is_ok_and(|v| v.is_truthy());
    if !widget_page {
        immich_grid::mount();
    }
}

/// One `<immich-grid>` element's app, for `immich-grid.js`.
#[wasm_bindgen]
pub struct WidgetHandle(immich_grid::embed::widget::Widget);

/// Mounts the app into `root` (a `<div>` in `host`'s shadow root), reading
/// `host`'s attributes; `None` when `host` is not an element.
#[wasm_bindgen]
pub fn mount_widget(root: JsValue, host: JsValue) -> Option<WidgetHandle> {
    console_error_panic_hook::set_once();
    let root = immich_grid::embed::widget::element(&root)?;
    let host = immich_grid::embed::widget::element(&host)?;
    let attrs = immich_grid::embed::widget::attributes_of(&host);
    Some(WidgetHandle(immich_grid::embed::widget::Widget::mount(
        root, host, attrs,
    )))
}

#[wasm_bindgen]
impl WidgetHandle {
    /// An attribute changed (`value` undefined or null: removed).
    pub fn set(&self, name: &str, value: Option<String>) {
        self.0.set(name, value);
    }

    /// Removes the app and releases what it holds.
    pub fn unmount(&mut self) {
        self.0.unmount();
    }
}
