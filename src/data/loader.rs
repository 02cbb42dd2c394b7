//! The library loader: drives library-core's [`PageSet`] and [`CachePolicy`]
//! with the HTTP [`Client`], localStorage (ETags) and IndexedDB (bodies), and
//! publishes the result through Leptos signals.
//!
//! One load ("run"):
//! 1. `GET /api/user/me` names the cache scope (server + user), so one user's
//!    cached library is never shown to another; `/api/asset/statistics` gives
//!    the expected total for the progress display (in parallel with what follows).
//!    While `me` is on its way, IndexedDB opens and, when this server and
//!    sign-in mode last answered for a known user ([`last_user_key`]), that
//!    user's cache is read and decoded; it is shown only once `me` confirms
//!    the user (never a flash of somebody else's library), and dropped if
//!    `me` names someone else or fails.
//! 2. Stale-while-revalidate: cached pages are read page by page, in order,
//!    while each page's ETag is held and its snapshot (the decoded page in
//!    library-core's binary form, bound to that ETag, checksummed; never the
//!    raw JSON) is present and sound; they are published at once
//!    (`from_cache`).
//! 3. Every page is then fetched with `If-None-Match` (a `304` keeps the page,
//!    a `200` replaces its part and its stored body), or fetched plainly past
//!    what the cache held, up to [`LoaderOptions::concurrency`] at a time,
//!    until the page set's verification pass comes back all-304.
//!
//! Storage failures never stop a load: a full IndexedDB first loses the pages
//! of other queries and users, then the load carries on uncached; a missing,
//! corrupt or foreign snapshot drops its ETag so the page is fetched whole.
//!
//! The index is published as an `Arc<LibraryIndex>`: the signal clones a
//! pointer, never the data, and the index shares the pages' chunks, so
//! publishing costs O(pages) plus a pass over the ids for duplicates; during
//! a load it happens when the index has doubled or a second has passed.

use std::{
    cell::{Cell, RefCell},
    future::Future,
    pin::{pin, Pin},
    rc::Rc,
    sync::Arc,
    task::Poll,
    time::Duration,
};

use immich_api::{is_uuid_v4, AssetQuery, AuditDeletesResponseDto, UserResponseDto};
use leptos::prelude::*;
use library_core::retry::{Failure, PageDecision, PageRetries};
use library_core::{
    decode_page, delta_applies, plan as sync_plan, requests_ahead, snapshot, watermark_from_date,
    ApiFlavour, CacheEvent, CacheMode, CachePolicy, CacheScope, DeltaFailure, HeldAnswer,
    InMemoryKv, KvStore, LibraryIndex, LibrarySync, PageError, PageRequest, PageResponse, PageSet,
    PageSetPhase, Plan, PlanInput, StoreError, SyncEnd, SyncPhase, SyncRecord, SyncRequest,
    UncachedReason, ViewFilter,
};
// wasm-bindgen-futures' spawner needs no executor set up first (tests, early use).
use wasm_bindgen_futures::spawn_local;
use web_sys::{AbortController, AbortSignal};

use super::{
    bodies::{BodyStore, BodyStoreError},
    client::{sleep, Answer, ApiError, Client, Fetched, Held, StatsQuery},
    kv::WebStorageKv,
    session::{Auth, ServerUrl, Session},
    urls,
};

mod timeline;

/// Tunables of the loader.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoaderOptions {
    /// Assets per page (`take`), at least 1. Default 1000 (~1.5 MB of JSON).
    pub page_size: u32,
    /// Requests in flight at once, 1 to 4. Default 3 (chosen by measurement,
    /// see README); `localStorage["immich-grid:concurrency"]` overrides it for
    /// benchmarks.
    pub concurrency: usize,
    /// Use the caches (localStorage ETags + IndexedDB bodies). Default true.
    pub use_cache: bool,
}

impl Default for LoaderOptions {
    fn default() -> Self {
        Self {
            page_size: 1000,
            concurrency: concurrency_override().unwrap_or(3),
            use_cache: true,
        }
    }
}

/// View inputs only current servers (v1.135 to v3) take; on an older server
/// they change nothing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TimelineExtras {
    /// The trash (`isTrashed=true`): such a server lists it apart from the
    /// timeline, so the view shows the trashed assets alone.
    pub trash: bool,
    /// Partners' assets in the timeline (`withPartners=true`).
    pub with_partners: bool,
}

/// Where the load stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LoadStatus {
    /// Nothing started yet.
    Idle,
    /// First load: pages are arriving.
    Loading,
    /// Showing cached or loaded pages while checking them with the server.
    Revalidating,
    /// The index matches the server (a verification pass came back unchanged,
    /// or the library kept changing and this is the latest best effort).
    Current,
    /// The load stopped; what was published before stays. Plain words for the UI.
    Error(String),
}

/// Loading progress: assets held and, when the server says, how many to expect.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// Assets loaded so far (pages may overlap by a few while the library changes).
    pub loaded: u64,
    /// Expected total from `/api/asset/statistics`, when it applies to the query
    /// (the caller's own library, no date range).
    pub total: Option<u64>,
}

/// The library state the UI reads, and the handle to change what is loaded.
/// `Copy`: pass it around freely; get it with [`expect_library`].
#[derive(Clone, Copy)]
pub struct Library {
    /// The assets, in server order. Reading it clones an `Arc`, never the data.
    pub index: ReadSignal<Arc<LibraryIndex>>,
    /// Loading progress.
    pub progress: ReadSignal<Progress>,
    /// Where the load stands.
    pub status: ReadSignal<LoadStatus>,
    /// Whether the index shown came from the cache (and is being revalidated).
    pub from_cache: ReadSignal<bool>,
    /// Why caching is off, when it is (storage disabled or full), in plain words.
    pub cache_note: ReadSignal<Option<String>>,
    /// What the server did wrong that the load is working around (pages set
    /// aside and retried), in plain words; `None` when all is well.
    pub fault_note: ReadSignal<Option<String>>,
    /// The API key signed in with can do more than this grid needs (current
    /// servers' `/api/api-keys/me`): the warning, in plain words.
    pub key_note: ReadSignal<Option<String>>,
    /// The signed-in user, once `/api/user/me` answered.
    pub user: ReadSignal<Option<UserResponseDto>>,
    /// The filters being loaded (`skip`/`take` are the loader's own and ignored).
    pub query: ReadSignal<AssetQuery>,
    /// How the server lists a library, once known (its version, or what was
    /// remembered of it): the filters offer what it can do.
    pub flavour: ReadSignal<Option<ApiFlavour>>,
    writers: Writers,
    inner: StoredValue<Rc<RefCell<Inner>>, LocalStorage>,
}

#[derive(Clone, Copy)]
struct Writers {
    index: WriteSignal<Arc<LibraryIndex>>,
    progress: WriteSignal<Progress>,
    status: WriteSignal<LoadStatus>,
    from_cache: WriteSignal<bool>,
    cache_note: WriteSignal<Option<String>>,
    fault_note: WriteSignal<Option<String>>,
    key_note: WriteSignal<Option<String>>,
    user: WriteSignal<Option<UserResponseDto>>,
    query: WriteSignal<AssetQuery>,
    flavour: WriteSignal<Option<ApiFlavour>>,
}

/// What outlives a run.
struct Inner {
    session: Session,
    options: LoaderOptions,
    query: AssetQuery,
    /// One explicit page (`skip`/`take` as given) instead of the whole library.
    paged: bool,
    /// The current servers' view inputs.
    extras: TimelineExtras,
    /// Bumped by every (re)start; a run whose number is not current stops.
    generation: u64,
    abort: Option<AbortController>,
    /// `/api/user/me` for the current session.
    user: Option<UserResponseDto>,
    policy: Option<Rc<RefCell<CachePolicy<Kv>>>>,
    /// `None` until opened; `Some(None)` when IndexedDB is unavailable.
    bodies: Option<Option<BodyStore>>,
    /// The next run verifies every page (the person asked for a refresh).
    refresh: bool,
    /// A delta route answered 404 on this server: no more deltas this session.
    delta_unavailable: bool,
    /// `major.minor.patch` of the server, once asked.
    server_version: Option<String>,
    /// Where the shown index stands, for background deltas.
    synced: Option<Synced>,
    /// A background sync is under way.
    background: bool,
    /// When the last background sync started (`Date.now()` ms).
    last_background_ms: f64,
    /// Runs restarted by themselves in a row after a transient failure.
    auto_retries: u32,
}

/// The shown index is current as of `since_ms` (server time): what a
/// background delta continues from.
struct Synced {
    /// The run that published it; a newer run makes this stale.
    generation: u64,
    since_ms: i64,
    /// The last full pass (server time): a day later, a reload verifies.
    checked_ms: i64,
    /// Whether deltas apply to the view.
    delta: bool,
    /// Whether the statistics count the view.
    counts: bool,
    target: DeltaTarget,
}

/// Where a run's sync record lives and what it says.
struct RecordCtx {
    key: String,
    version: String,
    user_id: String,
    use_cache: bool,
    view_delta: bool,
    counts: bool,
    /// The record's last full check, when the run started from one.
    checked_ms: Option<i64>,
    /// Pages the cache held when the run started.
    cached_pages: usize,
}

/// Forgets the view's sync record (its pages are changing or unsound).
fn drop_record(ctx: &RecordCtx) {
    if let Ok(mut kv) = WebStorageKv::local() {
        kv.remove(&ctx.key);
    }
}

/// The metadata store: localStorage, or memory when it is unavailable.
enum Kv {
    Web(WebStorageKv),
    Memory(InMemoryKv),
}

