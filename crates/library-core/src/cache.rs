//! The ETag cache policy (issue 5), over a synchronous string key-value store.
//!
//! Split of duties: small metadata (ETag, body length, a stored-at sequence number)
//! lives in a [`KvStore`] (the browser's `localStorage`); the bodies live in a big
//! asynchronous store the glue owns (IndexedDB or the Cache API). This module only
//! decides: the key names, which ETag to send, and what to record or drop for each
//! answer. It never sees credentials: no function here takes an API key or token,
//! so none can end up in storage.
//!
//! Storage is best effort. Quota errors evict the oldest entries (of any scope) and
//! retry; when that cannot help, or the store is unavailable, the policy switches to
//! *uncached* mode (every request goes without `If-None-Match`) and reports it through
//! [`CachePolicy::take_events`]. Nothing panics on a broken store.

use std::collections::BTreeMap;

/// Every key this policy writes starts with this (the `v1` is the key layout version).
pub const KEY_PREFIX: &str = "immich-grid:v1:";
/// The app's key namespace across layout versions; keys under it but not under
/// [`KEY_PREFIX`] are from another version and get removed.
pub const APP_PREFIX: &str = "immich-grid:";
/// The format version written into every entry.
pub const FORMAT_VERSION: u32 = 1;

const ENTRY_PREFIX: &str = "immich-grid:v1:etag:";
const BODY_PREFIX: &str = "immich-grid:v1:body:";
const PROBE_KEY: &str = "immich-grid:v1:probe";
const HELD_PREFIX: &str = "immich-grid:v1:held:";

/// Why a store operation failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The store is full (`QuotaExceededError`).
    #[error("storage quota exceeded")]
    Quota,
    /// The store cannot be used at all (disabled, private mode, security error).
    #[error("storage unavailable")]
    Unavailable,
    /// Anything else.
    #[error("storage error: {0}")]
    Other(String),
}

/// A synchronous string key-value store (`localStorage` in the browser).
pub trait KvStore {
    /// The value under `k`, if any.
    fn get(&self, k: &str) -> Result<Option<String>, StoreError>;
    /// Stores `v` under `k`.
    fn set(&mut self, k: &str, v: &str) -> Result<(), StoreError>;
    /// Removes `k` (best effort: failures are ignored, as `localStorage` does).
    fn remove(&mut self, k: &str);
    /// Every key in the store (empty when it cannot be listed).
    fn keys(&self) -> Vec<String>;
}

/// An in-memory [`KvStore`] for tests and for running without browser storage. Its
/// quota counts key and value bytes, like `localStorage` counts characters.
#[derive(Clone, Debug, Default)]
pub struct InMemoryKv {
    map: BTreeMap<String, String>,
    quota_bytes: Option<usize>,
    broken: bool,
}

impl InMemoryKv {
    /// An empty store without a quota.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty store holding at most `bytes` bytes of keys plus values.
    pub fn with_quota(bytes: usize) -> Self {
        Self {
            quota_bytes: Some(bytes),
            ..Self::default()
        }
    }

    /// A store on which every call fails with [`StoreError::Unavailable`] (storage
    /// disabled by the browser).
    pub fn unavailable() -> Self {
        Self {
            broken: true,
            ..Self::default()
        }
    }

    /// Bytes of keys plus values held.
    pub fn used_bytes(&self) -> usize {
        self.map.iter().map(|(k, v)| k.len() + v.len()).sum()
    }

    /// Number of keys held.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether the store is empty.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

impl KvStore for InMemoryKv {
    fn get(&self, k: &str) -> Result<Option<String>, StoreError> {
        if self.broken {
            return Err(StoreError::Unavailable);
        }
        Ok(self.map.get(k).cloned())
    }

    fn set(&mut self, k: &str, v: &str) -> Result<(), StoreError> {
        if self.broken {
            return Err(StoreError::Unavailable);
        }
        if let Some(q) = self.quota_bytes {
            let old = self.map.get(k).map_or(0, |o| k.len() + o.len());
            if self.used_bytes() - old + k.len() + v.len() > q {
                return Err(StoreError::Quota);
            }
        }
        self.map.insert(k.to_owned(), v.to_owned());
        Ok(())
    }

    fn remove(&mut self, k: &str) {
        if !self.broken {
            self.map.remove(k);
        }
    }

    fn keys(&self) -> Vec<String> {
        if self.broken {
            return Vec::new();
        }
        self.map.keys().cloned().collect()
    }
}

/// Whose cache entries: one server origin and one user. Entries of one scope are
/// never answered for another.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CacheScope {
    key: String,
}

