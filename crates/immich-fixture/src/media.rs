//! Binary answers: thumbnails and previews rendered from thumbhashes, original
//! files (a generated JPEG, or a short real MP4 with Range support), and the
//! built app with its `index.html` fallback and optional demo session cookie.

use crate::{
    api::asset_access,
    auth::authenticate,
    dto::look,
    error::ApiError,
    query_pairs,
    store::Kind,
    thumbs::{fit, Format, ORIGINAL_SIZE},
    AppState,
};
use axum::{
    body::Body,
    extract::{Path, RawQuery, Request, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use tower::ServiceExt as _;
use tower_http::services::{ServeDir, ServeFile};

/// The short video every video asset plays (2 s of `testsrc`, 160x90, H.264).
pub static CLIP_MP4: &[u8] = include_bytes!("../assets/clip.mp4");

/// `Cache-Control` of thumbnails and files (Immich's `PRIVATE_WITH_CACHE`).
pub const PRIVATE_WITH_CACHE: &str = "private, max-age=86400, no-transform";

fn image_response(bytes: &[u8], mime: &'static str) -> Response {
    let mut res = Body::from(bytes.to_vec()).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(PRIVATE_WITH_CACHE),
    );
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(bytes.len()));
    res
}

fn render_for(state: &AppState, idx: u32, format: Format) -> Result<Response, ApiError> {
    render_sized(state, idx, format, format.long_side())
}

