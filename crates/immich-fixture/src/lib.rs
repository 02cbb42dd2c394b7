//! An Immich v1.103.1-faithful fixture server.
//!
//! [`app`] builds the axum router: the asset, user and server-info routes of
//! that release with Immich's auth order, validation messages, Express ETags
//! and 304s; generated or loaded libraries held compactly in memory
//! ([`store`]); real thumbnails rendered from thumbhashes ([`thumbs`]); opt-in
//! test controls under `/__fixture/` ([`controls`]); and the built app served
//! from a directory with an optional demo session cookie.
//!
//! Invariant: only this crate's handlers touch the store, always through the
//! [`AppState`] lock; every mutation keeps each owner's timeline sorted.

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod api;
pub mod auth;
pub mod controls;
pub mod dto;
pub mod error;
pub mod etag;
pub mod generate;
pub mod media;
pub mod rng;
pub mod scopes;
pub mod store;
pub mod tables;
pub mod thumbs;
pub mod timeline;

use axum::{
    http::{header, HeaderName, HeaderValue, Method},
    middleware, Router,
};
use std::{
    path::PathBuf,
    sync::{Arc, Mutex, RwLock},
};
use tower_http::cors::{AllowOrigin, CorsLayer};

/// Server options beyond the library itself.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Directory of the built app to serve for non-`/api` paths (with `index.html` fallback).
    pub app_dir: Option<PathBuf>,
    /// Set the admin's `immich_access_token` cookie on every `index.html` answer.
    pub demo_session: bool,
    /// Enable the `/__fixture/` test controls.
    pub test_controls: bool,
    /// Origins allowed by CORS (empty: no CORS headers, like a production Immich).
    pub cors_origins: Vec<String>,
    /// CORS without `Access-Control-Expose-Headers: ETag`, like a proxy set up
    /// without it: pages on those origins cannot read the ETag.
    pub cors_hide_etag: bool,
    /// Serve the API (and the test controls) under this path prefix, like an
    /// Immich behind a proxy at `https://host/immich`: `/immich/api/asset`.
    /// `None` or `/`: at the root. The app (if any) is still served at `/`.
    pub base_path: Option<String>,
    /// Serve only the app directory (no API, no test controls): the app's own
    /// origin when the API lives on another.
    pub app_only: bool,
    /// Send the strict Content-Security-Policy header with the app's pages
    /// (see [`csp_header`]).
    pub csp: bool,
    /// Origins the app's pages may also fetch from and show images of (an
    /// Immich on another origin): added to `connect-src` and `img-src`.
    pub csp_allow: Vec<String>,
    /// Serve the app under this path (`/a/b/grid/`) instead of the root:
    /// the built folder at a sub-path, as a static host would.
    pub app_path: Option<String>,
    /// With `csp`: where browsers report violations (`report-uri`), for
    /// tests that drive a browser without a page-level listener.
    pub csp_report: Option<String>,
    /// Play this server version (`--immich-version 3.1.0`): from v1.106 the
    /// current routes of [`timeline`] replace v1.103's; `None` plays v1.103.1.
    pub immich_version: Option<timeline::Version>,
    /// The permissions of every user's API key (`--key-permissions`);
    /// empty: `["all"]`.
    pub key_permissions: Vec<String>,
}

/// The strict policy the app runs under: no inline script or style, wasm
/// compiled from its own origin; `data:` images are the thumbhash
/// placeholders the app draws itself, `blob:` the thumbnails, previews and
/// videos fetched with an API key; `extra` origins (an Immich elsewhere) are added where the
/// app reaches them.
pub fn csp_header(extra: &[String]) -> String {
    let extra: String = extra
        .iter()
        .map(|o| format!(" {}", o.trim_end_matches('/')))
        .collect();
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data: blob:{extra}; media-src 'self' blob:{extra}; \
         connect-src 'self'{extra}; \
         object-src 'none'; base-uri 'self'; frame-ancestors *"
    )
}

impl Config {
    /// The base path in canonical form (`/immich`, no trailing slash), or
    /// `None` for the root. Empty segments and surrounding slashes are dropped.
    pub fn base(&self) -> Option<String> {
        let parts: Vec<&str> = self
            .base_path
            .as_deref()?
            .split('/')
            .filter(|p| !p.is_empty())
            .collect();
        (!parts.is_empty()).then(|| format!("/{}", parts.join("/")))
    }
}

/// Everything the handlers share.
#[derive(Debug)]
pub struct Shared {
    /// The library; handlers take the read lock, test controls the write lock.
    pub store: RwLock<store::Store>,
    /// Thumbhash palette of generated assets.
    pub palette: thumbs::Palette,
    /// Rendered image cache.
    pub images: thumbs::ImageCache,
    /// Options.
    pub config: Config,
    /// Pending injected faults.
    pub faults: Mutex<Vec<controls::Fault>>,
    /// Request log of the test controls.
    pub log: Mutex<std::collections::VecDeque<controls::LogEntry>>,
}

