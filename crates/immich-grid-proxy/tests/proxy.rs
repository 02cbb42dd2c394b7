//! The proxy in front of the fixture server (both in-process, on real
//! sockets): what passes, what is refused, and that the key never leaks.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failed test

use immich_fixture::{app, auth::AuthKind, rng::format_uuid, AppState};
use immich_grid_proxy::{config::Config, router, upstream::ApiKey, Proxy};
use serde_json::Value;
use std::{
    collections::BTreeSet,
    net::SocketAddr,
    sync::{Arc, Mutex},
};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// A fixture upstream and a proxy in front of it.
struct Pair {
    fixture: AppState,
    upstream: SocketAddr,
    proxy: SocketAddr,
    key: String,
    log: Arc<Mutex<Vec<String>>>,
    /// Every answer the proxy gave in this test (head and body as text).
    seen: Arc<Mutex<Vec<String>>>,
}

async fn serve(router: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    addr
}

/// `extra` is appended to the TOML (after `upstream` and `api_key_file`).
async fn pair(extra: &str) -> Pair {
    let fixture = AppState::generated(
        7,
        400,
        immich_fixture::Config {
            test_controls: true,
            ..Default::default()
        },
    );
    let key = fixture.read().users[0].api_key.clone();
    let upstream = serve(app(fixture.clone())).await;
    let dir = std::env::temp_dir().join(format!(
        "igp-test-{}-{}",
        std::process::id(),
        upstream.port()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let key_file = dir.join("key");
    std::fs::write(&key_file, format!("{key}\n")).unwrap();
    let toml = format!(
        "upstream = \"http://{upstream}\"\napi_key_file = {:?}\n{extra}",
        key_file.display().to_string()
    );
    let config = Config::parse(&toml).unwrap();
    let log = Arc::new(Mutex::new(Vec::new()));
    let sink = log.clone();
    let key_read = ApiKey::parse(&std::fs::read_to_string(&key_file).unwrap()).unwrap();
    let proxy = Proxy::new(
        config,
        key_read,
        Arc::new(move |line: &str| sink.lock().unwrap().push(line.to_owned())),
    )
    .unwrap();
    let proxy = serve(router(proxy)).await;
    Pair {
        fixture,
        upstream,
        proxy,
        key,
        log,
        seen: Arc::new(Mutex::new(Vec::new())),
    }
}

/// An HTTP/1.1 answer read off the wire.
#[derive(Debug)]
struct Answer {
    status: u16,
    head: String,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<String> {
        self.head.lines().skip(1).find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_owned())
        })
    }
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
}

/// Sends exactly `method target` with `headers` (no normalisation of the
/// target: what a hostile client can put on the wire).
async fn raw(addr: SocketAddr, method: &str, target: &str, headers: &[(&str, &str)]) -> Answer {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut req = format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.unwrap();
    let split = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an answer head");
    let head = String::from_utf8_lossy(&buf[..split]).into_owned();
    let mut body = buf[split + 4..].to_vec();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status");
    let a = Answer {
        status,
        head,
        body: Vec::new(),
    };
    if a.header("transfer-encoding")
        .is_some_and(|t| t.eq_ignore_ascii_case("chunked"))
    {
        let mut out = Vec::new();
        let mut rest = &body[..];
        loop {
            let nl = rest.windows(2).position(|w| w == b"\r\n").unwrap();
            let size = usize::from_str_radix(std::str::from_utf8(&rest[..nl]).unwrap().trim(), 16)
                .unwrap();
            rest = &rest[nl + 2..];
            if size == 0 {
                break;
            }
            out.extend_from_slice(&rest[..size]);
            rest = &rest[size + 2..];
        }
        body = out;
    }
    Answer { body, ..a }
}

