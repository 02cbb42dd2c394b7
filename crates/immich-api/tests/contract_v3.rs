//! Contract test: the timeline wire types against the v3.1.0 OpenAPI extract
//! (`testdata/openapi-v3.1.0-timeline.json`, see `testdata/README.md`).
//!
//! For each schema: a maximal value writes exactly the spec's properties, a
//! minimal one writes every required property; the spec's enums equal the
//! crate's known values. `drift_is_noticed` edits a copy of the spec and
//! shows the check able to fail.

#![allow(clippy::unwrap_used, clippy::expect_used)] // reason: tests fail loudly on broken fixtures.

use immich_api::*;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeSet;

const SPEC: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/testdata/openapi-v3.1.0-timeline.json"
);

fn spec() -> Value {
    serde_json::from_str(&std::fs::read_to_string(SPEC).unwrap()).unwrap()
}

fn keys(v: &impl Serialize) -> BTreeSet<String> {
    match serde_json::to_value(v).unwrap() {
        Value::Object(m) => m.keys().cloned().collect(),
        other => panic!("not an object: {other}"),
    }
}

fn props(spec: &Value, schema: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let s = &spec["components"]["schemas"][schema];
    let all = s["properties"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    let required = s["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    (all, required)
}

const ID: &str = "0b6e3c1a-5c0e-4a39-9d6b-5b6f0d5f0a01";

fn month_full() -> TimeBucketAssetResponseDto {
    TimeBucketAssetResponseDto {
        id: vec![ID.into()],
        owner_id: vec![ID.into()],
        ratio: vec![JsNumber(1.5)],
        is_favorite: vec![true],
        visibility: vec![AssetVisibility::Timeline],
        is_trashed: vec![false],
        is_image: vec![true],
        thumbhash: vec![None],
        file_created_at: vec!["2024-01-01T00:00:00".into()],
        local_offset_hours: vec![JsNumber(1.0)],
        duration: vec![Some(BucketDuration::Millis(1))],
        live_photo_video_id: vec![None],
        projection_type: vec![None],
        city: Some(vec![None]),
        country: Some(vec![None]),
        created_at: vec!["2024-01-01T00:00:00.000Z".into()],
        stack: Some(vec![Some(vec![ID.into(), "2".into()])]),
        latitude: Some(vec![None]),
        longitude: Some(vec![None]),
    }
}

fn check_month(spec: &Value) -> Result<(), String> {
    let (all, required) = props(spec, "TimeBucketAssetResponseDto");
    let full = month_full();
    if keys(&full) != all {
        return Err(format!("maximal {:?} vs spec {all:?}", keys(&full)));
    }
    let min = TimeBucketAssetResponseDto {
        city: None,
        country: None,
        stack: None,
        latitude: None,
        longitude: None,
        ..full.clone()
    };
    let written = keys(&min);
    if !required.is_subset(&written) {
        return Err(format!("minimal {written:?} lacks some of {required:?}"));
    }
    // The spec-shaped value of the maximal month decodes and passes the checks.
    let text = serde_json::to_vec(&full).unwrap();
    decode_time_bucket(&text, BucketLimits::default()).map_err(|e| e.to_string())?;
    Ok(())
}

#[test]
fn the_month_matches_the_spec() {
    check_month(&spec()).unwrap();
}

#[test]
fn the_month_list_and_the_version_match_the_spec() {
    let spec = spec();
    let (all, required) = props(&spec, "TimeBucketsResponseDto");
    let b = TimeBucketsResponseDto {
        time_bucket: "2024-01-01".into(),
        count: 1,
    };
    assert_eq!(keys(&b), all);
    assert_eq!(required, all);
    let (all, required) = props(&spec, "ServerVersionResponseDto");
    let v = ServerVersionV3ResponseDto {
        major: 3,
        minor: 1,
        patch: 0,
        prerelease: None,
    };
    assert_eq!(keys(&v), all);
    assert_eq!(required, all);
    assert_eq!(
        serde_json::to_string(&v).unwrap(),
        r#"{"major":3,"minor":1,"patch":0,"prerelease":null}"#
    );
    // The older body without `prerelease` is read by the older type.
    let old: ServerVersionResponseDto =
        serde_json::from_str(r#"{"major":3,"minor":1,"patch":0,"prerelease":null}"#).unwrap();
    assert_eq!(old.minor, 1);
}

#[test]
fn the_visibility_enum_and_the_routes_match_the_spec() {
    let spec = spec();
    let listed: Vec<&str> = spec["components"]["schemas"]["AssetVisibility"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let ours: Vec<&str> = AssetVisibility::KNOWN.iter().map(|v| v.as_str()).collect();
    assert_eq!(listed, ours);
    // Every filter TimeBucketQuery writes is a parameter of both routes.
    let q = TimeBucketQuery {
        user_id: Some(ID.into()),
        is_favorite: Some(true),
        is_trashed: Some(false),
        visibility: Some(AssetVisibility::Archive),
        with_partners: Some(false),
        with_stacked: Some(true),
        order: Some("desc".into()),
    };
    for route in ["/timeline/buckets", "/timeline/bucket"] {
        let params: BTreeSet<&str> = spec["paths"][route]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        let time_bucket = (route == "/timeline/bucket").then_some("2024-01-01");
        for pair in q.to_query_string(time_bucket).split('&') {
            let name = pair.split('=').next().unwrap();
            assert!(params.contains(name), "{route} has no {name}");
        }
    }
}

#[test]
fn drift_is_noticed() {
    let mut edited = spec();
    edited["components"]["schemas"]["TimeBucketAssetResponseDto"]["properties"]
        .as_object_mut()
        .unwrap()
        .insert("rating".into(), serde_json::json!({"type": "array"}));
    assert!(check_month(&edited).is_err());
    let mut edited = spec();
    edited["components"]["schemas"]["TimeBucketAssetResponseDto"]["properties"]
        .as_object_mut()
        .unwrap()
        .remove("projectionType");
    assert!(check_month(&edited).is_err());
}
