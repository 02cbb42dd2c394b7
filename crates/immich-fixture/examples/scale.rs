//! Scale check: `cargo run -p immich-fixture --example scale --profile release-native`.
//! Generates a 1,000,000-asset admin library (plus the partners'), prints RSS,
//! generation time, the time to answer take=1000 pages, and a whole 100,000-asset body.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark: failing loudly is fine

use axum::{body::Body, http::Request};
use immich_fixture::{app, AppState, Config};
use std::time::Instant;
use tower::ServiceExt as _;

fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

async fn timed_get(router: &axum::Router, uri: &str, key: &str) -> (f64, usize, u16) {
    let t = Instant::now();
    let res = router
        .clone()
        .oneshot(
            Request::builder()
                .uri(uri)
                .header("x-api-key", key)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let status = res.status().as_u16();
    let body = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .unwrap();
    (t.elapsed().as_secs_f64() * 1000.0, body.len(), status)
}

#[tokio::main]
async fn main() {
    let base = rss_mib();
    let t = Instant::now();
    let state = AppState::generated(1, 1_000_000, Config::default());
    let gen_s = t.elapsed().as_secs_f64();
    let (records, listed) = {
        let s = state.read();
        (
            s.assets().len(),
            (0..3).map(|u| s.timeline(u).len()).sum::<usize>(),
        )
    };
    println!("generated 1,000,000 admin assets ({records} records incl. partners and hidden videos, {listed} listed) in {gen_s:.2} s");
    println!("RSS {:.0} MiB (baseline {base:.0} MiB)", rss_mib());
    let key = state.read().users[0].api_key.clone();
    let router = app(state);
    for uri in [
        "/api/asset?take=1000",
        "/api/asset?skip=500000&take=1000",
        "/api/asset?take=1000&isFavorite=true&skip=20000",
    ] {
        let _ = timed_get(&router, uri, &key).await; // warm-up
        let (ms, bytes, status) = timed_get(&router, uri, &key).await;
        println!("{uri}: {status} {bytes} bytes in {ms:.1} ms");
    }
    println!("RSS after pages {:.0} MiB", rss_mib());
    drop(router);

    let t = Instant::now();
    let small = AppState::generated(2, 100_000, Config::default());
    let gen_s = t.elapsed().as_secs_f64();
    let key = small.read().users[0].api_key.clone();
    let router = app(small);
    let (ms, bytes, status) = timed_get(&router, "/api/asset", &key).await;
    println!(
        "whole 100,000-asset library (generated in {gen_s:.2} s): {status} {:.1} MB in {ms:.0} ms",
        bytes as f64 / 1e6
    );
    println!("RSS peak-ish {:.0} MiB", rss_mib());
}
