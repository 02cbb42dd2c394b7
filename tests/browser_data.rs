//! The data layer in a real browser (headless Chromium): the localStorage
//! adapter (including a really full localStorage), the IndexedDB body store
//! (including a 5 MB body), settings storage, the HTTP client's ETag/304 and
//! retry handling, and the loader end to end, against an Immich stand-in
//! installed as `window.fetch`. Run:
//!
//! ```sh
//! CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=.../wasm-bindgen-test-runner \
//! CHROMEDRIVER=/usr/bin/chromedriver WASM_BINDGEN_USE_BROWSER=1 \
//! cargo test --target wasm32-unknown-unknown -p immich-grid --test browser_data
//! ```
#![cfg(target_arch = "wasm32")]
// Tests may unwrap: a failure is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use immich_api::AssetQuery;
use immich_grid::components::connect::Connect;
use immich_grid::data::{
    bodies::{BodyStore, BodyStoreError},
    client::{sleep, ApiError, Client, Fetched},
    kv::WebStorageKv,
    loader::{Library, LoadStatus, LoaderOptions},
    session::{ApiKey, Auth, ServerUrl, Session},
    urls::Route,
};
use leptos::prelude::*;
use library_core::{
    CacheEvent, CacheMode, CachePolicy, CacheScope, KvStore, StoreError, UncachedReason,
};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn local() -> WebStorageKv {
    WebStorageKv::local().unwrap()
}

/// Empties both web storages (tests share one page).
fn clear_storage() {
    let w = web_sys::window().unwrap();
    w.local_storage().unwrap().unwrap().clear().unwrap();
    w.session_storage().unwrap().unwrap().clear().unwrap();
}

/// Fills localStorage until `setItem` refuses even one character; returns the
/// filler keys and the error of the last refusal.
fn fill_local_storage(kv: &mut WebStorageKv) -> (Vec<String>, StoreError) {
    let mut keys = Vec::new();
    let mut chunk = 1 << 20;
    let mut last = None;
    let mut n = 0;
    while chunk >= 1 {
        let key = format!("filler-{n}");
        match kv.set(&key, &"x".repeat(chunk)) {
            Ok(()) => {
                keys.push(key);
                n += 1;
            }
            Err(e) => {
                last = Some(e);
                chunk /= 2;
            }
        }
    }
    (keys, last.unwrap())
}

#[wasm_bindgen_test]
fn local_storage_set_get_remove_keys() {
    clear_storage();
    let mut kv = local();
    assert_eq!(kv.get("a").unwrap(), None);
    kv.set("a", "1").unwrap();
    kv.set("b", "ü∑ \"quoted\"").unwrap();
    assert_eq!(kv.get("a").unwrap().as_deref(), Some("1"));
    assert_eq!(kv.get("b").unwrap().as_deref(), Some("ü∑ \"quoted\""));
    let mut keys = kv.keys();
    keys.sort();
    assert_eq!(keys, ["a", "b"]);
    kv.remove("a");
    kv.remove("never-there");
    assert_eq!(kv.get("a").unwrap(), None);
    assert_eq!(kv.keys(), ["b"]);
    clear_storage();
}

