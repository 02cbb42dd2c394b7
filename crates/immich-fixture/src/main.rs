//! Immich v1.103.1-faithful fixture server: `cargo run -p immich-fixture -- --help`
//! (e.g. `cargo run -p immich-fixture -- --assets 20000 --test-controls --port 2283`).

use anyhow::Context as _;
use clap::Parser;
use immich_fixture::{app, AppState, Config};
use std::path::PathBuf;

/// Command-line options.
#[derive(Debug, Parser)]
#[command(
    version,
    about = "An Immich v1.103.1-faithful fixture server with a seeded library"
)]
struct Cli {
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 2283)]
    port: u16,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Assets in the admin's generated library (the partner gets a quarter, the third user a tenth).
    #[arg(long, default_value_t = 5000)]
    assets: usize,
    /// Generator seed: the same seed gives the same library, ids and keys.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Serve this JSON array of AssetResponseDto as the admin's library instead of a generated one.
    #[arg(long)]
    library: Option<PathBuf>,
    /// Serve the built app from this directory (unknown non-/api paths get index.html).
    #[arg(long)]
    app_dir: Option<PathBuf>,
    /// Set the admin's session cookie on index.html, as if the browser were logged in to Immich.
    #[arg(long)]
    demo_session: bool,
    /// Enable the /__fixture/ test controls (mutations, faults, request log, credentials).
    #[arg(long)]
    test_controls: bool,
    /// Allow this origin by CORS, exposing ETag (repeatable).
    #[arg(long = "cors-origin")]
    cors_origins: Vec<String>,
    /// With --cors-origin: leave ETag out of Access-Control-Expose-Headers (a proxy set up without it).
    #[arg(long)]
    cors_hide_etag: bool,
    /// Serve the API and the test controls under this path, like Immich behind a proxy at /immich.
    #[arg(long)]
    base_path: Option<String>,
    /// Serve only --app-dir (no API): the app's own origin when the API lives on another.
    #[arg(long)]
    app_only: bool,
    /// Send the strict Content-Security-Policy header with the app's pages.
    #[arg(long)]
    csp: bool,
    /// With --csp: also allow fetching from and showing images of this origin (repeatable).
    #[arg(long = "csp-allow")]
    csp_allow: Vec<String>,
    /// Serve the app under this path (e.g. /a/b/grid/) instead of the root.
    #[arg(long)]
    app_path: Option<String>,
    /// With --csp: where browsers report violations (report-uri).
    #[arg(long)]
    csp_report: Option<String>,
    /// Play this Immich version (e.g. 3.1.0, 1.120.0): from 1.106 on, the
    /// current routes (timeline buckets, /api/assets, /api/server) replace v1.103.1's.
    #[arg(long)]
    immich_version: Option<String>,
    /// The permissions of every user's API key on current servers, comma
    /// separated (e.g. `asset.read,asset.view,user.read,partner.read`; default `all`).
    #[arg(long, value_delimiter = ',')]
    key_permissions: Vec<String>,
    /// Give runs of neighbouring assets one `fileCreatedAt` (bursts of up to
    /// 60): many order ties, for the `shuffleTies` fault.
    #[arg(long)]
    tie_bursts: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let immich_version = match cli.immich_version.as_deref() {
        Some(text) => Some(
            immich_fixture::timeline::Version::parse(text)
                .with_context(|| format!("--immich-version {text:?} is not MAJOR.MINOR.PATCH"))?,
        ),
        None => None,
    };
    if let Some(bad) = cli
        .key_permissions
        .iter()
        .find(|p| !immich_fixture::scopes::valid_name(p))
    {
        anyhow::bail!("--key-permissions: {bad:?} is not a permission name");
    }
    if cli.key_permissions.len() > immich_fixture::scopes::MAX_PERMISSIONS {
        anyhow::bail!("--key-permissions: too many");
    }
    let config = Config {
        key_permissions: cli.key_permissions.clone(),
        immich_version,
        app_dir: cli.app_dir.clone(),
        demo_session: cli.demo_session,
        test_controls: cli.test_controls,
        cors_origins: cli.cors_origins.clone(),
        cors_hide_etag: cli.cors_hide_etag,
        base_path: cli.base_path.clone(),
        app_only: cli.app_only,
        csp: cli.csp,
        csp_allow: cli.csp_allow.clone(),
        app_path: cli.app_path.clone(),
        csp_report: cli.csp_report.clone(),
    };
    let base = config.base();
    let state = match &cli.library {
        Some(path) => {
            let json = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            AppState::from_library_json(cli.seed, &json, cli.assets, config)
                .with_context(|| format!("loading {}", path.display()))?
        }
        None => AppState::generated(cli.seed, cli.assets, config),
    };
    if cli.tie_bursts {
        immich_fixture::generate::tie_bursts(&mut state.write(), cli.seed);
    }
    let listener = tokio::net::TcpListener::bind((cli.host.as_str(), cli.port))
        .await
        .with_context(|| format!("binding {}:{}", cli.host, cli.port))?;
    let addr = listener.local_addr()?;
    println!("immich-fixture listening on http://{addr}");
    if let Some(base) = base {
        println!("api base http://{addr}{base}");
    }
    if cli.test_controls || cli.demo_session {
        let store = state.read();
        for u in &store.users {
            println!(
                "user {} {} apiKey={} accessToken={}",
                u.email,
                immich_fixture::rng::format_uuid(u.id),
                u.api_key,
                u.access_token
            );
        }
    }
    axum::serve(listener, app(state))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
