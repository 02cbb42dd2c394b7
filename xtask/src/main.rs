//! The one automation entry point of immich-grid. Run `cargo xtask help`.
//!
//! People and CI call the same commands: `cargo xtask run` builds the app and
//! serves it from the fixture server; `cargo xtask test` runs every check CI
//! runs. Each command first installs whatever tool is missing (and only that).

mod app;
mod bench;
mod tools;

use anyhow::{bail, Context, Result};
use std::{
    path::{Path, PathBuf},
    process::{Command, ExitStatus},
    time::Instant,
};

const HELP: &str = "\
cargo xtask <command> [options]

Commands:
  run     Build the app (release), start the fixture server with a generated
          library, serve the app from it and print the URL. Ctrl-C stops it.
            --assets N   assets in the demo library (default 5000)
            --port P     port to listen on (default 2283)
            --seed S     seed of the generated library (default 1)
  test    Everything CI checks: rustfmt, clippy (host and wasm32, warnings
          denied), native tests, wasm tests in Chromium, Firefox and WebKit,
          a benchmark smoke run, the Playwright end-to-end tests (Chromium)
          and the core end-to-end specs in Chromium, Firefox and WebKit
          (WebDriver). Every browser step runs; any failure fails the test.
  bench   Browser benchmarks at 10k, 100k and 1M assets; writes
          bench/results.md and bench/results.json.
            --sizes a,b  library sizes (default 10000,100000,1000000)
  setup   Only install the missing tools.
  build   Only build the app (release) into dist/ and the fixture server.
";

fn main() -> std::process::ExitCode {
    match real_main() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn real_main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(cmd) = args.first() else {
        print!("{HELP}");
        return Ok(());
    };
    let opts = &args[1..];
    let started = Instant::now();
    let result = match cmd.as_str() {
        "run" => run(opts),
        "test" => test(),
        "bench" => bench::bench(opts),
        "setup" => tools::ensure_all().map(|_| ()),
        "build" => tools::ensure_all().and_then(|t| build(&t).map(|_| ())),
        "help" | "--help" | "-h" => {
            print!("{HELP}");
            Ok(())
        }
        other => bail!("unknown command `{other}`\n\n{HELP}"),
    };
    eprintln!(
        "xtask {cmd}: {} after {:.1}s",
        if result.is_ok() { "done" } else { "FAILED" },
        started.elapsed().as_secs_f64()
    );
    result
}

/// The workspace root (the parent of this crate's folder).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Value of `--name V` among `opts`, if given.
pub fn opt<'a>(opts: &'a [String], name: &str) -> Option<&'a str> {
    opts.iter()
        .position(|o| o == name)
        .and_then(|i| opts.get(i + 1))
        .map(String::as_str)
}

/// Runs a command to completion, echoing it, and fails when it fails.
pub fn sh(cmd: &mut Command) -> Result<()> {
    eprintln!("$ {}", describe(cmd));
    let status: ExitStatus = cmd
        .status()
        .with_context(|| format!("could not start `{}`", describe(cmd)))?;
    if !status.success() {
        bail!("`{}` failed ({status})", describe(cmd));
    }
    Ok(())
}

fn describe(cmd: &Command) -> String {
    std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|s| s.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// What `build` produced.
pub struct Built {
    pub dist: PathBuf,
    pub fixture: PathBuf,
    /// The companion proxy (`crates/immich-grid-proxy`), for its end-to-end spec.
    pub proxy: PathBuf,
}

/// Builds the app in release mode into `dist/`, and the fixture server and
/// the proxy natively (one cargo run: they share their dependencies).
///
/// Trunk writes the page (index.html, the style sheets, the icon); then
/// [`app::build_wasm`] builds the wasm with the lazy panels split off,
/// and `immich-grid.js` is written with the built files' names.
pub fn build(t: &tools::Tools) -> Result<Built> {
    let root = root();
    let dist = root.join("dist");
    sh(t.command(t.trunk())
        .args(["build", "--release", "--offline"])
        .current_dir(&root))?;
    let files = app::build_wasm(t, &root, &dist)?;
    write_loader(&root.join("embed/immich-grid.js"), &dist, &files)?;
    report_app_size(&dist)?;
    tools::precompress(&dist)?;
    sh(t.command("cargo")
        .args([
            "build",
            "--profile",
            "release-native",
            "-p",
            "immich-fixture",
            "-p",
            "immich-grid-proxy",
        ])
        .current_dir(&root))?;
    Ok(Built {
        dist,
        fixture: target_dir().join("release-native").join("immich-fixture"),
        proxy: target_dir()
            .join("release-native")
            .join("immich-grid-proxy"),
    })
}

/// Writes `dist/immich-grid.js`, the page's one script (the app on its own
/// page, `<immich-grid>` elsewhere), from `template` with the names of the
/// built files (hashed, so they change with every build) and of Trunk's
/// style sheets.
pub fn write_loader(template: &Path, dist: &Path, files: &app::AppFiles) -> Result<()> {
    let mut css = Vec::new();
    for entry in std::fs::read_dir(dist).with_context(|| format!("reading {}", dist.display()))? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if name.ends_with(".css") {
            css.push(name);
        }
    }
    // Trunk's order of the style sheets is index.html's; keep it.
    let html = std::fs::read_to_string(dist.join("index.html"))?;
    css.sort_by_key(|c| html.find(c.as_str()).unwrap_or(usize::MAX));
    let text = std::fs::read_to_string(template)
        .with_context(|| format!("reading {}", template.display()))?;
    let (Some(start), Some(end)) = (text.find("/*FILES*/"), text.find("/*END*/")) else {
        anyhow::bail!("{}: no /*FILES*/ … /*END*/ marker", template.display());
    };
    let quoted: Vec<String> = css.iter().map(|c| format!("'{c}'")).collect();
    let out_files = format!(
        "/*FILES*/ {{ js: '{}', wasm: '{}', css: [{}] }} ",
        files.js,
        files.wasm,
        quoted.join(", ")
    );
    let out = format!("{}{out_files}{}", &text[..start], &text[end..]);
    std::fs::write(dist.join("immich-grid.js"), out)?;
    Ok(())
}