#[wasm_bindgen_test]
fn full_local_storage_gives_quota_and_the_policy_copes() {
    clear_storage();
    let scope = CacheScope::new("http://nas:2283", "user-1");
    // Entries of ours exist before the storage fills up.
    let mut policy = CachePolicy::new(local());
    for q in ["q0", "q1", "q2"] {
        assert!(policy.on_200(&scope, q, Some("\"e\""), 10));
        policy.on_body_stored(&scope, q);
    }
    assert_eq!(policy.if_none_match(&scope, "q0").as_deref(), Some("\"e\""));
    let (fillers, error) = fill_local_storage(&mut local());
    assert_eq!(
        error,
        StoreError::Quota,
        "a full localStorage must say Quota"
    );
    assert!(fillers.len() > 3, "filled with {} chunks", fillers.len());

    // A new entry evicts the oldest of ours and fits.
    assert!(policy.on_200(&scope, "q3", Some("\"e\""), 10));
    assert_eq!(policy.mode(), &CacheMode::Cached);
    assert_eq!(policy.if_none_match(&scope, "q0"), None, "oldest evicted");
    let events = policy.take_events();
    assert!(
        events.contains(&CacheEvent::DropBody {
            body_key: CachePolicy::<WebStorageKv>::body_key(&scope, "q0")
        }),
        "{events:?}"
    );

    // With nothing of ours left to evict, it goes uncached, without panicking.
    let mut others = local();
    for k in others.keys() {
        if k.starts_with("immich-grid:") {
            others.remove(&k);
        }
    }
    let (more, _) = fill_local_storage(&mut others);
    let mut policy = CachePolicy::new(local());
    assert!(!policy.on_200(
        &scope,
        "a-rather-long-query-that-cannot-fit",
        Some("\"etag\""),
        10
    ));
    assert_eq!(
        policy.mode(),
        &CacheMode::Uncached(UncachedReason::QuotaExhausted)
    );
    assert_eq!(policy.if_none_match(&scope, "q3"), None);

    let mut kv = local();
    for k in fillers.iter().chain(&more) {
        kv.remove(k);
    }
    clear_storage();
}

#[wasm_bindgen_test]
fn corrupt_entries_are_dropped() {
    clear_storage();
    let scope = CacheScope::new("http://nas:2283", "user-1");
    let entry = CachePolicy::<WebStorageKv>::entry_key(&scope, "skip=0&take=1000");
    let mut kv = local();
    kv.set(&entry, "{not json").unwrap();
    kv.set("immich-grid:v0:old", "x").unwrap();
    kv.set("another-app", "keep").unwrap();
    let mut policy = CachePolicy::new(local());
    assert_eq!(policy.if_none_match(&scope, "skip=0&take=1000"), None);
    assert_eq!(kv.get(&entry).unwrap(), None);
    assert_eq!(kv.get("immich-grid:v0:old").unwrap(), None);
    assert_eq!(kv.get("another-app").unwrap().as_deref(), Some("keep"));
    clear_storage();
}

#[wasm_bindgen_test]
fn session_key_goes_to_the_right_storage() {
    clear_storage();
    let kv = local();
    let tab = WebStorageKv::session().unwrap();
    let mut s = Session {
        server: ServerUrl::parse("http://nas:2283/").unwrap(),
        auth: Auth::ApiKey(ApiKey::new("secret-key").unwrap()),
        remember: false,
    };
    s.save();
    // The key's storage name holds its server's full address.
    const NAME: &str = "immich-grid.api-key@http://nas:2283";
    assert_eq!(tab.get(NAME).unwrap().as_deref(), Some("secret-key"));
    assert_eq!(kv.get(NAME).unwrap(), None);
    assert_eq!(
        kv.get("immich-grid.server").unwrap().as_deref(),
        Some("http://nas:2283")
    );
    s.remember = true;
    s.save();
    assert_eq!(tab.get(NAME).unwrap(), None);
    assert_eq!(kv.get(NAME).unwrap().as_deref(), Some("secret-key"));
    assert_eq!(Session::load(), s);
    // The key appears in no storage key and in no other value.
    for k in kv.keys() {
        assert!(!k.contains("secret"));
        if k != NAME {
            assert!(!kv.get(&k).unwrap().unwrap_or_default().contains("secret"));
        }
    }
    let back = Session::forget_key();
    assert_eq!(back.auth, Auth::Cookie);
    assert_eq!(kv.get(NAME).unwrap(), None);
    clear_storage();
}

