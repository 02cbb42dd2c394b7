//! The data layer: connection settings, the HTTP client, browser storage
//! (localStorage for small metadata, IndexedDB for bodies) and the library
//! loader that ties them to library-core's page set and cache policy.
//!
//! Invariant: only this module touches the network or browser storage
//! (checked by `tests/tidy.rs`). Every request URL comes from [`urls`];
//! every body read is bounded by [`limits`].

pub mod bodies;
pub mod client;
pub mod kv;
pub mod limits;
pub mod loader;
pub mod media;
pub mod prefs;
pub mod proxy;
pub mod session;
pub mod site;
pub mod thumbs;
pub mod urls;
