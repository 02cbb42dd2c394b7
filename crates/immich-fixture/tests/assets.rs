//! `GET /api/asset` semantics, validation, auth order, ETags, partners.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

mod common;

use base64::{engine::general_purpose::STANDARD, Engine as _};
use common::*;
use serde_json::Value;
use sha1::{Digest, Sha1};

fn ids(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn lists_the_whole_library_in_immich_order_and_shape() {
    let (state, router) = fixture(2000);
    let k = key(&state, 0);
    let a = get(&router, "/api/asset", &k).await;
    assert_eq!(a.status, 200);
    assert_eq!(
        a.header("content-type").unwrap(),
        "application/json; charset=utf-8"
    );
    let list = a.json();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2000);
    let created: Vec<&str> = list
        .iter()
        .map(|x| x["fileCreatedAt"].as_str().unwrap())
        .collect();
    assert!(
        created.windows(2).all(|w| w[0] >= w[1]),
        "fileCreatedAt descending"
    );
    let all: std::collections::HashSet<&str> =
        list.iter().map(|x| x["id"].as_str().unwrap()).collect();
    let admin = user_id(&state, 0);
    let (mut trashed, mut offline, mut live, mut primaries, mut children, mut videos) =
        (0, 0, 0, 0, 0, 0);
    for x in list {
        let o = x.as_object().unwrap();
        assert!(
            !o.contains_key("owner") && !o.contains_key("smartInfo"),
            "{x}"
        );
        assert_eq!(x["people"], serde_json::json!([]));
        assert!(x["tags"].is_array());
        assert!(x["exifInfo"].is_object());
        assert_eq!(x["ownerId"], admin.as_str());
        assert!(
            o.contains_key("livePhotoVideoId"),
            "livePhotoVideoId is always sent (null when none)"
        );
        trashed += usize::from(x["isTrashed"] == true);
        offline += usize::from(x["isOffline"] == true);
        if let Some(v) = x["livePhotoVideoId"].as_str() {
            live += 1;
            assert!(!all.contains(v), "the hidden video half is not listed");
        }
        if x["type"] == "VIDEO" {
            videos += 1;
            let d = x["duration"].as_str().unwrap();
            assert!(
                d.starts_with("0:0") && d.len() == "0:00:12.345000".len(),
                "{d}"
            );
        } else {
            assert_eq!(x["duration"], "0:00:00.00000");
        }
        match (o.get("stack"), o.get("stackParentId")) {
            (Some(stack), None) => {
                primaries += 1;
                let members = stack.as_array().unwrap();
                assert_eq!(
                    x["stackCount"].as_u64().unwrap() as usize,
                    members.len() + 1
                );
                for m in members {
                    let mo = m.as_object().unwrap();
                    assert!(m["stackCount"].is_null());
                    assert!(!mo.contains_key("stack") && !mo.contains_key("stackParentId"));
                    assert!(
                        all.contains(m["id"].as_str().unwrap()),
                        "stack children are listed too"
                    );
                }
            }
            (None, Some(parent)) => {
                children += 1;
                assert!(x["stackCount"].is_null());
                assert!(all.contains(parent.as_str().unwrap()));
            }
            (None, None) => assert!(x["stackCount"].is_null() && o.contains_key("stackCount")),
            _ => panic!("both stack and stackParentId: {x}"),
        }
    }
    assert!(
        trashed > 0
            && offline > 0
            && live > 0
            && primaries > 0
            && children >= primaries
            && videos > 50
    );
}

#[tokio::test]
async fn skip_take_slice_the_same_order() {
    let (state, router) = fixture(600);
    let k = key(&state, 0);
    let all = ids(&get(&router, "/api/asset", &k).await.json());
    let check = |uri: &'static str, expected: &[String]| {
        let router = router.clone();
        let k = k.clone();
        let expected = expected.to_vec();
        async move { assert_eq!(ids(&get(&router, uri, &k).await.json()), expected, "{uri}") }
    };
    check("/api/asset?take=100", &all[..100]).await;
    check("/api/asset?skip=100&take=100", &all[100..200]).await;
    check("/api/asset?skip=550&take=100", &all[550..]).await;
    check("/api/asset?skip=5000", &[]).await;
    check("/api/asset?take=0", &[]).await;
    check("/api/asset?skip=3", &all[3..]).await;
}