#[wasm_bindgen_test]
async fn body_store_put_get_delete_keys() {
    let store = BodyStore::open_named("immich-grid-test-basic")
        .await
        .unwrap();
    store.clear().await.unwrap();
    assert_eq!(store.get("a").await, None);
    store.put("a", b"[1,2,3]").await.unwrap();
    store.put("b", b"").await.unwrap();
    assert_eq!(store.get("a").await.as_deref(), Some(&b"[1,2,3]"[..]));
    assert_eq!(store.get("b").await.as_deref(), Some(&b""[..]));
    store.put("a", b"replaced").await.unwrap();
    assert_eq!(store.get("a").await.as_deref(), Some(&b"replaced"[..]));
    let mut keys = store.keys().await.unwrap();
    keys.sort();
    assert_eq!(keys, ["a", "b"]);
    // Many at once, in one transaction, in the order asked (absent ones None).
    let many = store
        .get_many(&["b".into(), "zz".into(), "a".into(), "b".into()])
        .await;
    assert_eq!(
        many,
        [
            Some(b"".to_vec()),
            None,
            Some(b"replaced".to_vec()),
            Some(b"".to_vec())
        ]
    );
    assert!(store.get_many(&[]).await.is_empty());
    store.delete("a").await.unwrap();
    store.delete("never-there").await.unwrap();
    assert_eq!(store.get("a").await, None);
    assert_eq!(store.keys().await.unwrap(), ["b"]);

    // A second connection sees the same data.
    let again = BodyStore::open_named("immich-grid-test-basic")
        .await
        .unwrap();
    assert_eq!(again.get("b").await.as_deref(), Some(&b""[..]));
    again.close();
    store.close();
}

#[wasm_bindgen_test]
async fn body_store_holds_a_large_body() {
    let store = BodyStore::open_named("immich-grid-test-large")
        .await
        .unwrap();
    let body: Vec<u8> = (0..5 * 1024 * 1024 + 17)
        .map(|i| (i * 31 % 251) as u8)
        .collect();
    let t = js_sys::Date::now();
    store.put("big", &body).await.unwrap();
    let back = store.get("big").await.unwrap();
    let ms = js_sys::Date::now() - t;
    web_sys::console::log_1(&format!("5 MB body put+get: {ms} ms").into());
    assert_eq!(back.len(), body.len());
    assert!(back == body);
    store.delete("big").await.unwrap();
    assert_eq!(store.get("big").await, None);
    store.close();
}

#[wasm_bindgen_test]
fn body_store_errors_read_plainly() {
    assert_eq!(BodyStoreError::Quota.to_string(), "browser storage is full");
}

// ---- an Immich stand-in behind window.fetch -------------------------------------

const OWNER: &str = "0f6b2a52-6f0e-4c8e-9a4b-3b1f0c2d4e5f";