impl Pair {
    async fn get(&self, target: &str, headers: &[(&str, &str)]) -> Answer {
        self.send("GET", target, headers).await
    }
    async fn send(&self, method: &str, target: &str, headers: &[(&str, &str)]) -> Answer {
        let a = raw(self.proxy, method, target, headers).await;
        self.seen.lock().unwrap().push(format!(
            "{}\r\n\r\n{}",
            a.head,
            String::from_utf8_lossy(&a.body)
        ));
        a
    }
    /// The fixture's own answer, with the key (the truth to compare with).
    async fn direct(&self, target: &str) -> Answer {
        raw(self.upstream, "GET", target, &[("x-api-key", &self.key)]).await
    }
    fn user_id(&self, i: usize) -> String {
        format_uuid(self.fixture.read().users[i].id)
    }
    /// Ids of a listing answer.
    fn ids(a: &Answer) -> Vec<String> {
        a.json()
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["id"].as_str().unwrap().to_owned())
            .collect()
    }
    /// The key appears in no answer seen and no log line.
    fn assert_no_key(&self) {
        for a in self.seen.lock().unwrap().iter() {
            assert!(!a.contains(&self.key), "the key in an answer: {a}");
        }
        let log = self.log.lock().unwrap();
        assert!(!log.is_empty(), "the proxy logs its requests");
        for l in log.iter() {
            assert!(!l.contains(&self.key), "the key in a log line: {l}");
        }
    }
}

#[tokio::test]
async fn allowed_routes_pass_and_a_304_keeps_its_etag() {
    let p = pair("").await;
    assert_eq!(p.get("/healthz", &[]).await.status, 200);
    assert_eq!(
        p.get("/api/server-info/ping", &[]).await.json()["res"],
        "pong"
    );
    let version = p.get("/api/server-info/version", &[]).await;
    assert_eq!(version.status, 200);
    assert_eq!(version.json()["major"], 1);
    assert_eq!(
        version.header("x-immich-grid-proxy").as_deref(),
        Some("v=1; favorites=any; archived=never; partners=no; own=yes; originals=no")
    );
    let me = p.get("/api/user/me", &[]).await;
    assert_eq!(me.json()["id"], p.user_id(0));

    // The listing carries the forced isArchived=false: the same ids as the
    // fixture's own answer to that query.
    let page = p.get("/api/asset?skip=0&take=1000", &[]).await;
    assert_eq!(page.status, 200);
    let truth = p
        .direct("/api/asset?skip=0&take=1000&isArchived=false")
        .await;
    let ids = Pair::ids(&page);
    assert!(ids.len() > 100, "{} assets", ids.len());
    assert_eq!(ids, Pair::ids(&truth));
    let all = Pair::ids(&p.direct("/api/asset?skip=0&take=1000").await);
    assert!(
        all.len() > ids.len(),
        "the fixture has archived assets to hide"
    );

    // 304 with the same ETag, and the ETag is the upstream's own.
    let etag = page.header("etag").expect("an ETag");
    assert_eq!(truth.header("etag").as_deref(), Some(etag.as_str()));
    let again = p
        .get("/api/asset?skip=0&take=1000", &[("If-None-Match", &etag)])
        .await;
    assert_eq!(again.status, 304);
    assert_eq!(again.header("etag").as_deref(), Some(etag.as_str()));
    assert!(again.body.is_empty());

    let stats = p.get("/api/asset/statistics?isTrashed=false", &[]).await;
    let truth = p
        .direct("/api/asset/statistics?isTrashed=false&isArchived=false")
        .await;
    assert_eq!(stats.json(), truth.json());
    let me_id = p.user_id(0);
    let audit = p
        .get(
            &format!("/api/audit/deletes?after=2020-01-01T00%3A00%3A00.000Z&entityType=ASSET&userId={me_id}"),
            &[],
        )
        .await;
    assert_eq!(
        audit.status,
        200,
        "{}",
        String::from_utf8_lossy(&audit.body)
    );
    assert!(audit.json()["ids"].is_array());

    let id = &ids[0];
    let thumb = p
        .get(&format!("/api/asset/thumbnail/{id}?format=WEBP"), &[])
        .await;
    assert_eq!(thumb.status, 200);
    assert_eq!(thumb.header("content-type").as_deref(), Some("image/webp"));
    assert_eq!(&thumb.body[..4], b"RIFF");
    let detail = p.get(&format!("/api/asset/{id}"), &[]).await;
    assert_eq!(detail.json()["id"], id.as_str());

    // Every upstream request carried the key and no cookie.
    let log = p.fixture.0.log.lock().unwrap().clone();
    assert!(log.len() >= 8);
    for e in log.iter().filter(|e| e.path.starts_with("/api/")) {
        assert_eq!(e.auth, AuthKind::ApiKeyHeader, "{}", e.path);
        assert!(!e.cookie, "{}", e.path);
    }
    p.assert_no_key();
}

