//! Opt-in test controls under `/__fixture/` (only with `--test-controls`):
//! library mutations, fault injection, a request log, and the users' credentials.
//! The fault and log middlewares always run but do nothing until used.

use crate::{
    api::{json, parse_js_date},
    auth::{credential, AuthKind},
    error::ApiError,
    generate, query_pairs,
    rng::{format_uuid, parse_uuid},
    store::{flag, Asset, Kind, Store, NONE, NO_PLACE},
    AppState,
};
use axum::{
    body::{Body, Bytes},
    extract::{Request, State},
    http::{header, HeaderValue, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use futures_util::stream;
use immich_api::{AssetResponseDto, AssetTypeEnum};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Longest a request log grows before the oldest entries go.
const LOG_CAP: usize = 20_000;

/// An injected fault, as posted to `POST /__fixture/faults`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", default)]
pub struct Fault {
    /// Delay before answering.
    pub latency_ms: Option<u64>,
    /// Answer with this status and an Immich-style error body instead of running the route.
    pub status: Option<u16>,
    /// Send the headers (full `Content-Length`) and half the body, then drop the connection.
    pub truncate: bool,
    /// Send the headers and half the body, then hang (for `stallMs`, default 5 minutes) and drop.
    pub stall: bool,
    /// How long a stall lasts.
    pub stall_ms: Option<u64>,
    /// How many matching requests it applies to (default 1).
    pub times: Option<u32>,
    /// Only paths starting with this (default `/api/`).
    pub path_prefix: Option<String>,
    /// Only this exact path (e.g. `/api/asset`, leaving thumbnails alone).
    pub path: Option<String>,
    /// Only requests whose raw query contains this (e.g. `skip=1000&`: one page).
    pub query_contains: Option<String>,
    /// With `status`: a `Retry-After` header of this value (`"2"`, or an HTTP date).
    pub retry_after: Option<String>,
    /// With `status`: an HTML error page (`text/html`) as a proxy sends, not
    /// Immich's JSON error.
    pub html: bool,
    /// Run the route, then send this `Content-Type` instead of its own.
    pub content_type: Option<String>,
    /// Run the route, then answer `200` with its body damaged in the middle
    /// (valid length, invalid JSON): an answer that cannot be decoded.
    pub corrupt: bool,
    /// Send the headers, then drop the connection before any body byte.
    pub drop: bool,
    /// Run the route, then rewrite a `GET /api/asset` answer with hostile
    /// data (see [`hostile_page`]); the same input gives the same output.
    pub hostile: bool,
    /// List order ties (same `fileCreatedAt`) in a new order on every
    /// matching `GET /api/asset`, as Postgres may: pages repeat and skip
    /// tied assets at their boundaries. Use a large `times`.
    pub shuffle_ties: bool,
    /// Run the route, then answer `200` with bytes that are not UTF-8
    /// inside the first file name (the JSON around it intact): a page that
    /// fails to decode every time while the fault lasts.
    pub invalid_utf8: bool,
    /// Run the route, then make the asset with this id (in a listing or its
    /// own record) the primary of a stack of 100,000: `stackCount` 100000
    /// and 99,999 members (`{"id":…}` each, about 5 MB).
    pub huge_stack: Option<String>,
}

/// Members of the stack `hugeStack` makes, the primary included.
pub const HUGE_STACK: usize = 100_000;

/// The seed a shuffled listing draws its tie order from (a request extension).
#[derive(Clone, Copy, Debug)]
pub struct ShuffleTies(pub u64);

/// Counts shuffled listings: each one draws another order.
static SHUFFLES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// One logged request. Credentials are never logged, only their kind.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogEntry {
    /// HTTP method.
    pub method: String,
    /// Path.
    pub path: String,
    /// Raw query with `apiKey`/`key` values redacted.
    pub query: String,
    /// `If-None-Match` sent, if any.
    pub if_none_match: Option<String>,
    /// Status answered.
    pub status: u16,
    /// Body bytes answered (0 for 304).
    pub bytes: u64,
    /// Which credential was used.
    pub auth: AuthKind,
    /// Whether the request carried a `Cookie` header at all (whatever won).
    pub cookie: bool,
}

/// `path` relative to the configured base path (`/immich/api/asset` →
/// `/api/asset`), so faults and the log speak the API's own routes.
pub fn api_path<'a>(state: &AppState, path: &'a str) -> &'a str {
    match state.0.config.base() {
        Some(base) => match path.strip_prefix(base.as_str()) {
            Some(rest) if rest.starts_with('/') => rest,
            _ => path,
        },
        None => path,
    }
}

