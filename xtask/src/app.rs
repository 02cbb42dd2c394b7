//! The app's wasm, built by xtask rather than Trunk: cargo, then the split
//! of the lazy panels off the main module (wasm-split, the step behind
//! Leptos 0.8's `#[lazy]`), then wasm-bindgen on the main module and
//! wasm-opt on every module, then content-hashed names in `dist/` and the
//! preload links in its `index.html`. Trunk, which has no place for a step
//! between cargo and wasm-bindgen, builds the page around it (html, css).

use anyhow::{anyhow, bail, Context, Result};
use sha2::{Digest, Sha256};
use std::{fmt::Write as _, path::Path};

use crate::{sh, target_dir, tools::Tools};

/// What the wasm build wrote into `dist/`, by file name.
pub struct AppFiles {
    /// wasm-bindgen's glue (an ES module), what immich-grid.js imports.
    pub js: String,
    /// The main module: everything the first screen runs.
    pub wasm: String,
    /// wasm-split's loader of the chunks (imported by the glue).
    pub chunk_loader: String,
    /// The lazy chunks: one a panel, and chunks of code panels share.
    pub chunks: Vec<String>,
}

/// The first 16 hex digits of the SHA-256 of `parts`, one after another.
fn hash(parts: &[&[u8]]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p);
    }
    let mut hex = String::with_capacity(16);
    for b in h.finalize().iter().take(8) {
        let _ = write!(hex, "{b:02x}");
    }
    hex
}

/// Replaces every `from` in `text` by `to`; fails when there is none (the
/// tools' output changed shape, and a name would be left stale).
fn replace_all(text: &str, from: &str, to: &str, what: &str) -> Result<String> {
    if !text.contains(from) {
        bail!("{what}: `{from}` not found (did wasm-bindgen or wasm-split change their output?)");
    }
    Ok(text.replace(from, to))
}