/// Installs a fake Immich as `window.fetch`: `n` assets, ETags of the form
/// Immich uses, 304 on a matching `If-None-Match`, and a log of requests in
/// `window.__immich.log` (`[path+query, ifNoneMatch, status]`). Set
/// `window.__immich.fail500` to a count to answer that many 500s first.
fn install_fake_immich(n: u32) {
    let src = format!(
        r#"
const OWNER = "{OWNER}";
const N = {n};
const state = {{ log: [], fail500: 0, deny: 0, n: N }};
window.__immich = state;
function uuid(i) {{
  const h = (i + 1).toString(16).padStart(12, "0");
  return "a0000000-0000-4000-8000-" + h;
}}
function asset(i) {{
  const t = new Date(Date.UTC(2024, 0, 1) - i * 3600000).toISOString();
  return {{ id: uuid(i), ownerId: OWNER, type: "IMAGE", originalFileName: "IMG_" + i + ".jpg",
           fileCreatedAt: t, localDateTime: t, isFavorite: false, isArchived: false,
           isTrashed: false, isOffline: false, thumbhash: null, duration: "0:00:00.00000",
           exifInfo: {{ exifImageWidth: 4000, exifImageHeight: 3000 }}, people: [], tags: [] }};
}}
function etagOf(body) {{
  let h = 0;
  for (let i = 0; i < body.length; i++) h = (h * 31 + body.charCodeAt(i)) | 0;
  return '"' + body.length.toString(16) + '-' + (h >>> 0).toString(36) + '"';
}}
const user = {{ id: OWNER, email: "ada@example.com", name: "Ada", profileImagePath: "",
  avatarColor: "primary", storageLabel: "admin", shouldChangePassword: false, isAdmin: true,
  createdAt: "2024-01-01T00:00:00.000Z", deletedAt: null, updatedAt: "2024-01-01T00:00:00.000Z",
  oauthId: "", memoriesEnabled: true, quotaSizeInBytes: null, quotaUsageInBytes: 0, status: "active" }};
window.fetch = async function (input, init) {{
  const req = input instanceof Request ? input : new Request(input, init);
  const url = new URL(req.url);
  if (req.signal && req.signal.aborted) throw new DOMException("The user aborted a request.", "AbortError");
  const inm = req.headers.get("if-none-match");
  const key = url.pathname + url.search;
  const answer = (status, body, headers) => {{
    state.log.push([key, inm, status]);
    return new Response(body, {{ status, headers: headers || {{}} }});
  }};
  if (url.origin !== location.origin) throw new TypeError("Failed to fetch");
  if (state.deny && url.pathname === "/api/user/me")
    return answer(401, '{{"error":"Unauthorized","statusCode":401,"message":"Invalid API key"}}');
  if (state.fail500 > 0) {{ state.fail500--; return answer(500, '{{"statusCode":500,"message":"boom"}}'); }}
  if (url.pathname === "/api/user/me") return answer(200, JSON.stringify(user));
  if (url.pathname === "/api/server-info/ping") return answer(200, '{{"res":"pong"}}');
  if (url.pathname === "/api/server-info/version") return answer(200, '{{"major":1,"minor":103,"patch":1}}');
  if (url.pathname === "/api/asset/statistics") {{
    const trashed = url.searchParams.get("isTrashed") === "true";
    const t = trashed ? 0 : state.n;
    return answer(200, JSON.stringify({{ images: t, videos: 0, total: t }}));
  }}
  if (url.pathname === "/api/asset") {{
    const skip = +(url.searchParams.get("skip") || 0);
    const take = +(url.searchParams.get("take") || state.n);
    const list = [];
    for (let i = skip; i < Math.min(state.n, skip + take); i++) list.push(asset(i));
    const body = JSON.stringify(list);
    const etag = etagOf(body);
    if (inm === etag) return answer(304, null, {{ ETag: etag }});
    return answer(200, body, {{ ETag: etag, "Content-Type": "application/json" }});
  }}
  return answer(404, '{{"error":"Not Found","statusCode":404,"message":"Cannot GET"}}');
}};
"#
    );
    js_sys::eval(&src).unwrap();
}

/// The fake's request log: `(path+query, if-none-match, status)`.
fn fake_log() -> Vec<(String, Option<String>, u16)> {
    let state = js_sys::Reflect::get(&web_sys::window().unwrap(), &"__immich".into()).unwrap();
    let log: js_sys::Array = js_sys::Reflect::get(&state, &"log".into())
        .unwrap()
        .dyn_into()
        .unwrap();
    let out = log
        .iter()
        .map(|row| {
            let row: js_sys::Array = row.dyn_into().unwrap();
            (
                row.get(0).as_string().unwrap(),
                row.get(1).as_string(),
                row.get(2).as_f64().unwrap() as u16,
            )
        })
        .collect();
    log.set_length(0);
    out
}

fn set_fake(field: &str, value: f64) {
    let state = js_sys::Reflect::get(&web_sys::window().unwrap(), &"__immich".into()).unwrap();
    js_sys::Reflect::set(&state, &field.into(), &JsValue::from_f64(value)).unwrap();
}

fn page_session() -> Session {
    Session {
        server: ServerUrl::page_origin().unwrap(),
        auth: Auth::Cookie,
        remember: false,
    }
}