#[tokio::test]
async fn visitor_credentials_are_stripped_and_set_cookie_never_comes_back() {
    let p = pair("").await;
    let (tok, key2) = {
        let s = p.fixture.read();
        (s.users[2].access_token.clone(), s.users[2].api_key.clone())
    };
    let cookie = format!("immich_access_token={tok}");
    let bearer = format!("Bearer {tok}");
    let me = p
        .get(
            "/api/user/me",
            &[
                ("Cookie", cookie.as_str()),
                ("Authorization", bearer.as_str()),
                ("x-api-key", key2.as_str()),
                ("x-immich-user-token", tok.as_str()),
            ],
        )
        .await;
    // The proxy's key decides, not the visitor's credentials.
    assert_eq!(me.json()["id"], p.user_id(0));
    assert!(me.header("set-cookie").is_none());
    let log = p.fixture.0.log.lock().unwrap().clone();
    let last = log.iter().rev().find(|e| e.path == "/api/user/me").unwrap();
    assert_eq!(last.auth, AuthKind::ApiKeyHeader);
    assert!(!last.cookie);
    p.assert_no_key();
}

#[tokio::test]
async fn forbidden_routes_methods_and_path_tricks_are_refused() {
    let p = pair("").await;
    let id = Pair::ids(&p.get("/api/asset?skip=0&take=10", &[]).await)[0].clone();
    let long = format!("/api/asset?skip={}", "0".repeat(3000));
    let table: Vec<(&str, String, u16)> = vec![
        // Routes the grid does not read.
        ("GET", "/api/user".into(), 404),
        ("GET", "/api/partner?direction=shared-with".into(), 404),
        ("GET", "/api/album".into(), 404),
        ("GET", "/api/api-key".into(), 404),
        ("GET", "/api/server-info/config".into(), 404),
        ("GET", "/api/auth/validateToken".into(), 404),
        ("GET", "/api/download/archive".into(), 404),
        ("GET", "/api/asset/thumbnail/not-a-uuid".into(), 404),
        ("GET", "/__fixture/requests".into(), 404),
        ("GET", "/api".into(), 404),
        // Other methods on allowed routes.
        ("POST", "/api/asset".into(), 405),
        ("PUT", "/api/asset".into(), 405),
        ("DELETE", "/api/asset".into(), 405),
        ("PATCH", format!("/api/asset/{id}"), 405),
        ("HEAD", "/api/user/me".into(), 405),
        ("OPTIONS", "/api/asset".into(), 405),
        ("DELETE", format!("/api/asset/{id}"), 405),
        // Paths that normalise elsewhere.
        ("GET", "/api/asset/../user".into(), 404),
        ("GET", "/api/asset/../api-key".into(), 404),
        ("GET", "/api/asset/%2e%2e/user".into(), 404),
        ("GET", "/api/asset/%2E%2E/api-key".into(), 404),
        ("GET", "/api/asset%2F..%2Fuser".into(), 404),
        ("GET", "/api/%61sset".into(), 404),
        ("GET", "/api//asset".into(), 404),
        ("GET", "//api/asset".into(), 404),
        ("GET", "/api/./asset".into(), 404),
        ("GET", "/api/asset/".into(), 404),
        ("GET", "/api\\asset".into(), 404),
        ("GET", "/api/asset\\..\\user".into(), 404),
        ("GET", "/api/user/me;x".into(), 404),
        ("GET", "/api/server-info/ping/".into(), 404),
        // Query tricks.
        ("GET", "/api/asset?apiKey=x".into(), 403),
        ("GET", "/api/asset?key=x".into(), 403),
        ("GET", "/api/asset?withExif=true".into(), 403),
        ("GET", "/api/asset?skip=1&skip=2".into(), 403),
        ("GET", "/api/asset?skip=-1".into(), 403),
        ("GET", "/api/asset?take=99999".into(), 403),
        ("GET", "/api/asset?isFavorite=maybe".into(), 403),
        ("GET", "/api/asset?userId=..%2F..%2Fuser".into(), 403),
        ("GET", "/api/user/me?x=1".into(), 403),
        ("GET", format!("/api/asset/thumbnail/{id}?format=PNG"), 403),
        (
            "GET",
            format!("/api/asset/thumbnail/{id}?size=preview"),
            403,
        ),
        // Over-long target.
        ("GET", long, 414),
        ("GET", format!("/{}", "a".repeat(5000)), 414),
    ];
    let mut failures = Vec::new();
    for (method, target, want) in &table {
        let a = p.send(method, target, &[]).await;
        if a.status != *want {
            failures.push(format!("{method} {target}: {} (want {want})", a.status));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    // A body on a GET is refused too.
    let a = p
        .send(
            "GET",
            "/api/user/me",
            &[("Content-Length", "0"), ("Transfer-Encoding", "chunked")],
        )
        .await;
    assert_eq!(a.status, 403);
    // None of them reached the upstream as anything but the one allowed listing.
    let log = p.fixture.0.log.lock().unwrap().clone();
    let reached: BTreeSet<&str> = log.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(reached, BTreeSet::from(["/api/asset"]), "{log:#?}");
    p.assert_no_key();
}

#[tokio::test]
async fn filter_restrictions_hold() {
    let partner = {
        // Known before the proxy starts: the fixture is seeded.
        let f = AppState::generated(7, 400, immich_fixture::Config::default());
        let id = format_uuid(f.read().users[1].id);
        id
    };
    let p = pair(&format!(
        "is_favorite = true\nallowed_user_ids = [\"{partner}\"]\n"
    ))
    .await;
    assert_eq!(p.user_id(1), partner);
    let page = p.get("/api/asset?skip=0&take=1000", &[]).await;
    let truth = p
        .direct("/api/asset?skip=0&take=1000&isFavorite=true&isArchived=false")
        .await;
    let ids = Pair::ids(&page);
    assert!(!ids.is_empty());
    assert_eq!(ids, Pair::ids(&truth), "favourites, not archived");
    for a in page.json().as_array().unwrap() {
        assert_eq!(a["isFavorite"], true);
        assert_eq!(a["isArchived"], false);
    }
    // Asking for the forced value explicitly is fine; the other is refused.
    assert_eq!(p.get("/api/asset?isFavorite=true", &[]).await.status, 200);
    assert_eq!(p.get("/api/asset?isFavorite=false", &[]).await.status, 403);
    assert_eq!(p.get("/api/asset?isArchived=true", &[]).await.status, 403);
    assert_eq!(
        p.get("/api/asset/statistics?isFavorite=false", &[])
            .await
            .status,
        403
    );
    let stats = p.get("/api/asset/statistics", &[]).await.json();
    let truth = p
        .direct("/api/asset/statistics?isFavorite=true&isArchived=false")
        .await
        .json();
    assert_eq!(stats, truth);
    // Users: the owner and the listed partner; the third user is refused.
    let me = p.user_id(0);
    let third = p.user_id(2);
    assert_eq!(
        p.get(&format!("/api/asset?userId={me}"), &[]).await.status,
        200
    );
    assert_eq!(
        p.get(&format!("/api/asset?userId={partner}"), &[])
            .await
            .status,
        200
    );
    assert_eq!(
        p.get(&format!("/api/asset?userId={third}"), &[])
            .await
            .status,
        403
    );
    let unknown = "00000000-0000-4000-8000-000000000000";
    assert_eq!(
        p.get(&format!("/api/asset?userId={unknown}"), &[])
            .await
            .status,
        403
    );
    assert_eq!(
        p.get(
            &format!(
                "/api/audit/deletes?after=2020-01-01T00%3A00%3A00Z&entityType=ASSET&userId={third}"
            ),
            &[]
        )
        .await
        .status,
        403
    );
    p.assert_no_key();
}

#[tokio::test]
async fn media_only_for_ids_in_the_allowed_listing() {
    let p = pair("is_favorite = true\noriginals = false\n").await;
    let all: Vec<Value> = p
        .direct("/api/asset?skip=0&take=1000")
        .await
        .json()
        .as_array()
        .unwrap()
        .clone();
    let fav = all
        .iter()
        .find(|a| a["isFavorite"] == true && a["isArchived"] == false && a["isTrashed"] == false)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let other = all.iter().find(|a| a["isFavorite"] == false).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let archived_fav = all
        .iter()
        .find(|a| a["isArchived"] == true)
        .map(|a| a["id"].as_str().unwrap().to_owned());
    // The third user's asset (the key's owner cannot even see it).
    let third = p.user_id(2);
    let key2 = p.fixture.read().users[2].api_key.clone();
    let foreign = raw(
        p.upstream,
        "GET",
        &format!("/api/asset?take=1&userId={third}"),
        &[("x-api-key", &key2)],
    )
    .await;
    let foreign = Pair::ids(&foreign)[0].clone();
    let unknown = "00000000-0000-4000-8000-000000000001".to_owned();

    // Before any listing: the on-miss check lets a favourite through.
    assert_eq!(
        p.get(&format!("/api/asset/thumbnail/{fav}?format=WEBP"), &[])
            .await
            .status,
        200
    );
    let mut refused = vec![other, foreign, unknown];
    refused.extend(archived_fav);
    for id in &refused {
        for route in [
            format!("/api/asset/thumbnail/{id}?format=WEBP"),
            format!("/api/asset/thumbnail/{id}?format=JPEG"),
            format!("/api/asset/{id}"),
        ] {
            let a = p.get(&route, &[]).await;
            assert_eq!(a.status, 404, "{route}");
        }
    }
    // Originals are off: even an allowed id gets 404.
    assert_eq!(
        p.get(&format!("/api/asset/file/{fav}"), &[]).await.status,
        404
    );

    // With originals on, the allowed one passes (with Range) and the other does not.
    let q = pair("is_favorite = true\noriginals = true\n").await;
    let a = q.get(&format!("/api/asset/file/{fav}"), &[]).await;
    assert_eq!(a.status, 200);
    let mime = a.header("content-type").unwrap();
    assert!(
        mime.starts_with("image/") || mime.starts_with("video/"),
        "{mime}"
    );
    assert!(a.body.len() > 100);
    // `Range` goes up for originals (the fixture serves videos by range).
    let video = all
        .iter()
        .find(|a| {
            a["type"] == "VIDEO"
                && a["isFavorite"] == true
                && a["isArchived"] == false
                && a["isTrashed"] == false
        })
        .expect("a favourite video in the fixture")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let a = q
        .get(
            &format!("/api/asset/file/{video}"),
            &[("Range", "bytes=0-9")],
        )
        .await;
    assert_eq!(a.status, 206);
    assert_eq!(a.body.len(), 10);
    assert_eq!(
        a.header("content-range").unwrap().split('/').next(),
        Some("bytes 0-9")
    );
    assert_eq!(
        q.get(&format!("/api/asset/file/{}", refused[0]), &[])
            .await
            .status,
        404
    );
    p.assert_no_key();
    q.assert_no_key();
}

#[tokio::test]
async fn the_rate_limit_holds_per_client() {
    let p = pair("[rate_limit]\nburst = 5\nper_second = 0.01\n").await;
    for i in 0..5 {
        assert_eq!(
            p.get("/api/server-info/ping", &[]).await.status,
            200,
            "request {i}"
        );
    }
    let a = p.get("/api/server-info/ping", &[]).await;
    assert_eq!(a.status, 429);
    let wait: u64 = a.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=100).contains(&wait), "{wait}");
    // Monitors are never limited.
    assert_eq!(p.get("/healthz", &[]).await.status, 200);
    p.assert_no_key();
}