/// The cargo target directory (honours `CARGO_TARGET_DIR`).
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
}

/// The built app's size, gzip -9 of each file as a server would send it.
pub struct AppSize {
    /// What the first screen downloads: index.html, the style sheets,
    /// every script (immich-grid.js, the wasm-bindgen glue, the chunk
    /// loader) and the main wasm module.
    pub first_raw: u64,
    pub first_gz: u64,
    /// The lazy chunks (every other `.wasm`), fetched when a panel opens.
    pub lazy_raw: u64,
    pub lazy_gz: u64,
    pub chunks: usize,
}

/// Prints the raw and gzip size of the built app's first screen (html,
/// js, css, main wasm) and, beside it, of its lazy chunks.
pub fn report_app_size(dist: &Path) -> Result<AppSize> {
    let mut size = AppSize {
        first_raw: 0,
        first_gz: 0,
        lazy_raw: 0,
        lazy_gz: 0,
        chunks: 0,
    };
    for entry in std::fs::read_dir(dist).with_context(|| format!("reading {}", dist.display()))? {
        let path = entry?.path();
        let name = path
            .file_name()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_owned();
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if !matches!(ext, "wasm" | "js" | "css" | "html") {
            continue;
        }
        let raw = std::fs::metadata(&path)?.len();
        let gz = tools::gzip_len(&path)?;
        if ext == "wasm" && !name.ends_with("_bg.wasm") {
            size.lazy_raw += raw;
            size.lazy_gz += gz;
            size.chunks += 1;
        } else {
            size.first_raw += raw;
            size.first_gz += gz;
        }
    }
    println!(
        "app size, first screen: {:.1} KB raw, {:.1} KB gzipped (target: under {} KB gzipped; budget {} KB); \
         lazy panels: {:.1} KB raw, {:.1} KB gzipped in {} chunks",
        size.first_raw as f64 / 1024.0,
        size.first_gz as f64 / 1024.0,
        SIZE_TARGET_GZIP_KB,
        SIZE_BUDGET_GZIP_KB,
        size.lazy_raw as f64 / 1024.0,
        size.lazy_gz as f64 / 1024.0,
        size.chunks,
    );
    Ok(size)
}

/// The first screen's target: what a page pays before any photo (gzip -9
/// of html + js + css + the main wasm in `dist/`; the lazy panels' chunks
/// are not counted).
const SIZE_TARGET_GZIP_KB: u64 = 200;

/// What the test command allows today for the first screen: its size when
/// this was set (2026-12-03, 427.0 KB, once the four panels moved into
/// lazy chunks; 524.1 KB before) and a few KB of room. Far over the target
/// (see bench/size.md): the budget only keeps the size from creeping up,
/// and is lowered whenever the app gets smaller, until it reaches the
/// target. The room is there because gzip of the same code moves by a few
/// KB when wasm-opt orders the functions differently (the panels' Escape
/// handling added 468 bytes of wasm and 2.8 KB of its gzip).
const SIZE_BUDGET_GZIP_KB: u64 = 431;

