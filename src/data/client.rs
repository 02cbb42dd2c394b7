//! The HTTP client for the Immich API (v1.103.1 routes), over `gloo-net`.
//!
//! What it takes care of:
//! - auth: the `x-api-key` header, or the browser's cookie session with
//!   `credentials: include` (see [`Auth`]); the key never goes into a URL;
//! - ETags: `If-None-Match` goes out when the caller holds a body; a `304` comes
//!   back as [`Fetched::NotModified`] ("use your stored body"), a `200` as the
//!   body bytes with the `ETag` header;
//! - errors: a typed [`ApiError`], with Immich's JSON error message when the body
//!   has one, and network failures (which is also how a CORS block looks to a
//!   page) kept apart from HTTP statuses;
//! - URLs: every one comes from [`Route`] joined with the full server address
//!   (its path prefix kept), with ids checked before they go into a path;
//! - sizes: every body is read against a limit ([`super::limits`]): the
//!   `Content-Length` first, then a count while the body streams in;
//! - cancellation: every call takes an optional `AbortSignal`;
//! - retries: network failures, stalled answers, `5xx` and `429` are retried
//!   [`RETRIES`] times, waiting the server's `Retry-After` when it gives one,
//!   else with exponential backoff (library-core's `retry::quick_retry`);
//!   other `4xx` and aborts are not;
//! - stalls: an answer whose headers take longer than [`HEADERS_TIMEOUT`],
//!   or whose body pauses longer than [`BODY_IDLE_TIMEOUT`], is cancelled
//!   as [`ApiError::Timeout`] (and retried).

use std::{future::Future, pin::pin, task::Poll, time::Duration};

use gloo_net::http::{Request, Response};
use immich_api::json::{self, FromJson};
use immich_api::{
    is_uuid_v4, AssetQuery, AssetStatsResponseDto, AuditDeletesResponseDto, ErrorResponse,
    PartnerDirection, PartnerResponseDto, ServerPingResponse, ServerVersionResponseDto,
    UserResponseDto,
};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortSignal, RequestCredentials};

use library_core::retry::{self, Failure};

use super::{
    limits::{self, TooLarge},
    session::{Auth, ServerUrl, Session},
    urls::{AssetId, PathError, Route, ThumbFormat},
};

/// How many times a network failure or `5xx` is retried (so up to 4 attempts).
pub const RETRIES: u32 = 3;
/// The first retry's delay; each further retry doubles it (250, 500, 1000 ms).
pub const FIRST_BACKOFF: Duration = Duration::from_millis(library_core::retry::QUICK_FIRST_MS);
/// Longest wait for an answer's headers (a server paging 100,000 assets may
/// take a while before its first byte).
pub const HEADERS_TIMEOUT: Duration = Duration::from_secs(90);
/// Longest pause while a body arrives.
pub const BODY_IDLE_TIMEOUT: Duration = Duration::from_secs(15);

/// A failed API call.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// The request never got an HTTP answer: server down, DNS, TLS, or — for
    /// a server on another origin — the browser blocking the call (CORS), which
    /// a page cannot tell apart from the others.
    #[error("could not reach the server ({detail})")]
    Network {
        /// Whether the server is on another origin than the page (CORS may be the cause).
        cross_origin: bool,
        /// The browser's message (`Failed to fetch`); never contains the key.
        detail: String,
    },
    /// The request was cancelled through its `AbortSignal`.
    #[error("the request was cancelled")]
    Aborted,
    /// The answer stalled: no headers, or a body that stopped arriving.
    #[error("the server stopped answering")]
    Timeout,
    /// `503` or `429`: busy, restarting or rate limiting.
    #[error("the server is busy ({status}): {message}")]
    Busy {
        /// The HTTP status.
        status: u16,
        /// Immich's message, or the status text.
        message: String,
        /// The `Retry-After` header, in ms, when readable.
        retry_after_ms: Option<u64>,
    },
    /// `401`: no session, or the API key was refused.
    #[error("the server refused the credentials: {message}")]
    Unauthorized {
        /// Immich's message (`Authentication required`, `Invalid API key`).
        message: String,
    },
    /// Any other non-2xx status.
    #[error("the server answered {status}: {message}")]
    Status {
        /// The HTTP status.
        status: u16,
        /// Immich's message when the body is its JSON error, else the status text.
        message: String,
        /// Whether the body was Immich's JSON error format (a 404 without it
        /// suggests the address is not an Immich server).
        from_immich: bool,
    },
    /// The request could not be built (a key or ETag a header cannot carry).
    #[error("the request could not be made: {0}")]
    Invalid(String),
    /// The server runs a release this app does not speak (the message names it).
    #[error("{0}")]
    Unsupported(String),
    /// A `2xx` body that is not what the route returns (not Immich, or a proxy page).
    #[error("the server's answer is not what Immich sends: {0}")]
    Decode(String),
    /// The answer is larger than the limit for its route; it was not read.
    #[error("the server's answer is too large: {0}")]
    TooLarge(TooLarge),
    /// A path part (an asset id from the server) failed its check; nothing
    /// was requested.
    #[error("{0}")]
    BadPath(PathError),
}

