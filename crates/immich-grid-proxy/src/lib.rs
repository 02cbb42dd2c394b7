//! immich-grid-proxy: serves immich-grid and forwards to Immich only the
//! read routes the grid uses, adding the API key on the way up, so a public
//! page can show a library without ever holding a key.
//!
//! A request goes through, in order: CORS (listed origins only), the
//! per-client rate limit, the path check (normal form only), the route
//! table ([`routes::V1_103`]: method, path shape, query parameters and
//! values), the policy of its kind (user and filters forced for listings
//! and counts, media only for allowed ids, originals on/off), and then the
//! upstream request, built from scratch: the key, the checked query and
//! only `If-None-Match`, `Range`, `If-Range` and `Accept` of the visitor's
//! headers. The answer comes back with an allow-list of headers (`ETag`
//! and `304` unchanged, never `Set-Cookie`).

pub mod allowed;
pub mod config;
pub mod rate;
pub mod routes;
pub mod upstream;

use allowed::{AllowedIds, Slim};
use axum::{
    body::Body,
    extract::{ConnectInfo, Request, State},
    http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode},
    response::{IntoResponse, Response},
    Router,
};
use config::Config;
use http_body_util::{BodyExt as _, Limited};
use rate::RateLimiter;
use routes::{Kind, Matched, Refusal, Rule};
use std::{
    net::{IpAddr, SocketAddr},
    path::PathBuf,
    sync::Arc,
    time::{Duration, Instant},
};
use tower::ServiceExt as _;
use tower_http::{
    cors::{AllowOrigin, CorsLayer},
    services::{ServeDir, ServeFile},
};
use upstream::{ApiKey, Upstream};

/// The header on `/api/server-info/version` that tells the app it talks
/// to this proxy, and what the proxy allows.
pub const PROXY_HEADER: &str = "x-immich-grid-proxy";

/// The strict policy the app's pages are served under (as the fixture's `--csp`).
const CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
     img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; \
     object-src 'none'; base-uri 'self'; frame-ancestors *";

/// Where log lines go (stderr in the binary; a buffer in tests). Every
/// line passes through the key's redaction first.
pub type LogSink = Arc<dyn Fn(&str) + Send + Sync>;

/// The proxy's shared state.
pub struct Proxy {
    config: Config,
    upstream: Upstream,
    table: &'static [Rule],
    rate: RateLimiter,
    allowed: AllowedIds,
    owner: tokio::sync::OnceCell<String>,
    app: Option<ServeDir<ServeFile>>,
    log: LogSink,
}

impl std::fmt::Debug for Proxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Proxy")
            .field("upstream", &self.upstream)
            .finish_non_exhaustive()
    }
}

impl Proxy {
    /// A proxy for `config` with `key`, logging to `log`.
    pub fn new(config: Config, key: ApiKey, log: LogSink) -> anyhow::Result<Arc<Self>> {
        config.check()?;
        let upstream = Upstream::new(
            &config.upstream,
            key,
            Duration::from_secs(config.limits.connect_timeout_secs),
            Duration::from_secs(config.limits.response_timeout_secs),
        )?;
        let app = config.app_dir.as_ref().map(|dir: &PathBuf| {
            ServeDir::new(dir)
                .precompressed_br()
                .precompressed_gzip()
                .fallback(ServeFile::new(dir.join("index.html")))
        });
        Ok(Arc::new(Self {
            rate: RateLimiter::new(config.rate_limit.burst, config.rate_limit.per_second),
            allowed: AllowedIds::new(Duration::from_secs(config.allowed_ids_ttl_secs)),
            owner: tokio::sync::OnceCell::new(),
            table: routes::V1_103,
            upstream,
            app,
            log,
            config,
        }))
    }

    /// Writes one log line, the key redacted and control characters escaped.
    fn log(&self, line: &str) {
        let key = self.upstream.key().expose();
        let line = line.replace(key, "<redacted>");
        let line: String = line
            .chars()
            .map(|c| if c.is_control() { '?' } else { c })
            .collect();
        (self.log)(&line);
    }

