//! Installs the tools the build and the tests need, each only when it is
//! missing or at the wrong version, into a cache outside the work tree so a
//! second run (or another clone) starts building at once.

use anyhow::{Context, Result};
use std::{
    ffi::OsString,
    path::{Path, PathBuf},
    process::Command,
};

use crate::{root, sh};

/// Trunk's version: 0.22 needs a newer rustc than this project's toolchain.
const TRUNK_VERSION: &str = "0.21.14";
/// geckodriver's version (crates.io); it drives Firefox ESR 115 and newer.
const GECKODRIVER_VERSION: &str = "0.37.1";
pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
pub const FIREFOX: &str = "/usr/bin/firefox-esr";
pub const WEBKIT_WEBDRIVER: &str = "/usr/bin/WebKitWebDriver";
/// WebKitGTK's small browser, which WebKitWebDriver starts by default.
pub const MINIBROWSER: &str = "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser";
pub const XVFB_RUN: &str = "/usr/bin/xvfb-run";

/// The Debian packages the browser tests need, each with a file it installs
/// (present = installed): the three engines, their WebDriver servers and the
/// virtual X server WebKitGTK draws into (it has no headless mode).
const APT_PACKAGES: &[(&str, &str)] = &[
    ("chromium", CHROMIUM),
    ("chromium-driver", CHROMEDRIVER),
    ("firefox-esr", FIREFOX),
    ("webkit2gtk-driver", WEBKIT_WEBDRIVER),
    ("libwebkit2gtk-4.1-0", MINIBROWSER),
    ("xvfb", XVFB_RUN),
    ("xauth", "/usr/bin/xauth"),
];

/// Where the tools are and the environment that finds them.
pub struct Tools {
    bin: PathBuf,
    node_bin: PathBuf,
    path: OsString,
}

impl Tools {
    /// A command with the tool directories first on `PATH`.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut c = Command::new(program);
        c.env("PATH", &self.path);
        c
    }
    pub fn trunk(&self) -> PathBuf {
        self.bin.join("trunk")
    }
    pub fn wasm_bindgen(&self) -> PathBuf {
        self.bin.join("wasm-bindgen")
    }
    /// binaryen's wasm-opt from npm (end2end/package.json; Debian's v108
    /// produces a blank page).
    pub fn wasm_opt(&self) -> PathBuf {
        self.node_bin.join("wasm-opt")
    }
    pub fn wasm_bindgen_test_runner(&self) -> PathBuf {
        self.bin.join("wasm-bindgen-test-runner")
    }
    pub fn geckodriver(&self) -> PathBuf {
        self.bin.join("geckodriver")
    }
    pub fn playwright(&self) -> PathBuf {
        self.node_bin.join("playwright")
    }
    pub fn node_bin(&self) -> &Path {
        &self.node_bin
    }
}

/// The tool cache: `$IMMICH_GRID_TOOLS`, else `~/.cache/immich-grid/tools`.
fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("IMMICH_GRID_TOOLS") {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/tmp"));
    home.join(".cache/immich-grid/tools")
}

/// Installs every missing tool and returns where they are.
pub fn ensure_all() -> Result<Tools> {
    let cache = cache_dir();
    let bin = cache.join("bin");
    let node_bin = root().join("end2end/node_modules/.bin");
    let mut paths = vec![bin.clone(), node_bin.clone()];
    paths.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    let tools = Tools {
        bin,
        node_bin,
        path: std::env::join_paths(paths)?,
    };

    ensure_wasm_target()?;
    let wb = lock_version("wasm-bindgen")?;
    ensure_cargo_tool(&tools, &cache, "trunk", "trunk", TRUNK_VERSION, true)?;
    ensure_cargo_tool(
        &tools,
        &cache,
        "wasm-bindgen-cli",
        "wasm-bindgen",
        &wb,
        false,
    )?;
    ensure_apt_packages()?;
    ensure_geckodriver(&tools, &cache)?;
    ensure_npm(&tools)?;
    Ok(tools)
}

fn ensure_wasm_target() -> Result<()> {
    let out = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output();
    let installed = out
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("wasm32-unknown-unknown"))
        .unwrap_or(false);
    if !installed {
        println!("installing: the wasm32-unknown-unknown Rust target");
        sh(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))?;
    }
    Ok(())
}

/// The version of `package` recorded in Cargo.lock.
pub fn lock_version(package: &str) -> Result<String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).context("reading Cargo.lock")?;
    let needle = format!("name = \"{package}\"\nversion = \"");
    let start = lock
        .find(&needle)
        .map(|i| i + needle.len())
        .with_context(|| format!("{package} is not in Cargo.lock"))?;
    let len = lock[start..].find('"').context("malformed Cargo.lock")?;
    Ok(lock[start..start + len].to_string())
}