/// `/__fixture/` routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/__fixture/change", post(change))
        .route(
            "/__fixture/faults",
            post(add_fault).get(list_faults).delete(clear_faults),
        )
        .route(
            "/__fixture/requests",
            get(list_requests).delete(clear_requests),
        )
        .route("/__fixture/info", get(info))
        .route("/__fixture/api-key", post(set_key_permissions))
}

/// `POST /__fixture/api-key` body: give a user's API key these permissions.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct KeyPermissions {
    /// User index (0 admin, 1 partner, 2 viewer); default the admin.
    #[serde(default)]
    user: usize,
    /// `["all"]`, or names such as `asset.read`.
    permissions: Vec<String>,
}

/// Sets a key's permissions (a key re-created with other scopes; its secret stays).
async fn set_key_permissions(
    State(state): State<AppState>,
    Json(req): Json<KeyPermissions>,
) -> Result<Response, ApiError> {
    if req.permissions.len() > crate::scopes::MAX_PERMISSIONS
        || !req.permissions.iter().all(|p| crate::scopes::valid_name(p))
    {
        return Err(ApiError::bad_request("permissions: invalid names"));
    }
    let mut store = state.write();
    let user = store
        .users
        .get_mut(req.user)
        .ok_or_else(|| ApiError::bad_request("user: no such index"))?;
    user.key_permissions = req.permissions;
    Ok(json(&user.key_permissions))
}

fn redact(query: &str) -> String {
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, _)) if k == "apiKey" || k == "key" || k == "sessionKey" => {
                format!("{k}=REDACTED")
            }
            _ => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Middleware: records every non-control request in the log.
pub async fn log_layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = api_path(&state, req.uri().path()).to_owned();
    if path.starts_with("/__fixture/") || !state.0.config.test_controls {
        return next.run(req).await;
    }
    let method = req.method().to_string();
    let query = req.uri().query().map(redact).unwrap_or_default();
    let if_none_match = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let (auth, _) = credential(req.headers(), &query_pairs(req.uri().query()));
    let cookie = req.headers().contains_key(header::COOKIE);
    let res = next.run(req).await;
    let bytes = res
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .or_else(|| http_body::Body::size_hint(res.body()).exact())
        .unwrap_or(0);
    let entry = LogEntry {
        method,
        path,
        query,
        if_none_match,
        status: res.status().as_u16(),
        bytes,
        auth,
        cookie,
    };
    if let Ok(mut log) = state.0.log.lock() {
        if log.len() >= LOG_CAP {
            log.pop_front();
        }
        log.push_back(entry);
    }
    res
}

