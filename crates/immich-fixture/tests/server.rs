//! Thumbnails, files, users, server info, statistics, test controls, the
//! static app, CORS, and one round over a real socket.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

mod common;

use common::*;
use immich_fixture::{app, AppState, Config};
use serde_json::{json, Value};

async fn first_where(router: &axum::Router, k: &str, pred: impl Fn(&Value) -> bool) -> Value {
    let list = get(router, "/api/asset", k).await.json();
    list.as_array()
        .unwrap()
        .iter()
        .find(|x| pred(x))
        .cloned()
        .expect("no such asset")
}

fn display_ratio(asset: &Value) -> f64 {
    let e = &asset["exifInfo"];
    let (w, h) = (
        e["exifImageWidth"].as_f64().unwrap(),
        e["exifImageHeight"].as_f64().unwrap(),
    );
    if matches!(e["orientation"].as_str(), Some("5" | "6" | "7" | "8")) {
        h / w
    } else {
        w / h
    }
}

#[tokio::test]
async fn thumbnails_are_real_images_with_the_assets_aspect() {
    let (state, router) = fixture(400);
    let k = key(&state, 0);
    let rotated = first_where(&router, &k, |x| {
        x["exifInfo"]["orientation"] == "6" && x["type"] == "IMAGE"
    })
    .await;
    let pano = first_where(&router, &k, |x| display_ratio(x) > 3.0).await;
    for asset in [&rotated, &pano] {
        let id = asset["id"].as_str().unwrap();
        let a = get(
            &router,
            &format!("/api/asset/thumbnail/{id}?format=WEBP"),
            &k,
        )
        .await;
        assert_eq!(a.status, 200);
        assert_eq!(a.header("content-type").unwrap(), "image/webp");
        assert_eq!(
            a.header("cache-control").unwrap(),
            "private, max-age=86400, no-transform"
        );
        let img = image::load_from_memory(&a.body).unwrap();
        assert_eq!(img.width().max(img.height()), 250);
        let ratio = f64::from(img.width()) / f64::from(img.height());
        assert!(
            (ratio - display_ratio(asset)).abs() / display_ratio(asset) < 0.03,
            "{ratio} vs {}",
            display_ratio(asset)
        );
        // Default format is WEBP.
        let d = get(&router, &format!("/api/asset/thumbnail/{id}"), &k).await;
        assert_eq!(d.body, a.body);
        let j = get(
            &router,
            &format!("/api/asset/thumbnail/{id}?format=JPEG"),
            &k,
        )
        .await;
        assert_eq!(j.header("content-type").unwrap(), "image/jpeg");
        let img = image::load_from_memory(&j.body).unwrap();
        assert_eq!(
            img.width().max(img.height()),
            immich_fixture::thumbs::JPEG_SIZE
        );
    }
    let id = rotated["id"].as_str().unwrap();
    assert_eq!(
        get_with(&router, &format!("/api/asset/thumbnail/{id}"), &[])
            .await
            .status,
        401
    );
    let bad = get(
        &router,
        &format!("/api/asset/thumbnail/{id}?format=PNG"),
        &k,
    )
    .await;
    assert_eq!(
        bad.json()["message"],
        json!(["format must be one of the following values: JPEG, WEBP"])
    );
    let bad = get(&router, "/api/asset/thumbnail/nope", &k).await;
    assert_eq!(bad.json()["message"], json!(["id must be a UUID"]));
    let other = get(
        &router,
        "/api/asset/thumbnail/3fa85f64-5717-4562-b3fc-2c963f66afa6",
        &k,
    )
    .await;
    assert_eq!(
        (other.status.as_u16(), other.json()["message"].clone()),
        (400, json!("Not found or no asset.view access"))
    );
    // Cookies work for <img> tags.
    let token = state.read().users[0].access_token.clone();
    let c = get_with(
        &router,
        &format!("/api/asset/thumbnail/{id}"),
        &[("cookie", &format!("immich_access_token={token}"))],
    )
    .await;
    assert_eq!(c.status, 200);
}