/// An image of asset `idx` whose long side is `long_side` pixels.
fn render_sized(
    state: &AppState,
    idx: u32,
    format: Format,
    long_side: u32,
) -> Result<Response, ApiError> {
    let look = {
        let store = state.read();
        let a = store
            .asset(idx)
            .ok_or_else(|| ApiError::bad_request("Not found or no asset.view access"))?;
        look(&store, &state.0.palette, a)
    };
    let (w, h) = fit(look.width, look.height, long_side);
    let bytes = state
        .0
        .images
        .get(&look.thumbhash, w, h, format)
        .map_err(|e| ApiError::status(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    Ok(image_response(&bytes, format.mime()))
}

/// `GET /api/asset/thumbnail/{id}?format=WEBP|JPEG`.
pub async fn thumbnail(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let pairs = query_pairs(query.as_deref());
    let idx = {
        let store = state.read();
        let viewer = authenticate(&store, &headers, &pairs)?;
        let format = pairs
            .iter()
            .find(|(k, _)| k == "format")
            .map(|(_, v)| v.as_str());
        if !matches!(format, None | Some("WEBP") | Some("JPEG")) {
            return Err(ApiError::validation(vec![
                "format must be one of the following values: JPEG, WEBP".to_owned(),
            ]));
        }
        asset_access(&store, viewer, &id, "asset.view")?
    };
    let format = if pairs.iter().any(|(k, v)| k == "format" && v == "JPEG") {
        Format::Jpeg
    } else {
        Format::Webp
    };
    tokio::task::spawn_blocking(move || render_for(&state, idx, format))
        .await
        .map_err(|_| ApiError::status(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error"))?
}

/// `GET /api/asset/file/{id}`: images as a generated JPEG larger than the
/// preview ([`ORIGINAL_SIZE`]), videos as the MP4 clip (with `Range`).
pub async fn file(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let pairs = query_pairs(query.as_deref());
    let (idx, kind) = {
        let store = state.read();
        let viewer = authenticate(&store, &headers, &pairs)?;
        let idx = asset_access(&store, viewer, &id, "asset.view")?;
        (
            idx,
            store.asset(idx).map(|a| a.kind()).unwrap_or(Kind::Image),
        )
    };
    if kind == Kind::Video {
        return Ok(ranged(&headers, CLIP_MP4, "video/mp4"));
    }
    tokio::task::spawn_blocking(move || render_sized(&state, idx, Format::Jpeg, ORIGINAL_SIZE))
        .await
        .map_err(|_| ApiError::status(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error"))?
}

/// What a `Range` header asks of a body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeSpec {
    /// No usable single range: serve everything (200).
    Whole,
    /// Inclusive byte range (206).
    Part(u64, u64),
    /// Cannot be satisfied (416).
    Unsatisfiable,
}

/// Reads a `Range` header against a body of `len` bytes.
pub fn parse_range(value: Option<&str>, len: u64) -> RangeSpec {
    match parse_range_inner(value, len) {
        Ok(None) => RangeSpec::Whole,
        Ok(Some((s, e))) => RangeSpec::Part(s, e),
        Err(()) => RangeSpec::Unsatisfiable,
    }
}

fn parse_range_inner(value: Option<&str>, len: u64) -> Result<Option<(u64, u64)>, ()> {
    let Some(spec) = value.and_then(|v| v.trim().strip_prefix("bytes=")) else {
        return Ok(None);
    };
    if spec.contains(',') {
        // Several ranges: serving the whole body is allowed and simpler.
        return Ok(None);
    }
    let Some((start, end)) = spec.trim().split_once('-') else {
        return Ok(None);
    };
    let range = match (start.trim(), end.trim()) {
        ("", "") => return Ok(None),
        ("", suffix) => {
            let n: u64 = suffix.parse().map_err(|_| ())?;
            if n == 0 || len == 0 {
                return Err(());
            }
            (len.saturating_sub(n), len - 1)
        }
        (s, e) => {
            let s: u64 = s.parse().map_err(|_| ())?;
            let e: u64 = if e.is_empty() {
                len.saturating_sub(1)
            } else {
                e.parse::<u64>().map_err(|_| ())?.min(len.saturating_sub(1))
            };
            if s >= len || e < s {
                return Err(());
            }
            (s, e)
        }
    };
    Ok(Some(range))
}

/// Serves `bytes` honouring a single `Range` (206 / 416), with `Accept-Ranges: bytes`.
pub fn ranged(headers: &HeaderMap, bytes: &'static [u8], mime: &'static str) -> Response {
    let len = bytes.len() as u64;
    let range = parse_range(
        headers.get(header::RANGE).and_then(|v| v.to_str().ok()),
        len,
    );
    let mut res = match range {
        RangeSpec::Whole => Body::from(bytes).into_response(),
        RangeSpec::Part(s, e) => {
            let mut res = Body::from(&bytes[s as usize..=e as usize]).into_response();
            *res.status_mut() = StatusCode::PARTIAL_CONTENT;
            if let Ok(v) = HeaderValue::from_str(&format!("bytes {s}-{e}/{len}")) {
                res.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            res
        }
        RangeSpec::Unsatisfiable => {
            let mut res = StatusCode::RANGE_NOT_SATISFIABLE.into_response();
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{len}")) {
                res.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            return res;
        }
    };
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(PRIVATE_WITH_CACHE),
    );
    res
}

/// Nest's 404 for a route that does not exist (`Cannot POST /api/asset`).
pub async fn not_found(req: Request) -> Response {
    ApiError::not_found(format!("Cannot {} {}", req.method(), req.uri().path())).into_response()
}

/// Everything no route matched: Nest's 404 under `/api`, else the built app
/// (unknown paths fall back to `index.html`, which carries the demo cookie when enabled).
pub async fn fallback(State(state): State<AppState>, req: Request) -> Response {
    let path = req.uri().path().to_owned();
    let not_found = ApiError::not_found(format!("Cannot {} {}", req.method(), path));
    let config = &state.0.config;
    let Some(dir) = config.app_dir.clone() else {
        return not_found.into_response();
    };
    if path == "/api" || path.starts_with("/api/") || path.starts_with("/__fixture") {
        return not_found.into_response();
    }
    // Under an app path, only that path serves the app, with the prefix cut.
    let mut req = req;
    if let Some(prefix) = config
        .app_path
        .as_deref()
        .map(|p| p.trim_matches('/'))
        .filter(|p| !p.is_empty())
    {
        let prefix = format!("/{prefix}/");
        let Some(rest) = format!("{path}/").strip_prefix(&prefix).map(|r| {
            let r = r.strip_suffix('/').unwrap_or(r);
            format!("/{r}")
        }) else {
            return not_found.into_response();
        };
        let with_query = match req.uri().query() {
            Some(q) => format!("{rest}?{q}"),
            None => rest,
        };
        match with_query.parse() {
            Ok(uri) => *req.uri_mut() = uri,
            Err(_) => return not_found.into_response(),
        }
    }
    // `cargo xtask build` writes `.br` and `.gz` beside each file: sent
    // when the browser accepts them, with the original's content type.
    let service = ServeDir::new(&dir)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(
            ServeFile::new(dir.join("index.html"))
                .precompressed_br()
                .precompressed_gzip(),
        );
    let mut res = match service.oneshot(req).await {
        Ok(res) => res.map(Body::new),
        Err(never) => match never {},
    };
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if is_html && config.csp {
        let mut policy = crate::csp_header(&config.csp_allow);
        if let Some(uri) = &config.csp_report {
            policy.push_str(&format!("; report-uri {uri}"));
        }
        if let Ok(v) = HeaderValue::from_str(&policy) {
            res.headers_mut().insert(header::CONTENT_SECURITY_POLICY, v);
        }
    }
    if is_html && config.demo_session {
        let token = state
            .read()
            .users
            .first()
            .map(|u| u.access_token.clone())
            .unwrap_or_default();
        for cookie in [
            format!("immich_access_token={token}; Path=/; HttpOnly; SameSite=Lax"),
            "immich_auth_type=password; Path=/; HttpOnly; SameSite=Lax".to_owned(),
            "immich_is_authenticated=true; Path=/; SameSite=Lax".to_owned(),
        ] {
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                res.headers_mut().append(header::SET_COOKIE, v);
            }
        }
        // The cookie is per-response state: keep caches from replaying it to others.
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        fn check(input: Option<&str>, expected: RangeSpec) {
            assert_eq!(parse_range(input, 100), expected, "{input:?}");
        }
        check(None, RangeSpec::Whole);
        check(Some("bytes=0-9"), RangeSpec::Part(0, 9));
        check(Some("bytes=90-"), RangeSpec::Part(90, 99));
        check(Some("bytes=-10"), RangeSpec::Part(90, 99));
        check(Some("bytes=-1000"), RangeSpec::Part(0, 99));
        check(Some("bytes=50-1000"), RangeSpec::Part(50, 99));
        check(Some("bytes=100-"), RangeSpec::Unsatisfiable);
        check(Some("bytes=9-3"), RangeSpec::Unsatisfiable);
        check(Some("bytes=0-1,5-6"), RangeSpec::Whole);
        check(Some("items=0-1"), RangeSpec::Whole);
        check(Some("bytes=x-1"), RangeSpec::Unsatisfiable);
    }

    #[test]
    fn the_clip_is_a_small_mp4() {
        assert!(CLIP_MP4.len() < 50_000);
        assert_eq!(&CLIP_MP4[4..8], b"ftyp");
    }
}