impl KvStore for Kv {
    fn get(&self, k: &str) -> Result<Option<String>, StoreError> {
        match self {
            Kv::Web(s) => s.get(k),
            Kv::Memory(s) => s.get(k),
        }
    }
    fn set(&mut self, k: &str, v: &str) -> Result<(), StoreError> {
        match self {
            Kv::Web(s) => s.set(k, v),
            Kv::Memory(s) => s.set(k, v),
        }
    }
    fn remove(&mut self, k: &str) {
        match self {
            Kv::Web(s) => s.remove(k),
            Kv::Memory(s) => s.remove(k),
        }
    }
    fn keys(&self) -> Vec<String> {
        match self {
            Kv::Web(s) => s.keys(),
            Kv::Memory(s) => s.keys(),
        }
    }
}

/// Creates the library state for `session`, provides it as context and starts
/// loading `query`. Call once, high in the tree (the app component).
pub fn provide_library(session: Session, query: AssetQuery, options: LoaderOptions) -> Library {
    let library = Library::new(session, query, options);
    provide_context(library);
    library.reload();
    library
}

/// The library provided by [`provide_library`]. Panics (a programming error,
/// not a runtime condition) when called outside it.
pub fn expect_library() -> Library {
    expect_context::<Library>()
}

impl Library {
    /// The state without starting a load (see [`provide_library`]).
    pub fn new(session: Session, query: AssetQuery, options: LoaderOptions) -> Self {
        let (index, w_index) = signal(Arc::new(LibraryIndex::new()));
        let (progress, w_progress) = signal(Progress::default());
        let (status, w_status) = signal(LoadStatus::Idle);
        let (from_cache, w_from_cache) = signal(false);
        let (cache_note, w_cache_note) = signal(None);
        let (fault_note, w_fault_note) = signal(None);
        let (key_note, w_key_note) = signal(None);
        let (user, w_user) = signal(None);
        let (query_r, w_query) = signal(query.clone());
        let (flavour, w_flavour) = signal(None);
        let inner = Inner {
            session,
            options: LoaderOptions {
                page_size: options.page_size.max(1),
                concurrency: options.concurrency.clamp(1, 4),
                use_cache: options.use_cache,
            },
            query,
            paged: false,
            extras: TimelineExtras::default(),
            generation: 0,
            abort: None,
            user: None,
            policy: None,
            bodies: None,
            refresh: false,
            delta_unavailable: false,
            server_version: None,
            synced: None,
            background: false,
            last_background_ms: 0.0,
            auto_retries: 0,
        };
        Self {
            index,
            progress,
            status,
            from_cache,
            cache_note,
            fault_note,
            key_note,
            user,
            query: query_r,
            flavour,
            writers: Writers {
                index: w_index,
                progress: w_progress,
                status: w_status,
                from_cache: w_from_cache,
                cache_note: w_cache_note,
                fault_note: w_fault_note,
                key_note: w_key_note,
                user: w_user,
                query: w_query,
                flavour: w_flavour,
            },
            inner: StoredValue::new_local(Rc::new(RefCell::new(inner))),
        }
    }

    /// Loads again (aborting a load under way), showing what is held meanwhile.
    /// With a sound cache this is a delta sync: no page is requested.
    pub fn reload(&self) {
        self.restart(false);
    }

    /// Loads again verifying every page with its ETag (the person asked: this
    /// also catches what a delta cannot see, such as exif-only edits).
    pub fn refresh(&self) {
        if let Some(inner) = self.inner.try_get_value() {
            inner.borrow_mut().refresh = true;
        }
        self.restart(false);
    }

    /// Keeps the shown library current while the page is open: a background
    /// delta every [`BACKGROUND_SYNC_MS`] and when the window gets the focus
    /// (at most once a [`FOCUS_SYNC_MIN_MS`]). Call once, from the app.
    pub fn keep_in_sync(&self) {
        let lib = *self;
        let interval = set_interval_with_handle(
            move || lib.sync_in_background(0.0),
            std::time::Duration::from_millis(BACKGROUND_SYNC_MS),
        )
        .ok();
        let focus = window_event_listener(leptos::ev::focus, move |_| {
            lib.sync_in_background(FOCUS_SYNC_MIN_MS);
        });
        on_cleanup(move || {
            if let Some(h) = interval {
                h.clear();
            }
            focus.remove();
        });
    }

    /// Applies a delta to the shown index when the last run ended current,
    /// deltas apply to the view and no sync ran in the last `min_gap_ms`.
    /// Falls back to a reload (which plans a full pass) when the delta says so.
    pub fn sync_in_background(&self, min_gap_ms: f64) {
        let Some(inner) = self.inner.try_get_value() else {
            return;
        };
        let now = js_sys::Date::now();
        let ready = {
            let i = inner.borrow();
            !i.background
                && now - i.last_background_ms >= min_gap_ms
                && i.synced
                    .as_ref()
                    .is_some_and(|s| s.generation == i.generation && s.delta)
        };
        if !ready || self.status.try_get_untracked() != Some(LoadStatus::Current) {
            return;
        }
        {
            let mut i = inner.borrow_mut();
            i.background = true;
            i.last_background_ms = now;
        }
        let lib = *self;
        spawn_local(async move {
            let outcome = lib.background_delta(&inner).await;
            inner.borrow_mut().background = false;
            if outcome == Background::Reload {
                lib.reload();
            }
        });
    }

    async fn background_delta(&self, inner: &Rc<RefCell<Inner>>) -> Background {
        let (generation, since_ms, checked_ms, counts, target, user) = {
            let i = inner.borrow();
            let Some(s) = &i.synced else {
                return Background::Nothing;
            };
            (
                i.generation,
                s.since_ms,
                s.checked_ms,
                s.counts,
                s.target.clone(),
                i.user.as_ref().map(|u| u.id.clone()),
            )
        };
        let current = || inner.borrow().generation == generation;
        let signal = target.signal.as_ref();
        // The server's time first: every change after it is the next sync's.
        let Ok((me, Some(now))) = target.client.me_dated(signal).await else {
            return Background::Nothing;
        };
        if !current() {
            return Background::Nothing;
        }
        if user.as_deref() != Some(me.id.as_str())
            || now.saturating_sub(checked_ms) >= library_core::sync::FULL_CHECK_INTERVAL_MS
        {
            // Someone else signed in, or the daily full pass is due.
            return Background::Reload;
        }
        let Some(shown) = self.index.try_get_untracked() else {
            return Background::Nothing;
        };
        let mut sync = LibrarySync::background(
            (*shown).clone(),
            since_ms,
            ViewFilter::of(&target.query),
            counts,
        );
        drop(shown);
        let mut in_flight: Vec<InFlight> = Vec::new();
        loop {
            while let Some(req) = sync.next_request() {
                in_flight.push(target.send(req));
            }
            if in_flight.is_empty() {
                break;
            }
            let done = next_done(&mut in_flight).await;
            if !current() || feed_delta(&mut sync, done).is_err() {
                return Background::Nothing;
            }
        }
        if sync.delta_missing() {
            inner.borrow_mut().delta_unavailable = true;
        }
        if sync.fallback().is_some() {
            return Background::Reload;
        }
        if sync.delta_effect().is_some_and(|e| !e.is_empty()) {
            if let Ok(ix) = sync.result() {
                self.writers
                    .progress
                    .try_update(|p| p.loaded = ix.len() as u64);
                self.writers.index.try_set(Arc::new(ix));
            }
        }
        if let Some(s) = inner.borrow_mut().synced.as_mut() {
            s.since_ms = watermark_from_date(now);
        }
        Background::Nothing
    }

    /// Loads other filters, aborting requests for the old ones.
    pub fn set_query(&self, query: AssetQuery) {
        let _ = self.set_view(query, false);
    }

    /// Loads other filters; with `paged`, only the one page `skip`/`take`
    /// names, else the whole library from `skip` on in pages of `take`.
    /// Returns whether a load started (false when nothing changed).
    pub fn set_view(&self, query: AssetQuery, paged: bool) -> bool {
        let extras = self
            .inner
            .try_get_value()
            .map(|i| i.borrow().extras)
            .unwrap_or_default();
        self.set_view_with(query, paged, extras)
    }

    /// [`Self::set_view`] with the current servers' inputs: a change of those
    /// alone restarts the load only on such a server.
    pub fn set_view_with(&self, query: AssetQuery, paged: bool, extras: TimelineExtras) -> bool {
        let Some(inner) = self.inner.try_get_value() else {
            return false;
        };
        {
            let mut i = inner.borrow_mut();
            let timeline = urls::flavour(&i.session.server) == ApiFlavour::Timeline;
            let same = i.query == query && i.paged == paged;
            let same_extras = i.extras == extras || !timeline;
            i.extras = extras;
            if same && same_extras {
                return false;
            }
            i.query = query.clone();
            i.paged = paged;
        }
        self.writers.query.try_set(query);
        self.restart(true);
        true
    }

    /// Switches server or credentials (after the connect screen), and reloads.
    pub fn set_session(&self, session: Session) {
        let Some(inner) = self.inner.try_get_value() else {
            return;
        };
        {
            let mut i = inner.borrow_mut();
            if i.session == session {
                return;
            }
            if i.session.server != session.server {
                // Another server: its release (and so its routes) is asked again.
                i.server_version = None;
            }
            i.session = session;
            i.user = None;
        }
        self.writers.user.try_set(None);
        self.restart(true);
    }

    /// Aborts the load under way; what is published stays.
    pub fn stop(&self) {
        if let Some(inner) = self.inner.try_get_value() {
            let mut i = inner.borrow_mut();
            i.generation += 1;
            if let Some(a) = i.abort.take() {
                a.abort();
            }
        }
    }