    /// The `x-immich-grid-proxy` value: what a visitor may do here.
    pub fn policy_header(&self) -> String {
        let forced = |f: Option<bool>| match f {
            Some(true) => "only",
            Some(false) => "never",
            None => "any",
        };
        format!(
            "v=1; favorites={}; archived={}; partners={}; own={}; originals={}",
            forced(self.config.is_favorite),
            forced(self.config.is_archived),
            if self.config.allowed_user_ids.is_empty() {
                "no"
            } else {
                "yes"
            },
            if self.config.allow_own_library {
                "yes"
            } else {
                "no"
            },
            if self.config.originals { "yes" } else { "no" },
        )
    }
}

/// The router: `/healthz`, the allow-listed API, the app's files.
pub fn router(proxy: Arc<Proxy>) -> Router {
    let cors = cors_layer(&proxy.config);
    let router = Router::new().fallback(handle).with_state(proxy);
    match cors {
        Some(c) => router.layer(c),
        None => router,
    }
}

fn cors_layer(config: &Config) -> Option<CorsLayer> {
    let origins: Vec<HeaderValue> = config
        .cors_origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o.trim_end_matches('/')).ok())
        .collect();
    if origins.is_empty() {
        return None;
    }
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods([Method::GET])
            .allow_headers([
                header::IF_NONE_MATCH,
                header::RANGE,
                header::CACHE_CONTROL,
                header::CONTENT_TYPE,
            ])
            .expose_headers([
                header::ETAG,
                header::CONTENT_RANGE,
                header::CONTENT_LENGTH,
                header::DATE,
                header::RETRY_AFTER,
                HeaderName::from_static(PROXY_HEADER),
            ])
            // The app's cookie mode fetches with credentials; the proxy
            // reads no cookie, so allowing them lends nothing.
            .allow_credentials(true),
    )
}

/// A plain-text refusal or error.
fn plain(status: StatusCode, text: &str) -> Response {
    let mut r = (status, format!("{text}\n")).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if status == StatusCode::METHOD_NOT_ALLOWED {
        h.insert(header::ALLOW, HeaderValue::from_static("GET"));
    }
    r
}

fn refusal(r: &Refusal) -> Response {
    match r {
        Refusal::NotFound => plain(StatusCode::NOT_FOUND, "not found"),
        Refusal::Method => plain(StatusCode::METHOD_NOT_ALLOWED, "method not allowed"),
        Refusal::Forbidden(why) => plain(StatusCode::FORBIDDEN, why),
        Refusal::TooLong => plain(StatusCode::URI_TOO_LONG, "request target too long"),
    }
}

fn client_ip(p: &Proxy, req: &Request) -> IpAddr {
    if p.config.trust_forwarded_for {
        if let Some(ip) = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|v| v.trim().parse().ok())
        {
            return ip;
        }
    }
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::from([0, 0, 0, 0]), |c| c.0.ip())
}

async fn handle(State(p): State<Arc<Proxy>>, req: Request) -> Response {
    let started = Instant::now();
    let ip = client_ip(&p, &req);
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let (resp, note) = answer(&p, ip, req).await;
    p.log(&format!(
        "{ip} {method} {path:?} {} {}ms{}",
        resp.status().as_u16(),
        started.elapsed().as_millis(),
        note.map(|n| format!(" ({n})")).unwrap_or_default()
    ));
    resp
}