#[tokio::test]
async fn files_images_and_ranged_videos() {
    let (state, router) = fixture(300);
    let k = key(&state, 0);
    let image = first_where(&router, &k, |x| x["type"] == "IMAGE").await;
    let f = get(
        &router,
        &format!("/api/asset/file/{}", image["id"].as_str().unwrap()),
        &k,
    )
    .await;
    assert_eq!(
        (f.status.as_u16(), f.header("content-type").unwrap()),
        (200, "image/jpeg".to_owned())
    );
    assert!(image::load_from_memory(&f.body).is_ok());
    let video = first_where(&router, &k, |x| x["type"] == "VIDEO").await;
    let uri = format!("/api/asset/file/{}", video["id"].as_str().unwrap());
    let whole = get(&router, &uri, &k).await;
    assert_eq!(whole.status, 200);
    assert_eq!(whole.header("accept-ranges").unwrap(), "bytes");
    assert_eq!(whole.header("content-type").unwrap(), "video/mp4");
    let len = whole.body.len();
    let part = get_with(&router, &uri, &[("x-api-key", &k), ("range", "bytes=0-99")]).await;
    assert_eq!(part.status, 206);
    assert_eq!(
        part.header("content-range").unwrap(),
        format!("bytes 0-99/{len}")
    );
    assert_eq!(part.body, whole.body[..100]);
    let tail = get_with(&router, &uri, &[("x-api-key", &k), ("range", "bytes=-10")]).await;
    assert_eq!(tail.body, whole.body[len - 10..]);
    let bad = get_with(
        &router,
        &uri,
        &[("x-api-key", &k), ("range", &format!("bytes={len}-"))],
    )
    .await;
    assert_eq!(bad.status, 416);
    assert_eq!(
        bad.header("content-range").unwrap(),
        format!("bytes */{len}")
    );
    // The hidden half of a live photo is reachable by id, as a video.
    let live = first_where(&router, &k, |x| x["livePhotoVideoId"].is_string()).await;
    let v = get(
        &router,
        &format!(
            "/api/asset/file/{}",
            live["livePhotoVideoId"].as_str().unwrap()
        ),
        &k,
    )
    .await;
    assert_eq!(v.header("content-type").unwrap(), "video/mp4");
}