#[wasm_bindgen_test]
async fn client_conditional_get_and_retries() {
    install_fake_immich(10);
    let client = Client::new(&page_session());
    assert!(!client.is_cross_origin());
    let q = AssetQuery {
        skip: Some(0),
        take: Some(5),
        ..Default::default()
    };
    let Fetched::Fresh { etag, body } = client.asset_page(&q, None, None).await.unwrap() else {
        panic!("expected a body");
    };
    let etag = etag.expect("the ETag header is read");
    assert!(body.starts_with(b"[{"));
    assert_eq!(
        client.asset_page(&q, Some(&etag), None).await.unwrap(),
        Fetched::NotModified
    );
    // The exact canonical URL goes out (without a stray '&'), then with the ETag.
    let log: Vec<_> = fake_log()
        .into_iter()
        .filter(|r| r.0.starts_with("/api/asset?"))
        .collect();
    assert_eq!(log.len(), 2, "{log:?}");
    assert_eq!(
        (log[0].0.as_str(), log[0].1.as_deref(), log[0].2),
        ("/api/asset?skip=0&take=5", None, 200)
    );
    assert_eq!((log[1].1.as_deref(), log[1].2), (Some(etag.as_str()), 304));

    // Two 500s are retried; the third attempt succeeds.
    set_fake("fail500", 2.0);
    assert_eq!(client.ping(None).await.unwrap().res, "pong");
    assert_eq!(
        fake_log().iter().map(|r| r.2).collect::<Vec<_>>(),
        [500, 500, 200]
    );
    // Four 500s exhaust the retries and surface Immich's message.
    set_fake("fail500", 4.0);
    let err = client.ping(None).await.unwrap_err();
    assert_eq!(
        err,
        ApiError::Status {
            status: 500,
            message: "boom".into(),
            from_immich: true
        }
    );
    assert_eq!(fake_log().len(), 4);
    // A 404 is not retried and says it is Immich's.
    let err = client
        .get_json::<immich_api::ServerPingResponse>(&Route::api(&["nope"]).unwrap(), None)
        .await
        .unwrap_err();
    assert!(
        matches!(err, ApiError::Status { status: 404, .. }),
        "{err:?}"
    );
    assert_eq!(fake_log().len(), 1);

    // An aborted request says so and is not retried.
    let controller = web_sys::AbortController::new().unwrap();
    controller.abort();
    let err = client.ping(Some(&controller.signal())).await.unwrap_err();
    assert_eq!(err, ApiError::Aborted);
}

/// Waits until the library is `Current` or failed (30 s at most; a stuck
/// load names what it had asked for and what it held).
async fn settle(library: &Library) -> LoadStatus {
    let began = js_sys::Date::now();
    while js_sys::Date::now() - began < 30_000.0 {
        let s = library.status.get_untracked();
        if matches!(s, LoadStatus::Current | LoadStatus::Error(_)) {
            return s;
        }
        sleep(Duration::from_millis(20)).await;
    }
    let log = js_sys::Reflect::get(&web_sys::window().unwrap(), &"__immich".into())
        .and_then(|state| js_sys::Reflect::get(&state, &"log".into()))
        .and_then(|log| js_sys::JSON::stringify(&log))
        .ok()
        .and_then(|s| s.as_string());
    panic!(
        "the load did not settle: {:?}, {} assets held, progress {:?}, fault {:?}, requests {}",
        library.status.get_untracked(),
        library.index.get_untracked().len(),
        library.progress.get_untracked(),
        library.fault_note.get_untracked(),
        log.unwrap_or_default(),
    );
}

fn asset_requests(log: &[(String, Option<String>, u16)]) -> Vec<(String, Option<String>, u16)> {
    log.iter()
        .filter(|r| r.0.starts_with("/api/asset?"))
        .cloned()
        .collect()
}

