//! `GET /api/partner?direction=shared-by|shared-with`: both directions for
//! each fixture user, Immich's wire shape, validation, auth order and ETags.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

mod common;

use axum::Router;
use common::*;
use immich_api::{PartnerListResponse, PartnerResponseDto};
use immich_fixture::AppState;
use serde_json::Value;

/// The `(id, inTimeline)` pairs of a `GET /api/partner` body.
fn partners_of(body: &Value) -> Vec<(String, bool)> {
    body.as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["id"].as_str().unwrap().to_owned(),
                p["inTimeline"].as_bool().unwrap(),
            )
        })
        .collect()
}

/// Asks `GET /api/partner` as user `caller` and compares the answer with
/// `expected` (user indices and their `inTimeline`).
async fn check_partners(
    state: &AppState,
    router: &Router,
    caller: usize,
    direction: &str,
    expected: &[(usize, bool)],
) {
    let k = key(state, caller);
    let res = get(router, &format!("/api/partner?direction={direction}"), &k).await;
    assert_eq!(res.status, 200, "{caller} {direction}: {}", res.text());
    assert_eq!(
        res.header("content-type").as_deref(),
        Some("application/json; charset=utf-8")
    );
    let expected: Vec<(String, bool)> = expected
        .iter()
        .map(|&(i, in_timeline)| (user_id(state, i), in_timeline))
        .collect();
    assert_eq!(partners_of(&res.json()), expected, "{caller} {direction}");
}

#[tokio::test]
async fn both_directions_for_every_user() {
    let (state, router) = fixture(40);
    let (s, r) = (&state, &router);
    // Alice (1) shares with the admin (0), who shows her in their timeline;
    // the admin shares with Bob (2), who does not.
    check_partners(s, r, 0, "shared-with", &[(1, true)]).await;
    check_partners(s, r, 0, "shared-by", &[(2, false)]).await;
    check_partners(s, r, 1, "shared-with", &[]).await;
    check_partners(s, r, 1, "shared-by", &[(0, true)]).await;
    check_partners(s, r, 2, "shared-with", &[(0, false)]).await;
    check_partners(s, r, 2, "shared-by", &[]).await;
}

#[tokio::test]
async fn shared_with_partners_are_readable_timelines() {
    // The point of `shared-with`: every id it lists is a `userId` the caller
    // may list, and every id of `shared-by` is one the caller may not.
    let (state, router) = fixture(40);
    for caller in 0..3 {
        let k = key(&state, caller);
        for (direction, allowed) in [("shared-with", 200), ("shared-by", 400)] {
            let body = get(&router, &format!("/api/partner?direction={direction}"), &k)
                .await
                .json();
            for (id, _) in partners_of(&body) {
                let res = get(&router, &format!("/api/asset?take=1&userId={id}"), &k).await;
                assert_eq!(res.status, allowed, "{caller} {direction} {id}");
            }
        }
    }
}

#[tokio::test]
async fn body_is_the_user_dto_plus_in_timeline() {
    let (state, router) = fixture(40);
    let admin = key(&state, 0);
    let res = get(&router, "/api/partner?direction=shared-with", &admin).await;
    // It decodes as the wire type, and re-encoding gives the same bytes.
    let list: PartnerListResponse = serde_json::from_slice(&res.body).unwrap();
    assert_eq!(serde_json::to_vec(&list).unwrap(), res.body);
    let [alice]: [PartnerResponseDto; 1] = list.try_into().unwrap();
    assert_eq!(alice.user.name, "Alice Partner");
    assert_eq!(alice.in_timeline, Some(true));
    // The user part is byte for byte what `/api/user/info/{id}` says, and
    // `inTimeline` is the last key.
    let info = get(
        &router,
        &format!("/api/user/info/{}", alice.user.id),
        &admin,
    )
    .await;
    let text = res.text();
    let user_json = info.text();
    let user_keys = user_json.strip_suffix('}').unwrap();
    assert_eq!(text, format!("[{user_keys},\"inTimeline\":true}}]"));
}

#[tokio::test]
async fn bad_direction_is_a_400_in_nests_shape() {
    let (state, router) = fixture(40);
    let admin = key(&state, 0);
    let expected = r#"{"message":["direction must be one of the following values: shared-by, shared-with"],"error":"Bad Request","statusCode":400}"#;
    for query in [
        "",
        "?direction=",
        "?direction=shared_with",
        "?direction=SHARED-BY",
        "?direction=both",
        "?direction=shared-by&direction=shared-by",
        "?Direction=shared-by",
    ] {
        let res = get(&router, &format!("/api/partner{query}"), &admin).await;
        assert_eq!(res.status, 400, "{query}");
        assert_eq!(res.text(), expected, "{query}");
    }
    // Unknown extra parameters are ignored, as Nest's whitelist does.
    let res = get(&router, "/api/partner?direction=shared-by&foo=1", &admin).await;
    assert_eq!(res.status, 200);
}

#[tokio::test]
async fn auth_comes_before_validation() {
    let (state, router) = fixture(40);
    let unauthorized =
        r#"{"message":"Authentication required","error":"Unauthorized","statusCode":401}"#;
    for uri in [
        "/api/partner?direction=shared-with",
        "/api/partner",
        "/api/partner?direction=nonsense",
    ] {
        let res = get_with(&router, uri, &[]).await;
        assert_eq!(res.status, 401, "{uri}");
        assert_eq!(res.text(), unauthorized, "{uri}");
    }
    let bad = get(&router, "/api/partner?direction=shared-with", "not-a-key").await;
    assert_eq!(bad.status, 401);
    // Any other way to authenticate works too: the session token as a bearer.
    let token = state.read().users[2].access_token.clone();
    let bearer = format!("Bearer {token}");
    let res = get_with(
        &router,
        "/api/partner?direction=shared-with",
        &[("authorization", bearer.as_str())],
    )
    .await;
    assert_eq!(res.status, 200);
    assert_eq!(partners_of(&res.json()), vec![(user_id(&state, 0), false)]);
}

#[tokio::test]
async fn etag_and_304() {
    let (state, router) = fixture(40);
    let admin = key(&state, 0);
    let uri = "/api/partner?direction=shared-with";
    let first = get(&router, uri, &admin).await;
    let tag = first.header("etag").unwrap();
    let again = get_with(
        &router,
        uri,
        &[
            ("x-api-key", admin.as_str()),
            ("if-none-match", tag.as_str()),
        ],
    )
    .await;
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    // The other direction is another body, so another tag.
    let other = get(&router, "/api/partner?direction=shared-by", &admin).await;
    assert_ne!(other.header("etag").unwrap(), tag);
}