impl ApiError {
    /// Whether retrying may help: network failures, stalls, `5xx`, `429`.
    pub fn is_transient(&self) -> bool {
        self.failure().is_transient()
    }

    /// The failure as library-core's retry policy sees it.
    pub fn failure(&self) -> Failure {
        match self {
            ApiError::Network { .. } => Failure::Network,
            ApiError::Timeout => Failure::Timeout,
            ApiError::Busy {
                status,
                retry_after_ms,
                ..
            } => Failure::Busy {
                status: *status,
                retry_after_ms: *retry_after_ms,
            },
            ApiError::Status { status, .. } if *status >= 500 => Failure::Server(*status),
            ApiError::Unauthorized { .. } => Failure::Unauthorized,
            ApiError::Decode(_) => Failure::Undecodable,
            _ => Failure::Permanent,
        }
    }
}

/// An answer kept from an earlier request (its `ETag` and body), asked
/// again with `If-None-Match` ([`Client::get_held`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Held {
    pub etag: String,
    pub body: Vec<u8>,
}

/// A body and the `ETag` it came with (the held one after a `304`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub body: Vec<u8>,
    pub etag: Option<String>,
}

/// What a conditional GET gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fetched {
    /// `200`: the body and its `ETag` (`None` when absent or not exposed by CORS).
    Fresh {
        /// The `ETag` header.
        etag: Option<String>,
        /// The raw body.
        body: Vec<u8>,
    },
    /// `304`: the body held for the `If-None-Match` ETag is current.
    NotModified,
}

/// What one GET sends (see [`Client::plan`]). Its `Debug` hides the key.
#[derive(Clone, PartialEq, Eq)]
pub struct RequestPlan {
    /// The full URL.
    pub url: String,
    /// Headers by name: `x-api-key` (the key: only ever here), `If-None-Match`.
    pub headers: Vec<(&'static str, String)>,
    /// `credentials: include` (a cookie session) or `omit` (a key).
    pub send_cookies: bool,
    /// Cache mode `no-cache` (a conditional request).
    pub revalidate: bool,
}

impl std::fmt::Debug for RequestPlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| *n).collect();
        f.debug_struct("RequestPlan")
            .field("url", &self.url)
            .field("headers", &names)
            .field("send_cookies", &self.send_cookies)
            .field("revalidate", &self.revalidate)
            .finish()
    }
}

/// Query of `GET /api/asset/statistics`: all optional.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StatsQuery {
    /// Only archived / unarchived.
    pub is_archived: Option<bool>,
    /// Only favourites / non-favourites.
    pub is_favorite: Option<bool>,
    /// Only trashed / untrashed.
    pub is_trashed: Option<bool>,
}

impl StatsQuery {
    /// The query string, without `?`, keys in a fixed order.
    pub fn to_query_string(&self) -> String {
        [
            ("isArchived", self.is_archived),
            ("isFavorite", self.is_favorite),
            ("isTrashed", self.is_trashed),
        ]
        .iter()
        .filter_map(|(k, v)| v.map(|v| format!("{k}={v}")))
        .collect::<Vec<_>>()
        .join("&")
    }
}

/// An Immich API client for one server and one way of authenticating.
/// Cheap to clone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Client {
    server: ServerUrl,
    auth: Auth,
    cross_origin: bool,
}

impl Client {
    /// A client for the session's server and auth.
    pub fn new(session: &Session) -> Self {
        Self::with(
            session.server.clone(),
            session.auth.clone(),
            session.is_cross_origin(),
        )
    }

    /// A client for `server` with `auth`, told whether the server is on
    /// another origin than the page (needs no page: natively testable).
    pub fn with(server: ServerUrl, auth: Auth, cross_origin: bool) -> Self {
        Self {
            server,
            auth,
            cross_origin,
        }
    }

    /// The same client, told whether its server is on another origin than
    /// the page (for error messages).
    pub fn with_cross_origin(mut self, cross_origin: bool) -> Self {
        self.cross_origin = cross_origin;
        self
    }

    /// How this client authenticates.
    pub fn auth(&self) -> &Auth {
        &self.auth
    }

    /// The server this client talks to.
    pub fn server(&self) -> &ServerUrl {
        &self.server
    }

    /// Whether the server is on another origin than the page.
    pub fn is_cross_origin(&self) -> bool {
        self.cross_origin
    }

    /// `GET /api/server-info/ping` (no auth needed): `{"res":"pong"}`.
    pub async fn ping(&self, signal: Option<&AbortSignal>) -> Result<ServerPingResponse, ApiError> {
        self.get_json(&Route::ping(), signal).await
    }