#[tokio::test]
async fn cors_preflights_answer_listed_origins_only() {
    let p = pair("cors_origins = [\"https://pages.example\"]\n").await;
    let pre = |origin: &'static str| {
        let p = &p;
        async move {
            p.send(
                "OPTIONS",
                "/api/asset?skip=0&take=10",
                &[
                    ("Origin", origin),
                    ("Access-Control-Request-Method", "GET"),
                    ("Access-Control-Request-Headers", "if-none-match"),
                ],
            )
            .await
        }
    };
    let ok = pre("https://pages.example").await;
    assert!(ok.status == 200 || ok.status == 204, "{}", ok.status);
    assert_eq!(
        ok.header("access-control-allow-origin").as_deref(),
        Some("https://pages.example")
    );
    let methods = ok.header("access-control-allow-methods").unwrap();
    assert_eq!(methods, "GET");
    assert!(ok
        .header("access-control-allow-headers")
        .unwrap()
        .contains("if-none-match"));
    let other = pre("https://evil.example").await;
    assert!(other.header("access-control-allow-origin").is_none());
    // A real GET from the listed origin exposes the ETag and the proxy header.
    let a = p
        .get(
            "/api/server-info/version",
            &[("Origin", "https://pages.example")],
        )
        .await;
    let exposed = a
        .header("access-control-expose-headers")
        .unwrap()
        .to_lowercase();
    assert!(
        exposed.contains("etag") && exposed.contains("x-immich-grid-proxy"),
        "{exposed}"
    );
    let a = p
        .get(
            "/api/server-info/version",
            &[("Origin", "https://evil.example")],
        )
        .await;
    assert!(a.header("access-control-allow-origin").is_none());
    p.assert_no_key();
}