/// Middleware: applies the first pending fault whose prefix matches.
pub async fn faults_layer(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let path = api_path(&state, req.uri().path()).to_owned();
    if path.starts_with("/__fixture/") {
        return next.run(req).await;
    }
    let query = req.uri().query().unwrap_or_default().to_owned();
    let fault = state.0.faults.lock().ok().and_then(|mut faults| {
        let i = faults.iter().position(|f| {
            let on_path = match &f.path {
                Some(exact) => path == *exact,
                None => path.starts_with(f.path_prefix.as_deref().unwrap_or("/api/")),
            };
            on_path
                && f.query_contains
                    .as_deref()
                    .is_none_or(|q| query.contains(q))
        })?;
        let f = faults.get_mut(i)?;
        let remaining = f.times.unwrap_or(1);
        let taken = f.clone();
        if remaining <= 1 {
            faults.remove(i);
        } else {
            f.times = Some(remaining - 1);
        }
        Some(taken)
    });
    let Some(fault) = fault else {
        return next.run(req).await;
    };
    if fault.shuffle_ties {
        let n = SHUFFLES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        req.extensions_mut().insert(ShuffleTies(crate::rng::mix(n)));
    }
    if let Some(ms) = fault.latency_ms {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    if let Some(status) = fault.status {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let message = if status == StatusCode::INTERNAL_SERVER_ERROR {
            "Internal server error"
        } else {
            status.canonical_reason().unwrap_or("Error")
        };
        let mut res = if fault.html {
            let page = format!(
                "<html>\r\n<head><title>{code} {message}</title></head>\r\n<body>\r\n\
                 <center><h1>{code} {message}</h1></center>\r\n<hr><center>nginx</center>\r\n\
                 </body>\r\n</html>\r\n",
                code = status.as_u16()
            );
            (
                status,
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                page,
            )
                .into_response()
        } else {
            ApiError::status(status, message).into_response()
        };
        if let Some(v) = fault
            .retry_after
            .as_deref()
            .and_then(|v| HeaderValue::from_str(v).ok())
        {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return res;
    }
    let res = next.run(req).await;
    if fault.hostile && res.status() == StatusCode::OK {
        let (mut parts, body) = res.into_parts();
        let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
            return Response::from_parts(parts, Body::empty());
        };
        let out = hostile_page(&bytes).unwrap_or_else(|| bytes.to_vec());
        parts
            .headers
            .insert(header::CONTENT_LENGTH, HeaderValue::from(out.len()));
        return Response::from_parts(parts, Body::from(out));
    }
    if let (Some(id), StatusCode::OK) = (fault.huge_stack.as_deref(), res.status()) {
        let (mut parts, body) = res.into_parts();
        let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
            return Response::from_parts(parts, Body::empty());
        };
        let Some(out) = huge_stack(&bytes, id) else {
            return Response::from_parts(parts, Body::from(bytes));
        };
        parts.headers.remove(header::ETAG);
        parts
            .headers
            .insert(header::CONTENT_LENGTH, HeaderValue::from(out.len()));
        return Response::from_parts(parts, Body::from(out));
    }
    if fault.invalid_utf8 && res.status() == StatusCode::OK {
        let (mut parts, body) = res.into_parts();
        let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
            return Response::from_parts(parts, Body::empty());
        };
        parts.headers.remove(header::ETAG);
        let out = invalid_utf8(&bytes);
        parts
            .headers
            .insert(header::CONTENT_LENGTH, HeaderValue::from(out.len()));
        return Response::from_parts(parts, Body::from(out));
    }
    if !fault.truncate && !fault.stall && !fault.corrupt && !fault.drop {
        return match fault
            .content_type
            .as_deref()
            .and_then(|v| HeaderValue::from_str(v).ok())
        {
            Some(v) => {
                let (mut parts, body) = res.into_parts();
                parts.headers.insert(header::CONTENT_TYPE, v);
                Response::from_parts(parts, body)
            }
            None => res,
        };
    }
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return Response::from_parts(parts, Body::empty());
    };
    // Anything the route answered is replaced: no ETag a client could keep.
    parts.headers.remove(header::ETAG);
    if fault.corrupt {
        let mut damaged = bytes.to_vec();
        let mid = damaged.len() / 2;
        let end = (mid + 8).min(damaged.len());
        // A control byte is invalid JSON inside a string and outside one.
        for b in damaged.get_mut(mid..end).into_iter().flatten() {
            *b = 0x01;
        }
        parts.status = StatusCode::OK;
        parts
            .headers
            .insert(header::CONTENT_LENGTH, HeaderValue::from(damaged.len()));
        return Response::from_parts(parts, Body::from(damaged));
    }
    if fault.drop {
        parts
            .headers
            .insert(header::CONTENT_LENGTH, HeaderValue::from(bytes.len()));
        let chunks = stream::once(async {
            Err::<Bytes, _>(std::io::Error::other("fixture fault: connection dropped"))
        });
        return Response::from_parts(parts, Body::from_stream(chunks));
    }
    parts
        .headers
        .insert(header::CONTENT_LENGTH, HeaderValue::from(bytes.len()));
    let half = bytes.slice(..bytes.len() / 2);
    let hang = if fault.stall {
        fault.stall_ms.unwrap_or(300_000)
    } else {
        0
    };
    let chunks = stream::unfold(0u8, move |step| {
        let half = half.clone();
        async move {
            match step {
                0 => Some((Ok::<Bytes, std::io::Error>(half), 1)),
                1 => {
                    tokio::time::sleep(Duration::from_millis(hang)).await;
                    Some((
                        Err(std::io::Error::other("fixture fault: connection dropped")),
                        2,
                    ))
                }
                _ => None,
            }
        }
    });
    Response::from_parts(parts, Body::from_stream(chunks))
}