impl CacheScope {
    /// The scope of `origin` (e.g. `https://photos.example`) and `user_id`. Both are
    /// escaped, so no pair of values can produce another pair's keys.
    pub fn new(origin: &str, user_id: &str) -> Self {
        let mut key = String::with_capacity(origin.len() + user_id.len() + 1);
        escape_into(&mut key, origin);
        key.push('|');
        escape_into(&mut key, user_id);
        Self { key }
    }

    /// The escaped `origin|user` string used in keys.
    pub fn as_str(&self) -> &str {
        &self.key
    }
}

/// Escapes `%` and `|` so components cannot run into each other.
fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '|' => out.push_str("%7C"),
            _ => out.push(c),
        }
    }
}

/// The longest ETag [`HeldAnswer`] keeps (Immich's are 30-odd bytes).
const MAX_HELD_ETAG: usize = 256;
/// The longest question [`HeldAnswer`] keeps an answer for.
const MAX_HELD_QUESTION: usize = 2048;
/// The largest body [`HeldAnswer`] keeps: a delta of a few assets, the
/// deletions, the statistics (`localStorage` holds about 5 MB an origin;
/// an asset of a delta is about 1.5 KB, so some 40 changes are held).
pub const MAX_HELD_BODY: usize = 64 * 1024;

/// A small answer held with its ETag: the last answer to one of a reload's
/// questions (`slot`: the changes since the watermark, the deletions since
/// it, the count), so the next reload asks it with `If-None-Match` and an
/// unchanged library gets `304`s in every browser, not fresh bodies (WebKit
/// does not revalidate these from its own HTTP cache).
///
/// One entry per scope and slot, overwritten by the next answer, so entries
/// never pile up as the watermark moves; the question (the request's
/// canonical query) is kept beside the ETag and the body, and a held answer
/// serves only the very same question. Bodies over [`MAX_HELD_BODY`] are not
/// held (that question is asked without an ETag next time).
pub struct HeldAnswer;

impl HeldAnswer {
    /// The key-value key of `scope`'s entry for `slot`.
    pub fn key(scope: &CacheScope, slot: &str) -> String {
        let mut k = String::from(HELD_PREFIX);
        k.push_str(scope.as_str());
        k.push('|');
        escape_into(&mut k, slot);
        k
    }

    /// The held ETag and body of `question`'s last answer in `slot`.
    pub fn get<S: KvStore>(
        store: &S,
        scope: &CacheScope,
        slot: &str,
        question: &str,
    ) -> Option<(String, String)> {
        let raw = store.get(&Self::key(scope, slot)).ok()??;
        let (q, rest) = raw.split_once('\n')?;
        let (etag, body) = rest.split_once('\n')?;
        (q == question && Self::sane(question, etag, body.as_bytes()))
            .then(|| (etag.to_owned(), body.to_owned()))
    }

    /// Records `question`'s answer: held when it had an ETag and a small
    /// UTF-8 body, else the slot is forgotten. Storage failures only cost
    /// the `304`.
    pub fn record<S: KvStore>(
        store: &mut S,
        scope: &CacheScope,
        slot: &str,
        question: &str,
        etag: Option<&str>,
        body: &[u8],
    ) {
        let key = Self::key(scope, slot);
        let held = match (etag, std::str::from_utf8(body)) {
            (Some(etag), Ok(text)) if Self::sane(question, etag, body) => {
                let mut v = String::with_capacity(question.len() + etag.len() + text.len() + 2);
                v.push_str(question);
                v.push('\n');
                v.push_str(etag);
                v.push('\n');
                v.push_str(text);
                store.set(&key, &v).is_ok()
            }
            _ => false,
        };
        if !held {
            store.remove(&key);
        }
    }

    /// Bounded, and an ETag a header can carry.
    fn sane(question: &str, etag: &str, body: &[u8]) -> bool {
        !question.contains('\n')
            && question.len() <= MAX_HELD_QUESTION
            && !etag.trim().is_empty()
            && etag.len() <= MAX_HELD_ETAG
            && etag.bytes().all(|b| (0x20..0x7f).contains(&b))
            && body.len() <= MAX_HELD_BODY
    }
}

/// Whether the policy is caching.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CacheMode {
    /// ETags are recorded and sent.
    Cached,
    /// Storage failed: nothing is recorded, no ETag is sent.
    Uncached(UncachedReason),
}