#[tokio::test]
async fn the_app_files_are_served_with_types_and_precompressed_siblings() {
    let dir = std::env::temp_dir().join(format!("igp-app-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("index.html"), "<!doctype html><title>grid</title>").unwrap();
    std::fs::write(dir.join("app-1.js"), "console.log(1)").unwrap();
    std::fs::write(dir.join("app-1.js.br"), b"BROTLI").unwrap();
    std::fs::write(dir.join("app-1_bg.wasm"), b"\0asm").unwrap();
    let p = pair(&format!("app_dir = {:?}\n", dir.display().to_string())).await;
    let index = p.get("/", &[]).await;
    assert_eq!(index.status, 200);
    assert!(index
        .header("content-type")
        .unwrap()
        .starts_with("text/html"));
    assert!(index
        .header("content-security-policy")
        .unwrap()
        .contains("script-src 'self'"));
    let js = p.get("/app-1.js", &[]).await;
    assert_eq!(
        js.header("content-type").as_deref(),
        Some("text/javascript")
    );
    assert_eq!(js.body, b"console.log(1)");
    let br = p.get("/app-1.js", &[("Accept-Encoding", "br")]).await;
    assert_eq!(br.header("content-encoding").as_deref(), Some("br"));
    assert_eq!(br.body, b"BROTLI");
    let wasm = p.get("/app-1_bg.wasm", &[]).await;
    assert_eq!(
        wasm.header("content-type").as_deref(),
        Some("application/wasm")
    );
    // An unknown page is the app (it routes itself); tricks are not.
    let deep = p.get("/some/view", &[]).await;
    assert!(String::from_utf8_lossy(&deep.body).contains("<title>grid</title>"));
    assert_eq!(p.get("/../etc/passwd", &[]).await.status, 404);
    assert_eq!(p.get("/%2e%2e/key", &[]).await.status, 404);
    assert_eq!(p.send("POST", "/", &[]).await.status, 405);
    p.assert_no_key();
}

#[test]
fn the_example_configuration_parses() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/proxy/immich-grid-proxy.toml"
    ))
    .unwrap();
    let c = Config::parse(&text).unwrap();
    assert_eq!(c.is_favorite, Some(true));
    assert_eq!(c.is_archived, Some(false));
    assert!(!c.originals);
    assert_eq!(c.rate_limit.burst, 400);
    // Unknown keys and bad values are refused with a message, not ignored.
    assert!(Config::parse(&format!("{text}\nis_favourite = true\n")).is_err());
    let bad = text.replace("http://127.0.0.1:2283", "https://immich.example");
    let e = Config::parse(&bad).unwrap_err();
    assert!(format!("{e:#}").contains("http://"), "{e:#}");
}