/// `body` (a listing or one record) with the asset `id` made the primary of
/// a stack of [`HUGE_STACK`]; `None` when it is not JSON or `id` is not in it.
pub fn huge_stack(body: &[u8], id: &str) -> Option<Vec<u8>> {
    use serde_json::{json, Value};
    let mut v: Value = serde_json::from_slice(body).ok()?;
    let target = match &mut v {
        Value::Array(list) => list
            .iter_mut()
            .find(|a| a.get("id").and_then(Value::as_str) == Some(id))?,
        o @ Value::Object(_) if o.get("id").and_then(Value::as_str) == Some(id) => o,
        _ => return None,
    };
    let o = target.as_object_mut()?;
    let members: Vec<Value> = (1..HUGE_STACK)
        .map(|k| json!({ "id": format!("00000000-0000-4000-8000-{k:012}") }))
        .collect();
    o.insert("stackCount".into(), json!(HUGE_STACK));
    o.insert("stack".into(), Value::Array(members));
    serde_json::to_vec(&v).ok()
}

/// `body` with a lone continuation byte and a truncated sequence (`0x80`,
/// `0xC3 0x28`: never UTF-8) at the start of the first `originalFileName`
/// value, or at its middle when it has none.
pub fn invalid_utf8(body: &[u8]) -> Vec<u8> {
    const KEY: &[u8] = b"\"originalFileName\":\"";
    let at = body
        .windows(KEY.len())
        .position(|w| w == KEY)
        .map_or(body.len() / 2, |i| i + KEY.len());
    let mut out = Vec::with_capacity(body.len() + 3);
    out.extend_from_slice(body.get(..at).unwrap_or_default());
    out.extend_from_slice(&[0x80, 0xC3, 0x28]);
    out.extend_from_slice(body.get(at..).unwrap_or_default());
    out
}