#[tokio::test]
async fn asset_detail_users_statistics_server_info() {
    let (state, router) = fixture(300);
    let (k, bob) = (key(&state, 0), key(&state, 2));
    let asset = first_where(&router, &k, |x| x["stack"].is_array()).await;
    let id = asset["id"].as_str().unwrap();
    let d = get(&router, &format!("/api/asset/{id}"), &k).await.json();
    assert_eq!(d["owner"]["id"], user_id(&state, 0));
    assert!(d["smartInfo"]["objects"].is_array());
    assert_eq!(d["stackCount"], asset["stackCount"]);
    assert_eq!(d["fileCreatedAt"], asset["fileCreatedAt"]);
    // Bob may see the admin's asset (shared with him) but not its favourite flag; the admin may not see Bob's.
    let fav = first_where(&router, &k, |x| x["isFavorite"] == true).await;
    let seen = get(
        &router,
        &format!("/api/asset/{}", fav["id"].as_str().unwrap()),
        &bob,
    )
    .await
    .json();
    assert_eq!(seen["isFavorite"], false);
    let bobs = get(&router, "/api/asset?take=1", &bob).await.json();
    let denied = get(
        &router,
        &format!("/api/asset/{}", bobs[0]["id"].as_str().unwrap()),
        &k,
    )
    .await;
    assert_eq!(
        denied.json()["message"],
        "Not found or no asset.read access"
    );

    let me = get(&router, "/api/user/me", &k).await.json();
    assert_eq!(
        (me["isAdmin"].clone(), me["email"].clone()),
        (json!(true), json!("admin@immich.test"))
    );
    assert_eq!(
        get(&router, "/api/user?isAll=true", &k)
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        3
    );
    let info = get(
        &router,
        &format!("/api/user/info/{}", user_id(&state, 1)),
        &k,
    )
    .await
    .json();
    assert_eq!(info["name"], "Alice Partner");
    let missing = get(
        &router,
        "/api/user/info/3fa85f64-5717-4562-b3fc-2c963f66afa6",
        &k,
    )
    .await;
    assert_eq!(
        (missing.status.as_u16(), missing.json()["message"].clone()),
        (404, json!("User not found"))
    );
    assert_eq!(get_with(&router, "/api/user/me", &[]).await.status, 401);

    let ping = get_with(&router, "/api/server-info/ping", &[]).await;
    assert_eq!(ping.text(), r#"{"res":"pong"}"#);
    let version = get_with(&router, "/api/server-info/version", &[]).await;
    assert_eq!(version.text(), r#"{"major":1,"minor":103,"patch":1}"#);

    let list = get(&router, "/api/asset", &k).await.json();
    let list = list.as_array().unwrap();
    let count = |f: &dyn Fn(&Value) -> bool| {
        list.iter()
            .filter(|x| x["isTrashed"] == false && f(x))
            .count() as u64
    };
    let stats = get(&router, "/api/asset/statistics", &k).await.json();
    assert_eq!(
        stats,
        json!({"images": count(&|x| x["type"] == "IMAGE"), "videos": count(&|x| x["type"] == "VIDEO"), "total": count(&|_| true)})
    );
    let favs = get(&router, "/api/asset/statistics?isFavorite=true", &k)
        .await
        .json();
    assert_eq!(favs["total"], count(&|x| x["isFavorite"] == true));
    let trashed = get(&router, "/api/asset/statistics?isTrashed=true", &k)
        .await
        .json();
    assert_eq!(
        trashed["total"],
        list.iter().filter(|x| x["isTrashed"] == true).count() as u64
    );
    assert_eq!(
        get(&router, "/api/asset/statistics?isTrashed=1", &k)
            .await
            .status,
        400
    );
    let post = send(
        &router,
        axum::http::Request::builder()
            .method("POST")
            .uri("/api/asset")
            .header("x-api-key", &k)
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(post.json()["message"], "Cannot POST /api/asset");
    let nope = get(&router, "/api/nothing", &k).await;
    assert_eq!(
        nope.json(),
        json!({"message": "Cannot GET /api/nothing", "error": "Not Found", "statusCode": 404})
    );
}

#[tokio::test]
async fn change_control_mutates_and_moves_etags() {
    let (state, router) = fixture(300);
    let k = key(&state, 0);
    let before = get(&router, "/api/asset", &k).await;
    let r = post_json(
        &router,
        "/__fixture/change",
        json!({"new": 2, "edit": 3, "favorite": 2, "trash": 1, "delete": 2}),
    )
    .await
    .json();
    assert_eq!(r["created"].as_array().unwrap().len(), 2);
    assert_eq!(r["total"], 300);
    let after = get(&router, "/api/asset", &k).await;
    assert_ne!(after.header("etag"), before.header("etag"));
    let list = after.json();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 300);
    // New assets default to "now": they are the two newest.
    let created: Vec<&Value> = r["created"].as_array().unwrap().iter().collect();
    assert!(created.contains(&&list[0]["id"]) && created.contains(&&list[1]["id"]));
    let edited = r["edited"][0].as_str().unwrap();
    let e = list.iter().find(|x| x["id"] == edited).unwrap();
    assert!(e["exifInfo"]["description"]
        .as_str()
        .unwrap()
        .starts_with("Edited"));
    // updatedAfter finds exactly the changed assets (the generated ones are older).
    let newest_before = before
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["updatedAt"].as_str().unwrap().to_owned())
        .max()
        .unwrap();
    let changed = get(
        &router,
        &format!("/api/asset?updatedAfter={newest_before}"),
        &k,
    )
    .await
    .json();
    let changed: Vec<&str> = changed
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap())
        .collect();
    for kind in ["created", "edited", "favorited", "trashed"] {
        for id in r[kind].as_array().unwrap() {
            let id = id.as_str().unwrap();
            let deleted = r["deleted"].as_array().unwrap().iter().any(|d| d == id);
            assert_eq!(changed.contains(&id), !deleted, "{kind} {id}");
        }
    }
    // Inserting in the middle keeps the order.
    post_json(
        &router,
        "/__fixture/change",
        json!({"new": 3, "newCreatedAt": "2018-06-01T12:00:00.000Z"}),
    )
    .await;
    let list = get(&router, "/api/asset", &k).await.json();
    let created: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["fileCreatedAt"].as_str().unwrap())
        .collect();
    assert!(created.windows(2).all(|w| w[0] >= w[1]));
    assert_eq!(
        created
            .iter()
            .filter(|c| **c == "2018-06-01T12:00:00.000Z")
            .count(),
        3
    );
}

