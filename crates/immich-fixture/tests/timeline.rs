//! The server-version mode (`--immich-version`): the current routes serve the
//! same library as the v1.103.1 mode, month by month, with ETags and filters.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

mod common;

use common::*;
use immich_api::{decode_time_bucket, decode_time_buckets, BucketLimits};
use immich_fixture::{timeline::Version, Config};
use serde_json::Value;

fn v3() -> Config {
    Config {
        test_controls: true,
        immich_version: Version::parse("3.1.0"),
        ..Default::default()
    }
}

/// The old listing of the same seed, as (id, local month, trashed, archived, favourite).
async fn old_listing(assets: usize) -> Vec<Value> {
    let (state, router) = fixture(assets);
    let k = key(&state, 0);
    get(&router, "/api/asset", &k)
        .await
        .json()
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn v3_serves_version_and_refuses_the_old_routes() {
    let (state, router) = fixture_with(50, v3());
    let k = key(&state, 0);
    let v = get(&router, "/api/server/version", "").await;
    assert_eq!(v.status, 200);
    assert_eq!(
        v.text(),
        r#"{"major":3,"minor":1,"patch":0,"prerelease":null}"#
    );
    assert_eq!(
        get(&router, "/api/server/ping", "").await.text(),
        r#"{"res":"pong"}"#
    );
    assert_eq!(
        get(&router, "/api/users/me", &k).await.json()["email"],
        "admin@immich.test"
    );
    for old in [
        "/api/asset",
        "/api/server-info/version",
        "/api/user/me",
        "/api/partner?direction=shared-with",
    ] {
        assert_eq!(get(&router, old, &k).await.status, 404, "{old}");
    }
    // A v1.120 server: no `prerelease`, current routes.
    let (_, router) = fixture_with(
        10,
        Config {
            immich_version: Version::parse("1.120.0"),
            ..Default::default()
        },
    );
    assert_eq!(
        get(&router, "/api/server/version", "").await.text(),
        r#"{"major":1,"minor":120,"patch":0}"#
    );
    // The default mode keeps the old routes only.
    let (_, router) = fixture(10);
    assert_eq!(get(&router, "/api/server/version", "").await.status, 404);
    assert_eq!(
        get(&router, "/api/server-info/version", "").await.status,
        200
    );
}

#[tokio::test]
async fn months_hold_the_same_library_as_the_old_listing() {
    let old = old_listing(600).await;
    let (state, router) = fixture_with(600, v3());
    let k = key(&state, 0);
    let list = get(&router, "/api/timeline/buckets", &k).await;
    assert_eq!(list.status, 200);
    let months = decode_time_buckets(&list.body, BucketLimits::default()).unwrap();
    assert!(months.len() > 3, "{} months", months.len());
    // Newest month first.
    assert!(months
        .windows(2)
        .all(|w| w[0].time_bucket > w[1].time_bucket));
    let mut total = 0;
    for m in &months {
        let uri = format!(
            "/api/timeline/bucket?timeBucket={}T00:00:00.000Z",
            m.time_bucket
        );
        let a = get(&router, &uri, &k).await;
        assert_eq!(a.status, 200, "{}", a.text());
        let cols = decode_time_bucket(&a.body, BucketLimits::default()).unwrap();
        assert_eq!(cols.len() as i64, m.count, "{}", m.time_bucket);
        // The old listing's untrashed assets of that local month, in its order.
        let month = &m.time_bucket[..7];
        let expected: Vec<&Value> = old
            .iter()
            .filter(|x| {
                x["isTrashed"] == false && x["localDateTime"].as_str().unwrap().starts_with(month)
            })
            .collect();
        let ids: Vec<&str> = expected.iter().map(|x| x["id"].as_str().unwrap()).collect();
        assert_eq!(cols.id, ids, "{month}");
        for (i, x) in expected.iter().enumerate() {
            assert_eq!(cols.is_favorite[i], x["isFavorite"] == true);
            let archived = cols.visibility[i].as_str() == "archive";
            assert_eq!(archived, x["isArchived"] == true);
            assert_eq!(cols.is_image[i], x["type"] == "IMAGE");
            assert_eq!(cols.thumbhash[i].as_deref(), x["thumbhash"].as_str());
            // fileCreatedAt: UTC without a zone; with the offset it is localDateTime.
            let created = x["fileCreatedAt"].as_str().unwrap();
            assert!(!cols.file_created_at[i].ends_with('Z'));
            assert!(created.starts_with(&cols.file_created_at[i][..19]));
            let local =
                chrono::DateTime::parse_from_rfc3339(x["localDateTime"].as_str().unwrap()).unwrap();
            let utc = chrono::DateTime::parse_from_rfc3339(created).unwrap();
            let hours = (local - utc).num_minutes() as f64 / 60.0;
            assert_eq!(cols.local_offset_hours[i].0, hours);
            if x["type"] == "VIDEO" {
                let ms = cols.duration[i].as_ref().and_then(|d| d.millis()).unwrap();
                assert!(ms > 0);
                // v3 writes integers.
                assert!(matches!(
                    cols.duration[i],
                    Some(immich_api::BucketDuration::Millis(_))
                ));
            } else {
                assert_eq!(cols.duration[i], None);
            }
        }
        total += m.count;
    }
    let untrashed = old.iter().filter(|x| x["isTrashed"] == false).count() as i64;
    assert_eq!(total, untrashed);
}

#[tokio::test]
async fn months_have_strong_etags_and_304() {
    let (state, router) = fixture_with(300, v3());
    let k = key(&state, 0);
    let months = get(&router, "/api/timeline/buckets", &k).await;
    let tag = months.header("etag").unwrap();
    assert!(tag.starts_with('"'));
    let again = get_with(
        &router,
        "/api/timeline/buckets",
        &[("x-api-key", &k), ("if-none-match", &tag)],
    )
    .await;
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    let first = decode_time_buckets(&months.body, BucketLimits::default()).unwrap();
    let uri = format!("/api/timeline/bucket?timeBucket={}", first[0].time_bucket);
    let a = get(&router, &uri, &k).await;
    let tag = a.header("etag").unwrap();
    let b = get_with(&router, &uri, &[("x-api-key", &k), ("if-none-match", &tag)]).await;
    assert_eq!(b.status, 304);
    // no-cache still gets the body, as Immich.
    let c = get_with(
        &router,
        &uri,
        &[
            ("x-api-key", &k),
            ("if-none-match", &tag),
            ("cache-control", "no-cache"),
        ],
    )
    .await;
    assert_eq!(c.status, 200);
}

#[tokio::test]
async fn filters_follow_immich_v3() {
    let (state, router) = fixture_with(800, v3());
    let k = key(&state, 0);
    let count = |v: Value| -> i64 {
        v.as_array()
            .unwrap()
            .iter()
            .map(|m| m["count"].as_i64().unwrap())
            .sum()
    };
    let all = count(get(&router, "/api/timeline/buckets", &k).await.json());
    let timeline = count(
        get(&router, "/api/timeline/buckets?visibility=timeline", &k)
            .await
            .json(),
    );
    let archive = count(
        get(&router, "/api/timeline/buckets?visibility=archive", &k)
            .await
            .json(),
    );
    assert!(archive > 0);
    assert_eq!(all, timeline + archive);
    let fav = count(
        get(&router, "/api/timeline/buckets?isFavorite=true", &k)
            .await
            .json(),
    );
    assert!(fav > 0 && fav < all);
    let trashed = count(
        get(&router, "/api/timeline/buckets?isTrashed=true", &k)
            .await
            .json(),
    );
    assert!(trashed > 0);
    assert_eq!(
        count(
            get(&router, "/api/timeline/buckets?visibility=locked", &k)
                .await
                .json()
        ),
        0
    );
    // Partners: refused unless visibility=timeline is explicit, without isFavorite.
    for bad in [
        "withPartners=true",
        "withPartners=true&visibility=archive",
        "withPartners=true&visibility=timeline&isFavorite=false",
    ] {
        let a = get(&router, &format!("/api/timeline/buckets?{bad}"), &k).await;
        assert_eq!(a.status, 400, "{bad}");
        assert_eq!(
            a.json()["message"],
            "withPartners is only supported for non-archived, non-trashed, non-favorited assets"
        );
    }
    let with = count(
        get(
            &router,
            "/api/timeline/buckets?withPartners=true&visibility=timeline",
            &k,
        )
        .await
        .json(),
    );
    let partner = user_id(&state, 1);
    let theirs = count(
        get(
            &router,
            &format!("/api/timeline/buckets?userId={partner}&visibility=timeline"),
            &k,
        )
        .await
        .json(),
    );
    assert!(theirs > 0);
    assert_eq!(with, timeline + theirs);
    // Another user who does not share: refused.
    let viewer = key(&state, 2);
    let admin = user_id(&state, 0);
    let a = get(
        &router,
        &format!("/api/timeline/buckets?userId={partner}"),
        &viewer,
    )
    .await;
    assert_eq!(a.status, 400);
    assert!(
        get(
            &router,
            &format!("/api/timeline/buckets?userId={admin}"),
            &viewer
        )
        .await
        .status
            == 200
    );
    // Validation.
    for (q, msg) in [
        (
            "visibility=all",
            "visibility must be one of the following values: archive, timeline, hidden, locked",
        ),
        ("isFavorite=1", "isFavorite must be a boolean value"),
        (
            "order=up",
            "order must be one of the following values: asc, desc",
        ),
    ] {
        let a = get(&router, &format!("/api/timeline/buckets?{q}"), &k).await;
        assert_eq!(a.status, 400, "{q}");
        assert_eq!(a.json()["message"][0], msg);
    }
    assert_eq!(get(&router, "/api/timeline/bucket", &k).await.status, 400);
    assert_eq!(get(&router, "/api/timeline/buckets", "").await.status, 401);
    // Ascending order reverses the months.
    let desc = get(&router, "/api/timeline/buckets", &k).await.json();
    let mut asc = get(&router, "/api/timeline/buckets?order=asc", &k)
        .await
        .json()
        .as_array()
        .unwrap()
        .clone();
    asc.reverse();
    assert_eq!(&asc, desc.as_array().unwrap());
    // withStacked: primaries only, with [stackId, count].
    let months = get(&router, "/api/timeline/buckets", &k).await.json();
    let mut stacks = 0;
    for m in months.as_array().unwrap() {
        let t = m["timeBucket"].as_str().unwrap();
        let a = get(
            &router,
            &format!("/api/timeline/bucket?timeBucket={t}&withStacked=true"),
            &k,
        )
        .await;
        let cols = decode_time_bucket(&a.body, BucketLimits::default()).unwrap();
        stacks += (0..cols.len()).filter(|&i| cols.stack_count(i) > 1).count();
    }
    assert!(stacks > 0);
    let stacked = count(
        get(&router, "/api/timeline/buckets?withStacked=true", &k)
            .await
            .json(),
    );
    assert!(stacked < all);
}

#[tokio::test]
async fn media_routes_of_v3() {
    let (state, router) = fixture_with(100, v3());
    let k = key(&state, 0);
    let months = get(&router, "/api/timeline/buckets", &k).await.json();
    let t = months[0]["timeBucket"].as_str().unwrap().to_owned();
    let cols = decode_time_bucket(
        &get(&router, &format!("/api/timeline/bucket?timeBucket={t}"), &k)
            .await
            .body,
        BucketLimits::default(),
    )
    .unwrap();
    let id = &cols.id[0];
    let thumb = get(
        &router,
        &format!("/api/assets/{id}/thumbnail?size=thumbnail"),
        &k,
    )
    .await;
    assert_eq!(thumb.status, 200);
    assert_eq!(thumb.header("content-type").unwrap(), "image/webp");
    let preview = get(
        &router,
        &format!("/api/assets/{id}/thumbnail?size=preview"),
        &k,
    )
    .await;
    assert_eq!(preview.header("content-type").unwrap(), "image/jpeg");
    let img = image::load_from_memory(&preview.body).unwrap();
    assert!(img.width().max(img.height()) > 250);
    assert_eq!(
        get(
            &router,
            &format!("/api/assets/{id}/thumbnail?size=huge"),
            &k
        )
        .await
        .status,
        400
    );
    let detail = get(&router, &format!("/api/assets/{id}"), &k).await.json();
    assert_eq!(detail["id"], id.as_str());
    assert!(detail["exifInfo"].is_object());
    // Playback of a video, with Range.
    let mut video = None;
    for m in months.as_array().unwrap() {
        let t = m["timeBucket"].as_str().unwrap();
        let c = decode_time_bucket(
            &get(&router, &format!("/api/timeline/bucket?timeBucket={t}"), &k)
                .await
                .body,
            BucketLimits::default(),
        )
        .unwrap();
        if let Some(i) = c.is_image.iter().position(|x| !x) {
            video = Some(c.id[i].clone());
            break;
        }
    }
    let video = video.expect("a video");
    let part = get_with(
        &router,
        &format!("/api/assets/{video}/video/playback"),
        &[("x-api-key", &k), ("range", "bytes=0-99")],
    )
    .await;
    assert_eq!(part.status, 206);
    assert_eq!(part.body.len(), 100);
    assert_eq!(
        get(&router, &format!("/api/assets/{id}/thumbnail"), "")
            .await
            .status,
        401
    );
}

/// Keys carry scopes on current servers: `all` by default, a read-only key
/// reads the grid's routes and gets Immich's 403 elsewhere; `/api/api-keys/me`
/// answers the v3.1.0 `ApiKeyResponseDto`.
#[tokio::test]
async fn v3_keys_have_scopes_and_know_their_own() {
    let (state, router) = fixture_with(40, v3());
    let k = key(&state, 0);
    let me = get(&router, "/api/api-keys/me", &k).await;
    assert_eq!(me.status, 200);
    let body = me.json();
    let mut fields: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        ["createdAt", "id", "name", "permissions", "updatedAt"]
    );
    assert_eq!(body["permissions"], serde_json::json!(["all"]));
    assert!(body["createdAt"].as_str().unwrap().ends_with('Z'));
    let buckets = get(&router, "/api/timeline/buckets", &k).await.json();
    let month = buckets[0]["timeBucket"].as_str().unwrap().to_owned();
    let asset = get(
        &router,
        &format!("/api/timeline/bucket?timeBucket={month}T00:00:00.000Z"),
        &k,
    )
    .await
    .json()["id"][0]
        .as_str()
        .unwrap()
        .to_owned();
    let original = format!("/api/assets/{asset}/original");
    assert_eq!(get(&router, &original, &k).await.status, 200);

    // A session is not a key.
    let token = state.read().users[0].access_token.clone();
    let by_session = get_with(
        &router,
        "/api/api-keys/me",
        &[("authorization", &format!("Bearer {token}"))],
    )
    .await;
    assert_eq!(by_session.status, 403);
    assert_eq!(
        by_session.json()["message"],
        "Not authenticated with an API Key"
    );
    assert_eq!(get(&router, "/api/api-keys/me", "nope").await.status, 401);

    // Re-scope the admin's key to what a read-only grid needs.
    let set = post_json(
        &router,
        "/__fixture/api-key",
        serde_json::json!({"permissions": ["asset.read", "asset.view", "user.read", "partner.read"]}),
    )
    .await;
    assert_eq!(set.status, 200);
    assert_eq!(
        get(&router, "/api/api-keys/me", &k).await.json()["permissions"],
        serde_json::json!(["asset.read", "asset.view", "user.read", "partner.read"])
    );
    for ok in [
        "/api/timeline/buckets".to_owned(),
        format!("/api/timeline/bucket?timeBucket={month}T00:00:00.000Z"),
        format!("/api/assets/{asset}"),
        format!("/api/assets/{asset}/thumbnail"),
        "/api/users/me".to_owned(),
        "/api/partners?direction=shared-with".to_owned(),
    ] {
        assert_eq!(get(&router, &ok, &k).await.status, 200, "{ok}");
    }
    let refused = get(&router, &original, &k).await;
    assert_eq!(refused.status, 403);
    let err = refused.json();
    assert_eq!(
        err["message"],
        "Missing required permission: asset.download"
    );
    assert_eq!(err["statusCode"], 403);
    // The session of the same user is not limited.
    assert_eq!(
        get_with(
            &router,
            &original,
            &[("authorization", &format!("Bearer {token}"))]
        )
        .await
        .status,
        200
    );
    // A key with nothing reads nothing.
    post_json(
        &router,
        "/__fixture/api-key",
        serde_json::json!({"permissions": ["album.read"]}),
    )
    .await;
    let none = get(&router, "/api/timeline/buckets", &k).await;
    assert_eq!(none.status, 403);
    assert_eq!(
        none.json()["message"],
        "Missing required permission: asset.read"
    );
    // Bad names are refused.
    let bad = post_json(
        &router,
        "/__fixture/api-key",
        serde_json::json!({"permissions": ["asset read"]}),
    )
    .await;
    assert_eq!(bad.status, 400);
}