/// Fails when the built app's first screen is over [`SIZE_BUDGET_GZIP_KB`].
fn size_budget(dist: &Path) -> Result<()> {
    let kb = report_app_size(dist)?.first_gz.div_ceil(1024);
    if kb > SIZE_BUDGET_GZIP_KB {
        anyhow::bail!(
            "the app's first screen is {kb} KB gzipped, over its budget of {SIZE_BUDGET_GZIP_KB} KB \
             (target {SIZE_TARGET_GZIP_KB} KB): make it smaller, or raise the budget in \
             xtask/src/main.rs with the reason in the commit"
        );
    }
    Ok(())
}

fn run(opts: &[String]) -> Result<()> {
    let t = tools::ensure_all()?;
    let built = build(&t)?;
    let port = opt(opts, "--port").unwrap_or("2283");
    let assets = opt(opts, "--assets").unwrap_or("5000");
    let seed = opt(opts, "--seed").unwrap_or("1");
    println!("starting the fixture server with {assets} generated assets; open the URL it prints (Ctrl-C stops it)");
    // The server prints `immich-fixture listening on http://…`; Ctrl-C reaches
    // it directly because it shares our terminal's process group.
    sh(Command::new(&built.fixture)
        .args([
            "--port",
            port,
            "--assets",
            assets,
            "--seed",
            seed,
            "--demo-session",
        ])
        .arg("--app-dir")
        .arg(&built.dist))
}

fn test() -> Result<()> {
    let t = tools::ensure_all()?;
    let root = root();
    let cargo =
        |args: &[&str]| -> Result<()> { sh(t.command("cargo").args(args).current_dir(&root)) };
    cargo(&["fmt", "--all", "--check"])?;
    cargo(&[
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ])?;
    cargo(&[
        "clippy",
        "--target",
        "wasm32-unknown-unknown",
        "-p",
        "immich-grid",
        "-p",
        "immich-api",
        "-p",
        "grid-core",
        "-p",
        "library-core",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ])?;
    cargo(&["test", "--workspace"])?;

    // The browser steps run in every engine; a failing engine does not hide
    // the others' results: all run, then the failures are listed together.
    let mut steps = Steps::default();
    // wasm tests: compiled once, then run by wasm-bindgen-test-runner in each
    // engine through its WebDriver server.
    let wasm_test = |under_xvfb: bool| {
        let mut c = if under_xvfb {
            let mut c = t.command(tools::XVFB_RUN);
            c.args(XVFB_ARGS).arg("cargo");
            c
        } else {
            t.command("cargo")
        };
        c.args([
            "test",
            "--target",
            "wasm32-unknown-unknown",
            "-p",
            "immich-grid",
        ])
        .env(
            "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
            t.wasm_bindgen_test_runner(),
        )
        .env("WASM_BINDGEN_USE_BROWSER", "1")
        // The runner's default of 20 s for a test binary is tight for
        // Firefox and WebKit on two shared cores.
        .env("WASM_BINDGEN_TEST_TIMEOUT", "90")
        .current_dir(&root);
        // The runner takes the first driver it finds in the environment:
        // leave it exactly the one of this step.
        for var in DRIVER_VARS {
            c.env_remove(var);
        }
        c
    };
    sh(wasm_test(false).arg("--no-run"))?;
    // Chromium: the runner adds --headless and (as root) --no-sandbox itself.
    steps.run("wasm tests, Chromium", || {
        sh(wasm_test(false).env("CHROMEDRIVER", tools::CHROMEDRIVER))
    });
    // Firefox: geckodriver starts Firefox ESR (Debian names it firefox-esr);
    // the runner adds -headless.
    steps.run("wasm tests, Firefox", || {
        sh(wasm_test(false)
            .env("GECKODRIVER", t.geckodriver())
            .env("GECKODRIVER_ARGS", format!("--binary={}", tools::FIREFOX)))
    });
    // WebKit: the runner's safaridriver path speaks to WebKitWebDriver, which
    // starts WebKitGTK's MiniBrowser in a virtual X server. Xvfb has no GPU,
    // and WebKitGTK's default DMA-BUF renderer then takes ~100-500 ms a frame
    // (a fling test saw its 120 ms calm timer fire between frames); the
    // shared-memory renderer draws at the other engines' pace.
    //
    // Up to two retries, for WebKit only, each said. Seen in these debug
    // builds on clean-clone runs (2026-12-02), never in Chromium or Firefox:
    // results the code cannot produce ("Out of bounds memory access" inside
    // SipHash's rounds, pure arithmetic on the stack; "attempt to subtract
    // with overflow" at `i - start` in library-core's timestamp parser,
    // where `i` starts at `start` and only grows), and "RefCell already
    // borrowed" in js-sys's executor, always in
    // `loader_cold_then_warm_then_corrupt_body`. That last one is the same
    // fault seen later: a spurious "Out of bounds memory access" trap in
    // library-core's decoder (`Decoder::exif`, safe code) inside a task's
    // poll, which unwinds no destructors on wasm32, so the task's borrow
    // stays held and its next wake-up panics (traced 2026-12-02 with a
    // patched js-sys: 2 of 43 runs). Every symptom is in a hot loop of
    // debug code: most likely JavaScriptCore's wasm tiering, not ours. One
    // run failed two tries in a row. A failure that is ours alone fails
    // three times.
    steps.run("wasm tests, WebKit", || {
        let webkit = || {
            sh(wasm_test(true)
                .env("SAFARIDRIVER", tools::WEBKIT_WEBDRIVER)
                .env("WEBKIT_DISABLE_DMABUF_RENDERER", "1"))
        };
        let mut tries = 1;
        loop {
            match webkit() {
                Ok(()) => return Ok(()),
                Err(e) if tries < 3 => {
                    eprintln!("wasm tests, WebKit: try {tries} failed ({e:#}); running them again");
                    tries += 1;
                }
                Err(e) => return Err(e),
            }
        }
    });

    let built = build(&t)?;
    steps.run("size budget (gzip of dist/)", || size_budget(&built.dist));
    steps.run(
        "benchmark smoke run (first load also in Firefox, WebKit)",
        || bench::smoke(&t, &built),
    );
    let e2e = |project: &str| {
        sh(t.command(t.playwright())
            .args(["test", "--project", project])
            .env("IMMICH_FIXTURE_BIN", &built.fixture)
            .env("IMMICH_GRID_PROXY_BIN", &built.proxy)
            .env("IMMICH_GRID_DIST", &built.dist)
            .env("CHROMIUM_PATH", tools::CHROMIUM)
            .env("CHROMEDRIVER", tools::CHROMEDRIVER)
            .env("FIREFOX_PATH", tools::FIREFOX)
            .env("GECKODRIVER", t.geckodriver())
            .env("WEBKIT_WEBDRIVER", tools::WEBKIT_WEBDRIVER)
            .env("WEBKIT_MINIBROWSER", tools::MINIBROWSER)
            .current_dir(root.join("end2end")))
    };
    steps.run("end-to-end, Chromium (Playwright, all specs)", || {
        e2e("chromium")
    });
    steps.run("end-to-end core specs, Chromium (WebDriver)", || {
        e2e("core-chromium")
    });
    steps.run("end-to-end core specs, Firefox (WebDriver)", || {
        e2e("core-firefox")
    });
    steps.run("end-to-end core specs, WebKit (WebDriver)", || {
        e2e("core-webkit")
    });
    steps.finish()
}