/// Builds the app's wasm into `dist/` (which Trunk has written already).
pub fn build_wasm(t: &Tools, root: &Path, dist: &Path) -> Result<AppFiles> {
    // (1) cargo. `--emit-relocs` keeps the relocations wasm-split reads;
    // `cargo rustc` passes it to the final link only, so the dependencies'
    // builds are shared with every other release build of the crate.
    sh(t.command("cargo")
        .args([
            "rustc",
            "--release",
            "--target",
            "wasm32-unknown-unknown",
            "-p",
            "immich-grid",
            "--bin",
            "immich-grid",
            "--",
            "-C",
            "link-args=--emit-relocs",
        ])
        .current_dir(root))?;
    let input = target_dir().join("wasm32-unknown-unknown/release/immich-grid.wasm");

    // (2) the split: a main module for wasm-bindgen, the chunks, and the
    // chunks' loader (`./__wasm_split.js`, imported by the main module).
    let work = target_dir().join("wasm-split");
    if work.exists() {
        std::fs::remove_dir_all(&work).with_context(|| format!("emptying {}", work.display()))?;
    }
    let split_dir = work.join("split");
    let bindgen_dir = work.join("bindgen");
    std::fs::create_dir_all(&split_dir)?;
    let main_split = split_dir.join("main.wasm");
    let bytes = std::fs::read(&input).with_context(|| format!("reading {}", input.display()))?;
    println!("splitting the lazy panels off {}", input.display());
    let mut opts = wasm_split_cli_support::Options::new(&bytes);
    opts.output_dir = &split_dir;
    opts.main_out_path = &main_split;
    opts.link_name = "./__wasm_split.js";
    // Renamed below with the glue's hashed name.
    opts.main_module = "./immich-grid.js";
    let split =
        wasm_split_cli_support::transform(opts).map_err(|e| anyhow!("wasm-split: {e:?}"))?;
    if split.split_modules.is_empty() {
        bail!("wasm-split found no split point: the lazy panels would be in the main module");
    }

    // (3) wasm-bindgen on the main module; `--keep-lld-exports` keeps what
    // the chunks import from it (the function table, shared functions).
    sh(t.command(t.wasm_bindgen())
        .arg(&main_split)
        .arg("--out-dir")
        .arg(&bindgen_dir)
        .args([
            "--target",
            "web",
            "--no-typescript",
            "--keep-lld-exports",
            "--out-name",
            "immich-grid",
        ]))?;
    let main_wasm = bindgen_dir.join("immich-grid_bg.wasm");

    // (4) wasm-opt on every module, for size.
    let mut modules = vec![main_wasm.clone()];
    modules.extend(split.split_modules.iter().cloned());
    for m in &modules {
        sh(t.command(t.wasm_opt())
            .arg("-Oz")
            .args(["--enable-bulk-memory", "--enable-nontrapping-float-to-int"])
            .arg(m)
            .arg("-o")
            .arg(m))?;
    }

    // (5) content-hashed names. A chunk's name hashes the main module too:
    // a chunk works only with the main module it was split from, so a page
    // left open across a deploy never fetches a chunk of another build.
    let main_bytes = std::fs::read(&main_wasm)?;
    let mut loader = std::fs::read_to_string(split_dir.join("__wasm_split.js"))?;
    let mut chunks = Vec::new();
    for path in &split.split_modules {
        let stem = file_stem(path)?;
        let chunk = std::fs::read(path)?;
        let name = format!("{stem}-{}.wasm", hash(&[&main_bytes, &chunk]));
        loader = replace_all(
            &loader,
            &format!("\"./{stem}.wasm\""),
            &format!("\"./{name}\""),
            "the chunk loader",
        )?;
        std::fs::write(dist.join(&name), &chunk)?;
        chunks.push(name);
    }
    chunks.sort();
    // The glue and the chunk loader import each other: one hash of both
    // (and the main module) names them.
    let glue = std::fs::read_to_string(bindgen_dir.join("immich-grid.js"))?;
    let h = hash(&[&main_bytes, glue.as_bytes(), loader.as_bytes()]);
    let files = AppFiles {
        js: format!("immich-grid-{h}.js"),
        wasm: format!("immich-grid-{h}_bg.wasm"),
        chunk_loader: format!("immich-grid-chunks-{h}.js"),
        chunks,
    };
    // Only the module specifiers: the keys of the imports object stay the
    // import module's name in the wasm.
    let glue = replace_all(
        &glue,
        "from \"./__wasm_split.js\"",
        &format!("from \"./{}\"", files.chunk_loader),
        "the wasm-bindgen glue",
    )?;
    let loader = replace_all(
        &loader,
        "\"./immich-grid.js\"",
        &format!("\"./{}\"", files.js),
        "the chunk loader",
    )?;
    std::fs::write(dist.join(&files.js), glue)?;
    std::fs::write(dist.join(&files.chunk_loader), loader)?;
    std::fs::write(dist.join(&files.wasm), &main_bytes)?;
    preload_links(&dist.join("index.html"), &files)?;
    Ok(files)
}

fn file_stem(path: &Path) -> Result<String> {
    path.file_stem()
        .and_then(|s| s.to_str())
        .map(str::to_owned)
        .with_context(|| format!("odd chunk name {}", path.display()))
}

/// Puts the first screen's preload links where Trunk left index.html's
/// skipped rust link: the glue and the chunk loader (module preloads) and
/// the main module; never a chunk (they load on first use).
fn preload_links(index: &Path, files: &AppFiles) -> Result<()> {
    let html = std::fs::read_to_string(index)?;
    let Some(start) = html.find("<link data-trunk") else {
        bail!("{}: no skipped rust link to replace", index.display());
    };
    let end = html[start..]
        .find('>')
        .map(|i| start + i + 1)
        .context("index.html: unclosed link")?;
    if !html[start..end].contains("rel=rust") && !html[start..end].contains("rel=\"rust\"") {
        bail!(
            "{}: expected the skipped rust link, found {}",
            index.display(),
            &html[start..end]
        );
    }
    let links = format!(
        "<link crossorigin href=./{js} rel=modulepreload>\
         <link crossorigin href=./{loader} rel=modulepreload>\
         <link as=fetch crossorigin href=./{wasm} rel=preload type=application/wasm>",
        js = files.js,
        loader = files.chunk_loader,
        wasm = files.wasm,
    );
    let out = format!("{}{links}{}", &html[..start], &html[end..]);
    std::fs::write(index, out)?;
    Ok(())
}
