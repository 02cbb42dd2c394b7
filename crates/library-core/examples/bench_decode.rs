//! Measures the byte-level decoder and the in-app filters natively.
//!
//! Run: `cargo run -p library-core --profile release-native --example bench_decode [-- N]`
//! (N assets, default 100 000 ≈ 150 MB). Set `BENCH_JSON_OUT=/tmp/lib.json` to also
//! write the body, then compare with V8:
//! `BENCH_DECODE_ONLY=1` stops after the decoder (for profiling).
//! `node -e 'const b=require("fs").readFileSync("/tmp/lib.json","utf8");let t=process.hrtime.bigint();JSON.parse(b);console.log(Number(process.hrtime.bigint()-t)/1e6,"ms")'`
#![allow(clippy::unwrap_used, clippy::expect_used)] // A benchmark: failing loudly is fine.

#[path = "../tests/common/gen.rs"]
mod gen;

use std::time::Instant;

use library_core::{
    apply_with_counts, decode_page, AssetRecord, LibraryIndex, Refinements, TypeFilter,
    FIXED_BYTES_PER_ASSET,
};

fn best_of<T>(runs: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut best = f64::INFINITY;
    let mut out = None;
    for _ in 0..runs {
        let t = Instant::now();
        let v = f();
        best = best.min(t.elapsed().as_secs_f64());
        out = Some(v);
    }
    (best, out.unwrap())
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let t = Instant::now();
    let g = gen::generate(n, 42);
    let mb = g.json.len() as f64 / 1e6;
    println!(
        "generated {n} assets, {mb:.1} MB ({:.0} bytes/asset) in {:.2}s",
        g.json.len() as f64 / n as f64,
        t.elapsed().as_secs_f64()
    );
    if let Ok(path) = std::env::var("BENCH_JSON_OUT") {
        std::fs::write(&path, &g.json).unwrap();
        println!("wrote {path}");
    }

    let (secs, mut ix) = best_of(5, || decode_page(&g.json).unwrap());
    println!(
        "decode_page: {:.1} ms, {:.0} MB/s, {:.2} µs/asset (best of 5)",
        secs * 1e3,
        mb / secs,
        secs * 1e6 / n as f64
    );
    if std::env::var_os("BENCH_DECODE_ONLY").is_some() {
        return;
    }
    let before = ix.memory_bytes();
    ix.shrink_to_fit();
    println!(
        "index: {} assets, {:.1} MB as decoded, {:.1} MB shrunk = {:.0} bytes/asset ({} fixed + arenas)",
        ix.len(),
        before as f64 / 1e6,
        ix.memory_bytes() as f64 / 1e6,
        ix.memory_bytes() as f64 / ix.len() as f64,
        FIXED_BYTES_PER_ASSET
    );

    let (secs, dtos) = best_of(1, || {
        serde_json::from_slice::<Vec<immich_api::AssetResponseDto>>(&g.json).unwrap()
    });
    println!(
        "for comparison, serde_json into Vec<AssetResponseDto>: {:.1} ms, {:.0} MB/s",
        secs * 1e3,
        mb / secs
    );
    drop(dtos);
    let (secs, v) = best_of(1, || {
        serde_json::from_slice::<serde_json::Value>(&g.json).unwrap()
    });
    println!(
        "for comparison, serde_json::Value: {:.1} ms, {:.0} MB/s",
        secs * 1e3,
        mb / secs
    );
    drop(v);

    // A 1,000,000-asset index: the decoded one repeated with distinct ids.
    let t = Instant::now();
    let mut big = LibraryIndex::with_capacity(1_000_000);
    let mut k = 0u32;
    'fill: loop {
        for i in 0..ix.len() {
            if big.len() >= 1_000_000 {
                break 'fill;
            }
            let v = ix.get(i).unwrap();
            let id = v.id.to_string();
            let id = format!("{k:08x}{}", id.get(8..).unwrap_or(""));
            big.push(&AssetRecord {
                id: &id,
                local_ms: v.local_ms - i64::from(k) * 86_400_000 * 365,
                file_created_ms: v.file_created_ms,
                aspect: v.aspect,
                kind: v.kind,
                flags: v.flags,
                stack_count: v.stack_count,
                duration_ms: v.duration_ms,
                owner_id: v.owner_id,
                thumbhash: v.thumbhash,
                file_name: v.file_name,
                search_text: v.search_text,
            })
            .unwrap();
        }
        k += 1;
    }
    big.shrink_to_fit();
    println!(
        "1M index built in {:.2}s: {:.1} MB",
        t.elapsed().as_secs_f64(),
        big.memory_bytes() as f64 / 1e6
    );
    let d = Refinements::default;
    let cases: Vec<(&str, Refinements)> = vec![
        ("default (hide trashed)", d()),
        (
            "videos only",
            Refinements {
                kind: TypeFilter::Videos,
                ..d()
            },
        ),
        (
            "date range",
            Refinements {
                day_from: Some(15_000),
                day_to: Some(19_000),
                ..d()
            },
        ),
        (
            "text \"paris\"",
            Refinements {
                text: "paris".into(),
                ..d()
            },
        ),
        (
            "text \"img_12\"",
            Refinements {
                text: "IMG_12".into(),
                ..d()
            },
        ),
        (
            "text \"été\" (Unicode)",
            Refinements {
                text: "été".into(),
                ..d()
            },
        ),
        (
            "text \"zzzz\" (no hit)",
            Refinements {
                text: "zzzz".into(),
                ..d()
            },
        ),
        (
            "all filters",
            Refinements {
                kind: TypeFilter::Photos,
                show_trashed: true,
                show_offline: false,
                text: "canon".into(),
                day_from: Some(10_000),
                day_to: Some(19_500),
            },
        ),
    ];
    for (name, r) in cases {
        let (secs, (vis, c)) = best_of(5, || apply_with_counts(&big, &r));
        println!(
            "apply over 1M, {name}: {:.1} ms -> {} visible (by_text {})",
            secs * 1e3,
            vis.len(),
            c.by_text
        );
    }
}