#[tokio::test]
async fn filters_are_exact_and_updated_bounds_inclusive() {
    let (state, router) = fixture(1500);
    let k = key(&state, 0);
    let all = get(&router, "/api/asset", &k).await.json();
    let all = all.as_array().unwrap();
    for (param, field) in [("isFavorite", "isFavorite"), ("isArchived", "isArchived")] {
        for value in [true, false] {
            let got = get(&router, &format!("/api/asset?{param}={value}"), &k)
                .await
                .json();
            let expected: Vec<String> = all
                .iter()
                .filter(|x| x[field] == value)
                .map(|x| x["id"].as_str().unwrap().to_owned())
                .collect();
            assert_eq!(ids(&got), expected, "{param}={value}");
        }
    }
    let mut stamps: Vec<&str> = all
        .iter()
        .map(|x| x["updatedAt"].as_str().unwrap())
        .collect();
    stamps.sort_unstable();
    let (lo, hi) = (stamps[stamps.len() / 4], stamps[stamps.len() / 2]);
    let count = |pred: &dyn Fn(&str) -> bool| {
        all.iter()
            .filter(|x| pred(x["updatedAt"].as_str().unwrap()))
            .count()
    };
    let after = get(&router, &format!("/api/asset?updatedAfter={lo}"), &k)
        .await
        .json();
    assert_eq!(after.as_array().unwrap().len(), count(&|u| u >= lo));
    assert!(
        ids(&after).iter().any(|id| all
            .iter()
            .any(|x| x["id"] == id.as_str() && x["updatedAt"] == lo)),
        "bound is inclusive"
    );
    let before = get(&router, &format!("/api/asset?updatedBefore={hi}"), &k)
        .await
        .json();
    assert_eq!(before.as_array().unwrap().len(), count(&|u| u <= hi));
    let between = get(
        &router,
        &format!("/api/asset?updatedAfter={lo}&updatedBefore={hi}&take=5&skip=2"),
        &k,
    )
    .await
    .json();
    let expected: Vec<String> = all
        .iter()
        .filter(|x| (lo..=hi).contains(&x["updatedAt"].as_str().unwrap()))
        .skip(2)
        .take(5)
        .map(|x| x["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids(&between), expected);
    // An exact instant on both ends.
    let one = get(
        &router,
        &format!("/api/asset?updatedAfter={lo}&updatedBefore={lo}"),
        &k,
    )
    .await
    .json();
    assert_eq!(one.as_array().unwrap().len(), count(&|u| u == lo));
}

#[tokio::test]
async fn validation_errors_look_like_immich() {
    let (state, router) = fixture(50);
    let k = key(&state, 0);
    let check = |uri: &'static str, messages: Value| {
        let router = router.clone();
        let k = k.clone();
        async move {
            let a = get(&router, uri, &k).await;
            assert_eq!(a.status, 400, "{uri}");
            assert_eq!(
                a.json(),
                serde_json::json!({"message": messages, "error": "Bad Request", "statusCode": 400}),
                "{uri}"
            );
            assert!(a.header("etag").is_some(), "errors carry an ETag too");
        }
    };
    check(
        "/api/asset?isFavorite=1",
        serde_json::json!(["isFavorite must be a boolean value"]),
    )
    .await;
    check(
        "/api/asset?isArchived=TRUE",
        serde_json::json!(["isArchived must be a boolean value"]),
    )
    .await;
    check(
        "/api/asset?updatedAfter=yesterday",
        serde_json::json!(["updatedAfter must be a date string"]),
    )
    .await;
    check(
        "/api/asset?updatedBefore=2024-99-01",
        serde_json::json!(["updatedBefore must be a date string"]),
    )
    .await;
    check(
        "/api/asset?userId=123",
        serde_json::json!(["userId must be a UUID"]),
    )
    .await;
    check(
        "/api/asset?userId=3fa85f64-5717-1562-b3fc-2c963f66afa6",
        serde_json::json!(["userId must be a UUID"]),
    )
    .await;
    check(
        "/api/asset?take=ten",
        serde_json::json!(["take must be an integer number"]),
    )
    .await;
    check(
        "/api/asset?isFavorite=yes&skip=1.5&updatedAfter=x",
        serde_json::json!([
            "isFavorite must be a boolean value",
            "skip must be an integer number",
            "updatedAfter must be a date string"
        ]),
    )
    .await;
    // Unknown parameters are ignored, as Nest's whitelist does.
    assert_eq!(get(&router, "/api/asset?foo=bar", &k).await.status, 200);
}

#[tokio::test]
async fn partners_timelines() {
    let (state, router) = fixture(400);
    let (admin, alice, bob) = (key(&state, 0), key(&state, 1), key(&state, 2));
    let alice_id = user_id(&state, 1);
    let admin_id = user_id(&state, 0);
    // Alice shares with the admin: her favourites/archived come out false.
    let own = get(&router, "/api/asset", &alice).await.json();
    let shared = get(&router, &format!("/api/asset?userId={alice_id}"), &admin)
        .await
        .json();
    assert_eq!(ids(&own), ids(&shared));
    assert!(own
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["isFavorite"] == true));
    assert!(shared
        .as_array()
        .unwrap()
        .iter()
        .all(|x| x["isFavorite"] == false && x["isArchived"] == false));
    assert!(shared
        .as_array()
        .unwrap()
        .iter()
        .all(|x| x["ownerId"] == alice_id.as_str()));
    // Filters still apply to the real flags.
    let favs = get(
        &router,
        &format!("/api/asset?userId={alice_id}&isFavorite=true"),
        &admin,
    )
    .await
    .json();
    let own_favs = get(&router, "/api/asset?isFavorite=true", &alice)
        .await
        .json();
    assert_eq!(ids(&favs), ids(&own_favs));
    assert!(!favs.as_array().unwrap().is_empty());
    // Own id is fine; the admin shares with Bob, not the other way round.
    assert_eq!(
        get(
            &router,
            &format!("/api/asset?userId={admin_id}&take=1"),
            &admin
        )
        .await
        .status,
        200
    );
    let denied = get(
        &router,
        &format!("/api/asset?userId={}", user_id(&state, 2)),
        &admin,
    )
    .await;
    assert_eq!(denied.status, 400);
    assert_eq!(
        denied.json(),
        serde_json::json!({"message": "Not found or no timeline.read access", "error": "Bad Request", "statusCode": 400})
    );
    assert_eq!(
        get(
            &router,
            &format!("/api/asset?userId={admin_id}&take=1"),
            &bob
        )
        .await
        .status,
        200
    );
    let unknown = get(
        &router,
        "/api/asset?userId=3fa85f64-5717-4562-b3fc-2c963f66afa6",
        &admin,
    )
    .await;
    assert_eq!(
        unknown.json()["message"],
        "Not found or no timeline.read access"
    );
}

