//! `GET /api/audit/deletes` (delta sync's deletions), the server clock the test
//! controls move, the `Date` header and changes a delta cannot see.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

mod common;

use chrono::{DateTime, Utc};
use common::*;
use serde_json::{json, Value};

fn iso(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_owned())
        .collect()
}

async fn change(router: &axum::Router, body: Value) -> Value {
    let a = post_json(router, "/__fixture/change", body).await;
    assert_eq!(a.status, 200, "{}", a.text());
    a.json()
}

async fn deletes(router: &axum::Router, key: &str, query: &str) -> common::Answer {
    get(router, &format!("/api/audit/deletes?{query}"), key).await
}

#[tokio::test]
async fn deletions_are_listed_after_the_given_time_only() {
    let (state, router) = fixture(500);
    let k = key(&state, 0);
    let before = state.read().now_ms() - 1;
    let first = change(&router, json!({"delete": 3})).await;
    let between = first["nowMs"].as_i64().unwrap();
    // `after` is strict and the audit clock counts milliseconds: the second
    // deletion must fall in a later millisecond than `between`.
    tokio::time::sleep(std::time::Duration::from_millis(3)).await;
    let second = change(&router, json!({"delete": 2, "edit": 1})).await;

    let a = deletes(
        &router,
        &k,
        &format!("after={}&entityType=ASSET", iso(before)),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.text());
    assert_eq!(
        a.header("content-type").unwrap(),
        "application/json; charset=utf-8"
    );
    assert!(a.header("etag").is_some(), "an Express JSON answer");
    let body = a.json();
    assert_eq!(body["needsFullSync"], false);
    let mut want = strings(&first["deleted"]);
    want.extend(strings(&second["deleted"]));
    let got = strings(&body["ids"]);
    // Live photos take their hidden video along: those ids are listed too.
    for id in &want {
        assert!(got.contains(id), "{id} missing from {got:?}");
    }
    // Every listed id is gone from the listing.
    let list = get(&router, "/api/asset", &k).await.json();
    let listed: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap())
        .collect();
    assert!(got.iter().all(|id| !listed.contains(&id.as_str())));

    // Only what was deleted after `after` (strictly).
    let later = deletes(
        &router,
        &k,
        &format!("after={}&entityType=ASSET", iso(between)),
    )
    .await;
    let later = strings(&later.json()["ids"]);
    for id in strings(&second["deleted"]) {
        assert!(later.contains(&id));
    }
    for id in strings(&first["deleted"]) {
        assert!(!later.contains(&id), "{id} was deleted before `after`");
    }
    // Albums: the fixture has none.
    let albums = deletes(
        &router,
        &k,
        &format!("after={}&entityType=ALBUM", iso(before)),
    )
    .await;
    assert_eq!(albums.json(), json!({"ids": [], "needsFullSync": false}));
}

#[tokio::test]
async fn needs_full_sync_after_a_hundred_days_and_the_clock_moves() {
    let (state, router) = fixture(200);
    let k = key(&state, 0);
    let now = state.read().now_ms();
    let check = |after: i64| {
        let (router, k) = (router.clone(), k.clone());
        async move {
            deletes(
                &router,
                &k,
                &format!("after={}&entityType=ASSET", iso(after)),
            )
            .await
        }
    };
    let day = 86_400_000;
    assert_eq!(check(now - 99 * day).await.json()["needsFullSync"], false);
    assert_eq!(check(now - 101 * day).await.json()["needsFullSync"], true);

    let date_before = get(&router, "/api/server-info/ping", "").await;
    let date_before = DateTime::parse_from_rfc2822(&date_before.header("date").unwrap()).unwrap();
    let moved = change(&router, json!({"advanceDays": 101, "delete": 1})).await;
    let moved_now = moved["nowMs"].as_i64().unwrap();
    assert!(moved_now - now >= 101 * day);
    // A sync that happened at `now` is now too old.
    let a = check(now).await.json();
    assert_eq!(a["needsFullSync"], true);
    assert_eq!(
        strings(&a["ids"]),
        strings(&moved["deleted"]),
        "ids are sent anyway"
    );
    assert_eq!(check(moved_now - day).await.json()["needsFullSync"], false);
    // The Date header follows the server's clock.
    let date_after = get(&router, "/api/server-info/ping", "").await;
    let date_after = DateTime::parse_from_rfc2822(&date_after.header("date").unwrap()).unwrap();
    let ahead = (date_after - date_before).num_days();
    assert!((101..=102).contains(&ahead), "{ahead}");
    // New changes carry the moved time.
    let edited = change(&router, json!({"edit": 1})).await;
    let id = strings(&edited["edited"]).remove(0);
    let asset = get(&router, &format!("/api/asset/{id}"), &k).await.json();
    let updated = DateTime::parse_from_rfc3339(asset["updatedAt"].as_str().unwrap()).unwrap();
    assert!(updated.timestamp_millis() >= moved_now);
    // Out-of-range moves are refused.
    let bad = post_json(&router, "/__fixture/change", json!({"advanceDays": -1})).await;
    assert_eq!(bad.status, 400);
}