    /// `GET /api/server-info/version` (no auth needed). An
    /// `immich-grid-proxy` also names its policy here ([`super::proxy`]).
    pub async fn version(
        &self,
        signal: Option<&AbortSignal>,
    ) -> Result<ServerVersionResponseDto, ApiError> {
        let fetched = with_retries(signal, || async {
            let resp = self.send(&Route::version(), None, signal).await?;
            let policy = resp.headers().get(super::proxy::HEADER);
            super::proxy::record(self.server.as_str(), policy.as_deref());
            self.read(resp, None, limits::SMALL_JSON_BYTES).await
        })
        .await?;
        match fetched {
            Fetched::Fresh { body, .. } => {
                json::from_slice(&body).map_err(|e| ApiError::Decode(e.to_string()))
            }
            Fetched::NotModified => Err(ApiError::Decode("unexpected 304 Not Modified".into())),
        }
    }

    /// The server's version and the API flavour it implies: the old route
    /// first (v1.98–v1.117 answer it, and the v1.103 path keeps its requests),
    /// then `GET /api/server/version` when that is missing (404), as on
    /// v1.118 and later. Records the flavour for this server's routes
    /// ([`super::urls::set_flavour`]); an unsupported version is an
    /// [`ApiError::Unsupported`] naming it.
    pub async fn detect(
        &self,
        signal: Option<&AbortSignal>,
    ) -> Result<(ServerVersionResponseDto, library_core::ApiFlavour), ApiError> {
        let v = match self.version(signal).await {
            Err(ApiError::Status { status: 404, .. }) => {
                self.get_json(&Route::server_version(), signal).await?
            }
            other => other?,
        };
        let flavour = library_core::flavour_for(v.major, v.minor, v.patch)
            .map_err(|e| ApiError::Unsupported(e.message))?;
        super::urls::set_flavour(&self.server, flavour);
        Ok((v, flavour))
    }

    /// `GET /api/user/me`: who the credentials belong to.
    pub async fn me(&self, signal: Option<&AbortSignal>) -> Result<UserResponseDto, ApiError> {
        self.get_json(&Route::me(), signal).await
    }

    /// `GET /api/user/me`, and whether the page could read the answer's
    /// `ETag` (Immich sends one on every JSON answer; a proxy that allows
    /// this origin without `Access-Control-Expose-Headers: ETag` hides it,
    /// and the app then runs uncached).
    pub async fn me_and_etag(
        &self,
        signal: Option<&AbortSignal>,
    ) -> Result<(UserResponseDto, bool), ApiError> {
        match self
            .get_conditional(&Route::me(), None, limits::SMALL_JSON_BYTES, signal)
            .await?
        {
            Fetched::Fresh { etag, body } => {
                let me = json::from_slice(&body).map_err(|e| ApiError::Decode(e.to_string()))?;
                Ok((me, etag.is_some_and(|e| !e.trim().is_empty())))
            }
            Fetched::NotModified => Err(ApiError::Decode("unexpected 304 Not Modified".into())),
        }
    }

    /// `GET /api/asset/{id}`: one asset's full record. The id is checked
    /// first; a bad one is refused without a request.
    pub async fn asset(
        &self,
        id: &str,
        signal: Option<&AbortSignal>,
    ) -> Result<immich_api::AssetResponseDto, ApiError> {
        let id = AssetId::parse(id).map_err(ApiError::BadPath)?;
        self.get_json(&Route::asset(&id), signal).await
    }

    /// `GET /api/asset/thumbnail/{id}?format=…` as a blob (for an object URL
    /// when the key must travel in a header). No retries: a thumbnail that
    /// fails stays a placeholder. The id is checked first.
    pub async fn thumbnail(
        &self,
        id: &str,
        format: ThumbFormat,
        signal: Option<&AbortSignal>,
    ) -> Result<web_sys::Blob, ApiError> {
        let id = AssetId::parse(id).map_err(ApiError::BadPath)?;
        self.blob(&Route::thumbnail(&id, format), limits::IMAGE_BYTES, signal)
            .await
    }

    /// `GET /api/asset/file/{id}` (the original) as a blob, at most
    /// [`limits::ORIGINAL_BYTES`]. The id is already checked (an [`AssetId`]).
    pub async fn original(
        &self,
        id: &AssetId,
        signal: Option<&AbortSignal>,
    ) -> Result<web_sys::Blob, ApiError> {
        self.blob(&Route::original(id), limits::ORIGINAL_BYTES, signal)
            .await
    }