/// A listing rewritten with hostile data, deterministic by position: markup
/// and script in names, descriptions, cities, tags and people; right-to-left
/// overrides and zero-width characters; 10 KB strings; zero, negative,
/// "NaN", huge and missing dimensions; broken thumbhashes; unknown enum
/// values; a duplicate key; and the page's first asset repeated at its end
/// (a duplicate id). Which asset gets what depends on its id, so every
/// page and listing agree. `None` when the body is not a JSON array.
pub fn hostile_page(body: &[u8]) -> Option<Vec<u8>> {
    use serde_json::{json, Value};
    let mut list: Vec<Value> = serde_json::from_slice(body).ok()?;
    let first = list.first().cloned();
    for (i, a) in list.iter_mut().enumerate() {
        let Some(o) = a.as_object_mut() else { continue };
        // By id, not by place: every page and every listing agree.
        let which = o
            .get("id")
            .and_then(Value::as_str)
            .map_or(i, |id| id.bytes().map(usize::from).sum::<usize>());
        o.entry("exifInfo").or_insert_with(|| json!({}));
        let set_exif = |k: &str, v: Value| (k.to_owned(), v);
        let mut exif_updates: Vec<(String, Value)> = Vec::new();
        match which % 7 {
            0 => {
                o.insert(
                    "originalFileName".into(),
                    json!("<img src=x onerror=\"window.__pwned=1\">\u{202e}gpj.exe"),
                );
            }
            1 => {
                exif_updates.push(set_exif("city", json!("<script>window.__pwned=1</script>")));
                exif_updates.push(set_exif("description", json!("ж".repeat(5_120))));
            }
            2 => {
                exif_updates.push(set_exif("exifImageWidth", json!(0)));
                exif_updates.push(set_exif("exifImageHeight", json!(-5)));
                o.insert(
                    "tags".into(),
                    json!([{"id": "t1", "name": "<b>tag</b>", "value": "<b>tag</b>", "type": "OBJECT", "userId": "u"}]),
                );
            }
            3 => {
                exif_updates.push(set_exif("exifImageWidth", json!(1e308)));
                exif_updates.push(set_exif("exifImageHeight", Value::Null));
                o.insert("thumbhash".into(), json!("!!!not base64"));
            }
            4 => {
                o.insert("type".into(), json!("HOLOGRAM"));
                o.insert(
                    "people".into(),
                    json!([{"id": "p1", "name": "<i>Bob</i>\u{200b}\u{200f}", "faces": []}]),
                );
            }
            5 => {
                o.insert(
                    "originalFileName".into(),
                    json!(format!("{}\u{200b}\u{feff}.jpg", "A".repeat(10_240))),
                );
                exif_updates.push(set_exif("exifImageWidth", json!("NaN")));
            }
            _ => {
                o.remove("exifInfo");
            }
        }
        if let Some(e) = o.get_mut("exifInfo").and_then(Value::as_object_mut) {
            for (k, v) in exif_updates {
                e.insert(k, v);
            }
        }
    }
    if let Some(f) = first {
        list.push(f);
    }
    let text = serde_json::to_string(&list).ok()?;
    // A duplicate key in the first asset: the later one counts (as in JSON.parse).
    Some(
        text.replacen("[{\"", "[{\"originalFileName\":\"dup-key-first.jpg\",\"", 1)
            .into_bytes(),
    )
}

async fn add_fault(State(state): State<AppState>, Json(fault): Json<Fault>) -> Response {
    if let Ok(mut faults) = state.0.faults.lock() {
        faults.push(fault);
    }
    list_faults(State(state)).await
}

async fn list_faults(State(state): State<AppState>) -> Response {
    let faults = state.0.faults.lock().map(|f| f.clone()).unwrap_or_default();
    json(&faults)
}

async fn clear_faults(State(state): State<AppState>) -> Response {
    if let Ok(mut faults) = state.0.faults.lock() {
        faults.clear();
    }
    StatusCode::NO_CONTENT.into_response()
}

async fn list_requests(State(state): State<AppState>) -> Response {
    let log: Vec<LogEntry> = state
        .0
        .log
        .lock()
        .map(|l| l.iter().cloned().collect())
        .unwrap_or_default();
    json(&log)
}

async fn clear_requests(State(state): State<AppState>) -> Response {
    if let Ok(mut log) = state.0.log.lock() {
        log.clear();
    }
    StatusCode::NO_CONTENT.into_response()
}