    fn restart(&self, clear: bool) {
        let Some(inner) = self.inner.try_get_value() else {
            return;
        };
        self.stop();
        let controller = AbortController::new().ok();
        let generation = {
            let mut i = inner.borrow_mut();
            i.abort = controller.clone();
            i.generation
        };
        if clear {
            self.writers.index.try_set(Arc::new(LibraryIndex::new()));
            self.writers.from_cache.try_set(false);
        }
        self.writers.progress.try_set(Progress::default());
        self.writers.fault_note.try_set(None);
        // Said at once, so nobody reads the previous run's `Current` meanwhile.
        self.writers.status.try_set(LoadStatus::Loading);
        let run = Run {
            inner,
            generation,
            signal: controller.map(|c| c.signal()),
            w: self.writers,
            failure: Cell::new(None),
        };
        let library = *self;
        spawn_local(async move {
            match run.go().await {
                Err(message) if run.is_current() => {
                    // A server that is down or busy: try again by itself, later
                    // and later, until it answers (or the person acts first).
                    let again = run.failure.get().filter(|f| f.is_transient()).map(|_| {
                        let mut i = run.inner.borrow_mut();
                        i.auto_retries = i.auto_retries.saturating_add(1);
                        library_core::retry::ASIDE_FIRST_MS
                            .saturating_mul(1 << (i.auto_retries - 1).min(5))
                            .min(library_core::retry::ASIDE_MAX_MS)
                    });
                    let said = match again {
                        Some(ms) => format!("{message} Trying again in {} s.", ms.div_ceil(1000)),
                        None => message,
                    };
                    run.w.status.try_set(LoadStatus::Error(said));
                    if let Some(ms) = again {
                        sleep(Duration::from_millis(ms)).await;
                        if run.inner.borrow().generation == run.generation {
                            library.restart(false);
                        }
                    }
                }
                Ok(()) if run.is_current() => run.inner.borrow_mut().auto_retries = 0,
                _ => {}
            }
        });
    }
}

/// The status line when answers carry no ETag the page can read.
pub const ETAG_HIDDEN: &str = "Caching is off: the server's answers carry no ETag this page can read \
     (the proxy must send Access-Control-Expose-Headers: ETag), so every load downloads the whole library.";

/// One load, from `restart` to the end or until superseded.
struct Run {
    inner: Rc<RefCell<Inner>>,
    generation: u64,
    signal: Option<AbortSignal>,
    w: Writers,
    /// Why the run stopped, when a request failed.
    failure: Cell<Option<Failure>>,
}

/// What finished among the requests in flight.
enum Done {
    Page(PageRequest, Result<Fetched, ApiError>),
    Changes(Result<Fetched, ApiError>),
    Deletes(Result<AuditDeletesResponseDto, ApiError>),
    Count(Option<u64>),
    /// A set-aside page's delay is over: ask it again.
    Wake(usize),
}

/// A request's future in the in-flight set.
type InFlight = Pin<Box<dyn Future<Output = Done>>>;
/// A request sent ahead of the plan, with its answer.
type Answered = Pin<Box<dyn Future<Output = (SyncRequest, Done)>>>;

/// What the delta requests of a view need besides the sync's own answers.
#[derive(Clone)]
struct DeltaTarget {
    client: Client,
    /// The view's filters (for pages; a delta drops them).
    query: AssetQuery,
    /// Whose library: the view's `userId`, else the signed-in user (checked UUID).
    user_id: String,
    signal: Option<AbortSignal>,
    /// The cache scope whose held answers ([`HeldAnswer`]) a reload's
    /// questions are asked with; `None` when the cache is off.
    held: Option<CacheScope>,
}

/// One of a reload's repeated questions, asked with the answer the last
/// reload got ([`HeldAnswer`]), so an unchanged library answers `304` in
/// every browser.
struct HeldQuestion<'a> {
    /// `None` when the cache is off: nothing is held or kept.
    scope: Option<&'a CacheScope>,
    slot: &'static str,
    question: String,
    was: Option<Held>,
}

impl<'a> HeldQuestion<'a> {
    /// `question` in `scope`'s `slot`, with the answer held for it.
    fn new(scope: Option<&'a CacheScope>, slot: &'static str, question: String) -> Self {
        let was = scope.and_then(|scope| {
            let kv = WebStorageKv::local().ok()?;
            let (etag, body) = HeldAnswer::get(&kv, scope, slot, &question)?;
            Some(Held {
                etag,
                body: body.into_bytes(),
            })
        });
        Self {
            scope,
            slot,
            question,
            was,
        }
    }

    /// The held answer to send `If-None-Match` with.
    fn was(&self) -> Option<&Held> {
        self.was.as_ref()
    }

    /// Holds `answer` for the next reload (or forgets the slot). An answer
    /// with the held ETag is the held body: not written again.
    fn keep(&self, answer: &Answer) {
        let same = self.was.as_ref().map(|h| h.etag.as_str()) == answer.etag.as_deref();
        if let (Some(scope), false, Ok(mut kv)) = (self.scope, same, WebStorageKv::local()) {
            let etag = answer.etag.as_deref();
            HeldAnswer::record(
                &mut kv,
                scope,
                self.slot,
                &self.question,
                etag,
                &answer.body,
            );
        }
    }
}

/// [`HeldAnswer`]'s slots of a reload's three questions.
const CHANGES_SLOT: &str = "changes";
const DELETES_SLOT: &str = "deletes";
const COUNT_SLOT: &str = "count";

/// The view's count outside the trash (`query` with `isTrashed=false`): what
/// the sync compares with the held assets not in the trash, and with the
/// trash's count the progress total. Asked as a held question in `scope`.
async fn held_live_count(
    client: &Client,
    scope: Option<&CacheScope>,
    query: &StatsQuery,
    signal: Option<&AbortSignal>,
) -> Option<i64> {
    let q = StatsQuery {
        is_trashed: Some(false),
        ..*query
    };
    let held = HeldQuestion::new(scope, COUNT_SLOT, q.to_query_string());
    let (live, answer) = client.statistics_held(q, held.was(), signal).await.ok()?;
    held.keep(&answer);
    Some(live.total)
}

impl DeltaTarget {
    /// The future answering `req`.
    fn send(&self, req: SyncRequest) -> InFlight {
        let t = self.clone();
        Box::pin(async move {
            let signal = t.signal.as_ref();
            match req {
                SyncRequest::Page(req) => {
                    let q = page_query(&t.query, req.skip, req.take);
                    let res = t
                        .client
                        .asset_page(&q, req.if_none_match.as_deref(), signal)
                        .await;
                    Done::Page(req, res)
                }
                SyncRequest::Changes { since_ms, take } => {
                    let Some(q) = delta_query(since_ms, take, &t.user_id) else {
                        let e = ApiError::Invalid("no delta for this time".into());
                        return Done::Changes(Err(e));
                    };
                    let held = HeldQuestion::new(t.held.as_ref(), CHANGES_SLOT, q.canonical());
                    let res = t.client.asset_page_held(&q, held.was(), signal).await;
                    Done::Changes(res.map(|answer| {
                        held.keep(&answer);
                        Fetched::Fresh {
                            etag: answer.etag,
                            body: answer.body,
                        }
                    }))
                }
                SyncRequest::Deletes { since_ms } => {
                    let Some(after) = immich_api::Timestamp::from_timestamp_millis(since_ms) else {
                        let e = ApiError::Invalid("no delta for this time".into());
                        return Done::Deletes(Err(e));
                    };
                    let question = format!("{}|{}", immich_api::iso::format(&after), t.user_id);
                    let held = HeldQuestion::new(t.held.as_ref(), DELETES_SLOT, question);
                    let res = t
                        .client
                        .audit_deletes(&after, &t.user_id, held.was(), signal)
                        .await;
                    Done::Deletes(res.map(|(d, answer)| {
                        held.keep(&answer);
                        d
                    }))
                }
                SyncRequest::Count => {
                    let stats = query_stats(&t.query);
                    let live = held_live_count(&t.client, t.held.as_ref(), &stats, signal).await;
                    Done::Count(live.and_then(|n| u64::try_from(n).ok()))
                }
            }
        })
    }
}

/// Feeds a delta answer to the sync. `Err(())` when the run was aborted.
fn feed_delta(sync: &mut LibrarySync, done: Done) -> Result<(), ()> {
    let failure = |e: &ApiError| match e {
        ApiError::Status { status: 404, .. } => DeltaFailure::Missing,
        _ => DeltaFailure::Failed,
    };
    match done {
        Done::Changes(Err(ApiError::Aborted)) | Done::Deletes(Err(ApiError::Aborted)) => {
            return Err(())
        }
        Done::Changes(Ok(Fetched::Fresh { body, .. })) => match decode_page(&body) {
            Ok(changes) => sync.on_changes(Ok(changes)),
            Err(e) => {
                log(&format!("the delta could not be read: {e}"));
                sync.on_changes(Err(DeltaFailure::Failed));
            }
        },
        Done::Changes(Ok(Fetched::NotModified)) => sync.on_changes(Err(DeltaFailure::Failed)),
        Done::Changes(Err(e)) => {
            log(&format!("delta: {e}"));
            sync.on_changes(Err(failure(&e)));
        }
        Done::Deletes(Ok(d)) => sync.on_deletes(Ok((d.ids, d.needs_full_sync))),
        Done::Deletes(Err(e)) => {
            log(&format!("deletions: {e}"));
            sync.on_deletes(Err(failure(&e)));
        }
        Done::Count(n) => sync.on_count(n),
        Done::Page(req, _) => match req.tie {
            Some(tie) => sync.on_tie_failure(tie),
            None => sync.on_page_failure(req.page),
        },
        Done::Wake(page) => sync.retry_page(page),
    }
    Ok(())
}

/// Plain words for a first `401`: the page has not been signed in to
/// `server` yet, by the browser's Immich session or by a key (`with_key`).
fn not_signed_in(with_key: bool, server: &ServerUrl) -> String {
    if with_key {
        format!(
            "{server} refused the API key. Connect with a valid key (Immich → Account settings \
             → API keys)."
        )
    } else {
        format!(
            "Not signed in: this browser has no Immich session for {server}. Sign in to Immich \
             there, then press Retry, or connect with an API key."
        )
    }
}

