//! [`KvStore`] over the browser's Web Storage (`localStorage` / `sessionStorage`).
//!
//! Web Storage fails in ordinary situations: it is absent or throws
//! `SecurityError` when the user disabled site data, and `setItem` throws
//! `QuotaExceededError` (legacy code 22; Firefox once used 1014) when the
//! origin's ~5 MB are used up. Those map to [`StoreError::Unavailable`] and
//! [`StoreError::Quota`], and the cache policy carries on from there.

use library_core::{KvStore, StoreError};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::Storage;

/// A [`KvStore`] over one Web Storage area.
#[derive(Clone, Debug)]
pub struct WebStorageKv {
    storage: Storage,
}

/// The brief's name for the localStorage-backed store: [`WebStorageKv::local`].
pub type LocalStorageKv = WebStorageKv;

impl WebStorageKv {
    /// `window.localStorage` (kept across sessions).
    pub fn local() -> Result<Self, StoreError> {
        let window = web_sys::window().ok_or(StoreError::Unavailable)?;
        Self::from_area(window.local_storage())
    }

    /// `window.sessionStorage` (this tab only).
    pub fn session() -> Result<Self, StoreError> {
        let window = web_sys::window().ok_or(StoreError::Unavailable)?;
        Self::from_area(window.session_storage())
    }

    /// Accessing the storage throws when site data is disabled, and may be `null`.
    fn from_area(area: Result<Option<Storage>, JsValue>) -> Result<Self, StoreError> {
        match area {
            Ok(Some(storage)) => Ok(Self { storage }),
            _ => Err(StoreError::Unavailable),
        }
    }

    /// The underlying storage object.
    pub fn raw(&self) -> &Storage {
        &self.storage
    }
}

/// Classifies what `setItem`/`getItem` threw.
pub fn store_error(e: &JsValue) -> StoreError {
    if let Some(dom) = e.dyn_ref::<web_sys::DomException>() {
        let name = dom.name();
        if name == "QuotaExceededError"
            || name == "NS_ERROR_DOM_QUOTA_REACHED"
            || matches!(dom.code(), 22 | 1014)
        {
            return StoreError::Quota;
        }
        if name == "SecurityError" {
            return StoreError::Unavailable;
        }
        return StoreError::Other(name);
    }
    StoreError::Unavailable
}

impl KvStore for WebStorageKv {
    fn get(&self, k: &str) -> Result<Option<String>, StoreError> {
        self.storage.get_item(k).map_err(|e| store_error(&e))
    }

    fn set(&mut self, k: &str, v: &str) -> Result<(), StoreError> {
        self.storage.set_item(k, v).map_err(|e| store_error(&e))
    }

    fn remove(&mut self, k: &str) {
        // Removing never needs room; a throwing storage is already reported by set/get.
        let _ = self.storage.remove_item(k);
    }

    fn keys(&self) -> Vec<String> {
        let n = self.storage.length().unwrap_or(0);
        (0..n)
            .filter_map(|i| self.storage.key(i).ok().flatten())
            .collect()
    }
}