/// Body of `POST /__fixture/change`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ChangeRequest {
    /// New assets to insert.
    pub new: usize,
    /// Assets to edit (description changes).
    pub edit: usize,
    /// Assets whose favourite flag flips.
    pub favorite: usize,
    /// Assets to move to the trash.
    pub trash: usize,
    /// Assets to delete for good.
    pub delete: usize,
    /// Whose library (default the admin).
    pub user_id: Option<String>,
    /// `fileCreatedAt` of the new assets (default: now, so they land on top).
    pub new_created_at: Option<String>,
    /// Give the new assets an `updatedAt` from before every sync (as a database
    /// restore would): no delta can see them, only a count or a full pass.
    pub stale: bool,
    /// Moves the server's clock forward by this many days before the changes
    /// (`needsFullSync` of `/api/audit/deletes` turns true after 100).
    pub advance_days: Option<f64>,
}

/// What `POST /__fixture/change` did (asset ids).
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangeReport {
    /// Inserted.
    pub created: Vec<String>,
    /// Edited.
    pub edited: Vec<String>,
    /// Favourite flipped.
    pub favorited: Vec<String>,
    /// Trashed.
    pub trashed: Vec<String>,
    /// Deleted.
    pub deleted: Vec<String>,
    /// The owner's listed assets afterwards.
    pub total: usize,
    /// The server's time afterwards (ms since the epoch).
    pub now_ms: i64,
}

/// Picks up to `n` distinct listed assets of `owner` satisfying `ok`, deterministically.
fn pick(store: &mut Store, owner: u8, n: usize, ok: &dyn Fn(&Store, u32) -> bool) -> Vec<u32> {
    let candidates: Vec<u32> = store
        .timeline(owner)
        .iter()
        .copied()
        .filter(|&i| ok(store, i))
        .collect();
    let mut chosen = Vec::new();
    let mut taken = std::collections::HashSet::new();
    let mut attempts = 0;
    while chosen.len() < n.min(candidates.len()) && attempts < n * 20 + 100 {
        attempts += 1;
        let i = candidates[store.mutation_rng.below(candidates.len() as u64) as usize];
        if taken.insert(i) {
            chosen.push(i);
        }
    }
    chosen
}

/// Applies a change request (the `POST /__fixture/change` handler's core).
pub fn apply_change(store: &mut Store, req: &ChangeRequest) -> Result<ChangeReport, ApiError> {
    let owner = match &req.user_id {
        None => 0,
        Some(id) => parse_uuid(id)
            .and_then(|u| store.user_index(u))
            .ok_or_else(|| ApiError::bad_request("unknown userId"))?,
    };
    let new_created = match &req.new_created_at {
        None => None,
        Some(t) => Some(
            parse_js_date(t)
                .ok_or_else(|| ApiError::bad_request("newCreatedAt must be a date string"))?,
        ),
    };
    if let Some(days) = req.advance_days {
        if !(0.0..=100_000.0).contains(&days) {
            return Err(ApiError::bad_request(
                "advanceDays must be between 0 and 100000",
            ));
        }
        store.clock_offset_ms = store
            .clock_offset_ms
            .saturating_add((days * 86_400_000.0) as i64);
    }
    let mut report = ChangeReport::default();
    for _ in 0..req.new {
        let t = store.tick(store.now_ms());
        let updated = if req.stale { generate::ANCHOR_MS } else { t };
        let idx = generate::insert_new(store, owner, new_created.unwrap_or(t), updated);
        report.created.push(store.id_text(idx));
    }
    for idx in pick(store, owner, req.edit, &|_, _| true) {
        let t = store.tick(store.now_ms());
        if let Some(a) = store.asset_mut(idx) {
            a.edits = a.edits.saturating_add(1);
            a.updated_ms = t;
        }
        report.edited.push(store.id_text(idx));
    }
    for idx in pick(store, owner, req.favorite, &|_, _| true) {
        let t = store.tick(store.now_ms());
        if let Some(a) = store.asset_mut(idx) {
            a.set(flag::FAVORITE, !a.has(flag::FAVORITE));
            a.updated_ms = t;
        }
        report.favorited.push(store.id_text(idx));
    }
    let not_trashed = |s: &Store, i: u32| s.asset(i).is_some_and(|a| !a.has(flag::TRASHED));
    for idx in pick(store, owner, req.trash, &not_trashed) {
        let t = store.tick(store.now_ms());
        if let Some(a) = store.asset_mut(idx) {
            a.set(flag::TRASHED, true);
            a.updated_ms = t;
        }
        report.trashed.push(store.id_text(idx));
    }
    // Only unstacked assets are deleted, so no stack loses its primary.
    let unstacked = |s: &Store, i: u32| {
        s.asset(i).is_some_and(|a| a.parent == NONE) && s.stack_children(i).is_none()
    };
    for idx in pick(store, owner, req.delete, &unstacked) {
        report.deleted.push(store.id_text(idx));
        let live = store.asset(idx).map_or(NONE, |a| a.live);
        store.delete(idx);
        if live != NONE {
            store.delete(live);
        }
    }
    report.total = store.timeline(owner).len();
    report.now_ms = store.now_ms();
    Ok(report)
}