    /// A binary answer as a blob of its `Content-Type`, read up to `limit`.
    pub async fn blob(
        &self,
        route: &Route,
        limit: u64,
        signal: Option<&AbortSignal>,
    ) -> Result<web_sys::Blob, ApiError> {
        let resp = self.send(route, None, signal).await?;
        let status = resp.status();
        if !(200..300).contains(&status) {
            let body = self
                .read_limited(&resp, limits::ERROR_BYTES)
                .await
                .unwrap_or_default();
            return Err(status_error(status, &resp.status_text(), &body));
        }
        let mime = resp.headers().get("content-type").unwrap_or_default();
        let body = self.read_limited(&resp, limit).await?;
        let bytes = js_sys::Uint8Array::from(body.as_slice());
        let parts = js_sys::Array::of1(&bytes);
        let options = web_sys::BlobPropertyBag::new();
        options.set_type(&mime);
        web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options)
            .map_err(|e| self.js_error(&e))
    }

    /// `GET /api/user?isAll=false`: the users (active ones).
    pub async fn users(
        &self,
        signal: Option<&AbortSignal>,
    ) -> Result<Vec<UserResponseDto>, ApiError> {
        self.get_json(&Route::users(), signal).await
    }

    /// `GET /api/api-keys/me`: the calling key's permissions (v1.139 on; an
    /// older server answers 404, a session 403).
    pub async fn api_key_me(
        &self,
        signal: Option<&AbortSignal>,
    ) -> Result<immich_api::ApiKeyResponseDto, ApiError> {
        self.get_json(&Route::api_key_me(), signal).await
    }

    /// `GET /api/partner?direction=…`: with [`PartnerDirection::SharedWith`],
    /// the users who share their library with the caller (each `user.id` is a
    /// `userId` the caller may list); with [`PartnerDirection::SharedBy`], the
    /// users the caller shares with.
    pub async fn partners(
        &self,
        direction: PartnerDirection,
        signal: Option<&AbortSignal>,
    ) -> Result<Vec<PartnerResponseDto>, ApiError> {
        self.get_json(&Route::partners(&direction), signal).await
    }

    /// `GET /api/asset/statistics`: counts of the caller's own visible assets.
    pub async fn statistics(
        &self,
        query: StatsQuery,
        signal: Option<&AbortSignal>,
    ) -> Result<AssetStatsResponseDto, ApiError> {
        Ok(self.statistics_held(query, None, signal).await?.0)
    }

    /// [`Client::statistics`] conditional on `held` (see [`Client::get_held`]);
    /// returns the counts with the answer to hold.
    pub async fn statistics_held(
        &self,
        query: StatsQuery,
        held: Option<&Held>,
        signal: Option<&AbortSignal>,
    ) -> Result<(AssetStatsResponseDto, Answer), ApiError> {
        let route = Route::statistics(&query.to_query_string());
        self.get_json_held(&route, held, signal).await
    }

    /// `GET /api/asset?<canonical query>` conditional on `held` (see
    /// [`Client::get_held`]): a reload's delta.
    pub async fn asset_page_held(
        &self,
        query: &AssetQuery,
        held: Option<&Held>,
        signal: Option<&AbortSignal>,
    ) -> Result<Answer, ApiError> {
        self.get_held(&Route::assets(query), held, limits::LISTING_BYTES, signal)
            .await
    }

    /// `GET /api/asset?<canonical query>`, conditional on `etag` when given.
    pub async fn asset_page(
        &self,
        query: &AssetQuery,
        etag: Option<&str>,
        signal: Option<&AbortSignal>,
    ) -> Result<Fetched, ApiError> {
        self.get_conditional(&Route::assets(query), etag, limits::LISTING_BYTES, signal)
            .await
    }

    /// `GET /api/user/me` with the server's time from the answer's `Date`
    /// header (ms since the epoch; `None` when absent, not exposed across
    /// origins, or not a date). The time serves as a delta sync watermark.
    pub async fn me_dated(
        &self,
        signal: Option<&AbortSignal>,
    ) -> Result<(UserResponseDto, Option<i64>), ApiError> {
        let me = Route::me();
        let (body, date) = with_retries(signal, || self.get_dated_once(&me, signal)).await?;
        let user = json::from_slice(&body).map_err(|e| ApiError::Decode(e.to_string()))?;
        let date = date
            .as_deref()
            .and_then(library_core::sync::parse_http_date);
        Ok((user, date))
    }

    /// `GET /api/audit/deletes?after=…&entityType=ASSET&userId=…`: the ids of
    /// `user_id`'s assets deleted after `after`, and whether that is further
    /// back than the server's audit log keeps. Conditional on `held`, the
    /// answer an earlier reload got to the same question; returns the answer
    /// with its body and `ETag` (to hold for the next one).
    pub async fn audit_deletes(
        &self,
        after: &immich_api::Timestamp,
        user_id: &str,
        held: Option<&Held>,
        signal: Option<&AbortSignal>,
    ) -> Result<(AuditDeletesResponseDto, Answer), ApiError> {
        // An id from the server goes into a URL only once checked.
        if !is_uuid_v4(user_id) {
            return Err(ApiError::Invalid("the user id is not a UUID".into()));
        }
        let route = Route::audit_deletes(&immich_api::iso::format(after), user_id);
        self.get_json_held(&route, held, signal).await
    }

    /// [`Client::get_held`] of a small JSON answer (at most
    /// [`limits::SMALL_JSON_BYTES`]), decoded; with the answer to hold.
    async fn get_json_held<T: FromJson>(
        &self,
        route: &Route,
        held: Option<&Held>,
        signal: Option<&AbortSignal>,
    ) -> Result<(T, Answer), ApiError> {
        let answer = self
            .get_held(route, held, limits::SMALL_JSON_BYTES, signal)
            .await?;
        let value = json::from_slice(&answer.body).map_err(|e| ApiError::Decode(e.to_string()))?;
        Ok((value, answer))
    }

    /// A GET of `route` conditional on `held` (its `ETag` as
    /// `If-None-Match`): a `304`, or a `200` with the held `ETag` (a browser
    /// answering from its own cache), is the held body again.
    pub async fn get_held(
        &self,
        route: &Route,
        held: Option<&Held>,
        limit: u64,
        signal: Option<&AbortSignal>,
    ) -> Result<Answer, ApiError> {
        let etag = held.map(|h| h.etag.as_str());
        match self.get_conditional(route, etag, limit, signal).await? {
            Fetched::Fresh { etag, body } => Ok(Answer { body, etag }),
            Fetched::NotModified => match held {
                Some(h) => Ok(Answer {
                    body: h.body.clone(),
                    etag: Some(h.etag.clone()),
                }),
                None => Err(ApiError::Decode("unexpected 304 Not Modified".into())),
            },
        }
    }

    /// One unconditional GET of `route` giving the body (at most
    /// [`limits::SMALL_JSON_BYTES`]) and the `Date` header.
    async fn get_dated_once(
        &self,
        route: &Route,
        signal: Option<&AbortSignal>,
    ) -> Result<(Vec<u8>, Option<String>), ApiError> {
        let resp = self.send(route, None, signal).await?;
        let status = resp.status();
        if (200..300).contains(&status) {
            let date = resp.headers().get("date");
            let body = self.read_limited(&resp, limits::SMALL_JSON_BYTES).await?;
            return Ok((body, date));
        }
        Err(self.error_of(&resp).await)
    }

    /// The error for a non-2xx answer: its status, Immich's message when the
    /// body has one, and `Retry-After` for `429`/`503`.
    async fn error_of(&self, resp: &Response) -> ApiError {
        // A body that does not arrive is no reason to lose the status.
        let body = self
            .read_limited(resp, limits::ERROR_BYTES)
            .await
            .unwrap_or_default();
        let e = status_error(resp.status(), &resp.status_text(), &body);
        let retry_after = resp.headers().get("retry-after");
        with_retry_after(e, retry_after.as_deref(), js_sys::Date::now() as i64)
    }

    /// A GET of `route` decoded as JSON (no ETag handling), at most
    /// [`limits::SMALL_JSON_BYTES`].
    pub async fn get_json<T: FromJson>(
        &self,
        route: &Route,
        signal: Option<&AbortSignal>,
    ) -> Result<T, ApiError> {
        match self
            .get_conditional(route, None, limits::SMALL_JSON_BYTES, signal)
            .await?
        {
            Fetched::Fresh { body, .. } => {
                json::from_slice(&body).map_err(|e| ApiError::Decode(e.to_string()))
            }
            // Only possible if a proxy invents a 304 for an unconditional request.
            Fetched::NotModified => Err(ApiError::Decode("unexpected 304 Not Modified".into())),
        }
    }

    /// A GET of `route`, with `If-None-Match: etag` when given, retried on
    /// transient failures; a body over `limit` bytes is refused.
    pub async fn get_conditional(
        &self,
        route: &Route,
        etag: Option<&str>,
        limit: u64,
        signal: Option<&AbortSignal>,
    ) -> Result<Fetched, ApiError> {
        with_retries(signal, || self.get_once(route, etag, limit, signal)).await
    }

    /// One attempt, no retry.
    async fn get_once(
        &self,
        route: &Route,
        etag: Option<&str>,
        limit: u64,
        signal: Option<&AbortSignal>,
    ) -> Result<Fetched, ApiError> {
        let resp = self.send(route, etag, signal).await?;
        self.read(resp, etag, limit).await
    }

    /// What a GET of `route` sends: the URL, the headers and whether cookies
    /// go along. Pure, so the credential handling is tested natively.
    pub fn plan(&self, route: &Route, etag: Option<&str>) -> RequestPlan {
        let mut headers = Vec::new();
        let send_cookies = match &self.auth {
            Auth::Cookie => true,
            // With a key, send no cookie: Immich checks a session cookie before
            // the key, so a stale login of another user would win over the key.
            Auth::ApiKey(key) => {
                headers.push(("x-api-key", key.expose().to_owned()));
                false
            }
        };
        if let Some(etag) = etag {
            headers.push(("If-None-Match", etag.to_owned()));
        }
        RequestPlan {
            url: route.url(&self.server),
            headers,
            send_cookies,
            // With a page-set `If-None-Match`, the Fetch standard turns the cache
            // mode "default" into "no-store", and Firefox and WebKit then add
            // `Cache-Control: no-cache`, to which Immich never answers 304.
            // "no-cache" makes every engine send `max-age=0` instead, which it
            // honours (measured table: ../shared/immich-api/README.md).
            revalidate: etag.is_some(),
        }
    }

    /// Sends one GET of `route` on this client's server. The only place
    /// requests are made: the URL comes from [`Route::url`]; a key travels
    /// only in its header, with no cookies.
    async fn send(
        &self,
        route: &Route,
        etag: Option<&str>,
        signal: Option<&AbortSignal>,
    ) -> Result<Response, ApiError> {
        let plan = self.plan(route, etag);
        let url = plan.url;
        // The request is built by hand rather than with `Request::get(url)`:
        // gloo-net 0.6 appends a stray `&` to a URL that already has a query.
        let init = web_sys::RequestInit::new();
        init.set_method("GET");
        let headers = web_sys::Headers::new().map_err(|e| self.js_error(&e))?;
        init.set_credentials(if plan.send_cookies {
            RequestCredentials::Include
        } else {
            RequestCredentials::Omit
        });
        for (name, value) in &plan.headers {
            headers.set(name, value).map_err(|_| {
                // The browser's message could quote the value: say it ourselves.
                ApiError::Invalid(match *name {
                    "x-api-key" => "the API key holds characters a header cannot carry".into(),
                    _ => "the stored ETag is not a valid header".into(),
                })
            })?;
        }
        init.set_headers(&headers);
        if plan.revalidate {
            init.set_cache(web_sys::RequestCache::NoCache);
        }
        // This attempt's own abort, so a stalled one can be cancelled alone.
        let attempt = web_sys::AbortController::new().ok();
        let own = attempt.as_ref().map(web_sys::AbortController::signal);
        init.set_signal(either_signal(signal, own.as_ref()).as_ref().or(signal));
        let raw = web_sys::Request::new_with_str_and_init(&url, &init)
            .map_err(|_| ApiError::Invalid(format!("{url} is not a valid address")))?;
        match within(Request::from(raw).send(), HEADERS_TIMEOUT).await {
            Some(sent) => sent.map_err(|e| self.send_error(e)),
            None => {
                if let Some(a) = attempt {
                    a.abort();
                }
                Err(ApiError::Timeout)
            }
        }
    }

    async fn read(
        &self,
        resp: Response,
        held: Option<&str>,
        limit: u64,
    ) -> Result<Fetched, ApiError> {
        let status = resp.status();
        if status == 304 {
            return Ok(Fetched::NotModified);
        }
        if (200..300).contains(&status) {
            let etag = resp.headers().get("etag");
            // A browser may answer a conditional request from its own HTTP
            // cache with a 200 carrying the ETag we hold: nothing changed, and
            // the body need not be read or decoded again.
            if held.is_some() && same_etag(etag.as_deref(), held) {
                return Ok(Fetched::NotModified);
            }
            let body = self.read_limited(&resp, limit).await?;
            return Ok(Fetched::Fresh { etag, body });
        }
        Err(self.error_of(&resp).await)
    }

    /// A file of the app's own deployment, by a URL relative to the page
    /// (`config.json` beside `index.html`): same origin, no credentials
    /// beyond the page's own, read against `limit`. `Ok(None)` when the
    /// server has none (404).
    pub async fn site_file(&self, relative: &str, limit: u64) -> Result<Option<Vec<u8>>, ApiError> {
        let init = web_sys::RequestInit::new();
        init.set_method("GET");
        init.set_credentials(RequestCredentials::SameOrigin);
        init.set_cache(web_sys::RequestCache::NoCache);
        let raw = web_sys::Request::new_with_str_and_init(relative, &init)
            .map_err(|_| ApiError::Invalid(format!("{relative} is not a valid address")))?;
        let resp = Request::from(raw)
            .send()
            .await
            .map_err(|e| self.send_error(e))?;
        let html = super::site::is_html(resp.headers().get("content-type").as_deref());
        match resp.status() {
            404 => Ok(None),
            // A host that answers every path with `index.html` (a
            // single-page rewrite) has no such file.
            200..=299 if html => Ok(None),
            200..=299 => self.read_limited(&resp, limit).await.map(Some),
            status => Err(status_error(status, &resp.status_text(), &[])),
        }
    }

    /// Reads the body, refusing more than `limit` bytes: first by the
    /// declared `Content-Length`, then by counting the chunks as they
    /// arrive (a server may send no length, or a wrong one), so a huge
    /// answer is cut off before it is held in memory.
    async fn read_limited(&self, resp: &Response, limit: u64) -> Result<Vec<u8>, ApiError> {
        let declared =
            limits::check_declared(resp.headers().get("content-length").as_deref(), limit)
                .map_err(ApiError::TooLarge)?;
        let Some(stream) = resp.body() else {
            return Ok(Vec::new());
        };
        let reader: web_sys::ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
        let mut body = Vec::with_capacity(limits::initial_capacity(declared, limit));
        let mut total = 0u64;
        let (done_key, value_key) = (JsValue::from_str("done"), JsValue::from_str("value"));
        loop {
            let Some(step) = within(JsFuture::from(reader.read()), BODY_IDLE_TIMEOUT).await else {
                // Stop the transfer; the rejection of `cancel` says nothing new.
                let _ = reader.cancel();
                return Err(ApiError::Timeout);
            };
            let step = step.map_err(|e| self.js_error(&e))?;
            let done = js_sys::Reflect::get(&step, &done_key)
                .ok()
                .and_then(|d| d.as_bool())
                .unwrap_or(true);
            if done {
                return Ok(body);
            }
            let Some(chunk) = js_sys::Reflect::get(&step, &value_key)
                .ok()
                .and_then(|v| v.dyn_into::<js_sys::Uint8Array>().ok())
            else {
                return Err(ApiError::Decode(
                    "the body arrived in a form a page cannot read".into(),
                ));
            };
            let n = chunk.length();
            total = match limits::check_read(total, u64::from(n), limit) {
                Ok(t) => t,
                Err(e) => {
                    // Stop the transfer; the rejection of `cancel` says nothing new.
                    let _ = reader.cancel();
                    return Err(ApiError::TooLarge(e));
                }
            };
            let start = body.len();
            body.resize(start + n as usize, 0);
            chunk.copy_to(&mut body[start..]);
        }
    }

    fn js_error(&self, e: &JsValue) -> ApiError {
        let (name, message) = js_error_parts(e);
        if name == "AbortError" {
            ApiError::Aborted
        } else {
            ApiError::Network {
                cross_origin: self.cross_origin,
                detail: message,
            }
        }
    }

    fn send_error(&self, e: gloo_net::Error) -> ApiError {
        match e {
            gloo_net::Error::JsError(js) if js.name == "AbortError" => ApiError::Aborted,
            gloo_net::Error::JsError(js) => ApiError::Network {
                cross_origin: self.cross_origin,
                detail: js.message,
            },
            other => ApiError::Network {
                cross_origin: self.cross_origin,
                detail: other.to_string(),
            },
        }
    }
}

