//! The proxy's configuration file (TOML), checked at start.
//!
//! Every field has a safe default except `upstream` and `api_key_file`; see
//! `examples/proxy/immich-grid-proxy.toml` for a commented example.

use serde::Deserialize;
use std::{net::SocketAddr, path::PathBuf};

/// How a visitor's filter is restricted. `None` in the file (the key left
/// out) lets the visitor choose; a value forces it: a listing or count
/// without the filter gets it added, one asking for the other value is
/// refused with 403.
pub type Forced = Option<bool>;

/// The checked configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address to listen on.
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    /// The Immich server, `http://host:port[/prefix]` (plain HTTP: run the
    /// proxy beside Immich or on a trusted network).
    pub upstream: String,
    /// A file holding the API key (read once at start, trimmed).
    pub api_key_file: PathBuf,
    /// The built app (`dist/`) to serve at `/`; none: API only.
    #[serde(default)]
    pub app_dir: Option<PathBuf>,
    /// Serve the key owner's own library (requests without `userId`, or
    /// with the owner's id).
    #[serde(default = "yes")]
    pub allow_own_library: bool,
    /// Other users whose libraries may be listed (`userId=`): partners who
    /// share with the key's owner.
    #[serde(default)]
    pub allowed_user_ids: Vec<String>,
    /// Forced `isFavorite` (`true`: favourites only).
    #[serde(default)]
    pub is_favorite: Forced,
    /// Forced `isArchived` (default `false`: archived assets never shown).
    #[serde(default = "no_archived")]
    pub is_archived: Forced,
    /// Serve original files (`/api/asset/file/{id}`).
    #[serde(default)]
    pub originals: bool,
    /// Pages on these origins may call the proxy (CORS, `ETag` exposed).
    #[serde(default)]
    pub cors_origins: Vec<String>,
    /// Per-client token bucket.
    #[serde(default)]
    pub rate_limit: RateLimit,
    /// Upstream timeouts and sizes.
    #[serde(default)]
    pub limits: Limits,
    /// Take the client address from the last `X-Forwarded-For` entry (only
    /// behind a reverse proxy that sets it).
    #[serde(default)]
    pub trust_forwarded_for: bool,
    /// How long an asset id found allowed stays allowed without a new check.
    #[serde(default = "default_ttl")]
    pub allowed_ids_ttl_secs: u64,
}

/// Token bucket by client address.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    /// Requests a client may make at once.
    pub burst: u32,
    /// Tokens added per second.
    pub per_second: f64,
}

impl Default for RateLimit {
    fn default() -> Self {
        Self {
            burst: 400,
            per_second: 100.0,
        }
    }
}

/// Timeouts and size caps.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Connecting to the upstream, seconds.
    pub connect_timeout_secs: u64,
    /// Until the upstream's answer head arrives, seconds.
    pub response_timeout_secs: u64,
    /// Reading a whole JSON answer (listings), seconds.
    pub body_timeout_secs: u64,
    /// Largest JSON answer passed on (a 5,000-asset page is ~15 MB).
    pub max_json_bytes: usize,
    /// Largest media answer (thumbnail, original) passed on.
    pub max_media_bytes: u64,
    /// Longest request target (path and query).
    pub max_uri_bytes: usize,
    /// Largest `take` a listing may ask for.
    pub max_take: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            connect_timeout_secs: 5,
            response_timeout_secs: 30,
            body_timeout_secs: 120,
            max_json_bytes: 64 << 20,
            max_media_bytes: 4 << 30,
            max_uri_bytes: 2048,
            max_take: 5000,
        }
    }
}

fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8090))
}
fn yes() -> bool {
    true
}
fn no_archived() -> Forced {
    Some(false)
}
fn default_ttl() -> u64 {
    600
}

impl Config {
    /// Parses and checks a TOML file's text.
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let config: Config = toml::from_str(text)?;
        config.check()?;
        Ok(config)
    }

    /// Checks values serde cannot.
    pub fn check(&self) -> anyhow::Result<()> {
        crate::upstream::Upstream::parse_base(&self.upstream)?;
        for id in &self.allowed_user_ids {
            anyhow::ensure!(
                crate::routes::is_uuid(id),
                "allowed_user_ids: {id:?} is not a UUID"
            );
        }
        for o in &self.cors_origins {
            anyhow::ensure!(
                (o.starts_with("http://") || o.starts_with("https://"))
                    && o.trim_end_matches('/').matches('/').count() == 2,
                "cors_origins: {o:?} is not an origin like https://example.com"
            );
        }
        anyhow::ensure!(
            self.rate_limit.burst >= 1 && self.rate_limit.per_second > 0.0,
            "rate_limit: burst must be at least 1 and per_second above 0"
        );
        anyhow::ensure!(
            self.allow_own_library || !self.allowed_user_ids.is_empty(),
            "nothing to show: allow_own_library is false and allowed_user_ids is empty"
        );
        Ok(())
    }
}
