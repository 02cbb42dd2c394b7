//! Tidy checks: the invariants ARCHITECTURE.md states about the code's
//! shape, checked by reading the source tree (as rust-analyzer's tidy.rs
//! does), so they stay true.
//!
//! - Only `src/data/` touches the network or browser storage: no other
//!   file of the app names `fetch`, `Request`, `Storage`, `IdbFactory`,
//!   `local_storage` and their kin.
//! - The pure crates (`immich-api`, `library-core`, `grid-core`) depend on
//!   nothing that does I/O or needs a browser.
//!
//! Native only (`cargo test`): it reads files.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

use std::path::{Path, PathBuf};

/// Names that mean network or storage access from the browser.
const IO_NAMES: &[&str] = &[
    "fetch",
    "fetch_with_request",
    "fetch_with_str",
    "fetch_with_str_and_init",
    "Request",
    "RequestInit",
    "Response",
    "Headers",
    "XmlHttpRequest",
    "WebSocket",
    "EventSource",
    "send_beacon",
    "gloo_net",
    "Storage",
    "local_storage",
    "session_storage",
    "IdbFactory",
    "IdbDatabase",
    "indexed_db",
    "CacheStorage",
    "caches",
    "WebStorageKv",
    "BodyStore",
];

/// Dependencies a pure crate must not have: browser bindings, UI, async
/// runtimes, HTTP clients, storage.
const IMPURE_DEPS: &[&str] = &[
    "web-sys",
    "js-sys",
    "wasm-bindgen",
    "wasm-bindgen-futures",
    "gloo",
    "gloo-net",
    "gloo-storage",
    "gloo-timers",
    "leptos",
    "leptos-use",
    "tokio",
    "async-std",
    "reqwest",
    "hyper",
    "ureq",
    "axum",
    "rusqlite",
    "sqlx",
    "indexed_db_futures",
    "rexie",
];

const PURE_CRATES: &[&str] = &["immich-api", "library-core", "grid-core", "site-config"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of `text` with comments and string literals blanked (so a
/// comment may say "fetch" and an error text "Failed to fetch").
fn code_only(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                    i += 1;
                }
                i += 2;
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                i += 1;
                out.push_str("\"\"");
            }
            // A char literal such as '"' must not open a string.
            b'\'' if b.get(i + 2) == Some(&b'\'') => {
                i += 3;
                out.push_str("' '");
            }
            b'\'' if b.get(i + 1) == Some(&b'\\') && b.get(i + 3) == Some(&b'\'') => {
                i += 4;
                out.push_str("' '");
            }
            c => {
                out.push(char::from(c));
                i += 1;
            }
        }
    }
    out
}

/// The identifiers of `code`.
fn identifiers(code: &str) -> impl Iterator<Item = &str> {
    code.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
}

/// `(file, line, name)` for every network or storage name in `text`.
fn io_uses(file: &str, text: &str) -> Vec<(String, usize, String)> {
    let code = code_only(text);
    let mut found = Vec::new();
    for (n, line) in code.lines().enumerate() {
        for id in identifiers(line) {
            if IO_NAMES.contains(&id) {
                found.push((file.to_owned(), n + 1, id.to_owned()));
            }
        }
    }
    found
}

#[test]
fn only_src_data_touches_network_and_storage() {
    let src = root().join("src");
    let data = src.join("data");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(files.len() > 10, "found only {files:?}");
    let mut offences = Vec::new();
    for f in files.iter().filter(|f| !f.starts_with(&data)) {
        let text = std::fs::read_to_string(f).unwrap();
        let name = f.strip_prefix(root()).unwrap().display().to_string();
        offences.extend(io_uses(&name, &text));
    }
    assert!(
        offences.is_empty(),
        "network or storage outside src/data/ (move it into src/data/):\n{}",
        offences
            .iter()
            .map(|(f, l, n)| format!("  {f}:{l}: {n}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn the_check_sees_what_it_must_and_nothing_else() {
    let hits = |text: &str| {
        io_uses("x.rs", text)
            .into_iter()
            .map(|(_, l, n)| (l, n))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        hits("let s = web_sys::window()?.local_storage();"),
        [(1, "local_storage".to_owned())]
    );
    assert_eq!(
        hits("let r = web_sys::Request::new_with_str(u);\nw.fetch_with_request(&r);"),
        [
            (1, "Request".to_owned()),
            (2, "fetch_with_request".to_owned())
        ]
    );
    assert_eq!(
        hits("fn f(s: web_sys::Storage) {}"),
        [(1, "Storage".to_owned())]
    );
    assert_eq!(
        hits("let f: IdbFactory = x;"),
        [(1, "IdbFactory".to_owned())]
    );
    // Comments, strings and longer names are not uses.
    assert!(hits("// fetch the Request from Storage\nlet a = 1;").is_empty());
    assert!(hits("/* fetch */ let m = \"Failed to fetch\";").is_empty());
    assert!(hits("let n = SEQ.fetch_add(1, o); let s: StoredValue<E, LocalStorage>;").is_empty());
    assert!(hits("let q = '\"'; let r = fetch;").len() == 1);
    assert!(hits("let r: AssetResponseDto = x;").is_empty());
}

/// The names in the `[dependencies]` and `[target.….dependencies]` tables
/// of a Cargo.toml (dev- and build-dependencies do not ship).
fn shipped_dependencies(toml: &str) -> Vec<String> {
    let mut deps = Vec::new();
    let mut in_deps = false;
    for line in toml.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            let table = line.trim_matches(|c| c == '[' || c == ']');
            in_deps = table == "dependencies"
                || (table.starts_with("target.") && table.ends_with(".dependencies"));
            // `[dependencies.foo]` tables.
            if let Some(name) = table.strip_prefix("dependencies.") {
                deps.push(name.trim().to_owned());
            }
            continue;
        }
        if in_deps {
            if let Some((name, _)) = line.split_once('=') {
                let name = name.trim();
                if !name.is_empty() && !name.starts_with('#') {
                    deps.push(name.trim_matches('"').to_owned());
                }
            }
        }
    }
    deps
}

#[test]
fn pure_crates_have_no_browser_or_io_dependency() {
    for krate in PURE_CRATES {
        let path = root().join("crates").join(krate).join("Cargo.toml");
        let toml = std::fs::read_to_string(&path).unwrap();
        let deps = shipped_dependencies(&toml);
        let bad: Vec<&String> = deps
            .iter()
            .filter(|d| IMPURE_DEPS.contains(&d.as_str()))
            .collect();
        assert!(bad.is_empty(), "{krate} depends on {bad:?}: keep it pure");
    }
}

#[test]
fn the_dependency_check_reads_the_right_tables() {
    let toml = "[package]\nname = \"x\"\n\n[dependencies]\nserde = { workspace = true }\n\
                web-sys = \"0.3\"\n\n[dev-dependencies]\ntokio = \"1\"\n\n\
                [target.'cfg(target_arch = \"wasm32\")'.dependencies]\njs-sys = \"0.3\"\n\n\
                [dependencies.leptos]\nversion = \"0.8\"\n";
    assert_eq!(
        shipped_dependencies(toml),
        ["serde", "web-sys", "js-sys", "leptos"]
    );
}