/// The `name` and `message` of a thrown JS value (an `Error` or `DOMException`).
pub(crate) fn js_error_parts(e: &JsValue) -> (String, String) {
    if let Some(e) = e.dyn_ref::<js_sys::Error>() {
        return (e.name().into(), e.message().into());
    }
    if let Some(e) = e.dyn_ref::<web_sys::DomException>() {
        return (e.name(), e.message());
    }
    (String::new(), e.as_string().unwrap_or_default())
}

/// Whether a response's `ETag` names the same representation as the one
/// held (weak comparison, as `If-None-Match` uses: `W/` is ignored).
pub fn same_etag(got: Option<&str>, held: Option<&str>) -> bool {
    let strip = |t: &str| {
        let t = t.trim();
        t.strip_prefix("W/").unwrap_or(t).to_owned()
    };
    match (got, held) {
        (Some(g), Some(h)) => !g.trim().is_empty() && strip(g) == strip(h),
        _ => false,
    }
}

/// The error for a non-2xx status, using Immich's JSON error body when it parses.
pub fn status_error(status: u16, status_text: &str, body: &[u8]) -> ApiError {
    let immich = json::from_slice::<ErrorResponse>(body).ok();
    let from_immich = immich.is_some();
    let message = match immich {
        Some(e) => e.message.text(),
        None if !status_text.is_empty() => status_text.to_owned(),
        None => format!("HTTP {status}"),
    };
    if status == 401 {
        ApiError::Unauthorized { message }
    } else {
        ApiError::Status {
            status,
            message,
            from_immich,
        }
    }
}

