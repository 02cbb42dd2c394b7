//! `immich-grid-proxy serve --config FILE`: see the crate docs and the README.

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use immich_grid_proxy::{config::Config, router, upstream::ApiKey, Proxy};
use std::{net::SocketAddr, path::PathBuf, sync::Arc};

/// A read-only proxy that serves immich-grid and keeps the Immich API key on the server.
#[derive(Debug, Parser)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the app and the allow-listed API.
    Serve {
        /// The TOML configuration file.
        #[arg(long)]
        config: PathBuf,
        /// Listen here instead of the file's `listen` (port 0 picks a free one).
        #[arg(long)]
        listen: Option<SocketAddr>,
    },
    /// Check the configuration and the key file, then exit.
    Check {
        /// The TOML configuration file.
        #[arg(long)]
        config: PathBuf,
    },
}

fn load(path: &PathBuf) -> anyhow::Result<(Config, ApiKey)> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the configuration {}", path.display()))?;
    let config = Config::parse(&text).with_context(|| format!("in {}", path.display()))?;
    // The key's file is named in errors, never its contents.
    let key_text = std::fs::read_to_string(&config.api_key_file)
        .with_context(|| format!("reading the API key file {}", config.api_key_file.display()))?;
    let key = ApiKey::parse(&key_text)
        .with_context(|| format!("in the API key file {}", config.api_key_file.display()))?;
    Ok((config, key))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Check { config } => {
            load(&config)?;
            println!("configuration ok");
            Ok(())
        }
        Command::Serve { config, listen } => {
            let (mut config, key) = load(&config)?;
            if let Some(l) = listen {
                config.listen = l;
            }
            let addr = config.listen;
            let proxy = Proxy::new(config, key, Arc::new(|line: &str| eprintln!("{line}")))?;
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .with_context(|| format!("binding {addr}"))?;
            println!(
                "immich-grid-proxy listening on http://{}",
                listener.local_addr()?
            );
            axum::serve(
                listener,
                router(proxy).into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await?;
            Ok(())
        }
    }
}