/// Plain words for a failed call during a load.
fn describe(e: &ApiError) -> String {
    match e {
        ApiError::Unauthorized { .. } => {
            "The server no longer accepts the credentials (the API key may have been revoked, \
             or the Immich session ended). What is shown stays; sign in to Immich again or \
             reconnect with a valid key, then press Retry."
                .to_owned()
        }
        ApiError::Busy { .. } | ApiError::Timeout => {
            let words = library_core::retry::failure_words(e.failure());
            format!("{}{}.", words[..1].to_uppercase(), &words[1..])
        }
        ApiError::Network {
            cross_origin: true, ..
        } => "Could not reach the server. It may be down, or the browser blocked the call \
              (the server must allow this page's origin: see the connect screen)."
            .to_owned(),
        ApiError::Network { .. } => "Could not reach the server: is it running?".to_owned(),
        other => other.to_string(),
    }
}

impl Run {
    fn is_current(&self) -> bool {
        self.inner.borrow().generation == self.generation
            && !self.signal.as_ref().is_some_and(AbortSignal::aborted)
    }

    /// The answer of `/api/user/me` once this run may act on it: `Ok(None)`
    /// when the run was aborted or another took its place (stop quietly),
    /// `Err` with the status words when the call failed.
    fn confirmed<T>(&self, me: Result<T, ApiError>) -> Result<Option<T>, String> {
        match me {
            Ok(v) if self.is_current() => Ok(Some(v)),
            Ok(_) | Err(ApiError::Aborted) => Ok(None),
            Err(e) => {
                self.failure.set(Some(e.failure()));
                let inner = self.inner.borrow();
                match e {
                    // Never signed in on this page: not "no longer".
                    ApiError::Unauthorized { .. } if inner.user.is_none() => Err(not_signed_in(
                        matches!(inner.session.auth, Auth::ApiKey(_)),
                        &inner.session.server,
                    )),
                    e => Err(describe(&e)),
                }
            }
        }
    }

    /// Runs the load; `Err` carries the message for [`LoadStatus::Error`].
    /// Returns `Ok` also when superseded (nothing more to say then).
    async fn go(&self) -> Result<(), String> {
        let (client, options, query, paged, refresh, delta_unavailable, known_version, extras) = {
            let mut i = self.inner.borrow_mut();
            let refresh = std::mem::take(&mut i.refresh);
            (
                Client::new(&i.session),
                i.options,
                i.query.clone(),
                i.paged,
                refresh,
                i.delta_unavailable,
                i.server_version.clone(),
                i.extras,
            )
        };
        // A server known (this session, or remembered) to be a current
        // release is loaded by month, without the v1.103 requests.
        if remembered_flavour(client.server().as_str()) == Some(ApiFlavour::Timeline) {
            urls::set_flavour(client.server(), ApiFlavour::Timeline);
        }
        if urls::flavour(client.server()) == ApiFlavour::Timeline {
            self.w.flavour.try_set(Some(ApiFlavour::Timeline));
            self.w.status.try_set(LoadStatus::Loading);
            return self.go_timeline(&client, &query, extras, options).await;
        }
        self.w.key_note.try_set(None);
        // The person's page size and start, else the loader's defaults.
        let take = query.take.map_or(options.page_size, |t| {
            t.clamp(1, u64::from(MAX_PAGE_SIZE)) as u32
        });
        let start = query.skip.unwrap_or(0);
        let max_pages = paged.then_some(1);
        query
            .validate()
            .map_err(|e| format!("These filters cannot be loaded: {e}"))?;
        let signal = self.signal.as_ref();
        self.w.status.try_set(LoadStatus::Loading);
        mark("load");

        // Who is asking: the cache scope, and the statistics' owner; and the
        // server's time (its `Date`), the watermark of this run's deltas. On a
        // fresh page `/api/user/me` is a network round trip, so meanwhile the
        // caches open and, when this server and sign-in mode last belonged to a
        // known user, that user's cached pages are read and the first one is
        // shown. When `me` names someone else (or fails), what was shown is
        // taken down at once and the cache is read again under the right scope.
        let known_user = self.inner.borrow().user.clone();
        let server = client.server().as_str().to_owned();
        let user_key = last_user_key(&server, auth_mode(&self.inner.borrow().session.auth));
        let remembered = match (&known_user, options.use_cache) {
            (Some(u), true) => Some(u.id.clone()),
            (None, true) => WebStorageKv::local()
                .ok()
                .and_then(|kv| kv.get(&user_key).ok().flatten()),
            _ => None,
        };
        let early_scope = remembered.as_deref().map(|id| cache_scope(&client, id));
        // The delta the remembered user's record for this view promises, asked
        // for now so it travels while `me` answers and the snapshots are read
        // (library-core's `requests_ahead`); used only if the plan agrees.
        let ahead_reqs: Vec<(SyncRequest, DeltaTarget)> = match &remembered {
            Some(id) if options.use_cache => {
                let delta_user = query.user_id.clone().unwrap_or_else(|| id.clone());
                let key = SyncRecord::key(&cache_scope(&client, id), &view_canonical(&query, take));
                let record = read_record(&key);
                let target = DeltaTarget {
                    client: client.clone(),
                    query: query.clone(),
                    user_id: delta_user.clone(),
                    signal: self.signal.clone(),
                    held: Some(cache_scope(&client, id)),
                };
                requests_ahead(
                    record.as_ref(),
                    id,
                    known_version.as_deref(),
                    delta_applies(&query, paged, id) && is_uuid_v4(&delta_user),
                    refresh,
                    delta_unavailable,
                    !paged && start == 0 && stats_apply(&query, id),
                )
                .into_iter()
                .map(|r| (r, target.clone()))
                .collect()
            }
            _ => Vec::new(),
        };
        let ahead_part = async {
            let mut in_flight: Vec<Answered> = ahead_reqs
                .into_iter()
                .map(|(r, t)| {
                    let f = t.send(r.clone());
                    Box::pin(async move { (r, f.await) }) as Pin<Box<_>>
                })
                .collect();
            let mut out = Vec::with_capacity(in_flight.len());
            while !in_flight.is_empty() {
                out.push(next_done(&mut in_flight).await);
            }
            out
        };
        // Set when `me` did not confirm the remembered user: early reads stop.
        let wrong_user = Cell::new(false);
        // The first cached page waits here until `me` confirms the user.
        let gate = FirstPageGate::default();
        let me_part = async {
            let result = client.me_dated(signal).await;
            let confirmed = matches!((&result, &remembered), (Ok((u, _)), Some(r)) if &u.id == r);
            if confirmed {
                if self.is_current() {
                    gate.confirm(&self.w);
                }
            } else {
                wrong_user.set(true);
                gate.drop_held();
            }
            if let Ok((user, _)) = &result {
                if self.is_current() {
                    self.on_user(user);
                }
            }
            result
        };
        // The server's version names the cache record's validity (an upgrade may
        // change any answer); asked once per app start.
        // Its flavour picks the path: a current server (v1.135–v3) is loaded
        // by month (`timeline.rs`), a release in between is named and refused.
        let version_part = async {
            match known_version {
                Some(v) => Ok(Some(v)),
                None => match client.detect(signal).await {
                    Ok((v, flavour)) => {
                        remember_flavour(client.server().as_str(), flavour);
                        Ok(Some(format!("{}.{}.{}", v.major, v.minor, v.patch)))
                    }
                    Err(ApiError::Unsupported(message)) => Err(message),
                    Err(_) => Ok(None),
                },
            }
        };
        let cache_part = async {
            let (policy, bodies) = if options.use_cache {
                self.open_caches().await
            } else {
                (None, None)
            };
            let early = match &early_scope {
                Some(scope) if !wrong_user.get() && self.is_current() => {
                    let cache = Cache {
                        policy: policy.clone(),
                        bodies: bodies.clone(),
                        scope: scope.clone(),
                        take,
                        start,
                        max_pages,
                        w: self.w,
                        bodies_full: false,
                    };
                    cache.read_cached(&query, &wrong_user, &gate).await
                }
                _ => Vec::new(),
            };
            (policy, bodies, early)
        };
        let ((me, version), ((policy, bodies, early), ahead)) =
            join(join(me_part, version_part), join(cache_part, ahead_part)).await;
        mark("read");
        let version = version?;
        let flavour = urls::flavour(client.server());
        self.w.flavour.try_set(Some(flavour));
        if flavour == ApiFlavour::Timeline {
            self.inner.borrow_mut().server_version = version;
            return self.go_timeline(&client, &query, extras, options).await;
        }
        let Some((user, server_now)) = self.confirmed(me)? else {
            return Ok(());
        };
        if version.is_some() {
            self.inner.borrow_mut().server_version = version.clone();
        }
        if options.use_cache && remembered.as_deref() != Some(user.id.as_str()) {
            // Not a secret: only which user this server and sign-in mode had.
            if let Ok(mut kv) = WebStorageKv::local() {
                let _ = kv.set(&user_key, &user.id);
            }
        }

        let scope = cache_scope(&client, &user.id);
        let record_key = SyncRecord::key(&scope, &view_canonical(&query, take));
        // Where a reload's repeated questions keep their answers.
        let held_scope = options.use_cache.then(|| scope.clone());
        let cache = Cache {
            policy,
            bodies,
            scope,
            take,
            start,
            max_pages,
            w: self.w,
            bodies_full: false,
        };

        // Stale-while-revalidate: what the cache holds, at once.
        let cached = if early_scope.is_some() && !wrong_user.get() {
            early
        } else {
            drop(early);
            let no = Cell::new(false);
            cache.read_cached(&query, &no, &FirstPageGate::open()).await
        };
        if !self.is_current() {
            return Ok(());
        }
        let cached_pages = cached.len();
        let mut set = if cached.is_empty() {
            PageSet::new(take)
        } else {
            PageSet::from_cached(take, cached)
        }
        .with_start(start)
        .with_max_in_flight(options.concurrency);
        if let Some(m) = max_pages {
            set = set.with_max_pages(m);
        }

        // Which pass: a delta on the cached pages, a one-pass load closed by a
        // delta, or the ETag verification (library-core's `sync::plan`).
        let delta_user = query.user_id.clone().unwrap_or_else(|| user.id.clone());
        let delta_view = delta_applies(&query, paged, &user.id) && is_uuid_v4(&delta_user);
        let counts = !paged && start == 0 && stats_apply(&query, &user.id);
        let record = if options.use_cache && cache.policy.is_some() {
            read_record(&record_key)
        } else {
            None
        };
        let version = version.unwrap_or_default();
        let plan = sync_plan(&PlanInput {
            delta_view,
            cached_pages,
            cache_complete: set.end_known(),
            record: record.as_ref(),
            now_ms: server_now,
            server_version: &version,
            user_id: &user.id,
            refresh,
            delta_unavailable,
        });
        let start_ms = server_now.map(watermark_from_date);
        let sync = LibrarySync::new(plan, set, ViewFilter::of(&query), counts, start_ms);
        if counts && !matches!(plan, Plan::Delta { .. }) {
            self.fetch_total(&client, &query, held_scope.clone());
        }
        mark("plan");
        let mut publisher = Publisher::default();
        if cached_pages > 0 {
            self.w.from_cache.try_set(true);
            self.publish(&sync, &mut publisher, true);
            mark("cache-published");
        }
        self.w.status.try_set(status_of_sync(sync.phase()));
        let target = DeltaTarget {
            held: held_scope,
            client,
            query,
            user_id: delta_user,
            signal: self.signal.clone(),
        };
        let ctx = RecordCtx {
            key: record_key,
            version,
            user_id: user.id,
            use_cache: options.use_cache,
            view_delta: delta_view,
            counts,
            checked_ms: record.as_ref().map(|r| r.checked_ms),
            cached_pages,
        };
        // Answers asked for ahead serve the same requests of this plan; a
        // different user's or plan's are dropped.
        let ahead = if remembered.as_deref() == Some(ctx.user_id.as_str()) {
            ahead
        } else {
            Vec::new()
        };
        self.run_sync(&target, sync, cache, &mut publisher, ctx, ahead)
            .await
    }