/// `e` with the server's `Retry-After` (read at `now_ms`) when it is a
/// `429` or `503`: those become [`ApiError::Busy`].
pub fn with_retry_after(e: ApiError, retry_after: Option<&str>, now_ms: i64) -> ApiError {
    match e {
        ApiError::Status {
            status: status @ (429 | 503),
            message,
            ..
        } => ApiError::Busy {
            status,
            message,
            retry_after_ms: retry_after.and_then(|v| retry::parse_retry_after(v, now_ms)),
        },
        other => other,
    }
}

/// Runs `attempt` until it succeeds or the retry policy gives up
/// (`retry::quick_retry`: transient failures, a few times, honouring
/// `Retry-After`), or `signal` aborts meanwhile.
async fn with_retries<T, Fut: Future<Output = Result<T, ApiError>>>(
    signal: Option<&AbortSignal>,
    mut attempt: impl FnMut() -> Fut,
) -> Result<T, ApiError> {
    let mut n = 0;
    loop {
        match attempt().await {
            Err(e) => match retry::quick_retry(e.failure(), n) {
                Some(ms) => {
                    sleep(Duration::from_millis(ms)).await;
                    if signal.is_some_and(AbortSignal::aborted) {
                        return Err(ApiError::Aborted);
                    }
                    n += 1;
                }
                None => return Err(e),
            },
            ok => return ok,
        }
    }
}