/// Why the policy stopped caching.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UncachedReason {
    /// The store refused every access.
    Unavailable,
    /// The store stayed full after evicting every entry of ours.
    QuotaExhausted,
    /// Another store error.
    Failed(String),
}

/// Something the glue must act on or may report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CacheEvent {
    /// An entry was dropped (evicted, corrupt, or of another version): delete this
    /// body from the body store.
    DropBody {
        /// The body store key.
        body_key: String,
    },
    /// The policy switched to uncached mode.
    SwitchedToUncached(UncachedReason),
}

/// One entry's metadata as stored (JSON: `{"v":1,"etag":"…","len":…,"seq":…,"body":true}`,
/// the form serde wrote before the app dropped it).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Entry {
    /// Format version; anything but [`FORMAT_VERSION`] is dropped.
    v: u32,
    etag: String,
    /// Body length in bytes, for the glue's accounting.
    len: u64,
    /// Stored-at sequence number: monotonic, so eviction order needs no clock.
    seq: u64,
    /// Whether the glue confirmed the body is stored.
    body: bool,
}

impl Entry {
    /// The stored JSON.
    fn to_json(&self) -> String {
        let mut out = format!("{{\"v\":{},\"etag\":", self.v);
        immich_api::json::write_str(&mut out, &self.etag);
        out.push_str(&format!(
            ",\"len\":{},\"seq\":{},\"body\":{}}}",
            self.len, self.seq, self.body
        ));
        out
    }

    /// Reads stored JSON; `None` when it is not an entry.
    fn from_json(s: &str) -> Option<Self> {
        immich_api::json::from_slice(s.as_bytes()).ok()
    }
}

/// Every key required, unknown keys skipped, a key twice refused.
impl immich_api::json::FromJson for Entry {
    fn read(r: &mut immich_api::json::Reader<'_>) -> Result<Self, immich_api::json::Error> {
        immich_api::read_object!(r, {
            "v" => v: _, "etag" => etag: _, "len" => len: _, "seq" => seq: _, "body" => body: _,
        });
        Ok(Self {
            v: v.ok_or_else(|| r.missing("v"))?,
            etag: etag.ok_or_else(|| r.missing("etag"))?,
            len: len.ok_or_else(|| r.missing("len"))?,
            seq: seq.ok_or_else(|| r.missing("seq"))?,
            body: body.ok_or_else(|| r.missing("body"))?,
        })
    }
}

/// The cache policy; see the module docs.
#[derive(Debug)]
pub struct CachePolicy<S: KvStore> {
    store: S,
    mode: CacheMode,
    next_seq: u64,
    events: Vec<CacheEvent>,
}

impl<S: KvStore> CachePolicy<S> {
    /// Opens the policy over `store`: drops entries of other versions and corrupt ones
    /// (reporting their bodies to delete), continues the stored-at sequence, and
    /// probes that the store works (switching to uncached mode when it does not).
    pub fn new(store: S) -> Self {
        let mut p = Self {
            store,
            mode: CacheMode::Cached,
            next_seq: 1,
            events: Vec::new(),
        };
        match p.store.set(PROBE_KEY, "1") {
            Ok(()) => p.store.remove(PROBE_KEY),
            // A full store still works for reads; eviction will make room.
            Err(StoreError::Quota) => {}
            Err(e) => {
                p.fail(e);
                return p;
            }
        }
        let mut max_seq = 0;
        for k in p.store.keys() {
            if !k.starts_with(APP_PREFIX) {
                continue; // Not ours: never touch.
            }
            if !k.starts_with(KEY_PREFIX) {
                p.store.remove(&k);
                continue;
            }
            if k.starts_with(ENTRY_PREFIX) {
                // `read_entry` drops (and reports) corrupt and other-version entries.
                if let Some(e) = p.read_entry(&k) {
                    max_seq = max_seq.max(e.seq);
                }
            }
        }
        p.next_seq = max_seq + 1;
        p
    }

    /// Whether ETags are being recorded and sent.
    pub fn mode(&self) -> &CacheMode {
        &self.mode
    }

    /// The events since the last call (bodies to delete, mode switches).
    pub fn take_events(&mut self) -> Vec<CacheEvent> {
        std::mem::take(&mut self.events)
    }

    /// The underlying store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The key-value key of the metadata entry for a scope and a query's canonical
    /// form (`AssetQuery::canonical()`, which includes `skip`/`take`).
    pub fn entry_key(scope: &CacheScope, canonical_query: &str) -> String {
        let mut k = String::from(ENTRY_PREFIX);
        k.push_str(&Self::suffix(scope, canonical_query));
        k
    }