async fn change(
    State(state): State<AppState>,
    Json(req): Json<ChangeRequest>,
) -> Result<Response, ApiError> {
    let report = apply_change(&mut state.write(), &req)?;
    Ok(json(&report))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct InfoUser {
    id: String,
    name: String,
    email: String,
    is_admin: bool,
    api_key: String,
    access_token: String,
    assets: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct InfoPartner {
    shared_by_id: String,
    shared_with_id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Info {
    seed: u64,
    version: String,
    users: Vec<InfoUser>,
    partners: Vec<InfoPartner>,
}

async fn info(State(state): State<AppState>) -> Response {
    let store = state.read();
    let users = store
        .users
        .iter()
        .enumerate()
        .map(|(i, u)| InfoUser {
            id: format_uuid(u.id),
            name: u.name.clone(),
            email: u.email.clone(),
            is_admin: u.is_admin,
            api_key: u.api_key.clone(),
            access_token: u.access_token.clone(),
            assets: store.timeline(i as u8).len(),
        })
        .collect();
    let id = |i: u8| {
        store
            .users
            .get(i as usize)
            .map(|u| format_uuid(u.id))
            .unwrap_or_default()
    };
    let partners = store
        .partners
        .iter()
        .map(|p| InfoPartner {
            shared_by_id: id(p.shared_by),
            shared_with_id: id(p.shared_with),
        })
        .collect();
    json(&Info {
        seed: store.seed,
        version: crate::api::VERSION.to_string(),
        users,
        partners,
    })
}

/// Adds a `--library` file's assets to the admin (user 0), keeping their DTOs for serialization.
pub fn load_library(store: &mut Store, assets: Vec<AssetResponseDto>) -> anyhow::Result<()> {
    let mut parents = Vec::new();
    for dto in assets {
        let id = parse_uuid(&dto.id)
            .ok_or_else(|| anyhow::anyhow!("asset id {:?} is not a UUID", dto.id))?;
        let parent = dto.stack_parent_id().map(str::to_owned);
        let mut flags = flag::LOADED;
        for (on, bit) in [
            (dto.is_favorite, flag::FAVORITE),
            (dto.is_archived, flag::ARCHIVED),
            (dto.is_trashed, flag::TRASHED),
            (dto.is_offline, flag::OFFLINE),
        ] {
            if on {
                flags |= bit;
            }
        }
        let kind = match dto.asset_type {
            AssetTypeEnum::Video => Kind::Video,
            AssetTypeEnum::Audio => Kind::Audio,
            AssetTypeEnum::Other => Kind::Other,
            _ => Kind::Image,
        };
        let (created_ms, updated_ms) = (
            dto.file_created_at.timestamp_millis(),
            dto.updated_at.timestamp_millis(),
        );
        let serial = store.push_loaded(dto);
        let mut a = Asset {
            id_hi: 0,
            id_lo: 0,
            created_ms,
            updated_ms,
            serial,
            live: NONE,
            parent: NONE,
            place: NO_PLACE,
            edits: 0,
            owner: 0,
            camera: 0,
            shape: 0,
            kind: kind as u8,
            flags,
        };
        a.set_id(id);
        if store.find(id).is_some() {
            anyhow::bail!("asset id {} appears twice", format_uuid(id));
        }
        let idx = store.push_unsorted(a);
        if let Some(p) = parent {
            parents.push((idx, p));
        }
    }
    // Stack links refer to ids that may come later in the file: resolve them at the end.
    let links: Vec<(u32, u32)> = parents
        .into_iter()
        .filter_map(|(child, p)| {
            parse_uuid(&p)
                .and_then(|u| store.find(u))
                .map(|parent| (child, parent))
        })
        .collect();
    store.link_stacks(&links);
    store.rebuild_index();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_stack_on_a_listing_and_a_record() {
        let list = br#"[{"id":"a","stackCount":null},{"id":"b"}]"#;
        let out: serde_json::Value =
            serde_json::from_slice(&huge_stack(list, "b").unwrap()).unwrap();
        assert_eq!(out[1]["stackCount"], 100_000);
        assert_eq!(out[1]["stack"].as_array().unwrap().len(), HUGE_STACK - 1);
        assert!(out[0]["stack"].is_null());
        let one = br#"{"id":"b"}"#;
        let out: serde_json::Value =
            serde_json::from_slice(&huge_stack(one, "b").unwrap()).unwrap();
        assert_eq!(out["stackCount"], 100_000);
        assert!(huge_stack(one, "c").is_none());
        assert!(huge_stack(b"\x89PNG", "b").is_none());
    }

    #[test]
    fn invalid_utf8_breaks_the_file_name_only() {
        let body = br#"[{"id":"a","originalFileName":"x.jpg"}]"#;
        let out = invalid_utf8(body);
        assert!(std::str::from_utf8(&out).is_err());
        assert_eq!(out.len(), body.len() + 3);
        assert!(out.starts_with(br#"[{"id":"a","originalFileName":""#));
        assert!(out.ends_with(br#"x.jpg"}]"#));
    }

    #[test]
    fn redaction_hides_key_values() {
        fn check(input: &str, expected: &str) {
            assert_eq!(redact(input), expected);
        }
        check("apiKey=secret&take=10", "apiKey=REDACTED&take=10");
        check("take=10&key=abc", "take=10&key=REDACTED");
        check("", "");
    }

    #[test]
    fn changes_move_updated_at_and_keep_order() {
        let mut s = generate::generate(5, &[300, 10, 10]);
        let before = s.timeline(0).len();
        let req = ChangeRequest {
            new: 3,
            edit: 4,
            favorite: 5,
            trash: 2,
            delete: 6,
            ..Default::default()
        };
        let r = apply_change(&mut s, &req).unwrap();
        assert_eq!(
            (
                r.created.len(),
                r.edited.len(),
                r.favorited.len(),
                r.trashed.len(),
                r.deleted.len()
            ),
            (3, 4, 5, 2, 6)
        );
        assert_eq!(r.total, before + 3 - 6);
        let t = s.timeline(0);
        assert!(t
            .windows(2)
            .all(|w| s.asset(w[0]).unwrap().created_ms >= s.asset(w[1]).unwrap().created_ms));
        for id in &r.edited {
            // An edited asset may have been picked for deletion afterwards.
            if let Some(i) = s.find(parse_uuid(id).unwrap()) {
                assert!(s.asset(i).unwrap().updated_ms > generate::ANCHOR_MS);
            }
        }
        for id in &r.deleted {
            assert!(s.find(parse_uuid(id).unwrap()).is_none());
        }
        // New assets default to "now": the top of the timeline.
        assert!(r.created.contains(&s.id_text(t[0])));
    }
}