/// The signal that aborts when either does (`AbortSignal.any`); `None`
/// when there is only one, or the browser lacks `any`.
fn either_signal(a: Option<&AbortSignal>, b: Option<&AbortSignal>) -> Option<AbortSignal> {
    let (Some(a), Some(b)) = (a, b) else {
        return b.cloned();
    };
    let ctor = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("AbortSignal")).ok()?;
    let any = js_sys::Reflect::get(&ctor, &JsValue::from_str("any"))
        .ok()?
        .dyn_into::<js_sys::Function>()
        .ok()?;
    let list = js_sys::Array::of2(a, b);
    any.call1(&ctor, &list).ok()?.dyn_into::<AbortSignal>().ok()
}

/// `fut`'s output, or `None` when `limit` passes first.
async fn within<F: Future>(fut: F, limit: Duration) -> Option<F::Output> {
    let (mut fut, mut timer) = (pin!(fut), pin!(sleep(limit)));
    std::future::poll_fn(|cx| {
        if let Poll::Ready(v) = fut.as_mut().poll(cx) {
            return Poll::Ready(Some(v));
        }
        if timer.as_mut().poll(cx).is_ready() {
            return Poll::Ready(None);
        }
        Poll::Pending
    })
    .await
}

/// The delay before retry number `attempt` (0-based): 250 ms doubling.
pub fn backoff(attempt: u32) -> Duration {
    FIRST_BACKOFF.saturating_mul(1u32 << attempt.min(16))
}