#[tokio::test]
async fn faults_and_request_log() {
    let (state, router) = fixture(50);
    let k = key(&state, 0);
    let r = post_json(
        &router,
        "/__fixture/faults",
        json!({"status": 503, "times": 2, "pathPrefix": "/api/asset"}),
    )
    .await;
    assert_eq!(r.json().as_array().unwrap().len(), 1);
    let a = get(&router, "/api/asset", &k).await;
    assert_eq!(a.status, 503);
    assert_eq!(
        a.json(),
        json!({"message": "Service Unavailable", "error": "Service Unavailable", "statusCode": 503})
    );
    assert_eq!(
        get(&router, "/api/user/me", &k).await.status,
        200,
        "prefix does not match"
    );
    assert_eq!(get(&router, "/api/asset", &k).await.status, 503);
    assert_eq!(
        get(&router, "/api/asset", &k).await.status,
        200,
        "used up after 2"
    );
    post_json(&router, "/__fixture/faults", json!({"latencyMs": 150})).await;
    let t = std::time::Instant::now();
    assert_eq!(get(&router, "/api/asset?take=1", &k).await.status, 200);
    assert!(t.elapsed().as_millis() >= 150);
    post_json(
        &router,
        "/__fixture/faults",
        json!({"status": 500, "times": 100}),
    )
    .await;
    assert_eq!(delete(&router, "/__fixture/faults").await.status, 204);
    assert_eq!(get(&router, "/api/asset?take=1", &k).await.status, 200);

    delete(&router, "/__fixture/requests").await;
    let token = state.read().users[0].access_token.clone();
    let first = get(&router, "/api/asset?take=2", &k).await;
    let tag = first.header("etag").unwrap();
    get_with(
        &router,
        "/api/asset?take=2",
        &[("x-api-key", &k), ("if-none-match", &tag)],
    )
    .await;
    get_with(&router, &format!("/api/user/me?apiKey={k}"), &[]).await;
    get_with(
        &router,
        "/api/user/me",
        &[("authorization", &format!("Bearer {token}"))],
    )
    .await;
    get_with(
        &router,
        "/api/user/me",
        &[("cookie", &format!("immich_access_token={token}"))],
    )
    .await;
    get_with(&router, "/api/user/me", &[]).await;
    let log = get_with(&router, "/__fixture/requests", &[]).await;
    let text = log.text();
    assert!(
        !text.contains(&k) && !text.contains(&token),
        "credentials never logged"
    );
    let log = log.json();
    let log = log.as_array().unwrap();
    assert_eq!(log.len(), 6, "{log:?}");
    assert_eq!(
        log[0],
        json!({"method": "GET", "path": "/api/asset", "query": "take=2", "ifNoneMatch": null, "status": 200, "bytes": first.body.len(), "auth": "apiKeyHeader", "cookie": false})
    );
    assert_eq!(
        (
            log[1]["status"].clone(),
            log[1]["bytes"].clone(),
            log[1]["ifNoneMatch"].clone()
        ),
        (json!(304), json!(0), json!(tag))
    );
    assert_eq!(
        (log[2]["auth"].clone(), log[2]["query"].clone()),
        (json!("apiKeyQuery"), json!("apiKey=REDACTED"))
    );
    let kinds: Vec<&str> = log[3..]
        .iter()
        .map(|e| e["auth"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["bearer", "cookie", "none"]);
    assert_eq!(log[5]["status"], 401);

    let info = get_with(&router, "/__fixture/info", &[]).await.json();
    assert_eq!(info["users"][0]["apiKey"], k.as_str());
    assert_eq!(info["users"][0]["assets"], 50);
    assert_eq!(info["users"][1]["assets"], 12);
    assert_eq!(info["partners"][0]["sharedWithId"], user_id(&state, 0));
}

#[tokio::test]
async fn controls_are_off_by_default() {
    let (state, router) = fixture_with(10, Config::default());
    for uri in ["/__fixture/info", "/__fixture/requests"] {
        assert_eq!(get_with(&router, uri, &[]).await.status, 404);
    }
    assert_eq!(
        post_json(&router, "/__fixture/change", json!({"new": 1}))
            .await
            .status,
        404
    );
    assert_eq!(
        get(&router, "/api/asset", &key(&state, 0))
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        10
    );
}

#[tokio::test]
async fn serves_the_app_with_fallback_and_demo_cookie() {
    let dir = std::env::temp_dir().join(format!("immich-fixture-app-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("index.html"), "<!doctype html><title>grid</title>").unwrap();
    std::fs::write(dir.join("app.js"), "console.log(1)").unwrap();
    let config = Config {
        app_dir: Some(dir.clone()),
        demo_session: true,
        ..Default::default()
    };
    let (state, router) = fixture_with(10, config);
    let token = state.read().users[0].access_token.clone();
    for uri in ["/", "/some/deep/link?x=1"] {
        let a = get_with(&router, uri, &[]).await;
        assert_eq!(a.status, 200, "{uri}");
        assert!(a.text().contains("<title>grid</title>"));
        let cookies: Vec<String> = a
            .headers
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect();
        assert!(
            cookies.contains(&format!(
                "immich_access_token={token}; Path=/; HttpOnly; SameSite=Lax"
            )),
            "{cookies:?}"
        );
    }
    let js = get_with(&router, "/app.js", &[]).await;
    assert_eq!(js.text(), "console.log(1)");
    assert!(js.header("set-cookie").is_none());
    assert_eq!(get_with(&router, "/api/unknown", &[]).await.status, 404);
    // The cookie alone authenticates the app's same-origin requests.
    let me = get_with(
        &router,
        "/api/user/me",
        &[("cookie", &format!("immich_access_token={token}"))],
    )
    .await;
    assert_eq!(me.json()["isAdmin"], true);
    // Without --demo-session there is no cookie.
    let plain = app(AppState::generated(
        42,
        5,
        Config {
            app_dir: Some(dir.clone()),
            ..Default::default()
        },
    ));
    assert!(get_with(&plain, "/", &[])
        .await
        .header("set-cookie")
        .is_none());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn cors_exposes_etag_for_listed_origins_only() {
    let config = Config {
        cors_origins: vec!["http://localhost:8080".into()],
        ..Default::default()
    };
    let (state, router) = fixture_with(10, config);
    let k = key(&state, 0);
    let a = get_with(
        &router,
        "/api/asset",
        &[("x-api-key", &k), ("origin", "http://localhost:8080")],
    )
    .await;
    assert_eq!(
        a.header("access-control-allow-origin").unwrap(),
        "http://localhost:8080"
    );
    assert!(a
        .header("access-control-expose-headers")
        .unwrap()
        .to_lowercase()
        .contains("etag"));
    let other = get_with(
        &router,
        "/api/asset",
        &[("x-api-key", &k), ("origin", "http://evil.test")],
    )
    .await;
    assert!(other.header("access-control-allow-origin").is_none());
    let pre = send(
        &router,
        axum::http::Request::builder()
            .method("OPTIONS")
            .uri("/api/asset")
            .header("origin", "http://localhost:8080")
            .header("access-control-request-method", "GET")
            .header("access-control-request-headers", "x-api-key, if-none-match")
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await;
    let allowed = pre
        .header("access-control-allow-headers")
        .unwrap()
        .to_lowercase();
    assert!(
        allowed.contains("x-api-key")
            && allowed.contains("if-none-match")
            && allowed.contains("authorization"),
        "{allowed}"
    );
    // No origins configured: no CORS headers at all, like production Immich.
    let (state, plain) = fixture_with(10, Config::default());
    let a = get_with(
        &plain,
        "/api/asset",
        &[
            ("x-api-key", &key(&state, 0)),
            ("origin", "http://localhost:8080"),
        ],
    )
    .await;
    assert!(a.header("access-control-allow-origin").is_none());
}

/// One raw HTTP/1.1 exchange; returns (status line + headers, body bytes read until close).
async fn raw_get(
    addr: std::net::SocketAddr,
    path: &str,
    headers: &[(&str, &str)],
) -> (String, Vec<u8>) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    // A truncated answer ends with a reset or EOF: keep what arrived.
    let _ = tokio::time::timeout(std::time::Duration::from_secs(20), s.read_to_end(&mut buf)).await;
    let split = buf.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    (
        String::from_utf8_lossy(&buf[..split]).into_owned(),
        buf[split..].to_vec(),
    )
}

fn header_of(head: &str, name: &str) -> Option<String> {
    head.lines().find_map(|l| {
        l.split_once(':')
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim().to_owned())
    })
}

#[tokio::test]
async fn real_socket_round_trip_304_and_truncation() {
    let state = AppState::generated(
        42,
        200,
        Config {
            test_controls: true,
            ..Default::default()
        },
    );
    let k = key(&state, 0);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, app(state)).await });

    let (head, body) = raw_get(addr, "/api/asset?take=20", &[("x-api-key", &k)]).await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let tag = header_of(&head, "etag").unwrap();
    assert_eq!(
        header_of(&head, "content-length").unwrap(),
        body.len().to_string()
    );
    assert_eq!(
        serde_json::from_slice::<Value>(&body)
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        20
    );
    let (head, body) = raw_get(
        addr,
        "/api/asset?take=20",
        &[("x-api-key", &k), ("If-None-Match", &tag)],
    )
    .await;
    assert!(head.starts_with("HTTP/1.1 304"), "{head}");
    assert!(body.is_empty());

    // Truncation: full Content-Length announced, half the body, then the connection drops.
    let client = reqless_post(addr, "/__fixture/faults", r#"{"truncate":true}"#).await;
    assert!(client.starts_with("HTTP/1.1 200"), "{client}");
    let (head, body) = raw_get(addr, "/api/asset?take=20", &[("x-api-key", &k)]).await;
    let announced: usize = header_of(&head, "content-length").unwrap().parse().unwrap();
    assert!(body.len() < announced, "{} < {announced}", body.len());

    // Stall: headers and half the body, then nothing until the stall ends and the connection drops.
    reqless_post(addr, "/__fixture/faults", r#"{"stall":true,"stallMs":400}"#).await;
    let t = std::time::Instant::now();
    let (head, body) = raw_get(addr, "/api/asset?take=20", &[("x-api-key", &k)]).await;
    let announced: usize = header_of(&head, "content-length").unwrap().parse().unwrap();
    assert!(body.len() < announced);
    assert!(t.elapsed().as_millis() >= 400);
    server.abort();
}

async fn reqless_post(addr: std::net::SocketAddr, path: &str, body: &str) -> String {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.unwrap();
    String::from_utf8_lossy(&buf).into_owned()
}