#[wasm_bindgen_test]
async fn loader_cold_then_warm_then_corrupt_body() {
    clear_storage();
    if let Ok(store) = BodyStore::open().await {
        store.clear().await.unwrap();
        store.close();
    }
    install_fake_immich(2500);
    let owner = Owner::new();
    owner.set();
    let options = LoaderOptions {
        page_size: 1000,
        concurrency: 3,
        use_cache: true,
    };

    // Cold: pages 0..=2, then a verification pass of 304s.
    let library = Library::new(page_session(), AssetQuery::default(), options);
    library.reload();
    assert_eq!(settle(&library).await, LoadStatus::Current);
    assert_eq!(library.index.get_untracked().len(), 2500);
    assert!(!library.from_cache.get_untracked());
    assert_eq!(library.progress.get_untracked().total, Some(2500));
    assert_eq!(library.user.get_untracked().unwrap().name, "Ada");
    assert_eq!(library.cache_note.get_untracked(), None);
    let cold = asset_requests(&fake_log());
    let fresh = cold.iter().filter(|r| r.2 == 200).count();
    let not_modified = cold.iter().filter(|r| r.2 == 304).count();
    // Three pages (a fourth, empty one may be asked for while the end is unknown),
    // then one verification pass of 304s.
    assert!((3..=4).contains(&fresh), "{cold:?}");
    assert_eq!(not_modified, 3, "{cold:?}");

    // Warm: a new page load shows the cache at once, and every page answers 304.
    let library = Library::new(page_session(), AssetQuery::default(), options);
    library.reload();
    assert_eq!(settle(&library).await, LoadStatus::Current);
    assert!(library.from_cache.get_untracked());
    assert_eq!(library.index.get_untracked().len(), 2500);
    let warm = asset_requests(&fake_log());
    assert_eq!(warm.len(), 3, "{warm:?}");
    assert!(warm.iter().all(|r| r.2 == 304 && r.1.is_some()), "{warm:?}");

    // A corrupt body: that page and the rest are fetched without If-None-Match.
    let scope = CacheScope::new(&ServerUrl::page_origin().unwrap().to_string(), OWNER);
    let key = CachePolicy::<WebStorageKv>::body_key(&scope, "skip=1000&take=1000");
    let store = BodyStore::open().await.unwrap();
    store.put(&key, b"[{\"truncated").await.unwrap();
    let library = Library::new(page_session(), AssetQuery::default(), options);
    library.reload();
    assert_eq!(settle(&library).await, LoadStatus::Current);
    assert_eq!(library.index.get_untracked().len(), 2500);
    let log = asset_requests(&fake_log());
    let page1: Vec<_> = log.iter().filter(|r| r.0.contains("skip=1000&")).collect();
    assert_eq!(page1[0].1, None, "refetched whole: {log:?}");
    assert_eq!(page1[0].2, 200);
    // And the repaired cache serves the next load with 304s only.
    let library = Library::new(page_session(), AssetQuery::default(), options);
    library.reload();
    assert_eq!(settle(&library).await, LoadStatus::Current);
    assert!(asset_requests(&fake_log()).iter().all(|r| r.2 == 304));

    // Changing the filters aborts and loads the new query.
    library.set_query(AssetQuery {
        is_favorite: Some(false),
        ..Default::default()
    });
    assert_eq!(settle(&library).await, LoadStatus::Current);
    assert!(fake_log().iter().any(|r| r
        .0
        .starts_with("/api/asset?isFavorite=false&skip=0&take=1000")));
    store.close();
    drop(owner);
    clear_storage();
}

#[wasm_bindgen_test]
async fn loader_without_storage_still_loads() {
    clear_storage();
    install_fake_immich(1200);
    let owner = Owner::new();
    owner.set();
    let library = Library::new(
        page_session(),
        AssetQuery::default(),
        LoaderOptions {
            page_size: 500,
            concurrency: 2,
            use_cache: false,
        },
    );
    library.reload();
    assert_eq!(settle(&library).await, LoadStatus::Current);
    assert_eq!(library.index.get_untracked().len(), 1200);
    // Uncached: the first pass goes without If-None-Match; only the in-memory
    // verification pass uses the ETags just received.
    let log = asset_requests(&fake_log());
    assert!(log.iter().take(3).all(|r| r.1.is_none()), "{log:?}");
    assert!(log.iter().filter(|r| r.2 == 304).count() >= 3, "{log:?}");
    drop(owner);
}

// ---- the connect screen -----------------------------------------------------------

fn by_testid(root: &web_sys::Element, id: &str) -> Option<web_sys::HtmlElement> {
    root.query_selector(&format!("[data-testid=\"{id}\"]"))
        .unwrap()
        .map(|e| e.dyn_into().unwrap())
}

fn type_into(root: &web_sys::Element, id: &str, text: &str) {
    let input: web_sys::HtmlInputElement = by_testid(root, id).unwrap().dyn_into().unwrap();
    input.set_value(text);
    input
        .dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
}