    /// The key under which the glue keeps the body in its body store.
    pub fn body_key(scope: &CacheScope, canonical_query: &str) -> String {
        let mut k = String::from(BODY_PREFIX);
        k.push_str(&Self::suffix(scope, canonical_query));
        k
    }

    fn suffix(scope: &CacheScope, canonical_query: &str) -> String {
        let mut s = String::from(scope.as_str());
        s.push('|');
        escape_into(&mut s, canonical_query);
        s
    }

    /// The ETag to send as `If-None-Match`, only when its body is known to be stored.
    pub fn if_none_match(&mut self, scope: &CacheScope, canonical_query: &str) -> Option<String> {
        if self.mode != CacheMode::Cached {
            return None;
        }
        let key = Self::entry_key(scope, canonical_query);
        let e = self.read_entry(&key);
        match e {
            Some(e) if e.body => Some(e.etag),
            Some(_) => None,
            None => {
                // Absent, or corrupt and just dropped.
                None
            }
        }
    }

    /// A `200` arrived with `etag` and a body of `body_len` bytes. Records a pending
    /// entry and returns whether the glue should store the body (then call
    /// [`CachePolicy::on_body_stored`]). Without an ETag nothing is cached.
    pub fn on_200(
        &mut self,
        scope: &CacheScope,
        canonical_query: &str,
        etag: Option<&str>,
        body_len: u64,
    ) -> bool {
        if self.mode != CacheMode::Cached {
            return false;
        }
        let key = Self::entry_key(scope, canonical_query);
        let Some(etag) = etag else {
            self.remove_entry(&key, scope, canonical_query);
            return false;
        };
        let entry = Entry {
            v: FORMAT_VERSION,
            etag: etag.to_owned(),
            len: body_len,
            seq: self.next_seq,
            body: false,
        };
        self.next_seq += 1;
        self.put(&key, &entry)
    }

    /// The glue stored the body recorded by [`CachePolicy::on_200`]: from now on its
    /// ETag is sent.
    pub fn on_body_stored(&mut self, scope: &CacheScope, canonical_query: &str) {
        if self.mode != CacheMode::Cached {
            return;
        }
        let key = Self::entry_key(scope, canonical_query);
        if let Some(mut e) = self.read_entry(&key) {
            if !e.body {
                e.body = true;
                self.put(&key, &e);
            }
        }
    }

    /// The glue could not store the body, or a `304` arrived and the body store has
    /// no body: drop the entry so the next request goes without `If-None-Match`.
    pub fn on_body_missing(&mut self, scope: &CacheScope, canonical_query: &str) {
        let key = Self::entry_key(scope, canonical_query);
        self.remove_entry(&key, scope, canonical_query);
    }

    /// Drops every entry of a scope (sign-out, server switch), reporting the bodies.
    pub fn forget_scope(&mut self, scope: &CacheScope) {
        let mut prefix = String::from(ENTRY_PREFIX);
        prefix.push_str(scope.as_str());
        prefix.push('|');
        let mut held = String::from(HELD_PREFIX);
        held.push_str(scope.as_str());
        held.push('|');
        for k in self.store.keys() {
            if let Some(rest) = k.strip_prefix(ENTRY_PREFIX) {
                if k.starts_with(&prefix) {
                    self.drop_entry_key(rest);
                }
            } else if k.starts_with(&held) {
                self.store.remove(&k);
            }
        }
    }

    fn remove_entry(&mut self, key: &str, scope: &CacheScope, canonical_query: &str) {
        if key.starts_with(ENTRY_PREFIX) {
            self.store.remove(key);
            self.events.push(CacheEvent::DropBody {
                body_key: Self::body_key(scope, canonical_query),
            });
        }
    }

    /// Removes the entry whose key is `ENTRY_PREFIX + rest` and reports its body.
    fn drop_entry_key(&mut self, rest: &str) {
        let mut key = String::from(ENTRY_PREFIX);
        key.push_str(rest);
        self.store.remove(&key);
        let mut body_key = String::from(BODY_PREFIX);
        body_key.push_str(rest);
        self.events.push(CacheEvent::DropBody { body_key });
    }