    /// `me` answered for this run: remembers the user.
    fn on_user(&self, user: &UserResponseDto) {
        self.inner.borrow_mut().user = Some(user.clone());
        self.w.user.try_set(Some(user.clone()));
    }

    /// Fetches the expected total for the progress display in the background.
    /// `held`: the cache scope the live count's answer is held in for the
    /// next reload's count (see [`HeldAnswer`]).
    fn fetch_total(&self, client: &Client, query: &AssetQuery, held: Option<CacheScope>) {
        let (client, signal, w, inner, generation) = (
            client.clone(),
            self.signal.clone(),
            self.w,
            self.inner.clone(),
            self.generation,
        );
        let stats = query_stats(query);
        spawn_local(async move {
            if let Some(total) =
                expected_total(&client, &stats, held.as_ref(), signal.as_ref()).await
            {
                if inner.borrow().generation == generation {
                    w.progress.try_update(|p| p.total = Some(total));
                }
            }
        });
    }

    /// The fetch loop: keeps the sync's requests in flight (pages up to
    /// `concurrency` at a time), feeds the answers back, stores bodies,
    /// publishes, and at the end records what the cached pages now hold.
    async fn run_sync(
        &self,
        target: &DeltaTarget,
        mut sync: LibrarySync,
        mut cache: Cache,
        publisher: &mut Publisher,
        ctx: RecordCtx,
        mut ahead: Vec<(SyncRequest, Done)>,
    ) -> Result<(), String> {
        let query = &target.query;
        let mut in_flight: Vec<InFlight> = Vec::new();
        let mut record_dropped = false;
        let mut retries = PageRetries::new();
        loop {
            while let Some(req) = sync.next_request() {
                match ahead.iter().position(|(r, _)| *r == req) {
                    Some(k) => {
                        let done = ahead.swap_remove(k).1;
                        in_flight.push(Box::pin(std::future::ready(done)));
                    }
                    None => in_flight.push(target.send(req)),
                }
            }
            if in_flight.is_empty() {
                break;
            }
            let done = next_done(&mut in_flight).await;
            if !self.is_current() {
                return Ok(());
            }
            match done {
                Done::Page(PageRequest { tie: Some(tie), .. }, res) => {
                    // A window over an order tie the pages split (see
                    // library_core::ties): what it adds is kept in its page.
                    match res {
                        Err(ApiError::Aborted) => return Ok(()),
                        Err(e) if e.failure() == Failure::Unauthorized => {
                            sync.on_tie_failure(tie);
                            return Err(describe(&e));
                        }
                        Ok(Fetched::Fresh { body, .. }) => match decode_page(&body) {
                            Ok(window) => {
                                if let Ok(Some(page)) = sync.on_tie(tie, &window) {
                                    self.store_page(&sync, &mut cache, query, page).await;
                                    publisher.dirty = true;
                                }
                            }
                            Err(e) => {
                                log(&format!("tie window: {e}"));
                                sync.on_tie_failure(tie);
                            }
                        },
                        Ok(Fetched::NotModified) => sync.on_tie_failure(tie),
                        Err(e) => {
                            log(&format!("tie window: {e}"));
                            sync.on_tie_failure(tie);
                        }
                    }
                }
                Done::Page(req, res) => {
                    let canonical = page_query(query, req.skip, req.take).canonical();
                    match res {
                        Ok(Fetched::NotModified) => {
                            match sync.on_page(req.page, PageResponse::NotModified) {
                                Ok(()) | Err(PageError::NotRequested(_)) => {}
                                Err(e) => {
                                    // A 304 for a page whose body is gone: it is asked again plainly.
                                    cache.body_missing(&canonical).await;
                                    log(&format!("page {}: {e}", req.page));
                                }
                            }
                        }
                        Ok(Fetched::Fresh { etag, body }) => {
                            let mut assets = match decode_page(&body) {
                                Ok(a) => a,
                                Err(e) => {
                                    log(&format!("page {}: {e}", req.page));
                                    let failure = if body.trim_ascii_start().starts_with(b"<") {
                                        // A web page where JSON belongs: a proxy's error page.
                                        Failure::Server(502)
                                    } else {
                                        Failure::Undecodable
                                    };
                                    self.set_aside(
                                        &mut sync,
                                        &mut retries,
                                        &req,
                                        failure,
                                        &mut in_flight,
                                    )?;
                                    publisher.dirty = true;
                                    self.publish(&sync, publisher, true);
                                    continue;
                                }
                            };
                            if retries.any() {
                                retries.on_success(req.page);
                                self.note_faults(&retries);
                            }
                            if !record_dropped {
                                // The pages change under the record: it holds
                                // again only once this run ends sound.
                                drop_record(&ctx);
                                record_dropped = true;
                            }
                            // The body is not kept: only the decoded page,
                            // stored as a snapshot bound to the body's ETag.
                            drop(body);
                            assets.shrink_to_fit();
                            if let Some(tag) = etag.as_deref() {
                                let snap = snapshot::encode(&assets, tag);
                                cache.store(&canonical, Some(tag), &snap).await;
                            } else {
                                cache.store(&canonical, None, &[]).await;
                            }
                            if !self.is_current() {
                                return Ok(());
                            }
                            match sync.on_page(req.page, PageResponse::Fresh { assets, etag }) {
                                // A page past an end found meanwhile: nothing to do.
                                Ok(()) | Err(PageError::NotRequested(_)) => {}
                                Err(e) => return Err(e.to_string()),
                            }
                            publisher.dirty = true;
                        }
                        Err(ApiError::Aborted) => return Ok(()),
                        Err(e) => {
                            // The client already retried transient failures.
                            log(&format!("page {}: {e}", req.page));
                            if e.failure() == Failure::Unauthorized {
                                sync.on_page_failure(req.page);
                                return Err(describe(&e));
                            }
                            self.set_aside(
                                &mut sync,
                                &mut retries,
                                &req,
                                e.failure(),
                                &mut in_flight,
                            )?;
                            publisher.dirty = true;
                            self.publish(&sync, publisher, true);
                            continue;
                        }
                    }
                }
                other => {
                    if feed_delta(&mut sync, other).is_err() {
                        return Ok(());
                    }
                    if sync.delta_effect().is_some_and(|e| !e.is_empty()) {
                        publisher.dirty = true;
                    }
                }
            }
            if sync.delta_missing() {
                self.inner.borrow_mut().delta_unavailable = true;
            }
            if let Some(reason) = sync.fallback() {
                if !record_dropped {
                    log(&format!("delta sync fell back to a full pass: {reason:?}"));
                    drop_record(&ctx);
                    record_dropped = true;
                    // What a delta may have shown gives way to the pages.
                    publisher.dirty = true;
                }
            }
            self.w.status.try_set(status_of_sync(sync.phase()));
            if let Some(pages) = sync.pages() {
                if !matches!(sync.phase(), SyncPhase::Done) {
                    self.w
                        .progress
                        .try_update(|p| p.loaded = pages.loaded_assets() as u64);
                }
            }
            if publisher.dirty {
                let done = matches!(sync.phase(), SyncPhase::Done);
                self.publish(&sync, publisher, done);
            }
        }
        // Pages past the end the cache still held (the library shrank).
        if let Some(pages) = sync.pages() {
            for page in pages.page_count()..ctx.cached_pages {
                let skip = pages.start() + page as u64 * u64::from(pages.take());
                cache
                    .body_missing(&page_query(query, skip, pages.take()).canonical())
                    .await;
            }
        }
        cache.drain_events().await;
        // What the cached pages hold now, for the next reload's delta.
        match (sync.end(), sync.start_ms()) {
            (Some(SyncEnd::PagesChecked), Some(start))
                if ctx.use_cache && ctx.view_delta && !cache.bodies_full =>
            {
                let record = SyncRecord::new(start, &ctx.version, &ctx.user_id);
                if let Ok(mut kv) = WebStorageKv::local() {
                    let _ = kv.set(&ctx.key, &record.to_json());
                }
            }
            (Some(SyncEnd::DeltaApplied), _) => {}
            _ => drop_record(&ctx),
        }
        // Background syncs continue from this run's start.
        if sync.end() != Some(SyncEnd::Unsettled) {
            if let Some(start) = sync.start_ms() {
                let mut i = self.inner.borrow_mut();
                let checked = match sync.end() {
                    Some(SyncEnd::PagesChecked) => start,
                    _ => ctx.checked_ms.unwrap_or(start).min(start),
                };
                i.synced = Some(Synced {
                    generation: self.generation,
                    since_ms: start,
                    checked_ms: checked,
                    delta: ctx.view_delta,
                    counts: ctx.counts,
                    target: target.clone(),
                });
            }
        }
        if publisher.dirty {
            self.publish(&sync, publisher, true);
        }
        self.w.status.try_set(LoadStatus::Current);
        mark("current");
        Ok(())
    }

