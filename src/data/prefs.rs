//! Preferences kept on the device (tile size and layout): small, not
//! secret, the same for every server. They live in `localStorage`; storage
//! that is disabled or full only means the choice lasts this page.

use library_core::KvStore;

use super::kv::WebStorageKv;

/// The most read back for one preference: anything longer is not ours.
const MAX_LEN: usize = 4096;

/// The stored text of preference `name`, if storage works and holds one of
/// a sane length.
pub fn load(name: &str) -> Option<String> {
    WebStorageKv::local()
        .ok()?
        .get(name)
        .ok()
        .flatten()
        .filter(|v| v.len() <= MAX_LEN)
}

/// Stores `value` under `name`; false when storage refused (the caller keeps
/// the value in memory).
pub fn save(name: &str, value: &str) -> bool {
    WebStorageKv::local().is_ok_and(|mut kv| kv.set(name, value).is_ok())
}