    /// Reads and checks an entry; drops it when corrupt or of another version.
    fn read_entry(&mut self, key: &str) -> Option<Entry> {
        let raw = match self.store.get(key) {
            Ok(Some(raw)) => raw,
            Ok(None) => return None,
            Err(e) => {
                self.fail(e);
                return None;
            }
        };
        match Entry::from_json(&raw) {
            Some(e) if e.v == FORMAT_VERSION => Some(e),
            _ => {
                if let Some(rest) = key.strip_prefix(ENTRY_PREFIX) {
                    let rest = rest.to_owned();
                    self.drop_entry_key(&rest);
                }
                None
            }
        }
    }

    /// Writes an entry, evicting the oldest entries on quota errors.
    fn put(&mut self, key: &str, entry: &Entry) -> bool {
        let value = entry.to_json();
        loop {
            match self.store.set(key, &value) {
                Ok(()) => return true,
                Err(StoreError::Quota) => {
                    if !self.evict_oldest(key) {
                        // Nothing left to evict: our own entry does not fit either.
                        self.store.remove(key);
                        self.switch(UncachedReason::QuotaExhausted);
                        return false;
                    }
                }
                Err(e) => {
                    self.fail(e);
                    return false;
                }
            }
        }
    }

    /// Evicts the entry with the lowest stored-at number, other than `keep`. Corrupt
    /// entries go first. Returns whether anything was evicted.
    fn evict_oldest(&mut self, keep: &str) -> bool {
        let mut oldest: Option<(u64, String)> = None;
        for k in self.store.keys() {
            if k == keep || !k.starts_with(ENTRY_PREFIX) {
                continue;
            }
            let seq = match self.store.get(&k) {
                Ok(Some(raw)) => Entry::from_json(&raw)
                    .filter(|e| e.v == FORMAT_VERSION)
                    .map_or(0, |e| e.seq),
                _ => 0,
            };
            if oldest.as_ref().is_none_or(|(s, _)| seq < *s) {
                oldest = Some((seq, k));
            }
        }
        match oldest {
            Some((_, k)) => {
                if let Some(rest) = k.strip_prefix(ENTRY_PREFIX) {
                    let rest = rest.to_owned();
                    self.drop_entry_key(&rest);
                }
                true
            }
            None => false,
        }
    }

    fn fail(&mut self, e: StoreError) {
        let reason = match e {
            StoreError::Quota => UncachedReason::QuotaExhausted,
            StoreError::Unavailable => UncachedReason::Unavailable,
            StoreError::Other(m) => UncachedReason::Failed(m),
        };
        self.switch(reason);
    }