async fn answer(p: &Proxy, ip: IpAddr, req: Request) -> (Response, Option<String>) {
    let path = req.uri().path().to_owned();
    if path == "/healthz" {
        return (plain(StatusCode::OK, "ok"), None);
    }
    if let Err(wait) = p.rate.take(ip, Instant::now()) {
        let mut r = plain(StatusCode::TOO_MANY_REQUESTS, "too many requests");
        let secs = wait.as_secs_f64().ceil().max(1.0);
        if let Ok(v) = HeaderValue::from_str(&format!("{secs:.0}")) {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return (r, Some("rate limited".into()));
    }
    let query = req.uri().query().map(str::to_owned);
    let full_len = path.len() + query.as_ref().map_or(0, |q| q.len() + 1);
    if full_len > p.config.limits.max_uri_bytes {
        return (refusal(&Refusal::TooLong), None);
    }
    let is_api = path == "/api" || path.starts_with("/api/");
    if !is_api {
        return (serve_app(p, req).await, None);
    }
    let has_body = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .is_some_and(|v| v.as_bytes() != b"0")
        || req.headers().contains_key(header::TRANSFER_ENCODING);
    let is_get = req.method() == Method::GET;
    let matched = match routes::match_route(
        p.table,
        is_get,
        &path,
        query.as_deref(),
        p.config.limits.max_uri_bytes,
    ) {
        Ok(m) => m,
        Err(r) => return (refusal(&r), None),
    };
    if has_body {
        return (
            plain(StatusCode::FORBIDDEN, "request bodies are not accepted"),
            None,
        );
    }
    match forward(p, &path, matched, req.headers()).await {
        Ok(r) => (r, None),
        Err(f) => {
            let note = f.note.clone();
            (f.response(), Some(note))
        }
    }
}

async fn serve_app(p: &Proxy, req: Request) -> Response {
    let Some(app) = &p.app else {
        return plain(StatusCode::NOT_FOUND, "not found");
    };
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return plain(StatusCode::METHOD_NOT_ALLOWED, "method not allowed");
    }
    if !routes::is_normal_path(req.uri().path()) && req.uri().path() != "/" {
        return plain(StatusCode::NOT_FOUND, "not found");
    }
    // Only the headers a static file needs: no cookies reach the file service.
    let mut clean = Request::builder()
        .method(req.method().clone())
        .uri(req.uri().path());
    for name in [
        header::ACCEPT_ENCODING,
        header::IF_NONE_MATCH,
        header::IF_MODIFIED_SINCE,
        header::RANGE,
        header::IF_RANGE,
    ] {
        if let Some(v) = req.headers().get(&name) {
            clean = clean.header(name, v.clone());
        }
    }
    let Ok(clean) = clean.body(Body::empty()) else {
        return plain(StatusCode::BAD_REQUEST, "bad request");
    };
    match app.clone().oneshot(clean).await {
        Ok(r) => {
            let mut r = r.map(Body::new);
            let html = r
                .headers()
                .get(header::CONTENT_TYPE)
                .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
            let h = r.headers_mut();
            if html {
                h.insert(
                    header::CONTENT_SECURITY_POLICY,
                    HeaderValue::from_static(CSP),
                );
                h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            }
            h.insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            r
        }
        Err(_) => plain(StatusCode::INTERNAL_SERVER_ERROR, "could not read the file"),
    }
}

/// A refusal or failure: what the visitor reads (a fixed text) and what
/// the log says.
struct Failure {
    status: StatusCode,
    text: &'static str,
    note: String,
    retry_after: Option<HeaderValue>,
}

fn fail(status: StatusCode, text: &'static str, note: impl Into<String>) -> Failure {
    Failure {
        status,
        text,
        note: note.into(),
        retry_after: None,
    }
}

impl Failure {
    fn response(self) -> Response {
        let mut r = plain(self.status, self.text);
        if let Some(v) = self.retry_after {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
        r
    }
}

fn forbidden(why: &'static str) -> Failure {
    fail(StatusCode::FORBIDDEN, why, why)
}

fn not_found(why: &str) -> Failure {
    fail(StatusCode::NOT_FOUND, "not found", why)
}

fn upstream_failure(e: &upstream::UpstreamError) -> Failure {
    let status = upstream::error_status(e);
    let note = match e {
        upstream::UpstreamError::Timeout => "upstream timed out".to_owned(),
        upstream::UpstreamError::Failed(t) => format!("upstream failed: {t}"),
    };
    fail(status, "the photo server did not answer", note)
}

impl Proxy {
    /// The key owner's id, asked once from the upstream.
    async fn owner(&self) -> Result<&str, Failure> {
        self.owner
            .get_or_try_init(|| async {
                let me: Slim = self.get_json("/api/user/me", "").await?;
                Ok::<_, Failure>(me.id)
            })
            .await
            .map(String::as_str)
    }

    /// A small JSON answer from the upstream, read into `T`.
    async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        query: &str,
    ) -> Result<T, Failure> {
        let resp = self
            .upstream
            .get(path, query, &HeaderMap::new())
            .await
            .map_err(|e| upstream_failure(&e))?;
        let status = resp.status();
        let body = read_capped(resp.into_body(), 1 << 20, self.body_timeout()).await?;
        if !status.is_success() {
            return Err(upstream_status(status));
        }
        serde_json::from_slice(&body).map_err(|_| {
            fail(
                StatusCode::BAD_GATEWAY,
                "the photo server's answer was not understood",
                format!("upstream {path}: unreadable JSON"),
            )
        })
    }