    /// Stores page `page` again (a tie window added to it), bound to its ETag.
    async fn store_page(
        &self,
        sync: &LibrarySync,
        cache: &mut Cache,
        query: &AssetQuery,
        page: usize,
    ) {
        let Some(pages) = sync.pages() else { return };
        let Some((assets, Some(tag))) = pages.page(page) else {
            return;
        };
        let skip = pages.start() + page as u64 * u64::from(pages.take());
        let canonical = page_query(query, skip, pages.take()).canonical();
        let snap = snapshot::encode(assets, tag);
        cache.store(&canonical, Some(tag), &snap).await;
    }

    /// Page `req` failed with `failure`: set it aside, say so, and ask it
    /// again after the policy's delay (a wake-up among the requests in
    /// flight). `Err` when the load must stop.
    fn set_aside(
        &self,
        sync: &mut LibrarySync,
        retries: &mut PageRetries,
        req: &PageRequest,
        failure: Failure,
        in_flight: &mut Vec<InFlight>,
    ) -> Result<(), String> {
        match retries.on_failure(req.page, failure) {
            PageDecision::Stop => {
                sync.on_page_failure(req.page);
                Err(describe(&ApiError::Unauthorized {
                    message: String::new(),
                }))
            }
            PageDecision::Aside { after_ms } => {
                sync.set_page_aside(req.page);
                let page = req.page;
                in_flight.push(Box::pin(async move {
                    sleep(Duration::from_millis(after_ms)).await;
                    Done::Wake(page)
                }));
                let first = req.skip + 1;
                let last = req.skip + u64::from(req.take);
                let secs = after_ms.div_ceil(1000);
                self.w.fault_note.try_set(Some(format!(
                    "Assets {first}–{last} could not be loaded: {}. Showing the rest; trying \
                     again in {secs} s.",
                    library_core::retry::failure_words(failure)
                )));
                Ok(())
            }
        }
    }

    /// Clears the fault note once no page is set aside.
    fn note_faults(&self, retries: &PageRetries) {
        if !retries.any() {
            self.w.fault_note.try_set(None);
        }
    }

    /// Publishes the sync's current index when due (or when `force`d).
    /// During a paged pass that is the pages held from page 0 on (see
    /// `LibrarySync::result`), so what is shown only grows at its end.
    fn publish(&self, sync: &LibrarySync, publisher: &mut Publisher, force: bool) {
        let now = js_sys::Date::now();
        let held = sync.pages().map_or(0, PageSet::loaded_assets);
        if !force && !publisher.due(held, now) {
            return;
        }
        match sync.result() {
            Ok(ix) => {
                publisher.published(ix.len(), now);
                self.w.progress.try_update(|p| p.loaded = ix.len() as u64);
                self.w.index.try_set(Arc::new(ix));
            }
            Err(e) => log(&format!("merging pages failed: {e}")),
        }
    }

    async fn open_caches(&self) -> (Option<Rc<RefCell<CachePolicy<Kv>>>>, Option<BodyStore>) {
        let (policy, bodies) = {
            let i = self.inner.borrow();
            (i.policy.clone(), i.bodies.clone())
        };
        let policy = policy.unwrap_or_else(|| {
            let kv = WebStorageKv::local().map_or_else(|_| Kv::Memory(InMemoryKv::new()), Kv::Web);
            let p = Rc::new(RefCell::new(CachePolicy::new(kv)));
            self.inner.borrow_mut().policy = Some(p.clone());
            p
        });
        let bodies = match bodies {
            Some(b) => b,
            None => {
                let b = BodyStore::open().await.ok();
                if let Some(b) = &b {
                    // Off the first tile's path: orphans have no ETag entry, so
                    // no read of this run looks for them.
                    let (policy, b) = (policy.clone(), b.clone());
                    spawn_local(async move { sweep_orphans(&policy, &b).await });
                }
                self.inner.borrow_mut().bodies = Some(b.clone());
                b
            }
        };
        // No IndexedDB, or no localStorage (disabled, or throwing on access):
        // nothing outlives the page.
        let unavailable = bodies.is_none() || matches!(policy.borrow().store(), Kv::Memory(_));
        let note = match policy.borrow().mode() {
            CacheMode::Uncached(reason) => Some(uncached_words(reason)),
            _ if unavailable => Some(
                "Browser storage is unavailable: the library is loaded in full each time."
                    .to_owned(),
            ),
            _ => None,
        };
        self.w.cache_note.try_set(note);
        (Some(policy), bodies)
    }
}

/// What a background sync asks for afterwards.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Background {
    Nothing,
    /// A full pass is due (fallback, daily check, another user).
    Reload,
}

/// How often the shown library is checked for changes while the page is open.
pub const BACKGROUND_SYNC_MS: u64 = 5 * 60 * 1000;
/// A window focus checks for changes at most this often.
pub const FOCUS_SYNC_MIN_MS: f64 = 30_000.0;

/// Waits for the first of the in-flight requests to finish and removes it.
async fn next_done<T>(in_flight: &mut Vec<Pin<Box<dyn Future<Output = T>>>>) -> T {
    std::future::poll_fn(|cx| {
        for i in 0..in_flight.len() {
            if let Poll::Ready(out) = in_flight[i].as_mut().poll(cx) {
                drop(in_flight.swap_remove(i));
                return Poll::Ready(out);
            }
        }
        Poll::Pending
    })
    .await
}

/// Runs two futures together (polling `a` first) and gives both outputs.
async fn join<A: Future, B: Future>(a: A, b: B) -> (A::Output, B::Output) {
    let (mut a, mut b) = (pin!(a), pin!(b));
    let (mut ra, mut rb) = (None, None);
    std::future::poll_fn(|cx| {
        if ra.is_none() {
            if let Poll::Ready(v) = a.as_mut().poll(cx) {
                ra = Some(v);
            }
        }
        if rb.is_none() {
            if let Poll::Ready(v) = b.as_mut().poll(cx) {
                rb = Some(v);
            }
        }
        match (ra.take(), rb.take()) {
            (Some(x), Some(y)) => Poll::Ready((x, y)),
            (x, y) => {
                (ra, rb) = (x, y);
                Poll::Pending
            }
        }
    })
    .await
}

/// Deletes bodies whose ETag entry is gone (written by a page whose metadata
/// was lost, or by another app version), so IndexedDB does not fill with orphans.
async fn sweep_orphans(policy: &Rc<RefCell<CachePolicy<Kv>>>, bodies: &BodyStore) {
    let Ok(keys) = bodies.keys().await else {
        return;
    };
    for key in keys {
        let orphan = match entry_key_of_body(&key) {
            Some(entry) => policy.borrow().store().get(&entry).ok().flatten().is_none(),
            None => true,
        };
        if orphan {
            let _ = bodies.delete(&key).await;
        }
    }
}

/// Holds the first cached page of a remembered user until `/api/user/me`
/// confirms that user, so nobody ever sees another user's library, not even
/// for the moment `me` takes.
#[derive(Default)]
struct FirstPageGate {
    confirmed: Cell<bool>,
    held: RefCell<Option<LibraryIndex>>,
}

impl FirstPageGate {
    /// A gate for a user already confirmed.
    fn open() -> Self {
        let g = Self::default();
        g.confirmed.set(true);
        g
    }

    fn show(page: LibraryIndex, w: &Writers) {
        mark("first-page");
        w.from_cache.try_set(true);
        w.index.try_set(Arc::new(page));
    }

    /// The first page is read: shown now if the user is confirmed, else held.
    fn offer(&self, page: LibraryIndex, w: &Writers) {
        if self.confirmed.get() {
            Self::show(page, w);
        } else {
            *self.held.borrow_mut() = Some(page);
        }
    }

    /// `me` confirmed the user: a held page goes on screen.
    fn confirm(&self, w: &Writers) {
        self.confirmed.set(true);
        if let Some(page) = self.held.borrow_mut().take() {
            Self::show(page, w);
        }
    }

    /// `me` named somebody else: what was held is never shown.
    fn drop_held(&self) {
        self.held.borrow_mut().take();
    }
}

/// The cache side of one run.
struct Cache {
    policy: Option<Rc<RefCell<CachePolicy<Kv>>>>,
    bodies: Option<BodyStore>,
    scope: CacheScope,
    take: u32,
    /// `skip` of the first page.
    start: u64,
    /// Page limit (1 for one explicit page).
    max_pages: Option<usize>,
    w: Writers,
    /// IndexedDB stayed full after evicting other bodies: store no more this run.
    bodies_full: bool,
}