    fn switch(&mut self, reason: UncachedReason) {
        if self.mode == CacheMode::Cached {
            self.mode = CacheMode::Uncached(reason.clone());
            self.events.push(CacheEvent::SwitchedToUncached(reason));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const Q1: &str = "skip=0&take=1000";
    const Q2: &str = "skip=1000&take=1000";

    fn scope() -> CacheScope {
        CacheScope::new("https://photos.example", "user-1")
    }

    /// Records a fully stored entry.
    fn store_ok<S: KvStore>(p: &mut CachePolicy<S>, s: &CacheScope, q: &str, etag: &str) -> bool {
        let ok = p.on_200(s, q, Some(etag), 10);
        if ok {
            p.on_body_stored(s, q);
        }
        ok
    }

    /// An entry as the serde-based release wrote it: the same bytes are
    /// written now, and what it wrote reads back.
    #[test]
    fn entries_keep_the_serde_format() {
        #[derive(serde::Serialize)]
        struct Old<'a> {
            v: u32,
            etag: &'a str,
            len: u64,
            seq: u64,
            body: bool,
        }
        for (etag, len, seq, body) in [
            ("W/\"5-abc\"", 10, 1, true),
            ("", 0, u64::MAX, false),
            ("\u{e9}\\\u{7}", u64::MAX, 0, true),
        ] {
            let old = serde_json::to_string(&Old {
                v: FORMAT_VERSION,
                etag,
                len,
                seq,
                body,
            })
            .unwrap();
            let e = Entry {
                v: FORMAT_VERSION,
                etag: etag.to_owned(),
                len,
                seq,
                body,
            };
            assert_eq!(e.to_json(), old);
            assert_eq!(Entry::from_json(&old), Some(e));
        }
        assert_eq!(Entry::from_json("{}"), None);
        assert_eq!(
            Entry::from_json(r#"{"v":1,"etag":"e","len":-1,"seq":1,"body":true}"#),
            None
        );
        assert_eq!(Entry::from_json("not json"), None);
    }

    #[test]
    fn etag_only_after_body_stored() {
        let mut p = CachePolicy::new(InMemoryKv::new());
        let s = scope();
        assert_eq!(p.if_none_match(&s, Q1), None);
        assert!(p.on_200(&s, Q1, Some("\"a-1\""), 10));
        assert_eq!(p.if_none_match(&s, Q1), None, "body not confirmed yet");
        p.on_body_stored(&s, Q1);
        assert_eq!(p.if_none_match(&s, Q1).as_deref(), Some("\"a-1\""));
        assert_eq!(p.if_none_match(&s, Q2), None);
        p.on_body_missing(&s, Q1);
        assert_eq!(p.if_none_match(&s, Q1), None);
        assert_eq!(
            p.take_events(),
            vec![CacheEvent::DropBody {
                body_key: CachePolicy::<InMemoryKv>::body_key(&s, Q1)
            }]
        );
        // A 200 without an ETag caches nothing.
        assert!(!p.on_200(&s, Q1, None, 10));
        assert_eq!(p.mode(), &CacheMode::Cached);
    }

    #[test]
    fn held_answers_serve_only_the_same_question_of_the_same_scope() {
        const D1: &str = "take=5000&updatedAfter=2024-05-01T00%3A00%3A00.000Z&userId=u";
        const D2: &str = "take=5000&updatedAfter=2024-05-02T00%3A00%3A00.000Z&userId=u";
        let held = |etag: &str, body: &str| Some((etag.to_owned(), body.to_owned()));
        let mut kv = InMemoryKv::new();
        let (a, b) = (scope(), CacheScope::new("https://other.example", "user-1"));
        assert_eq!(HeldAnswer::get(&kv, &a, "changes", D1), None);
        HeldAnswer::record(&mut kv, &a, "changes", D1, Some("\"2-l9Fw\""), b"[]");
        assert_eq!(
            HeldAnswer::get(&kv, &a, "changes", D1),
            held("\"2-l9Fw\"", "[]")
        );
        // Another URL, slot or scope: nothing held.
        assert_eq!(HeldAnswer::get(&kv, &a, "changes", D2), None);
        assert_eq!(HeldAnswer::get(&kv, &a, "deletes", D1), None);
        assert_eq!(HeldAnswer::get(&kv, &b, "changes", D1), None);
        // One entry a slot: a newer answer replaces the older one; bodies
        // with line breaks survive.
        let body = "[{\"id\":\"a\",\n \"x\":1}]";
        HeldAnswer::record(&mut kv, &a, "changes", D2, Some("\"e2\""), body.as_bytes());
        assert_eq!(HeldAnswer::get(&kv, &a, "changes", D1), None);
        assert_eq!(
            HeldAnswer::get(&kv, &a, "changes", D2),
            held("\"e2\"", body)
        );
        assert_eq!(kv.len(), 1);
        // No ETag, a body too large or not UTF-8: the slot is forgotten.
        HeldAnswer::record(&mut kv, &a, "changes", D2, None, b"[]");
        assert!(kv.is_empty());
        let big = vec![b' '; MAX_HELD_BODY + 1];
        HeldAnswer::record(&mut kv, &a, "changes", D2, Some("\"e\""), b"[]");
        HeldAnswer::record(&mut kv, &a, "changes", D2, Some("\"e\""), &big);
        assert!(kv.is_empty());
        HeldAnswer::record(&mut kv, &a, "changes", D2, Some("\"e\""), b"[\xff]");
        assert!(kv.is_empty());
        // Hostile or oversized ETags are neither kept nor sent.
        for bad in ["", "  ", "\"a\nb\"", "\"\u{e9}\""] {
            HeldAnswer::record(&mut kv, &a, "changes", D1, Some(bad), b"[]");
            assert_eq!(HeldAnswer::get(&kv, &a, "changes", D1), None, "{bad:?}");
        }
        let long = format!("\"{}\"", "x".repeat(300));
        HeldAnswer::record(&mut kv, &a, "changes", D1, Some(&long), b"[]");
        assert!(kv.is_empty());
        // A corrupt stored value, or one for another question, serves nothing.
        kv.set(&HeldAnswer::key(&a, "changes"), "garbage").unwrap();
        assert_eq!(HeldAnswer::get(&kv, &a, "changes", D1), None);
        kv.set(&HeldAnswer::key(&a, "changes"), &format!("{D1}\n\"e\""))
            .unwrap();
        assert_eq!(HeldAnswer::get(&kv, &a, "changes", D1), None);
        kv.set(&HeldAnswer::key(&a, "changes"), &format!("{D2}\n\"e\"\n[]"))
            .unwrap();
        assert_eq!(HeldAnswer::get(&kv, &a, "changes", D1), None);
        // A failing store costs the 304 only.
        let mut off = InMemoryKv::unavailable();
        HeldAnswer::record(&mut off, &a, "changes", D1, Some("\"e\""), b"[]");
        assert_eq!(HeldAnswer::get(&off, &a, "changes", D1), None);
    }

    #[test]
    fn forgetting_a_scope_drops_its_held_answers() {
        let mut kv = InMemoryKv::new();
        let (a, b) = (scope(), CacheScope::new("https://other.example", "user-1"));
        HeldAnswer::record(&mut kv, &a, "changes", Q1, Some("\"a\""), b"[]");
        HeldAnswer::record(&mut kv, &b, "deletes", Q1, Some("\"b\""), b"{}");
        let mut p = CachePolicy::new(kv);
        p.forget_scope(&a);
        assert_eq!(HeldAnswer::get(p.store(), &a, "changes", Q1), None);
        assert_eq!(
            HeldAnswer::get(p.store(), &b, "deletes", Q1),
            Some(("\"b\"".to_owned(), "{}".to_owned()))
        );
    }

    #[test]
    fn scope_isolation() {
        let mut p = CachePolicy::new(InMemoryKv::new());
        let a = CacheScope::new("https://a.example", "u1");
        let b = CacheScope::new("https://b.example", "u1");
        let c = CacheScope::new("https://a.example", "u2");
        // Naive concatenation would make these two collide.
        let d = CacheScope::new("x|y", "z");
        let e = CacheScope::new("x", "y|z");
        assert_ne!(d, e);
        store_ok(&mut p, &a, Q1, "A");
        store_ok(&mut p, &d, Q1, "D");
        assert_eq!(p.if_none_match(&a, Q1).as_deref(), Some("A"));
        assert_eq!(p.if_none_match(&b, Q1), None);
        assert_eq!(p.if_none_match(&c, Q1), None);
        assert_eq!(p.if_none_match(&e, Q1), None);
        assert_eq!(p.if_none_match(&d, Q1).as_deref(), Some("D"));
        // Queries cannot spill into scopes either.
        let f = CacheScope::new("x", "y");
        assert_eq!(p.if_none_match(&f, "z|skip=0&take=1000"), None);
        p.forget_scope(&a);
        assert_eq!(p.if_none_match(&a, Q1), None);
        assert_eq!(p.if_none_match(&d, Q1).as_deref(), Some("D"));
    }

    #[test]
    fn corrupt_and_other_version_entries_are_dropped() {
        let s = scope();
        let key1 = CachePolicy::<InMemoryKv>::entry_key(&s, Q1);
        let key2 = CachePolicy::<InMemoryKv>::entry_key(&s, Q2);
        let mut kv = InMemoryKv::new();
        kv.set(&key1, "{not json").unwrap();
        kv.set(&key2, r#"{"v":2,"etag":"x","len":1,"seq":1,"body":true}"#)
            .unwrap();
        kv.set("immich-grid:v0:etag:whatever", "old").unwrap();
        kv.set("someone-else", "keep me").unwrap();
        let mut p = CachePolicy::new(kv);
        assert_eq!(p.if_none_match(&s, Q1), None);
        assert_eq!(p.if_none_match(&s, Q2), None);
        assert_eq!(p.store().keys(), vec!["someone-else".to_owned()]);
        let events = p.take_events();
        assert!(events.contains(&CacheEvent::DropBody {
            body_key: CachePolicy::<InMemoryKv>::body_key(&s, Q1)
        }));
        assert_eq!(events.len(), 2);

        // Corruption appearing later is caught on read, too.
        let mut kv = InMemoryKv::new();
        kv.set(&key1, r#"{"v":1,"etag":"x","len":1,"seq":7,"body":true}"#)
            .unwrap();
        let mut p = CachePolicy::new(kv);
        assert_eq!(p.if_none_match(&s, Q1).as_deref(), Some("x"));
        // The sequence continues after the highest stored one.
        assert!(p.on_200(&s, Q2, Some("y"), 1));
        let raw = p.store().get(&key2).unwrap().unwrap();
        assert!(raw.contains("\"seq\":8"), "{raw}");
    }

    #[test]
    fn quota_evicts_oldest_of_any_scope() {
        let other = CacheScope::new("https://other.example", "u9");
        let s = scope();
        let mut p = CachePolicy::new(InMemoryKv::with_quota(600));
        assert!(store_ok(&mut p, &other, "q0", "E0"));
        for k in 1..20 {
            let q = format!("q{k}");
            assert!(store_ok(&mut p, &s, &q, &format!("E{k}")), "{k}");
        }
        assert_eq!(p.mode(), &CacheMode::Cached);
        assert!(p.store().used_bytes() <= 600);
        // The oldest (other scope's) went first; the newest is still there.
        assert_eq!(p.if_none_match(&other, "q0"), None);
        assert_eq!(p.if_none_match(&s, "q19").as_deref(), Some("E19"));
        let events = p.take_events();
        assert!(events.contains(&CacheEvent::DropBody {
            body_key: CachePolicy::<InMemoryKv>::body_key(&other, "q0")
        }));
        assert!(!events
            .iter()
            .any(|e| matches!(e, CacheEvent::SwitchedToUncached(_))));
    }

    #[test]
    fn quota_too_small_switches_to_uncached() {
        let s = scope();
        let mut p = CachePolicy::new(InMemoryKv::with_quota(50));
        assert!(!p.on_200(&s, Q1, Some("\"etag\""), 10));
        assert_eq!(
            p.mode(),
            &CacheMode::Uncached(UncachedReason::QuotaExhausted)
        );
        assert_eq!(
            p.take_events(),
            vec![CacheEvent::SwitchedToUncached(
                UncachedReason::QuotaExhausted
            )]
        );
        assert_eq!(p.if_none_match(&s, Q1), None);
        assert!(p.store().is_empty());
    }

    #[test]
    fn unavailable_storage_runs_uncached() {
        let s = scope();
        let mut p = CachePolicy::new(InMemoryKv::unavailable());
        assert_eq!(p.mode(), &CacheMode::Uncached(UncachedReason::Unavailable));
        assert!(!p.on_200(&s, Q1, Some("e"), 1));
        p.on_body_stored(&s, Q1);
        p.on_body_missing(&s, Q1);
        p.forget_scope(&s);
        assert_eq!(p.if_none_match(&s, Q1), None);
        assert_eq!(
            p.take_events()
                .iter()
                .filter(|e| matches!(e, CacheEvent::SwitchedToUncached(_)))
                .count(),
            1
        );
    }

    /// A store that works until told to fail, to switch mid-session.
    struct Flaky {
        inner: InMemoryKv,
        fail_with: Option<StoreError>,
    }

    impl KvStore for Flaky {
        fn get(&self, k: &str) -> Result<Option<String>, StoreError> {
            match &self.fail_with {
                Some(e) => Err(e.clone()),
                None => self.inner.get(k),
            }
        }
        fn set(&mut self, k: &str, v: &str) -> Result<(), StoreError> {
            match &self.fail_with {
                Some(e) => Err(e.clone()),
                None => self.inner.set(k, v),
            }
        }
        fn remove(&mut self, k: &str) {
            self.inner.remove(k);
        }
        fn keys(&self) -> Vec<String> {
            self.inner.keys()
        }
    }

    #[test]
    fn failure_mid_session_switches_once() {
        let s = scope();
        let mut p = CachePolicy::new(Flaky {
            inner: InMemoryKv::new(),
            fail_with: None,
        });
        assert!(store_ok(&mut p, &s, Q1, "a"));
        p.store.fail_with = Some(StoreError::Other("SecurityError".into()));
        assert_eq!(p.if_none_match(&s, Q1), None);
        assert!(!p.on_200(&s, Q2, Some("b"), 1));
        assert_eq!(
            p.take_events(),
            vec![CacheEvent::SwitchedToUncached(UncachedReason::Failed(
                "SecurityError".into()
            ))]
        );
    }

    #[test]
    fn keys_carry_prefix_scope_and_query() {
        // That nothing of a credential reaches a key is checked where scopes are
        // made from a session: `src/data/loader.rs`, `nothing_a_key_session_caches_holds_the_key`.
        let s = scope();
        let k = CachePolicy::<InMemoryKv>::entry_key(&s, Q1);
        assert!(k.starts_with(KEY_PREFIX));
        assert_eq!(
            k,
            "immich-grid:v1:etag:https://photos.example|user-1|skip=0&take=1000"
        );
        assert!(CachePolicy::<InMemoryKv>::body_key(&s, Q1).starts_with(KEY_PREFIX));
    }
}