#[tokio::test]
async fn authentication_order_and_401s() {
    let (state, router) = fixture(20);
    let (k, token) = (key(&state, 0), state.read().users[1].access_token.clone());
    let none = get_with(&router, "/api/asset", &[]).await;
    assert_eq!(none.status, 401);
    assert_eq!(
        none.text(),
        r#"{"message":"Authentication required","error":"Unauthorized","statusCode":401}"#
    );
    assert_eq!(
        get(&router, "/api/asset", "nope").await.json()["message"],
        "Invalid API key"
    );
    let owner = |a: &common::Answer| a.json()[0]["ownerId"].as_str().unwrap().to_owned();
    let alice = user_id(&state, 1);
    let admin = user_id(&state, 0);
    // A session token wins over an API key, whatever the header order.
    let bearer = get_with(
        &router,
        "/api/asset?take=1",
        &[
            ("x-api-key", &k),
            ("authorization", &format!("Bearer {token}")),
        ],
    )
    .await;
    assert_eq!(owner(&bearer), alice);
    let cookie = get_with(
        &router,
        "/api/asset?take=1",
        &[(
            "cookie",
            &format!("theme=dark; immich_access_token={token}"),
        )],
    )
    .await;
    assert_eq!(owner(&cookie), alice);
    let query = get_with(&router, &format!("/api/asset?take=1&apiKey={k}"), &[]).await;
    assert_eq!(owner(&query), admin);
    // A bad session token is not rescued by a good API key.
    let bad = get_with(
        &router,
        "/api/asset",
        &[("x-api-key", &k), ("authorization", "Bearer wrong")],
    )
    .await;
    assert_eq!(bad.status, 401);
    assert_eq!(bad.json()["message"], "Invalid user token");
    // Shared links are out of scope: any share key is refused before anything else.
    let share = get_with(
        &router,
        "/api/asset",
        &[("x-api-key", &k), ("x-immich-share-key", "abc")],
    )
    .await;
    assert_eq!(share.status, 401);
    // Auth comes before validation.
    assert_eq!(
        get_with(&router, "/api/asset?isFavorite=maybe", &[])
            .await
            .status,
        401
    );
}

