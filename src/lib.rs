//! immich-grid: a fast, embeddable view of an Immich library, as a Leptos
//! client-side app. `App` is public so browser tests can mount it.
//!
//! `data` is the only module that touches the network or browser storage;
//! the pure cores live in the `immich-api`, `library-core` and `grid-core`
//! crates.

mod app;
pub mod components;
pub mod data;
mod debug_hook;
pub mod embed;
pub mod format;
pub mod locale;
mod thumbhash;
pub mod url_state;

pub use app::App;

/// Mounts the app on the page's `<body>` once its `config.json` (if any)
/// is read; called by `main`.
pub fn mount() {
    console_error_panic_hook::set_once();
    embed::mount_page();
}
