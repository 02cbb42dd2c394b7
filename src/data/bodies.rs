//! The body store: response bodies (the bytes a held ETag stands for) in IndexedDB.
//!
//! Why IndexedDB: bodies are megabytes (a 1000-asset page is ~1.5 MB), far past
//! what localStorage holds, and the Cache API only exists in secure contexts,
//! while many Immich servers are reached over plain http on a LAN. IndexedDB
//! works on any origin and stores binary data (`Uint8Array`) without re-encoding.
//!
//! Keys are the cache policy's keys (server origin + user id + canonical query),
//! so a body and its ETag entry are found under the same name.
//!
//! Each IDB request is wrapped in a future (a `Promise` resolved by the
//! request's `onsuccess`/`onerror`); writes wait for the transaction's
//! `complete`, which is when the data is durable and when quota errors surface.

use std::{cell::RefCell, future::Future, rc::Rc};

use js_sys::{Array, Function, Promise, Uint8Array};
use wasm_bindgen::{closure::Closure, JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Event, IdbDatabase, IdbObjectStore, IdbOpenDbRequest, IdbRequest, IdbTransaction,
    IdbTransactionMode,
};

use super::client::js_error_parts;

/// The database name used by the app.
pub const DB_NAME: &str = "immich-grid";
/// The object store holding bodies.
const STORE: &str = "bodies";
/// Schema version; bump with an upgrade step when the layout changes.
const VERSION: u32 = 1;

/// A failed body-store operation. Every one of them means "carry on uncached".
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BodyStoreError {
    /// The origin's storage quota is used up (`QuotaExceededError`).
    #[error("browser storage is full")]
    Quota,
    /// IndexedDB is absent or refused (private mode, disabled storage, blocked upgrade).
    #[error("browser storage is not available: {0}")]
    Unavailable(String),
    /// Anything else IndexedDB reported.
    #[error("browser storage failed: {0}")]
    Other(String),
}

impl BodyStoreError {
    fn from_js(e: &JsValue) -> Self {
        let (name, message) = js_error_parts(e);
        match name.as_str() {
            "QuotaExceededError" => Self::Quota,
            "InvalidStateError" | "SecurityError" | "UnknownError" => {
                Self::Unavailable(format!("{name}: {message}"))
            }
            _ => Self::Other(format!("{name}: {message}")),
        }
    }
}

/// An open body store. Cheap to clone (one shared database connection).
#[derive(Clone, Debug)]
pub struct BodyStore {
    db: IdbDatabase,
}

impl BodyStore {
    /// Opens (creating on first use) the app's database.
    pub async fn open() -> Result<Self, BodyStoreError> {
        Self::open_named(DB_NAME).await
    }

    /// Opens a database of another name (tests use their own).
    pub async fn open_named(name: &str) -> Result<Self, BodyStoreError> {
        let unavailable = |e: JsValue| BodyStoreError::Unavailable(js_error_parts(&e).1);
        let factory = web_sys::window()
            .ok_or_else(|| BodyStoreError::Unavailable("no window".into()))?
            .indexed_db()
            .map_err(unavailable)?
            .ok_or_else(|| BodyStoreError::Unavailable("no IndexedDB".into()))?;
        let open: IdbOpenDbRequest = factory.open_with_u32(name, VERSION).map_err(unavailable)?;
        // Runs before `success` when the database is new (or older than VERSION).
        let upgrade = Closure::<dyn FnMut(Event)>::new({
            let open = open.clone();
            move |_: Event| {
                if let Ok(db) = open.result().and_then(|r| r.dyn_into::<IdbDatabase>()) {
                    // Fails only if the store exists already, which is fine.
                    let _ = db.create_object_store(STORE);
                }
            }
        });
        open.set_onupgradeneeded(Some(upgrade.as_ref().unchecked_ref()));
        let result = request_done(&open).await;
        open.set_onupgradeneeded(None);
        drop(upgrade);
        let db = result
            .map_err(|e| match BodyStoreError::from_js(&e) {
                BodyStoreError::Other(m) => BodyStoreError::Unavailable(m),
                other => other,
            })?
            .dyn_into::<IdbDatabase>()
            .map_err(|_| BodyStoreError::Unavailable("open gave no database".into()))?;
        Ok(Self { db })
    }

