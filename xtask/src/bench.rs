//! Browser benchmarks: builds `crates/bench-wasm` (our layout and decoder
//! exported to JavaScript) and runs `end2end/bench/run.mjs`, which drives one
//! headless Chromium through the layout, decode and app-level measurements,
//! starting fixture servers of each size itself, and writes `results.md` and
//! `results.json`.

use anyhow::{Context, Result};
use std::path::{Path, PathBuf};

use crate::{opt, root, sh, target_dir, tools::Tools, Built};

/// Library sizes when `--sizes` is not given.
const DEFAULT_SIZES: &str = "10000,100000,1000000";
/// Assets in the page set the decoders are timed on.
const DECODE_ASSETS: &str = "100000";
/// Flags the app's own wasm-opt run uses (index.html), so our builds match it.
const WASM_OPT_FEATURES: [&str; 2] = ["--enable-bulk-memory", "--enable-nontrapping-float-to-int"];

/// One build of `bench-wasm`: a cargo profile and the wasm-opt level after it.
struct Variant {
    /// Folder name under the output dir and the name the page imports (`/ours-<name>/`).
    name: &'static str,
    /// Cargo arguments selecting the profile.
    profile_args: &'static [&'static str],
    /// Folder of that profile under `target/wasm32-unknown-unknown/`.
    profile_dir: &'static str,
    wasm_opt_level: &'static str,
}

/// As the app ships: opt-level "z" + `wasm-opt -Oz`.
const Z: Variant = Variant {
    name: "z",
    profile_args: &["--release"],
    profile_dir: "release",
    wasm_opt_level: "-Oz",
};
/// For speed: opt-level 3 (`release-native`) + `wasm-opt -O3`.
const O3: Variant = Variant {
    name: "o3",
    profile_args: &["--profile", "release-native"],
    profile_dir: "release-native",
    wasm_opt_level: "-O3",
};

/// The full benchmark run: `cargo xtask bench [--sizes 10000,100000,1000000]`.
/// The app rows run at every size twice, served as Immich v1.103 and as
/// v3.1.0 serves the same library; scrolling is also measured at 20,000.
pub fn bench(opts: &[String]) -> Result<()> {
    let sizes = opt(opts, "--sizes").unwrap_or(DEFAULT_SIZES);
    let t = crate::tools::ensure_all()?;
    let built = crate::build(&t)?;
    let out = target_dir().join("bench-wasm");
    let z = build_variant(&t, &Z, &out)?;
    // The opt-level 3 build is a comparison only: without it the run goes on.
    let o3 = build_variant(&t, &O3, &out)
        .map_err(|e| eprintln!("bench: skipping the opt-level 3 build: {e:#}"))
        .ok();
    let results = root().join("bench");
    let mut args: Vec<String> = vec![
        "--sizes".into(),
        sizes.into(),
        "--decode-assets".into(),
        DECODE_ASSETS.into(),
        "--out".into(),
        results.display().to_string(),
    ];
    if let Some(o3) = o3 {
        args.extend(["--wasm-o3".into(), o3.display().to_string()]);
    }
    run_node(&t, &built, &z, &args)?;
    println!(
        "bench: wrote {} and results.json",
        results.join("results.md").display()
    );
    Ok(())
}

/// A small run of the benchmark so it cannot rot: 2,000 assets, two samples,
/// results in a temporary folder, no time thresholds (only "it produced
/// numbers": the app rows served as v1 and as v3 (month buckets, warm by
/// 304s), wheel and fling frames with traces of both runs, and
/// Firefox's and WebKit's first load and reload must succeed). Part of
/// `cargo xtask test`.
pub fn smoke(t: &Tools, built: &Built) -> Result<()> {
    let out = target_dir().join("bench-wasm");
    let z = build_variant(t, &Z, &out)?;
    let results =
        std::env::temp_dir().join(format!("immich-grid-bench-smoke-{}", std::process::id()));
    let args: Vec<String> = [
        "--sizes",
        "2000",
        "--decode-assets",
        "2000",
        "--samples",
        "2",
        "--decode-samples",
        "2",
        "--app-timeout-ms",
        "10000",
        "--scroll-ms",
        "500",
        // Wheel and flings at the app size only; the trace every time, so
        // the smoke run takes the same path whatever the frame times.
        "--scroll-sizes",
        "",
        "--flings",
        "2",
        "--trace",
        "always",
        "--smoke",
        "--out",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([results.display().to_string()])
    .collect();
    let ran = run_node(t, built, &z, &args);
    // The numbers are not kept; a failure leaves them for a look.
    if ran.is_ok() {
        let _ = std::fs::remove_dir_all(&results);
    } else {
        eprintln!("bench smoke: partial results in {}", results.display());
    }
    ran
}

/// `node end2end/bench/run.mjs` with the built paths and `args`.
fn run_node(t: &Tools, built: &Built, wasm_z: &Path, args: &[String]) -> Result<()> {
    let root = root();
    sh(t.command("node")
        .arg(root.join("end2end/bench/run.mjs"))
        .arg("--fixture")
        .arg(&built.fixture)
        .arg("--dist")
        .arg(&built.dist)
        .arg("--wasm-z")
        .arg(wasm_z)
        .arg("--chromium")
        .arg(crate::tools::CHROMIUM)
        .args(args)
        // Firefox and WebKit (first load and reload) through WebDriver.
        .env("FIREFOX_PATH", crate::tools::FIREFOX)
        .env("GECKODRIVER", t.geckodriver())
        .env("WEBKIT_WEBDRIVER", crate::tools::WEBKIT_WEBDRIVER)
        .env("WEBKIT_MINIBROWSER", crate::tools::MINIBROWSER)
        .current_dir(&root))
}

/// Builds `bench-wasm` for wasm32 in `v`'s profile, runs wasm-bindgen
/// (`--target web`) and wasm-opt on it; returns the folder holding
/// `bench_wasm.js` and `bench_wasm_bg.wasm`.
fn build_variant(t: &Tools, v: &Variant, out: &Path) -> Result<PathBuf> {
    let root = root();
    sh(t.command("cargo")
        .args([
            "build",
            "-p",
            "bench-wasm",
            "--target",
            "wasm32-unknown-unknown",
        ])
        .args(v.profile_args)
        .current_dir(&root))?;
    let wasm = target_dir()
        .join("wasm32-unknown-unknown")
        .join(v.profile_dir)
        .join("bench_wasm.wasm");
    let dir = out.join(v.name);
    // A stale file from an earlier run must not be served if a step fails.
    if dir.exists() {
        std::fs::remove_dir_all(&dir).with_context(|| format!("clearing {}", dir.display()))?;
    }
    sh(t.command("wasm-bindgen")
        .args(["--target", "web", "--no-typescript", "--out-dir"])
        .arg(&dir)
        .arg(&wasm))?;
    let bg = dir.join("bench_wasm_bg.wasm");
    sh(t.command("wasm-opt")
        .arg(v.wasm_opt_level)
        .args(WASM_OPT_FEATURES)
        .arg(&bg)
        .arg("-o")
        .arg(&bg))?;
    let size = std::fs::metadata(&bg).map(|m| m.len()).unwrap_or(0);
    println!("bench-wasm ({}): {:.1} KB", v.name, size as f64 / 1024.0);
    Ok(dir)
}