impl Cache {
    /// The pages the cache holds for `query`, in order, while each is sound.
    ///
    /// Stops (with what it has) as soon as `stop` is set; `shown` records that
    /// the first page was published.
    async fn read_cached(
        &self,
        query: &AssetQuery,
        stop: &Cell<bool>,
        gate: &FirstPageGate,
    ) -> Vec<(LibraryIndex, Option<String>)> {
        let (Some(policy), Some(bodies)) = (&self.policy, &self.bodies) else {
            return Vec::new();
        };
        let mut pages = Vec::new();
        let limit = self.max_pages.map_or(u64::MAX, |m| m as u64);
        // Pages are read in batches, each in one IndexedDB transaction: a
        // million assets are a thousand pages, and one round trip each to the
        // storage process would cost seconds. The first batch is small so the
        // first page shows at once; each next batch is asked for before this
        // one is decoded, so storage and decoding overlap.
        let wanted_from = |page: u64, batch: u64| -> Vec<(u64, String, String)> {
            let mut wanted = Vec::new();
            for p in page..limit.min(page.saturating_add(batch)) {
                let skip = self.start + p * u64::from(self.take);
                let canonical = page_query(query, skip, self.take).canonical();
                let etag = policy.borrow_mut().if_none_match(&self.scope, &canonical);
                let Some(etag) = etag else { break };
                wanted.push((p, canonical, etag));
            }
            wanted
        };
        let read = |wanted: &[(u64, String, String)]| {
            let keys: Vec<String> = wanted
                .iter()
                .map(|(_, c, _)| CachePolicy::<Kv>::body_key(&self.scope, c))
                .collect();
            bodies.get_many(&keys)
        };
        let mut page = 0u64;
        let mut batch = 4u64;
        let mut wanted = if stop.get() {
            Vec::new()
        } else {
            wanted_from(page, batch)
        };
        let mut reading = read(&wanted);
        'read: while !wanted.is_empty() {
            let stored = reading.await;
            let full = wanted.len() as u64 == batch;
            let next_page = page + batch;
            let next_wanted = if full && !stop.get() {
                wanted_from(next_page, 64)
            } else {
                Vec::new()
            };
            reading = read(&next_wanted);
            for ((p, canonical, etag), stored) in wanted.into_iter().zip(stored) {
                if stop.get() {
                    break 'read;
                }
                // The page's snapshot, checked whole and against the ETag it
                // was built from; an older raw body or a corrupt one is refused.
                let decoded = stored.and_then(|b| match snapshot::decode(&b, &etag) {
                    Ok(assets) => Some(assets),
                    Err(e) => {
                        log(&format!("cached page {p} refused: {e}"));
                        None
                    }
                });
                let Some(assets) = decoded else {
                    // Missing or corrupt: drop the ETag; the page is fetched whole.
                    self.body_missing(&canonical).await;
                    break 'read;
                };
                let short = assets.len() < self.take as usize;
                if pages.is_empty() {
                    // The first page on screen as soon as the user is confirmed;
                    // the rest follow as read.
                    gate.offer(assets.clone(), &self.w);
                }
                pages.push((assets, Some(etag)));
                if short {
                    break 'read;
                }
            }
            page = next_page;
            batch = 64;
            wanted = next_wanted;
        }
        self.drain_events().await;
        pages
    }

    /// Records a `200` and stores its body; on a full IndexedDB evicts the
    /// bodies of other queries and users once, then goes uncached for the run.
    async fn store(&mut self, canonical: &str, etag: Option<&str>, body: &[u8]) {
        if etag.is_none_or(|e| e.trim().is_empty()) {
            // Immich tags every JSON answer: an answer without a readable tag
            // comes through a proxy that hides it from this page (CORS).
            self.w.cache_note.try_set(Some(ETAG_HIDDEN.to_owned()));
        }
        let (Some(policy), Some(bodies)) = (&self.policy, &self.bodies) else {
            return;
        };
        let wanted = !self.bodies_full
            && policy
                .borrow_mut()
                .on_200(&self.scope, canonical, etag, body.len() as u64);
        self.drain_events().await;
        if !wanted {
            return;
        }
        let key = CachePolicy::<Kv>::body_key(&self.scope, canonical);
        let mut result = bodies.put(&key, body).await;
        if result == Err(BodyStoreError::Quota) {
            evict_other_bodies(bodies, &self.scope).await;
            result = bodies.put(&key, body).await;
        }
        match result {
            Ok(()) => policy.borrow_mut().on_body_stored(&self.scope, canonical),
            Err(e) => {
                policy.borrow_mut().on_body_missing(&self.scope, canonical);
                if e == BodyStoreError::Quota {
                    self.bodies_full = true;
                    self.w.cache_note.try_set(Some(
                        "Browser storage is full: the rest of the library is loaded without caching."
                            .to_owned(),
                    ));
                }
            }
        }
        self.drain_events().await;
    }

    async fn body_missing(&self, canonical: &str) {
        if let Some(policy) = &self.policy {
            policy.borrow_mut().on_body_missing(&self.scope, canonical);
        }
        self.drain_events().await;
    }

    /// Acts on the policy's events: deletes dropped bodies (awaited, so a
    /// deletion can never land after a newer body for the same key), reports
    /// mode switches.
    async fn drain_events(&self) {
        let Some(policy) = &self.policy else { return };
        let events = policy.borrow_mut().take_events();
        for event in events {
            match event {
                CacheEvent::DropBody { body_key } => {
                    if let Some(bodies) = &self.bodies {
                        let _ = bodies.delete(&body_key).await;
                    }
                }
                CacheEvent::SwitchedToUncached(reason) => {
                    self.w.cache_note.try_set(Some(uncached_words(&reason)));
                }
            }
        }
    }
}

/// Deletes every stored body outside `scope` (other users, servers, versions):
/// the current user's pages are worth more than anyone else's.
async fn evict_other_bodies(bodies: &BodyStore, scope: &CacheScope) {
    let Ok(keys) = bodies.keys().await else {
        return;
    };
    // Every body key of this scope starts with the key of the empty query.
    let mine = CachePolicy::<Kv>::body_key(scope, "");
    for key in keys.iter().filter(|k| !k.starts_with(&mine)) {
        let _ = bodies.delete(key).await;
    }
}

fn uncached_words(reason: &UncachedReason) -> String {
    match reason {
        UncachedReason::Unavailable => {
            "Browser storage is disabled: the library is loaded in full each time.".to_owned()
        }
        UncachedReason::QuotaExhausted => {
            "Browser storage is full: the library is loaded without caching.".to_owned()
        }
        UncachedReason::Failed(m) => {
            format!("Browser storage failed ({m}): the library is loaded without caching.")
        }
    }
}

fn status_of_sync(phase: SyncPhase) -> LoadStatus {
    match phase {
        SyncPhase::Pages(p) => status_of(p),
        SyncPhase::Delta => LoadStatus::Revalidating,
        SyncPhase::Done => LoadStatus::Current,
    }
}

fn status_of(phase: PageSetPhase) -> LoadStatus {
    match phase {
        PageSetPhase::Loading => LoadStatus::Loading,
        PageSetPhase::Verifying { .. } | PageSetPhase::Loaded => LoadStatus::Revalidating,
        PageSetPhase::Complete | PageSetPhase::Unsettled => LoadStatus::Current,
    }
}

/// A performance mark `immich-grid:<name>` (the load's steps, for measuring
/// where a reload's time goes in the browser's performance timeline).
fn mark(name: &str) {
    if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
        let _ = p.mark(&format!("immich-grid:{name}"));
    }
}

fn log(message: &str) {
    web_sys::console::warn_1(&format!("immich-grid: {message}").into());
}

async fn expected_total(
    client: &Client,
    q: &StatsQuery,
    held: Option<&CacheScope>,
    signal: Option<&AbortSignal>,
) -> Option<u64> {
    // The list includes trashed assets; statistics count them only when asked.
    // The live count is the question a reload's delta asks again: held.
    // Both asked at once (futures are lazy: awaiting one after the other
    // would cost two round trips).
    let live = held_live_count(client, held, q, signal);
    let trashed = client.statistics(
        StatsQuery {
            is_trashed: Some(true),
            ..*q
        },
        signal,
    );
    let (live, trashed) = join(live, trashed).await;
    let (live, trashed) = (live?, trashed.ok()?);
    u64::try_from(live.saturating_add(trashed.total)).ok()
}

/// The sync record stored under `key`, if any and sound.
fn read_record(key: &str) -> Option<SyncRecord> {
    WebStorageKv::local()
        .ok()
        .and_then(|kv| kv.get(key).ok().flatten())
        .and_then(|s| SyncRecord::from_json(&s))
}

/// Pages in flight asked for by `localStorage["immich-grid:concurrency"]`
/// (1 to 4), so a benchmark can compare them on one build.
fn concurrency_override() -> Option<usize> {
    let v = web_sys::window()?
        .local_storage()
        .ok()??
        .get_item("immich-grid:concurrency")
        .ok()??;
    v.trim().parse().ok().filter(|n| (1..=4).contains(n))
}

// ---- pure helpers (tested natively) ---------------------------------------------

/// The localStorage key remembering which user `server` last answered for,
/// with one sign-in mode (`"cookie"`, `"api-key"`): lets a warm start show the
/// cache before `/api/user/me` answers. Holds no credential.
pub fn last_user_key(server: &str, auth_mode: &str) -> String {
    let mut scope = String::new();
    // A scope escapes `%` and `|`, so mode and server cannot run into each other.
    scope.push_str(CacheScope::new(auth_mode, server).as_str());
    format!("{}last-user:{scope}", library_core::cache::KEY_PREFIX)
}

/// The localStorage key remembering the API flavour of `server` (from its
/// version), so a reload of a current server goes straight to its routes.
pub fn flavour_key(server: &str) -> String {
    format!(
        "{}flavour:{}",
        library_core::cache::KEY_PREFIX,
        CacheScope::new("server", server).as_str()
    )
}

fn remember_flavour(server: &str, flavour: ApiFlavour) {
    if let Ok(mut kv) = WebStorageKv::local() {
        let value = match flavour {
            ApiFlavour::AssetList => "asset-list",
            ApiFlavour::Timeline => "timeline",
        };
        let _ = kv.set(&flavour_key(server), value);
    }
}

fn remembered_flavour(server: &str) -> Option<ApiFlavour> {
    let kv = WebStorageKv::local().ok()?;
    match kv.get(&flavour_key(server)).ok().flatten()?.as_str() {
        "timeline" => Some(ApiFlavour::Timeline),
        "asset-list" => Some(ApiFlavour::AssetList),
        _ => None,
    }
}