/// Clicks "Test connection" and waits for a result other than "Testing…".
async fn run_connection_test(root: &web_sys::Element) -> web_sys::HtmlElement {
    by_testid(root, "connect-test").unwrap().click();
    for _ in 0..300 {
        sleep(Duration::from_millis(20)).await;
        if let Some(e) = by_testid(root, "connect-ok").or_else(|| by_testid(root, "connect-error"))
        {
            return e;
        }
    }
    panic!("no test result");
}

#[wasm_bindgen_test]
async fn connect_screen_explains_results() {
    clear_storage();
    install_fake_immich(1);
    let document = web_sys::window().unwrap().document().unwrap();
    let root = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&root).unwrap();
    let handle = leptos::mount::mount_to(root.clone().dyn_into().unwrap(), || {
        leptos::view! { <Connect/> }
    });
    let origin = ServerUrl::page_origin().unwrap().to_string();

    // Success: version and user.
    type_into(&root, "connect-url", &origin);
    let ok = run_connection_test(&root).await;
    assert_eq!(
        ok.get_attribute("data-testid").as_deref(),
        Some("connect-ok"),
        "{}",
        ok.inner_text()
    );
    assert_eq!(
        by_testid(&root, "connect-version").unwrap().inner_text(),
        "v1.103.1"
    );
    assert!(by_testid(&root, "connect-user")
        .unwrap()
        .inner_text()
        .contains("Ada"));

    // A refused key.
    set_fake("deny", 1.0);
    by_testid(&root, "connect-auth-key").unwrap().click();
    sleep(Duration::from_millis(20)).await;
    type_into(&root, "connect-key", "wrong-key");
    let err = run_connection_test(&root).await;
    assert!(
        err.inner_text().contains("API key was refused"),
        "{}",
        err.inner_text()
    );
    assert!(!err.inner_text().contains("wrong-key"));
    set_fake("deny", 0.0);

    // Another origin that does not answer: the CORS lines for this page's origin.
    type_into(&root, "connect-url", "http://192.0.2.1:2283");
    sleep(Duration::from_millis(20)).await;
    // The key typed for the page's server is not offered to this one.
    let key_field: web_sys::HtmlInputElement =
        by_testid(&root, "connect-key").unwrap().dyn_into().unwrap();
    assert_eq!(key_field.value(), "");
    type_into(&root, "connect-key", "key-of-the-other-server");
    let err = run_connection_test(&root).await;
    assert!(
        err.inner_text().contains("browser could not call"),
        "{}",
        err.inner_text()
    );
    let lines = by_testid(&root, "connect-cors-lines").unwrap().inner_text();
    assert!(
        lines.contains(&format!("Access-Control-Allow-Origin \"{origin}\"")),
        "{lines}"
    );
    assert!(
        lines.contains("Access-Control-Expose-Headers \"ETag\""),
        "{lines}"
    );

    // A bad address is refused before any call.
    type_into(&root, "connect-url", "ftp://nas");
    by_testid(&root, "connect-test").unwrap().click();
    sleep(Duration::from_millis(20)).await;
    let err = by_testid(&root, "connect-error").unwrap().inner_text();
    assert!(err.contains("only http:// and https://"), "{err}");
    drop(handle);
    root.remove();
    clear_storage();
}

// ---- limits, ids and credentials at the fetch boundary ----------------------