/// Cheaply clonable handle on [`Shared`], the router's state.
#[derive(Debug, Clone)]
pub struct AppState(pub Arc<Shared>);

impl AppState {
    /// State over a ready store.
    pub fn new(mut store: store::Store, config: Config) -> Self {
        if !config.key_permissions.is_empty() {
            for u in &mut store.users {
                u.key_permissions = config.key_permissions.clone();
            }
        }
        let palette = thumbs::Palette::new(store.seed);
        Self(Arc::new(Shared {
            store: RwLock::new(store),
            palette,
            images: thumbs::ImageCache::default(),
            config,
            faults: Mutex::new(Vec::new()),
            log: Mutex::new(std::collections::VecDeque::new()),
        }))
    }

    /// A generated library: `admin_assets` for the admin, fewer for the others.
    pub fn generated(seed: u64, admin_assets: usize, config: Config) -> Self {
        Self::new(
            generate::generate(seed, &generate::user_sizes(admin_assets)),
            config,
        )
    }

    /// The admin's library from a JSON array of `AssetResponseDto` (the other users' are generated).
    pub fn from_library_json(
        seed: u64,
        json: &str,
        admin_assets: usize,
        config: Config,
    ) -> anyhow::Result<Self> {
        let assets: Vec<immich_api::AssetResponseDto> = serde_json::from_str(json)?;
        let mut sizes = generate::user_sizes(admin_assets);
        sizes[0] = 0;
        let mut store = generate::generate(seed, &sizes);
        controls::load_library(&mut store, assets)?;
        Ok(Self::new(store, config))
    }

    /// Read access to the store (a poisoned lock is recovered: the data stays consistent
    /// because every mutation completes before the guard drops).
    pub fn read(&self) -> std::sync::RwLockReadGuard<'_, store::Store> {
        self.0
            .store
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Write access to the store.
    pub fn write(&self) -> std::sync::RwLockWriteGuard<'_, store::Store> {
        self.0
            .store
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The whole server: API, optional test controls, static app, middlewares.
pub fn app(state: AppState) -> Router {
    let config = state.0.config.clone();
    if config.app_only {
        // The app's own origin: no API answers here, so a request that goes
        // to the wrong origin fails loudly instead of reaching a library.
        let router = Router::new().fallback(media::fallback).with_state(state);
        // Other origins may load the app's files (the custom element's
        // module and wasm are fetched in CORS mode).
        return match cors_layer(&config) {
            Some(cors) => router.layer(cors),
            None => router,
        };
    }
    let mut router = match config.base() {
        // Immich behind a path: everything of the server moves under it; the
        // root only serves the app (or 404s).
        Some(base) => {
            let mut inner = api_routes(&config);
            if config.test_controls {
                inner = inner.merge(controls::routes());
            }
            let inner = inner
                .fallback(media::not_found)
                .method_not_allowed_fallback(media::not_found);
            Router::new().nest(&base, inner).fallback(media::fallback)
        }
        None => {
            let mut router = api_routes(&config);
            if config.test_controls {
                router = router.merge(controls::routes());
            }
            router.fallback(media::fallback)
        }
    };
    router = router
        // Nest answers a known path with the wrong method as an unknown route (404), not 405.
        .method_not_allowed_fallback(media::not_found)
        .layer(middleware::from_fn(etag::layer))
        .layer(middleware::from_fn_with_state(state.clone(), scopes::layer))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            api::date_layer,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            controls::faults_layer,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            controls::log_layer,
        ));
    let mut router = router.with_state(state);
    if let Some(cors) = cors_layer(&config) {
        router = router.layer(cors);
    }
    router
}

/// CORS for `config.cors_origins`, or `None` when there are none.
/// The `/api` routes of the version played: v1.103.1's, or the current ones.
fn api_routes(config: &Config) -> Router<AppState> {
    match config.immich_version {
        Some(v) if v.is_current() => timeline::routes(),
        _ => api::routes(),
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
    {
        let exposed: &[HeaderName] = if config.cors_hide_etag {
            &[
                header::CONTENT_RANGE,
                header::CONTENT_LENGTH,
                header::DATE,
                header::RETRY_AFTER,
            ]
        } else {
            &[
                header::ETAG,
                header::CONTENT_RANGE,
                header::CONTENT_LENGTH,
                header::DATE,
                header::RETRY_AFTER,
            ]
        };
        Some(
            CorsLayer::new()
                .allow_origin(AllowOrigin::list(origins))
                .allow_methods([
                    Method::GET,
                    Method::HEAD,
                    Method::POST,
                    Method::DELETE,
                    Method::OPTIONS,
                ])
                .allow_headers([
                    HeaderName::from_static("x-api-key"),
                    header::IF_NONE_MATCH,
                    header::AUTHORIZATION,
                    header::CONTENT_TYPE,
                    header::CACHE_CONTROL,
                    header::RANGE,
                ])
                .expose_headers(exposed.to_vec())
                .allow_credentials(true),
        )
    }
}

/// Splits a raw query string into decoded pairs.
pub fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}