/// Waits `d` on the browser's timer. Outside a browser it returns at once.
/// Dropping the wait (a `within` whose work finished first, an aborted
/// load) clears the timer, so a finished request leaves no timer behind.
pub fn sleep(d: Duration) -> Sleep {
    let ms = i32::try_from(d.as_millis()).unwrap_or(i32::MAX);
    let mut timer = None;
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        timer = web_sys::window().and_then(|w| {
            w.set_timeout_with_callback_and_timeout_and_arguments_0(resolve.unchecked_ref(), ms)
                .ok()
        });
        if timer.is_none() {
            let _ = resolve.call0(&JsValue::UNDEFINED);
        }
    });
    Sleep {
        timer,
        done: JsFuture::from(promise),
    }
}

/// The future of [`sleep`]: the browser's timer, cleared when dropped early.
pub struct Sleep {
    timer: Option<i32>,
    done: JsFuture,
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<()> {
        // The promise never rejects.
        let ready = std::pin::Pin::new(&mut self.done).poll(cx).is_ready();
        if ready {
            self.timer = None;
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if let (Some(id), Some(w)) = (self.timer.take(), web_sys::window()) {
            w.clear_timeout_with_handle(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_status(status: u16, text: &str, body: &str, expected: ApiError) {
        assert_eq!(status_error(status, text, body.as_bytes()), expected);
    }

    #[test]
    fn status_errors_use_immich_messages() {
        check_status(
            401,
            "Unauthorized",
            r#"{"error":"Unauthorized","statusCode":401,"message":"Invalid API key"}"#,
            ApiError::Unauthorized {
                message: "Invalid API key".into(),
            },
        );
        check_status(
            400,
            "Bad Request",
            r#"{"error":"Bad Request","statusCode":400,"message":["a","b"]}"#,
            ApiError::Status {
                status: 400,
                message: "a; b".into(),
                from_immich: true,
            },
        );
        check_status(
            404,
            "Not Found",
            "<html>nginx</html>",
            ApiError::Status {
                status: 404,
                message: "Not Found".into(),
                from_immich: false,
            },
        );
        check_status(
            502,
            "",
            "",
            ApiError::Status {
                status: 502,
                message: "HTTP 502".into(),
                from_immich: false,
            },
        );
    }

    #[test]
    fn transient_errors() {
        let status = |status| ApiError::Status {
            status,
            message: String::new(),
            from_immich: false,
        };
        assert!(status(500).is_transient());
        assert!(status(503).is_transient());
        assert!(!status(404).is_transient());
        assert!(!status(400).is_transient());
        assert!(!ApiError::Aborted.is_transient());
        assert!(!ApiError::Unauthorized {
            message: String::new()
        }
        .is_transient());
        assert!(ApiError::Network {
            cross_origin: false,
            detail: String::new()
        }
        .is_transient());
    }

    #[test]
    fn etags_compare_weakly() {
        assert!(same_etag(Some("\"a-1\""), Some("\"a-1\"")));
        assert!(same_etag(Some("W/\"a-1\""), Some("\"a-1\"")));
        assert!(!same_etag(Some("\"a-2\""), Some("\"a-1\"")));
        assert!(!same_etag(None, Some("\"a-1\"")));
        assert!(!same_etag(Some("\"a-1\""), None));
        assert!(!same_etag(Some(""), Some("")));
    }

    #[test]
    fn backoff_doubles() {
        let ms: Vec<u128> = (0..RETRIES).map(|a| backoff(a).as_millis()).collect();
        assert_eq!(ms, [250, 500, 1000]);
        assert!(backoff(u32::MAX) > backoff(3));
    }

    #[test]
    fn stats_queries() {
        assert_eq!(StatsQuery::default().to_query_string(), "");
        let s = StatsQuery {
            is_archived: Some(true),
            is_trashed: Some(false),
            ..Default::default()
        };
        assert_eq!(s.to_query_string(), "isArchived=true&isTrashed=false");
    }
}