    fn body_timeout(&self) -> Duration {
        Duration::from_secs(self.config.limits.body_timeout_secs)
    }

    /// Whether a listing or count for `user` (`None`: the owner) is allowed.
    async fn user_allowed(&self, user: Option<&str>) -> Result<bool, Failure> {
        Ok(match user {
            None => self.config.allow_own_library,
            Some(u) if self.config.allowed_user_ids.iter().any(|a| a == u) => true,
            Some(u) => self.config.allow_own_library && self.owner().await? == u,
        })
    }

    /// Applies the forced filters to `m`'s query: refuses a conflicting
    /// value, adds a missing one.
    fn force_filters(&self, m: &mut Matched) -> Result<(), Failure> {
        for (name, forced) in [
            ("isFavorite", self.config.is_favorite),
            ("isArchived", self.config.is_archived),
        ] {
            let Some(forced) = forced else { continue };
            let want = if forced { "true" } else { "false" };
            match m.get(name) {
                Some(v) if v != want => {
                    return Err(forbidden(if name == "isFavorite" {
                        "isFavorite not allowed"
                    } else {
                        "isArchived not allowed"
                    }))
                }
                Some(_) => {}
                None => m.query.push((name.to_owned(), want.to_owned())),
            }
        }
        Ok(())
    }

    /// Whether the asset `id` may be shown: held as allowed, or its record
    /// upstream passes the rules (then held).
    async fn asset_allowed(&self, id: &str) -> Result<bool, Failure> {
        let now = Instant::now();
        if self.allowed.contains(id, now) {
            return Ok(true);
        }
        let record: Slim = match self.get_json(&format!("/api/asset/{id}"), "").await {
            Ok(r) => r,
            // Unknown to the upstream, or not the owner's to see.
            Err(f) if f.status == StatusCode::NOT_FOUND || f.status == StatusCode::BAD_REQUEST => {
                return Ok(false)
            }
            Err(e) => return Err(e),
        };
        let owner_ok = if self.config.allowed_user_ids.contains(&record.owner_id) {
            true
        } else {
            self.config.allow_own_library && self.owner().await? == record.owner_id
        };
        let ok = record.id == id
            && owner_ok
            && !record.is_trashed
            && self
                .config
                .is_favorite
                .is_none_or(|f| f == record.is_favorite)
            && self
                .config
                .is_archived
                .is_none_or(|f| f == record.is_archived);
        if ok {
            self.allowed.insert_all([id], now);
        } else {
            self.allowed.remove(id);
        }
        Ok(ok)
    }
}

/// An upstream error status as the visitor sees it: a refused key is the
/// proxy's problem (502), not the visitor's (never a 401 asking to log in).
fn upstream_status(status: StatusCode) -> Failure {
    if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
        return fail(
            StatusCode::BAD_GATEWAY,
            "the photo server refused the proxy",
            format!("upstream refused the key ({status})"),
        );
    }
    if status == StatusCode::NOT_FOUND || status == StatusCode::BAD_REQUEST {
        return fail(status, "not found", format!("upstream answered {status}"));
    }
    fail(
        StatusCode::BAD_GATEWAY,
        "the photo server failed",
        format!("upstream answered {status}"),
    )
}

async fn read_capped(
    body: hyper::body::Incoming,
    cap: usize,
    timeout: Duration,
) -> Result<bytes::Bytes, Failure> {
    match tokio::time::timeout(timeout, Limited::new(body, cap).collect()).await {
        Err(_) => Err(fail(
            StatusCode::GATEWAY_TIMEOUT,
            "the photo server was too slow",
            "upstream body timed out",
        )),
        Ok(Err(_)) => Err(fail(
            StatusCode::BAD_GATEWAY,
            "the photo server's answer was too large",
            "upstream body over the cap or broken",
        )),
        Ok(Ok(c)) => Ok(c.to_bytes()),
    }
}

/// The answer headers passed back to the visitor.
const PASS_DOWN: [HeaderName; 11] = [
    header::CONTENT_TYPE,
    header::CONTENT_LENGTH,
    header::ETAG,
    header::CACHE_CONTROL,
    header::CONTENT_RANGE,
    header::ACCEPT_RANGES,
    header::LAST_MODIFIED,
    header::DATE,
    header::RETRY_AFTER,
    header::CONTENT_DISPOSITION,
    header::VARY,
];