    fn store(
        &self,
        mode: IdbTransactionMode,
    ) -> Result<(IdbTransaction, IdbObjectStore), BodyStoreError> {
        let tx = self
            .db
            .transaction_with_str_and_mode(STORE, mode)
            .map_err(|e| BodyStoreError::from_js(&e))?;
        let store = tx
            .object_store(STORE)
            .map_err(|e| BodyStoreError::from_js(&e))?;
        Ok((tx, store))
    }

    /// The body stored under `key`; `None` when absent, unreadable or not bytes
    /// (the caller then refetches without `If-None-Match`).
    pub async fn get(&self, key: &str) -> Option<Vec<u8>> {
        let (_tx, store) = self.store(IdbTransactionMode::Readonly).ok()?;
        let req = store.get(&JsValue::from_str(key)).ok()?;
        let value = request_done(&req).await.ok()?;
        value.dyn_into::<Uint8Array>().ok().map(|a| a.to_vec())
    }

    /// The bodies stored under `keys`, in order, read in one transaction with
    /// every request issued at once (one round trip to the storage process
    /// instead of one per key). An entry is `None` as for [`BodyStore::get`].
    /// The requests are issued when this is called, not when the answer is
    /// awaited, so a reader can ask for the next batch before it decodes
    /// this one.
    pub fn get_many(
        &self,
        keys: &[String],
    ) -> impl Future<Output = Vec<Option<Vec<u8>>>> + 'static {
        let pending: Vec<_> = match self.store(IdbTransactionMode::Readonly) {
            Ok((_tx, store)) => keys
                .iter()
                .map(|k| {
                    store
                        .get(&JsValue::from_str(k))
                        .ok()
                        .map(|r| request_done(&r))
                })
                .collect(),
            Err(_) => keys.iter().map(|_| None).collect(),
        };
        async move {
            let mut out = Vec::with_capacity(pending.len());
            for p in pending {
                let value = match p {
                    Some(f) => f.await.ok(),
                    None => None,
                };
                out.push(value.and_then(|v| v.dyn_into::<Uint8Array>().ok().map(|a| a.to_vec())));
            }
            out
        }
    }

    /// Stores `bytes` under `key`, replacing what was there; resolves once durable.
    pub async fn put(&self, key: &str, bytes: &[u8]) -> Result<(), BodyStoreError> {
        let (tx, store) = self.store(IdbTransactionMode::Readwrite)?;
        let value = Uint8Array::new_with_length(
            u32::try_from(bytes.len())
                .map_err(|_| BodyStoreError::Other("body too large".into()))?,
        );
        value.copy_from(bytes);
        store
            .put_with_key(&value, &JsValue::from_str(key))
            .map_err(|e| BodyStoreError::from_js(&e))?;
        transaction_done(&tx).await
    }

    /// Removes `key` (absent is fine).
    pub async fn delete(&self, key: &str) -> Result<(), BodyStoreError> {
        let (tx, store) = self.store(IdbTransactionMode::Readwrite)?;
        store
            .delete(&JsValue::from_str(key))
            .map_err(|e| BodyStoreError::from_js(&e))?;
        transaction_done(&tx).await
    }

    /// Every key held.
    pub async fn keys(&self) -> Result<Vec<String>, BodyStoreError> {
        let (_tx, store) = self.store(IdbTransactionMode::Readonly)?;
        let req = store
            .get_all_keys()
            .map_err(|e| BodyStoreError::from_js(&e))?;
        let value = request_done(&req)
            .await
            .map_err(|e| BodyStoreError::from_js(&e))?;
        let keys = value
            .dyn_into::<Array>()
            .map_err(|_| BodyStoreError::Other("keys are not an array".into()))?;
        Ok(keys.iter().filter_map(|k| k.as_string()).collect())
    }

    /// Removes every body.
    pub async fn clear(&self) -> Result<(), BodyStoreError> {
        let (tx, store) = self.store(IdbTransactionMode::Readwrite)?;
        store.clear().map_err(|e| BodyStoreError::from_js(&e))?;
        transaction_done(&tx).await
    }

    /// Closes the connection (tests delete their database afterwards).
    pub fn close(&self) {
        self.db.close();
    }
}