/// The variables through which wasm-bindgen-test-runner finds a WebDriver server.
const DRIVER_VARS: [&str; 8] = [
    "CHROMEDRIVER",
    "GECKODRIVER",
    "SAFARIDRIVER",
    "MSEDGEDRIVER",
    "CHROMEDRIVER_REMOTE",
    "GECKODRIVER_REMOTE",
    "SAFARIDRIVER_REMOTE",
    "MSEDGEDRIVER_REMOTE",
];

/// `xvfb-run` arguments: a free display number and a screen larger than the
/// test windows.
const XVFB_ARGS: [&str; 3] = ["-a", "-s", "-screen 0 1920x1080x24"];

/// Timed steps that all run; [`Steps::finish`] fails when any failed.
#[derive(Default)]
struct Steps {
    done: Vec<(&'static str, f64, Option<String>)>,
}

impl Steps {
    fn run(&mut self, name: &'static str, step: impl FnOnce() -> Result<()>) {
        eprintln!("== {name}");
        let started = Instant::now();
        let result = step();
        let secs = started.elapsed().as_secs_f64();
        eprintln!(
            "== {name}: {} in {secs:.1}s",
            if result.is_ok() { "ok" } else { "FAILED" }
        );
        self.done
            .push((name, secs, result.err().map(|e| format!("{e:#}"))));
    }

    /// Prints each step's time and result; fails when any step failed.
    fn finish(self) -> Result<()> {
        eprintln!("browser steps:");
        for (name, secs, err) in &self.done {
            eprintln!(
                "  {:>7.1}s  {}  {name}",
                secs,
                if err.is_none() { "ok    " } else { "FAILED" }
            );
        }
        let failed: Vec<String> = self
            .done
            .into_iter()
            .filter_map(|(name, _, err)| err.map(|e| format!("{name}: {e}")))
            .collect();
        if !failed.is_empty() {
            bail!("{} step(s) failed:\n{}", failed.len(), failed.join("\n"));
        }
        Ok(())
    }
}