/// The cache scope of `user_id` on `client`'s server: the server's full
/// address and the user, nothing of the credentials.
fn cache_scope(client: &Client, user_id: &str) -> CacheScope {
    CacheScope::new(client.server().as_str(), user_id)
}

/// The sign-in mode's name in [`last_user_key`].
fn auth_mode(auth: &Auth) -> &'static str {
    match auth {
        Auth::Cookie => "cookie",
        Auth::ApiKey(_) => "api-key",
    }
}

/// The query of one page: the filters with the loader's `skip`/`take`.
pub fn page_query(base: &AssetQuery, skip: u64, take: u32) -> AssetQuery {
    AssetQuery {
        skip: Some(skip),
        take: Some(u64::from(take)),
        ..base.clone()
    }
}

/// The view a sync record describes: the filters and the page size (not the
/// start, which is 0 for every view deltas apply to).
pub fn view_canonical(query: &AssetQuery, take: u32) -> String {
    AssetQuery {
        skip: None,
        take: Some(u64::from(take)),
        ..query.clone()
    }
    .canonical()
}

/// The delta query: everything of `user_id` changed at or after `since_ms`,
/// without the view's filters (they are applied locally), at most `take`.
pub fn delta_query(since_ms: i64, take: u32, user_id: &str) -> Option<AssetQuery> {
    Some(AssetQuery {
        updated_after: Some(immich_api::Timestamp::from_timestamp_millis(since_ms)?),
        user_id: Some(user_id.to_owned()),
        take: Some(u64::from(take)),
        ..AssetQuery::default()
    })
}

/// The largest page the loader asks for (a body of ~150 MB).
pub const MAX_PAGE_SIZE: u32 = 100_000;

/// Whether `/api/asset/statistics` counts what `query` lists: only the
/// caller's own library, without a date range.
pub fn stats_apply(query: &AssetQuery, me: &str) -> bool {
    query
        .user_id
        .as_deref()
        .is_none_or(|u| u.eq_ignore_ascii_case(me))
        && query.updated_after.is_none()
        && query.updated_before.is_none()
}

fn query_stats(query: &AssetQuery) -> StatsQuery {
    StatsQuery {
        is_archived: query.is_archived,
        is_favorite: query.is_favorite,
        is_trashed: None,
    }
}

/// The ETag entry key belonging to a body key (`…:body:X` ↔ `…:etag:X`).
pub fn entry_key_of_body(body_key: &str) -> Option<String> {
    let rest = body_key.strip_prefix(library_core::cache::KEY_PREFIX)?;
    let rest = rest.strip_prefix("body:")?;
    Some(format!("{}etag:{rest}", library_core::cache::KEY_PREFIX))
}

/// When to publish the merged index during a load: when it has doubled since
/// the last publish, or a second has passed — linear total cost, steady updates.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Publisher {
    last_len: usize,
    last_ms: f64,
    /// Something changed since the last publish.
    pub dirty: bool,
}

impl Publisher {
    /// Minimum time between two publishes that are not doublings.
    pub const INTERVAL_MS: f64 = 1000.0;

    /// How many assets the last publish showed.
    pub fn shown(&self) -> usize {
        self.last_len
    }

    /// Whether to publish now, holding `held` assets at time `now_ms`.
    pub fn due(&self, held: usize, now_ms: f64) -> bool {
        self.last_len == 0
            || held >= self.last_len.saturating_mul(2)
            || now_ms - self.last_ms >= Self::INTERVAL_MS
    }

    /// Records a publish.
    pub fn published(&mut self, len: usize, now_ms: f64) {
        self.last_len = len;
        self.last_ms = now_ms;
        self.dirty = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_queries_keep_filters() {
        let base = AssetQuery {
            is_favorite: Some(true),
            skip: Some(5),
            take: Some(7),
            ..Default::default()
        };
        assert_eq!(
            page_query(&base, 2000, 1000).canonical(),
            "isFavorite=true&skip=2000&take=1000"
        );
    }

    #[test]
    fn delta_queries_carry_no_view_filter() {
        let user = "0f6b2a52-6f0e-4c8e-9a4b-3b1f0c2d4e5f";
        let q = delta_query(1_700_000_000_123, 5000, user);
        assert_eq!(
            q.map(|q| q.canonical()).unwrap_or_default(),
            format!("take=5000&updatedAfter=2023-11-14T22%3A13%3A20.123Z&userId={user}")
        );
        assert_eq!(delta_query(i64::MAX, 1, user), None);
        // The record's view: filters and page size, never the start.
        let view = AssetQuery {
            is_favorite: Some(true),
            skip: Some(0),
            ..Default::default()
        };
        assert_eq!(view_canonical(&view, 1000), "isFavorite=true&take=1000");
    }

    #[test]
    fn statistics_only_for_own_undated_library() {
        let me = "0f6b2a52-6f0e-4c8e-9a4b-3b1f0c2d4e5f";
        assert!(stats_apply(&AssetQuery::default(), me));
        let mine = AssetQuery {
            user_id: Some(me.to_uppercase()),
            is_archived: Some(false),
            ..Default::default()
        };
        assert!(stats_apply(&mine, me));
        let partner = AssetQuery {
            user_id: Some("1f6b2a52-6f0e-4c8e-9a4b-3b1f0c2d4e5f".into()),
            ..Default::default()
        };
        assert!(!stats_apply(&partner, me));
        let dated = AssetQuery {
            updated_after: Some(immich_api::Timestamp::UNIX_EPOCH),
            ..Default::default()
        };
        assert!(!stats_apply(&dated, me));
    }

    #[test]
    fn body_and_entry_keys_pair_up() {
        let scope = CacheScope::new("http://nas:2283", "u1");
        let body = CachePolicy::<InMemoryKv>::body_key(&scope, "skip=0&take=1000");
        let entry = CachePolicy::<InMemoryKv>::entry_key(&scope, "skip=0&take=1000");
        assert_eq!(entry_key_of_body(&body), Some(entry));
        assert_eq!(entry_key_of_body("other-app:body:x"), None);
    }

    #[test]
    #[allow(clippy::unwrap_used, reason = "tests fail loudly on purpose")]
    fn a_first_refusal_says_not_signed_in_and_names_the_way_in() {
        let server = ServerUrl::parse("https://p.example/immich").unwrap();
        let cookie = not_signed_in(false, &server);
        assert!(cookie.starts_with("Not signed in"), "{cookie}");
        assert!(cookie.contains("https://p.example/immich"), "{cookie}");
        assert!(!cookie.contains("no longer"), "{cookie}");
        let key = not_signed_in(true, &server);
        assert!(key.contains("refused the API key"), "{key}");
        // A refusal after the page was signed in keeps its own words.
        let later = describe(&ApiError::Unauthorized {
            message: "x".into(),
        });
        assert!(later.contains("no longer accepts"), "{later}");
    }

    #[test]
    #[allow(clippy::unwrap_used, reason = "tests fail loudly on purpose")]
    fn nothing_a_key_session_caches_holds_the_key() {
        use crate::data::session::ApiKey;
        const KEY: &str = "k3y-SECRET-0123456789abcdef";
        // Everything the loader writes to storage, made the way a run makes it.
        let client = Client::with(
            ServerUrl::parse("https://p.example/immich").unwrap(),
            Auth::ApiKey(ApiKey::new(KEY).unwrap()),
            true,
        );
        let scope = cache_scope(&client, "user-1");
        let query = AssetQuery::default();
        let canonical = page_query(&query, 0, 1000).canonical();
        let mut policy = CachePolicy::new(InMemoryKv::new());
        assert!(policy.on_200(&scope, &canonical, Some("\"e-1\""), 10));
        policy.on_body_stored(&scope, &canonical);
        assert_eq!(
            policy.if_none_match(&scope, &canonical).as_deref(),
            Some("\"e-1\"")
        );
        let mut written: Vec<String> = Vec::new();
        for k in policy.store().keys() {
            written.push(policy.store().get(&k).unwrap().unwrap_or_default());
            written.push(k);
        }
        written.push(CachePolicy::<InMemoryKv>::body_key(&scope, &canonical));
        written.push(SyncRecord::key(&scope, &view_canonical(&query, 1000)));
        written.push(SyncRecord::new(0, "1.103.1", "user-1").to_json());
        written.push(last_user_key(
            client.server().as_str(),
            auth_mode(client.auth()),
        ));
        // The scope names the server and the user (the test sees real keys) ...
        assert!(written
            .iter()
            .any(|w| w.contains("p.example/immich") && w.contains("user-1")));
        // ... and nothing of the key.
        for w in &written {
            assert!(!w.contains(KEY) && !w.contains("SECRET"), "{w}");
        }
    }

    #[test]
    fn last_user_keys_separate_servers_and_modes() {
        let key = last_user_key("http://nas:2283", "cookie");
        assert!(key.starts_with(library_core::cache::KEY_PREFIX));
        // Not an ETag or body key: the cache policy's sweeps leave it alone.
        assert!(entry_key_of_body(&key).is_none());
        assert_ne!(key, last_user_key("http://nas:2283", "api-key"));
        assert_ne!(key, last_user_key("http://nas:2284", "cookie"));
        // Escaping keeps a mode/server pair from posing as another.
        assert_ne!(last_user_key("a|b", "c"), last_user_key("b", "a|c"),);
    }

    #[test]
    fn publishing_is_geometric_or_timed() {
        let mut p = Publisher::default();
        assert!(p.due(1000, 0.0));
        p.published(1000, 0.0);
        assert!(!p.due(1999, 500.0));
        assert!(p.due(2000, 500.0));
        assert!(p.due(1500, 1000.0));
        p.published(2000, 1000.0);
        assert!(!p.due(3000, 1999.0));
        // Over a load of n assets in pages, doubling alone gives O(log n) publishes.
        let mut p = Publisher::default();
        let mut count = 0;
        for held in (1000..=100_000).step_by(1000) {
            if p.due(held, 0.0) {
                p.published(held, 0.0);
                count += 1;
            }
        }
        assert_eq!(count, 7);
    }
}