#[tokio::test]
async fn access_follows_the_timeline_rules() {
    let (state, router) = fixture(300);
    let admin = key(&state, 0);
    let partner = user_id(&state, 1);
    let viewer = user_id(&state, 2);
    let t = iso(state.read().now_ms() - 1);
    // A deletion in the partner's library, seen by the admin (the partner shares).
    let gone = change(&router, json!({"delete": 1, "userId": partner})).await;
    let a = deletes(
        &router,
        &admin,
        &format!("after={t}&entityType=ASSET&userId={partner}"),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.text());
    assert_eq!(strings(&a.json()["ids"]), strings(&gone["deleted"]));
    // The admin's own log does not hold the partner's deletions.
    let own = deletes(&router, &admin, &format!("after={t}&entityType=ASSET")).await;
    assert_eq!(strings(&own.json()["ids"]), Vec::<String>::new());
    // Somebody who does not share with the admin: like `/api/asset`'s userId.
    let a = deletes(
        &router,
        &admin,
        &format!("after={t}&entityType=ASSET&userId={viewer}"),
    )
    .await;
    assert_eq!(a.status, 400);
    assert_eq!(
        a.json(),
        json!({"message": "Not found or no timeline.read access", "error": "Bad Request", "statusCode": 400})
    );
    let listing = get(&router, &format!("/api/asset?userId={viewer}"), &admin).await;
    assert_eq!(listing.status, a.status);
    // No credentials: 401 before any validation.
    let a = get(&router, "/api/audit/deletes?after=x", "").await;
    assert_eq!(a.status, 401);
}

#[tokio::test]
async fn validation_errors_are_immichs() {
    let (state, router) = fixture(50);
    let k = key(&state, 0);
    let t = iso(state.read().now_ms());
    let check = |q: String, message: Value| {
        let router = router.clone();
        let k = k.clone();
        async move {
            let a = deletes(&router, &k, &q).await;
            assert_eq!(a.status, 400, "{q}");
            assert_eq!(a.json()["message"], message, "{q}");
            assert_eq!(a.json()["error"], "Bad Request");
        }
    };
    check(
        "entityType=ASSET&after=yesterday".into(),
        json!("after must be a date string"),
    )
    .await;
    check(
        "entityType=ASSET".into(),
        json!(["after should not be empty", "after must be a Date instance"]),
    )
    .await;
    check(
        format!("after={t}"),
        json!(["entityType must be one of the following values: ASSET, ALBUM"]),
    )
    .await;
    check(
        format!("after={t}&entityType=asset"),
        json!(["entityType must be one of the following values: ASSET, ALBUM"]),
    )
    .await;
    check(
        format!("after={t}&entityType=ASSET&userId=nope"),
        json!(["userId must be a UUID"]),
    )
    .await;
}

#[tokio::test]
async fn stale_creations_are_invisible_to_a_delta_but_counted() {
    let (state, router) = fixture(100);
    let k = key(&state, 0);
    let since = iso(state.read().now_ms() - 1000);
    let stats_before = get(&router, "/api/asset/statistics?isTrashed=false", &k)
        .await
        .json();
    let made = change(&router, json!({"new": 2, "stale": true})).await;
    let delta = get(&router, &format!("/api/asset?updatedAfter={since}"), &k)
        .await
        .json();
    assert_eq!(delta, json!([]));
    let stats = get(&router, "/api/asset/statistics?isTrashed=false", &k)
        .await
        .json();
    assert_eq!(
        stats["total"].as_i64().unwrap(),
        stats_before["total"].as_i64().unwrap() + 2
    );
    let list = get(&router, "/api/asset?take=2", &k).await.json();
    let top: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap())
        .collect();
    let created = strings(&made["created"]);
    assert!(created.iter().all(|id| top.contains(&id.as_str())));
}