async fn forward(
    p: &Proxy,
    path: &str,
    mut m: Matched,
    incoming: &HeaderMap,
) -> Result<Response, Failure> {
    match m.rule.kind {
        Kind::Plain | Kind::Version => {}
        Kind::Listing => {
            if !p.user_allowed(m.get("userId")).await? {
                return Err(forbidden("userId not allowed"));
            }
            if let Some(take) = m.get("take").and_then(|t| t.parse::<u64>().ok()) {
                if take > p.config.limits.max_take {
                    return Err(forbidden("take too large"));
                }
            }
            p.force_filters(&mut m)?;
        }
        Kind::Statistics => {
            if !p.config.allow_own_library {
                return Err(forbidden("statistics not allowed"));
            }
            p.force_filters(&mut m)?;
        }
        Kind::Audit => {
            if !p.user_allowed(m.get("userId")).await? {
                return Err(forbidden("userId not allowed"));
            }
        }
        Kind::Original if !p.config.originals => return Err(not_found("originals are off")),
        Kind::Media | Kind::Original => {
            let id = m.asset_id.as_deref().unwrap_or_default();
            if !p.asset_allowed(id).await? {
                return Err(not_found("asset not in the allowed listing"));
            }
        }
    }
    // Only these of the visitor's headers go up; credentials and cookies never do.
    let mut up = HeaderMap::new();
    let mut pass = vec![header::IF_NONE_MATCH, header::ACCEPT];
    if matches!(m.rule.kind, Kind::Media | Kind::Original) {
        pass.extend([header::RANGE, header::IF_RANGE]);
    }
    for name in pass {
        if let Some(v) = incoming.get(&name) {
            up.insert(name, v.clone());
        }
    }
    let resp = p
        .upstream
        .get(path, &routes::query_string(&m.query), &up)
        .await
        .map_err(|e| upstream_failure(&e))?;
    let status = resp.status();
    if !(status.is_success() || status == StatusCode::NOT_MODIFIED || status.is_redirection()) {
        if status == StatusCode::TOO_MANY_REQUESTS {
            let mut f = fail(status, "the photo server is busy", "upstream 429");
            f.retry_after = resp.headers().get(header::RETRY_AFTER).cloned();
            return Err(f);
        }
        return Err(upstream_status(status));
    }
    if status.is_redirection() && status != StatusCode::NOT_MODIFIED {
        return Err(fail(
            StatusCode::BAD_GATEWAY,
            "the photo server redirected",
            format!("upstream answered {status}"),
        ));
    }
    let mut headers = HeaderMap::new();
    for name in PASS_DOWN {
        for v in resp.headers().get_all(&name) {
            headers.append(name.clone(), v.clone());
        }
    }
    if m.rule.kind == Kind::Version {
        if let Ok(v) = HeaderValue::from_str(&p.policy_header()) {
            headers.insert(HeaderName::from_static(PROXY_HEADER), v);
        }
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    let limits = p.config.limits;
    let body = match m.rule.kind {
        Kind::Listing if status == StatusCode::OK => {
            let bytes =
                read_capped(resp.into_body(), limits.max_json_bytes, p.body_timeout()).await?;
            // The ids of an allowed listing become allowed media.
            if let Ok(list) = serde_json::from_slice::<Vec<Slim>>(&bytes) {
                p.allowed.insert_all(
                    list.iter()
                        .filter(|a| !a.is_trashed && routes::is_uuid(&a.id))
                        .map(|a| a.id.as_str()),
                    Instant::now(),
                );
            }
            Body::from(bytes)
        }
        Kind::Media | Kind::Original => {
            let too_big = resp
                .headers()
                .get(header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok())
                .is_some_and(|n| n > limits.max_media_bytes);
            if too_big {
                return Err(fail(
                    StatusCode::BAD_GATEWAY,
                    "the file is too large",
                    "media over the cap",
                ));
            }
            let cap = usize::try_from(limits.max_media_bytes).unwrap_or(usize::MAX);
            Body::new(Limited::new(resp.into_body(), cap))
        }
        _ => Body::new(Limited::new(resp.into_body(), limits.max_json_bytes)),
    };
    let mut r = Response::new(body);
    *r.status_mut() = status;
    *r.headers_mut() = headers;
    Ok(r)
}
