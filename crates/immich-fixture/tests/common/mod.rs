//! Shared helpers of the integration tests: an in-process app and request shortcuts.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)] // test helpers: a panic is a failed test

use axum::{
    body::Body,
    http::{HeaderMap, Request, StatusCode},
    Router,
};
use immich_fixture::{app, AppState, Config};
use serde_json::Value;
use tower::ServiceExt as _;

/// A generated fixture with test controls on.
pub fn fixture(assets: usize) -> (AppState, Router) {
    fixture_with(
        assets,
        Config {
            test_controls: true,
            ..Default::default()
        },
    )
}

/// A generated fixture with `config`.
pub fn fixture_with(assets: usize, config: Config) -> (AppState, Router) {
    let state = AppState::generated(42, assets, config);
    let router = app(state.clone());
    (state, router)
}

/// API key of user `i` (0 admin, 1 partner sharing with the admin, 2 viewer the admin shares with).
pub fn key(state: &AppState, i: usize) -> String {
    state.read().users[i].api_key.clone()
}

/// Id of user `i`.
pub fn user_id(state: &AppState, i: usize) -> String {
    immich_fixture::rng::format_uuid(state.read().users[i].id)
}

/// An answer.
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Sends a request through the router.
pub async fn send(router: &Router, req: Request<Body>) -> Answer {
    let res = router.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let body = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .unwrap()
        .to_vec();
    Answer {
        status,
        headers,
        body,
    }
}

/// GET with extra headers.
pub async fn get_with(router: &Router, uri: &str, headers: &[(&str, &str)]) -> Answer {
    let mut b = Request::builder().uri(uri);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    send(router, b.body(Body::empty()).unwrap()).await
}

/// GET as the holder of `key`.
pub async fn get(router: &Router, uri: &str, key: &str) -> Answer {
    get_with(router, uri, &[("x-api-key", key)]).await
}

/// POST JSON.
pub async fn post_json(router: &Router, uri: &str, body: Value) -> Answer {
    let req = Request::builder()
        .method("POST")
        .uri(uri)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    send(router, req).await
}

/// DELETE.
pub async fn delete(router: &Router, uri: &str) -> Answer {
    send(
        router,
        Request::builder()
            .method("DELETE")
            .uri(uri)
            .body(Body::empty())
            .unwrap(),
    )
    .await
}