fn express_etag(body: &[u8]) -> String {
    let b64 = STANDARD.encode(Sha1::digest(body));
    format!("\"{:x}-{}\"", body.len(), &b64[..27])
}

#[tokio::test]
async fn etags_and_304s() {
    let (state, router) = fixture(300);
    let k = key(&state, 0);
    let first = get(&router, "/api/asset?take=50", &k).await;
    let tag = first.header("etag").unwrap();
    assert_eq!(tag, express_etag(&first.body));
    assert_eq!(
        tag.len(),
        2 + format!("{:x}", first.body.len()).len() + 1 + 27
    );
    let check = |inm: String, extra: Option<&'static str>, expected: u16| {
        let router = router.clone();
        let k = k.clone();
        async move {
            let mut headers = vec![("x-api-key", k.as_str()), ("if-none-match", inm.as_str())];
            if let Some(cc) = extra {
                headers.push(("cache-control", cc));
            }
            let a = get_with(&router, "/api/asset?take=50", &headers).await;
            assert_eq!(a.status, expected, "{inm} {extra:?}");
            if expected == 304 {
                assert!(a.body.is_empty());
                assert!(a.header("etag").is_some());
                assert!(a.header("content-type").is_none());
            }
        }
    };
    check(tag.clone(), None, 304).await;
    check(format!("W/{tag}"), None, 304).await;
    check(format!("\"x\", {tag}"), None, 304).await;
    check("*".into(), None, 304).await;
    check("\"2-other\"".into(), None, 200).await;
    check(tag.clone(), Some("no-cache"), 200).await;
    // Same request, same bytes, same tag; different page, different tag.
    assert_eq!(
        get(&router, "/api/asset?take=50", &k)
            .await
            .header("etag")
            .unwrap(),
        tag
    );
    assert_ne!(
        get(&router, "/api/asset?take=51", &k)
            .await
            .header("etag")
            .unwrap(),
        tag
    );
    // Every JSON answer gets one.
    for uri in [
        "/api/user/me",
        "/api/server-info/version",
        "/api/asset/statistics",
    ] {
        let a = get(&router, uri, &k).await;
        assert_eq!(a.header("etag").unwrap(), express_etag(&a.body), "{uri}");
    }
    // A change moves the tag of the whole list.
    let whole = get(&router, "/api/asset", &k).await.header("etag").unwrap();
    post_json(&router, "/__fixture/change", serde_json::json!({"edit": 1})).await;
    let moved = get_with(
        &router,
        "/api/asset",
        &[("x-api-key", &k), ("if-none-match", &whole)],
    )
    .await;
    assert_eq!(moved.status, 200);
    assert_ne!(moved.header("etag").unwrap(), whole);
}

#[tokio::test]
async fn loaded_library_round_trips_byte_for_byte() {
    let (state, router) = fixture(300);
    let k = key(&state, 0);
    let original = get(&router, "/api/asset", &k).await;
    let loaded =
        immich_fixture::AppState::from_library_json(42, &original.text(), 300, Default::default())
            .unwrap();
    let k2 = loaded.read().users[0].api_key.clone();
    let again = get(&immich_fixture::app(loaded), "/api/asset", &k2).await;
    let (a, b) = (original.json(), again.json());
    for (x, y) in a.as_array().unwrap().iter().zip(b.as_array().unwrap()) {
        assert_eq!(x, y);
    }
    assert!(again.text() == original.text(), "bytes differ");
    assert_eq!(again.header("etag"), original.header("etag"));
    assert!(immich_fixture::AppState::from_library_json(
        42,
        "[{\"id\":1}]",
        10,
        Default::default()
    )
    .is_err());
}