/// Installs `krate` at `version` into the cache unless `binary --version`
/// already reports that version.
fn ensure_cargo_tool(
    tools: &Tools,
    cache: &Path,
    krate: &str,
    binary: &str,
    version: &str,
    locked: bool,
) -> Result<()> {
    if has_version(tools, binary, version) {
        return Ok(());
    }
    println!(
        "installing: {krate} {version} into {} (once; takes a few minutes)",
        cache.display()
    );
    let mut cmd = tools.command("cargo");
    cmd.args(["install", krate, "--version", version, "--root"])
        .arg(cache);
    // wasm-bindgen-cli's own lock file names a crate the registry lacks, so it
    // is installed without --locked; trunk's works and keeps it reproducible.
    if locked {
        cmd.arg("--locked");
    }
    // Build the tools in their own target dir so they never touch ours.
    cmd.env("CARGO_TARGET_DIR", cache.join("build"));
    sh(&mut cmd)
}

/// Whether the cached `binary --version` says `<name> <version> …`.
fn has_version(tools: &Tools, binary: &str, version: &str) -> bool {
    let have = tools
        .command(tools.bin.join(binary))
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    have.split_whitespace().nth(1) == Some(version)
}

/// geckodriver (Firefox's WebDriver server) is not packaged by Debian; it is
/// a Rust crate, so it is built like the other tools. Its lock file is tried
/// first; a lock that names a crate the registry lacks falls back to a fresh
/// resolution.
fn ensure_geckodriver(tools: &Tools, cache: &Path) -> Result<()> {
    if has_version(tools, "geckodriver", GECKODRIVER_VERSION) {
        return Ok(());
    }
    let locked = ensure_cargo_tool(
        tools,
        cache,
        "geckodriver",
        "geckodriver",
        GECKODRIVER_VERSION,
        true,
    );
    if let Err(e) = locked {
        println!("geckodriver with --locked failed ({e:#}); trying without --locked");
        ensure_cargo_tool(
            tools,
            cache,
            "geckodriver",
            "geckodriver",
            GECKODRIVER_VERSION,
            false,
        )?;
    }
    Ok(())
}

/// Installs the missing Debian packages of [`APT_PACKAGES`] with one
/// `apt-get update` and one `apt-get install`.
fn ensure_apt_packages() -> Result<()> {
    let missing: Vec<&str> = APT_PACKAGES
        .iter()
        .filter(|(_, file)| !Path::new(file).exists())
        .map(|(package, _)| *package)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let list = missing.join(" ");
    println!("installing: {list} (Debian packages: the browsers and drivers of the tests)");
    let hint =
        || format!("installing Debian packages needs root (or run: sudo apt-get install {list})");
    sh(Command::new("apt-get").arg("update")).with_context(hint)?;
    sh(Command::new("apt-get")
        .args(["install", "-y", "--no-install-recommends"])
        .args(&missing)
        .env("DEBIAN_FRONTEND", "noninteractive"))
    .with_context(hint)
}

/// `npm ci` in end2end/ when node_modules is missing or older than the lock.
fn ensure_npm(tools: &Tools) -> Result<()> {
    let dir = root().join("end2end");
    let lock = dir.join("package-lock.json");
    let marker = dir.join("node_modules/.package-lock.json");
    let fresh = match (std::fs::metadata(&lock), std::fs::metadata(&marker)) {
        (Ok(l), Ok(m)) => m.modified()? >= l.modified()?,
        _ => false,
    };
    if !fresh {
        println!(
            "installing: npm packages of end2end/ (playwright, binaryen's wasm-opt, layout peers)"
        );
        sh(tools
            .command("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir))?;
    }
    Ok(())
}

/// Size of `path` after gzip at the highest level, as a web server would send it.
/// Writes `NAME.gz` (gzip, level 9) and `NAME.br` (brotli, quality 11)
/// beside every text and wasm file of `dist`, so a server that serves
/// precompressed files (the fixture, nginx's `gzip_static`/`brotli_static`,
/// Caddy's `precompressed`) sends the smallest form without compressing
/// on each request. Stale ones from an earlier build are replaced.
pub fn precompress(dist: &Path) -> Result<()> {
    use std::io::Write;
    let (mut gz_total, mut br_total) = (0usize, 0usize);
    for entry in std::fs::read_dir(dist)? {
        let path = entry?.path();
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if !matches!(ext, "wasm" | "js" | "css" | "html" | "svg" | "json") {
            continue;
        }
        let data = std::fs::read(&path)?;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&data)?;
        let gz = gz.finish()?;
        let mut br = Vec::new();
        {
            let params = brotli::enc::BrotliEncoderParams {
                quality: 11,
                lgwin: 22,
                ..Default::default()
            };
            brotli::BrotliCompress(&mut data.as_slice(), &mut br, &params)?;
        }
        let name = path.to_string_lossy();
        std::fs::write(format!("{name}.gz"), &gz)?;
        std::fs::write(format!("{name}.br"), &br)?;
        if matches!(ext, "wasm" | "js" | "css" | "html") {
            gz_total += gz.len();
            br_total += br.len();
        }
    }
    println!(
        "precompressed beside each file: {:.1} KB as .gz, {:.1} KB as .br (html + js + css + wasm)",
        gz_total as f64 / 1024.0,
        br_total as f64 / 1024.0
    );
    Ok(())
}

pub fn gzip_len(path: &Path) -> Result<u64> {
    use std::io::Write;
    let data = std::fs::read(path)?;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(&data)?;
    Ok(enc.finish()?.len() as u64)
}