/// Event handlers installed on an IDB object for the life of one wait. Dropping
/// it (also when the waiting future is dropped) detaches them first, so the
/// browser never calls a freed closure.
struct Handlers {
    detach: Box<dyn Fn()>,
    _closures: Vec<Closure<dyn FnMut(Event)>>,
}

impl Drop for Handlers {
    fn drop(&mut self) {
        (self.detach)();
    }
}

/// A promise with its resolve/reject functions taken out.
fn deferred() -> (Promise, Function, Function) {
    let slots: Rc<RefCell<Option<(Function, Function)>>> = Rc::default();
    let promise = Promise::new(&mut |resolve, reject| {
        *slots.borrow_mut() = Some((resolve, reject));
    });
    // The executor runs synchronously inside `Promise::new`, so the slot is filled.
    let (resolve, reject) = slots
        .borrow_mut()
        .take()
        .unwrap_or_else(|| (Function::new_no_args(""), Function::new_no_args("")));
    (promise, resolve, reject)
}

/// Waits for an IDB request: its `result` on success, its `error` on failure.
///
/// The handlers are attached when this is called, not when the future is first
/// polled, so several requests can be issued and then awaited in turn without
/// losing an event that fires in between.
fn request_done(req: &IdbRequest) -> impl Future<Output = Result<JsValue, JsValue>> {
    let (promise, resolve, reject) = deferred();
    let on_ok = Closure::<dyn FnMut(Event)>::new({
        let req = req.clone();
        move |_: Event| {
            let _ = resolve.call1(
                &JsValue::UNDEFINED,
                &req.result().unwrap_or(JsValue::UNDEFINED),
            );
        }
    });
    let on_err = Closure::<dyn FnMut(Event)>::new({
        let req = req.clone();
        move |e: Event| {
            // Handled here: do not let it bubble to the transaction as an abort reason.
            e.prevent_default();
            let error = req
                .error()
                .ok()
                .flatten()
                .map_or(JsValue::NULL, JsValue::from);
            let _ = reject.call1(&JsValue::UNDEFINED, &error);
        }
    });
    req.set_onsuccess(Some(on_ok.as_ref().unchecked_ref()));
    req.set_onerror(Some(on_err.as_ref().unchecked_ref()));
    let handlers = Handlers {
        detach: Box::new({
            let req = req.clone();
            move || {
                req.set_onsuccess(None);
                req.set_onerror(None);
            }
        }),
        _closures: vec![on_ok, on_err],
    };
    async move {
        let _handlers = handlers;
        JsFuture::from(promise).await
    }
}

/// Waits for a write transaction to commit; its error (quota!) on abort.
async fn transaction_done(tx: &IdbTransaction) -> Result<(), BodyStoreError> {
    let (promise, resolve, reject) = deferred();
    let on_complete = Closure::<dyn FnMut(Event)>::new(move |_: Event| {
        let _ = resolve.call0(&JsValue::UNDEFINED);
    });
    let on_fail = Closure::<dyn FnMut(Event)>::new({
        let tx = tx.clone();
        move |e: Event| {
            // A failed request's error bubbles here first (its own `error`); a
            // commit failure such as the quota is the transaction's `error`.
            let error = e
                .target()
                .and_then(|t| t.dyn_into::<IdbRequest>().ok())
                .and_then(|r| r.error().ok().flatten())
                .or_else(|| tx.error())
                .map_or(JsValue::NULL, JsValue::from);
            let _ = reject.call1(&JsValue::UNDEFINED, &error);
        }
    });
    tx.set_oncomplete(Some(on_complete.as_ref().unchecked_ref()));
    tx.set_onerror(Some(on_fail.as_ref().unchecked_ref()));
    tx.set_onabort(Some(on_fail.as_ref().unchecked_ref()));
    let _handlers = Handlers {
        detach: Box::new({
            let tx = tx.clone();
            move || {
                tx.set_oncomplete(None);
                tx.set_onerror(None);
                tx.set_onabort(None);
            }
        }),
        _closures: vec![on_complete, on_fail],
    };
    JsFuture::from(promise).await.map(drop).map_err(|e| {
        if e.is_null() {
            BodyStoreError::Other("the write was aborted".into())
        } else {
            BodyStoreError::from_js(&e)
        }
    })
}