/// Installs a `window.fetch` that logs `[url, credentials, x-api-key present]`
/// in `window.__edge.log` and answers by path: `/api/user/me` streams 64 KiB
/// chunks without end (no `Content-Length`), `/api/server-info/version`
/// declares a 10 GB `Content-Length`, a thumbnail is a small image, anything
/// else a 404.
fn install_edge_fetch() {
    js_sys::eval(
        r#"
window.__edge = { log: [] };
window.fetch = async function (input, init) {
  const req = input instanceof Request ? input : new Request(input, init);
  const url = new URL(req.url);
  window.__edge.log.push([req.url, req.credentials, req.headers.has("x-api-key")]);
  if (url.pathname.endsWith("/api/user/me")) {
    const chunk = new Uint8Array(65536).fill(32);
    let sent = 0;
    const body = new ReadableStream({ pull(c) { sent++; c.enqueue(chunk); } });
    window.__edge.sent = () => sent;
    return new Response(body, { status: 200 });
  }
  if (url.pathname.endsWith("/api/server-info/version")) {
    return new Response("{}", { status: 200, headers: { "Content-Length": "10000000000" } });
  }
  if (url.pathname.includes("/api/asset/thumbnail/")) {
    return new Response(new Uint8Array([82, 73, 70, 70]), { status: 200, headers: { "Content-Type": "image/webp" } });
  }
  return new Response('{"statusCode":404,"message":"no"}', { status: 404 });
};
"#,
    )
    .unwrap();
}

fn edge_log() -> Vec<(String, String, bool)> {
    let state = js_sys::Reflect::get(&web_sys::window().unwrap(), &"__edge".into()).unwrap();
    let log: js_sys::Array = js_sys::Reflect::get(&state, &"log".into())
        .unwrap()
        .dyn_into()
        .unwrap();
    log.iter()
        .map(|row| {
            let row: js_sys::Array = row.dyn_into().unwrap();
            (
                row.get(0).as_string().unwrap(),
                row.get(1).as_string().unwrap(),
                row.get(2).as_bool().unwrap(),
            )
        })
        .collect()
}

fn key_session(server: &str) -> Session {
    Session {
        server: ServerUrl::parse(server).unwrap(),
        auth: Auth::ApiKey(ApiKey::new("edge-secret").unwrap()),
        remember: false,
    }
}

#[wasm_bindgen_test]
async fn oversized_answers_fail_the_request_not_the_app() {
    install_edge_fetch();
    let client = Client::new(&key_session("http://127.0.0.1:9/immich"));
    // A body without a length that never ends stops at the limit.
    let err = client.me(None).await.unwrap_err();
    let ApiError::TooLarge(t) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(t.limit, immich_grid::data::limits::SMALL_JSON_BYTES);
    assert!(err.to_string().contains("larger than 4 MiB"), "{err}");
    let sent = js_sys::eval("window.__edge.sent()")
        .unwrap()
        .as_f64()
        .unwrap();
    assert!(
        sent <= 70.0,
        "read stopped near 4 MiB, not later: {sent} chunks"
    );
    // A declared length over the limit is refused before reading.
    let err = client.version(None).await.unwrap_err();
    assert!(matches!(err, ApiError::TooLarge(_)), "{err:?}");
    // Not retried: one request each.
    assert_eq!(edge_log().len(), 2);
}

#[wasm_bindgen_test]
async fn bad_ids_are_never_requested_and_keys_send_no_cookies() {
    install_edge_fetch();
    let client = Client::new(&key_session("http://127.0.0.1:9/immich/"));
    for bad in ["../user/me", "..", "x/../../user/me", ""] {
        let err = client.asset(bad, None).await.unwrap_err();
        assert!(matches!(err, ApiError::BadPath(_)), "{bad:?}: {err:?}");
        let err = client
            .thumbnail(bad, immich_grid::data::urls::ThumbFormat::Webp, None)
            .await
            .unwrap_err();
        assert!(matches!(err, ApiError::BadPath(_)), "{bad:?}: {err:?}");
    }
    assert!(edge_log().is_empty(), "{:?}", edge_log());
    // A good id goes under the server's path, with the key and no cookies.
    let id = "0b1e7c1a-3a55-4d2c-9f0e-0123456789ab";
    let blob = client
        .thumbnail(id, immich_grid::data::urls::ThumbFormat::Webp, None)
        .await
        .unwrap();
    assert_eq!(blob.size(), 4.0);
    assert_eq!(blob.type_(), "image/webp");
    let log = edge_log();
    assert_eq!(
        log,
        [(
            format!("http://127.0.0.1:9/immich/api/asset/thumbnail/{id}?format=WEBP"),
            "omit".to_owned(),
            true
        )]
    );
    assert!(!log[0].0.contains("edge-secret"));
}
