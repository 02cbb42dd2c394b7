//! Measures the index's memory and snapshot size per asset on real page bodies.
//!
//! Run: `cargo run -p library-core --profile release-native --example index_memory -- DIR`
//! where DIR holds `GET /api/asset` page bodies (one JSON file each, e.g. fetched
//! from the fixture with curl), in page order by file name.
#![allow(clippy::unwrap_used, clippy::expect_used)] // A benchmark: failing loudly is fine.

use std::time::Instant;

use library_core::{decode_page, snapshot, LibraryIndex, FIXED_BYTES_PER_ASSET};

fn main() {
    let dir = std::env::args().nth(1).expect("a directory of page bodies");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let bodies: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(f).unwrap()).collect();
    let json: usize = bodies.iter().map(Vec::len).sum();
    let t = Instant::now();
    let pages: Vec<LibraryIndex> = bodies
        .iter()
        .map(|b| {
            let mut p = decode_page(b).unwrap();
            p.shrink_to_fit();
            p
        })
        .collect();
    let t_json = t.elapsed().as_secs_f64();
    let merged = LibraryIndex::merge(&pages).unwrap();
    let n = merged.len() as f64;
    let snaps: Vec<Vec<u8>> = pages
        .iter()
        .enumerate()
        .map(|(k, p)| snapshot::encode(p, &format!("etag-{k}")))
        .collect();
    let snap_bytes: usize = snaps.iter().map(Vec::len).sum();
    let t = Instant::now();
    let back: Vec<LibraryIndex> = snaps
        .iter()
        .enumerate()
        .map(|(k, s)| snapshot::decode(s, &format!("etag-{k}")).unwrap())
        .collect();
    let t_snap = t.elapsed().as_secs_f64();
    assert!(back.iter().zip(&pages).all(|(a, b)| a == b));
    println!(
        "{} assets in {} pages; JSON {:.0} bytes/asset",
        n,
        pages.len(),
        json as f64 / n
    );
    println!(
        "index: fixed {FIXED_BYTES_PER_ASSET} bytes/asset, total {:.1} bytes/asset ({:.1} MB), {} chunks",
        merged.memory_bytes() as f64 / n,
        merged.memory_bytes() as f64 / 1e6,
        merged.chunk_count()
    );
    println!(
        "snapshots: {:.1} bytes/asset ({:.1} MB, {:.1}% of the JSON)",
        snap_bytes as f64 / n,
        snap_bytes as f64 / 1e6,
        100.0 * snap_bytes as f64 / json as f64
    );
    println!(
        "decode JSON pages: {:.0} ms; decode snapshots: {:.0} ms",
        t_json * 1e3,
        t_snap * 1e3
    );
}
