//! The switches that give tests two origins: the API under a base path, the
//! app alone, CORS without an exposed ETag, and the request log's cookie flag.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

mod common;

use common::*;
use immich_fixture::Config;

fn app_dir(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "immich-fixture-origins-{tag}-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("index.html"), "<!doctype html><title>grid</title>").unwrap();
    dir
}

#[test]
fn base_paths_are_canonical() {
    let base = |p: Option<&str>| {
        Config {
            base_path: p.map(str::to_owned),
            ..Default::default()
        }
        .base()
    };
    assert_eq!(base(None), None);
    assert_eq!(base(Some("/")), None);
    assert_eq!(base(Some("")), None);
    assert_eq!(base(Some("/immich")), Some("/immich".into()));
    assert_eq!(base(Some("immich/")), Some("/immich".into()));
    assert_eq!(base(Some("//a//b/")), Some("/a/b".into()));
}

#[tokio::test]
async fn the_api_lives_under_the_base_path_only() {
    let dir = app_dir("base");
    let (state, router) = fixture_with(
        20,
        Config {
            base_path: Some("/immich".into()),
            app_dir: Some(dir.clone()),
            test_controls: true,
            ..Default::default()
        },
    );
    let k = key(&state, 0);
    let listed = get(&router, "/immich/api/asset", &k).await;
    assert_eq!(listed.status, 200);
    assert_eq!(listed.json().as_array().unwrap().len(), 20);
    let etag = listed.header("etag").unwrap();
    let again = get_with(
        &router,
        "/immich/api/asset",
        &[("x-api-key", &k), ("if-none-match", &etag)],
    )
    .await;
    assert_eq!(again.status, 304);
    // Not at the root: there is the app, and /api is Immich's 404.
    assert_eq!(get(&router, "/api/asset", &k).await.status, 404);
    assert!(get_with(&router, "/", &[])
        .await
        .text()
        .contains("<title>grid"));
    // Unknown routes under the base path are Nest's JSON 404, not the app.
    let unknown = get(&router, "/immich/api/nothing", &k).await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.json()["statusCode"], 404);
    // Thumbnails and details too.
    let id = listed.json()[0]["id"].as_str().unwrap().to_owned();
    let thumb = get(
        &router,
        &format!("/immich/api/asset/thumbnail/{id}?format=WEBP"),
        &k,
    )
    .await;
    assert_eq!(thumb.status, 200);
    assert_eq!(thumb.header("content-type").unwrap(), "image/webp");
    assert_eq!(
        get(&router, &format!("/immich/api/asset/{id}"), &k)
            .await
            .json()["id"],
        id.as_str()
    );
    // The test controls and the log sit under the base path and speak the
    // API's own routes, with the cookie flag.
    let log = get_with(&router, "/immich/__fixture/requests", &[])
        .await
        .json();
    let log = log.as_array().unwrap();
    assert_eq!(log[0]["path"], "/api/asset");
    assert_eq!(log[0]["auth"], "apiKeyHeader");
    assert_eq!(log[0]["cookie"], false);
    assert_eq!(log[1]["status"], 304);
    get_with(
        &router,
        "/immich/api/user/me",
        &[("x-api-key", &k), ("cookie", "theme=dark")],
    )
    .await;
    let log = get_with(&router, "/immich/__fixture/requests", &[])
        .await
        .json();
    let last = log.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["path"], "/api/user/me");
    assert_eq!(last["cookie"], true);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn app_only_serves_no_api() {
    let dir = app_dir("only");
    let (state, router) = fixture_with(
        5,
        Config {
            app_only: true,
            app_dir: Some(dir.clone()),
            test_controls: true,
            ..Default::default()
        },
    );
    let k = key(&state, 0);
    assert!(get_with(&router, "/", &[])
        .await
        .text()
        .contains("<title>grid"));
    assert!(get_with(&router, "/deep/link", &[])
        .await
        .text()
        .contains("<title>grid"));
    assert_eq!(get(&router, "/api/asset", &k).await.status, 404);
    assert_eq!(get(&router, "/api/user/me", &k).await.status, 404);
    assert_eq!(
        get_with(&router, "/__fixture/requests", &[]).await.status,
        404
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn cors_can_hide_the_etag() {
    let origin = "http://127.0.0.1:9";
    let (state, router) = fixture_with(
        5,
        Config {
            cors_origins: vec![origin.into()],
            cors_hide_etag: true,
            ..Default::default()
        },
    );
    let k = key(&state, 0);
    let a = get_with(
        &router,
        "/api/asset",
        &[("x-api-key", &k), ("origin", origin)],
    )
    .await;
    assert_eq!(a.header("access-control-allow-origin").unwrap(), origin);
    assert!(a.header("etag").is_some(), "the server still sends it");
    let exposed = a
        .header("access-control-expose-headers")
        .unwrap_or_default()
        .to_lowercase();
    assert!(!exposed.contains("etag"), "{exposed}");
}

#[tokio::test]
async fn the_app_at_a_sub_path_with_the_strict_csp() {
    let dir = app_dir("subpath");
    std::fs::write(dir.join("app.js"), "export {}").unwrap();
    let (state, router) = fixture_with(
        5,
        Config {
            app_dir: Some(dir.clone()),
            app_path: Some("/a/b/grid/".into()),
            csp: true,
            csp_allow: vec!["http://127.0.0.1:9000/".into()],
            ..Default::default()
        },
    );
    let page = get_with(&router, "/a/b/grid/", &[]).await;
    assert_eq!(page.status, 200);
    assert!(page.text().contains("<title>grid"));
    let csp = page.header("content-security-policy").unwrap();
    assert!(csp.starts_with(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data: blob: http://127.0.0.1:9000; media-src 'self' blob: http://127.0.0.1:9000; \
         connect-src 'self' http://127.0.0.1:9000;"
    ), "{csp}");
    // Files beside it; an unknown path under it is the page (client routes).
    let js = get_with(&router, "/a/b/grid/app.js?v=1", &[]).await;
    assert_eq!(js.status, 200);
    assert_eq!(js.text(), "export {}");
    assert!(js.header("content-security-policy").is_none());
    assert_eq!(get_with(&router, "/a/b/grid/x/y", &[]).await.status, 200);
    // Outside it: nothing; the API stays at the root.
    assert_eq!(get_with(&router, "/", &[]).await.status, 404);
    assert_eq!(get_with(&router, "/a/b/app.js", &[]).await.status, 404);
    assert_eq!(
        get(&router, "/api/asset", &key(&state, 0)).await.status,
        200
    );
}

#[tokio::test]
async fn precompressed_files_are_sent_to_browsers_that_accept_them() {
    let dir = app_dir("precompressed");
    // What `cargo xtask build` writes: the file, and its .br and .gz beside it
    // (stand-in bytes here: the server must send the file it finds, not recompress).
    std::fs::write(dir.join("app.js"), "export const plain = 1;").unwrap();
    std::fs::write(dir.join("app.js.br"), b"BR-BYTES").unwrap();
    std::fs::write(dir.join("app.js.gz"), b"GZ-BYTES").unwrap();
    std::fs::write(dir.join("index.html.gz"), b"GZ-PAGE").unwrap();
    let (_, router) = fixture_with(
        1,
        Config {
            app_dir: Some(dir.clone()),
            ..Default::default()
        },
    );
    let br = get_with(
        &router,
        "/app.js",
        &[("accept-encoding", "gzip, deflate, br")],
    )
    .await;
    assert_eq!(br.status, 200);
    assert_eq!(br.header("content-encoding").as_deref(), Some("br"));
    assert_eq!(br.body, b"BR-BYTES");
    assert!(br.header("content-type").unwrap().contains("javascript"));
    let gz = get_with(&router, "/app.js", &[("accept-encoding", "gzip")]).await;
    assert_eq!(gz.header("content-encoding").as_deref(), Some("gzip"));
    assert_eq!(gz.body, b"GZ-BYTES");
    let plain = get_with(&router, "/app.js", &[]).await;
    assert_eq!(plain.header("content-encoding"), None);
    assert_eq!(plain.text(), "export const plain = 1;");
    // The page itself, also as the fallback for client routes.
    let page = get_with(&router, "/", &[("accept-encoding", "gzip")]).await;
    assert_eq!(page.header("content-encoding").as_deref(), Some("gzip"));
    assert_eq!(page.body, b"GZ-PAGE");
    let route = get_with(&router, "/some/route", &[("accept-encoding", "gzip")]).await;
    assert_eq!(route.body, b"GZ-PAGE");
}
