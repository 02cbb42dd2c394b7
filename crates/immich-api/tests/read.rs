//! The hand readers (`json::FromJson`) against the serde derives as the
//! oracle: on the fixtures, on every fixture with one value removed, set to
//! `null`, to another type or to unusual text, with unknown keys added, and
//! on values built here and written by serde.

#![allow(clippy::unwrap_used, clippy::expect_used)] // reason: tests fail loudly.

use immich_api::json::{self, FromJson};
use immich_api::*;
use serde::{de::DeserializeOwned, Serialize};
use serde_json::Value;

fn fixture(path: &str) -> String {
    let full = format!("{}/testdata/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

/// Both accept `bytes` with equal values, or both refuse it. Returns whether accepted.
fn agree<T>(bytes: &[u8]) -> bool
where
    T: FromJson + DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let ours = json::from_slice::<T>(bytes);
    let theirs = serde_json::from_slice::<T>(bytes);
    match (&ours, &theirs) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a, b, "{}", String::from_utf8_lossy(bytes));
            true
        }
        (Err(_), Err(_)) => false,
        // serde's derive also reads a struct from an array of its fields in
        // declaration order (`[]` fills a struct whose fields all default);
        // no server sends that, and the hand readers want an object.
        (Err(e), Ok(_)) if e.message == "invalid type: an array, expected an object" => false,
        _ => panic!(
            "{}\nours: {ours:?}\nserde: {theirs:?}",
            String::from_utf8_lossy(bytes)
        ),
    }
}

/// Every object and array position in `v`, as paths of keys / indices.
fn paths(v: &Value, here: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                here.push(Step::Key(k.clone()));
                out.push(here.clone());
                paths(child, here, out);
                here.pop();
            }
        }
        Value::Array(items) => {
            // The first two items are enough to reach every shape.
            for (i, child) in items.iter().enumerate().take(2) {
                here.push(Step::Index(i));
                out.push(here.clone());
                paths(child, here, out);
                here.pop();
            }
        }
        _ => {}
    }
}

#[derive(Clone, Debug)]
enum Step {
    Key(String),
    Index(usize),
}

fn at<'v>(v: &'v mut Value, path: &[Step]) -> Option<&'v mut Value> {
    let mut cur = v;
    for step in path {
        cur = match step {
            Step::Key(k) => cur.get_mut(k.as_str())?,
            Step::Index(i) => cur.get_mut(*i)?,
        };
    }
    Some(cur)
}

/// Removes the value at `path` (a key from its object, an item from its array).
fn remove(v: &mut Value, path: &[Step]) {
    let Some((last, parent)) = path.split_last() else {
        return;
    };
    match (at(v, parent), last) {
        (Some(Value::Object(map)), Step::Key(k)) => {
            map.remove(k);
        }
        (Some(Value::Array(items)), Step::Index(i)) if *i < items.len() => {
            items.remove(*i);
        }
        _ => {}
    }
}

/// The fixture, then every mutation of it, read by both.
fn check_mutations<T>(json: &str)
where
    T: FromJson + DeserializeOwned + Serialize + PartialEq + std::fmt::Debug,
{
    let base: Value = serde_json::from_str(json).unwrap();
    assert!(
        agree::<T>(json.as_bytes()),
        "the fixture itself must decode"
    );
    // What serde writes reads back equal.
    let decoded: T = serde_json::from_str(json).unwrap();
    let written = serde_json::to_string(&decoded).unwrap();
    assert_eq!(json::from_slice::<T>(written.as_bytes()).unwrap(), decoded);
    let pretty = serde_json::to_string_pretty(&decoded).unwrap();
    assert_eq!(json::from_slice::<T>(pretty.as_bytes()).unwrap(), decoded);

    let mut all = Vec::new();
    paths(&base, &mut Vec::new(), &mut all);
    let replacements = [
        Value::Null,
        Value::from("é \"quoted\" \\ 😀 \n"),
        Value::from("HOLOGRAM"),
        Value::from(1.5),
        Value::from(-7),
        Value::from(70_000),
        Value::from(true),
        Value::Array(vec![]),
        serde_json::json!({}),
        serde_json::json!(["a", "b"]),
        Value::from("2024-05-03T12:05:00.000Z"),
        Value::from("1990-04-05"),
    ];
    let (mut accepted, mut refused) = (0, 0);
    let mut tally = |ok: bool| if ok { accepted += 1 } else { refused += 1 };
    for path in &all {
        let mut v = base.clone();
        remove(&mut v, path);
        tally(agree::<T>(v.to_string().as_bytes()));
        for r in &replacements {
            let mut v = base.clone();
            if let Some(slot) = at(&mut v, path) {
                *slot = r.clone();
            }
            tally(agree::<T>(v.to_string().as_bytes()));
        }
        // An unknown key beside (or inside) every object.
        let mut v = base.clone();
        if let Some(Value::Object(map)) = at(&mut v, path) {
            map.insert("someFutureKey".into(), serde_json::json!({"x": [1, null]}));
        }
        tally(agree::<T>(v.to_string().as_bytes()));
    }
    let mut v = base.clone();
    if let Value::Object(map) = &mut v {
        map.insert("zzUnknown".into(), Value::from("x"));
        map.insert("aaUnknown".into(), serde_json::json!([[{}]]));
    }
    tally(agree::<T>(v.to_string().as_bytes()));
    // Cut short anywhere: both refuse.
    let bytes = written.as_bytes();
    for end in 0..bytes.len() {
        assert!(json::from_slice::<T>(&bytes[..end]).is_err());
    }
    assert!(accepted > 0);
    let _ = refused;
}

#[test]
fn assets() {
    for path in [
        "assets/video.json",
        "assets/live-photo.json",
        "assets/without-exif.json",
        "assets/partner.json",
        "assets/newer-server.json",
    ] {
        check_mutations::<AssetResponseDto>(&fixture(path));
    }
    check_mutations::<Vec<AssetResponseDto>>(&fixture("assets/stacked.json"));
}

#[test]
fn users_partners_and_small_answers() {
    check_mutations::<Vec<UserResponseDto>>(&fixture("users/users.json"));
    check_mutations::<Vec<PartnerResponseDto>>(&fixture("users/partners.json"));
    check_mutations::<ServerVersionResponseDto>(&fixture("server/version.json"));
    check_mutations::<ServerPingResponse>(&fixture("server/ping.json"));
    check_mutations::<AssetStatsResponseDto>(&fixture("server/statistics.json"));
    for path in [
        "errors/bad-request.json",
        "errors/unauthorized.json",
        "errors/no-access.json",
    ] {
        check_mutations::<ErrorResponse>(&fixture(path));
    }
    check_mutations::<AuditDeletesResponseDto>(
        r#"{"ids":["0b6e3c1a-5c0e-4a39-9d6b-5b6f0d5f0a01","x"],"needsFullSync":false}"#,
    );
    check_mutations::<ServerVersionV3ResponseDto>(
        r#"{"major":3,"minor":1,"patch":0,"prerelease":null}"#,
    );
    check_mutations::<ServerVersionV3ResponseDto>(
        r#"{"major":3,"minor":1,"patch":0,"prerelease":2}"#,
    );
    check_mutations::<ServerVersionResponseDto>(
        r#"{"major":3,"minor":1,"patch":0,"prerelease":2}"#,
    );
    check_mutations::<ApiKeyResponseDto>(
        r#"{"id":"k","name":"grid","permissions":["all","asset.read"],"createdAt":"x"}"#,
    );
}

const ID1: &str = "0b6e3c1a-5c0e-4a39-9d6b-5b6f0d5f0a01";
const ID2: &str = "0b6e3c1a-5c0e-4a39-9d6b-5b6f0d5f0a02";

#[test]
fn timeline() {
    let month = format!(
        r#"{{"id":["{ID1}","{ID2}"],"ownerId":["{ID1}","{ID1}"],"ratio":[1.5,0.75],
        "isFavorite":[true,false],"visibility":["timeline","hologram"],"isTrashed":[false,false],
        "isImage":[true,false],"thumbhash":["AQID",null],
        "fileCreatedAt":["2024-03-05T10:00:00","2024-03-01T08:30:00.000"],
        "localOffsetHours":[2,-9.75],"duration":[5500,"0:00:05.500000"],
        "livePhotoVideoId":[null,"x"],"projectionType":[null,"EQUIRECTANGULAR"],
        "createdAt":["2024-03-05T10:00:00.000Z","2024-03-05T10:00:00.000Z"],
        "stack":[["{ID2}","3"],null],"city":["Paris",null],"country":["Fr\u00e4nce",null],
        "latitude":[48.85,null],"longitude":[2.35,null]}}"#
    );
    check_mutations::<TimeBucketAssetResponseDto>(&month);
    check_mutations::<Vec<TimeBucketsResponseDto>>(
        r#"[{"timeBucket":"2024-03-01","count":2},{"timeBucket":"2023-12-01","count":70000}]"#,
    );
    // The checked decoders agree with serde-then-check.
    let ours = decode_time_bucket(month.as_bytes(), BucketLimits::default()).unwrap();
    let theirs: TimeBucketAssetResponseDto = serde_json::from_str(&month).unwrap();
    assert_eq!(ours, theirs);
    assert!(decode_time_bucket(b"{\"id\":[1]}", BucketLimits::default())
        .unwrap_err()
        .to_string()
        .contains("at byte"));
}

/// Values built here (nulls, absent optionals, unknown enum text, unicode),
/// written by serde, read back by hand.
#[test]
fn built_values_round_trip() {
    let base: AssetResponseDto = serde_json::from_str(&fixture("assets/video.json")).unwrap();
    let mut a = base.clone();
    a.asset_type = AssetTypeEnum::Unknown("HOLOGRAM \u{1F600}".into());
    a.original_file_name = "caf\u{e9} \"quoted\"\n\u{1}.jpg".into();
    a.thumbhash = None;
    a.live_photo_video_id = Some(None);
    a.stack_parent_id = None;
    a.stack_count = None;
    a.exif_info = Some(ExifResponseDto {
        make: Some("S\u{f8}ny".into()),
        exif_image_width: Some(6000.0),
        latitude: Some(-33.856_784),
        f_number: Some(1.8),
        file_size_in_byte: Some(i64::MAX),
        ..Default::default()
    });
    a.smart_info = Some(SmartInfoResponseDto {
        tags: Some(vec!["beach".into()]),
        objects: None,
    });
    a.tags = Some(vec![TagResponseDto {
        id: "t".into(),
        tag_type: TagTypeEnum::Unknown("NEW".into()),
        name: "\u{4e2d}".into(),
        user_id: "u".into(),
    }]);
    a.people = Some(vec![PersonWithFacesResponseDto {
        id: "p".into(),
        name: String::new(),
        birth_date: Date::parse("1990-04-05"),
        thumbnail_path: "x".into(),
        is_hidden: true,
        faces: vec![AssetFaceWithoutPersonResponseDto {
            id: "f".into(),
            image_height: 10,
            image_width: -1,
            bounding_box_x1: 0,
            bounding_box_x2: 1,
            bounding_box_y1: 2,
            bounding_box_y2: 3,
        }],
    }]);
    let mut stacked = base.clone();
    stacked.stack_parent_id = Some(Some("parent".into()));
    stacked.stack = Some(vec![base.clone(), a.clone()]);
    stacked.owner = base.owner.clone();
    for value in [base, a, stacked] {
        let text = serde_json::to_string(&value).unwrap();
        assert_eq!(
            json::from_slice::<AssetResponseDto>(text.as_bytes()).unwrap(),
            value
        );
    }
    let users: Vec<UserResponseDto> = serde_json::from_str(&fixture("users/users.json")).unwrap();
    for mut u in users {
        u.avatar_color = UserAvatarColor::Unknown("teal".into());
        u.status = UserStatus::Unknown("suspended".into());
        u.memories_enabled = None;
        u.name = "\u{1F600}\t".into();
        let text = serde_json::to_string(&u).unwrap();
        assert_eq!(
            json::from_slice::<UserResponseDto>(text.as_bytes()).unwrap(),
            u
        );
        let partner = PartnerResponseDto {
            user: u,
            in_timeline: None,
        };
        let text = serde_json::to_string(&partner).unwrap();
        assert_eq!(
            json::from_slice::<PartnerResponseDto>(text.as_bytes()).unwrap(),
            partner
        );
    }
    for e in [
        ErrorResponse::new(
            400,
            "Bad Request",
            ErrorMessage::Many(vec!["a".into(), "b".into()]),
        ),
        ErrorResponse {
            message: ErrorMessage::One("x".into()),
            error: None,
            status_code: 500,
        },
    ] {
        let text = serde_json::to_string(&e).unwrap();
        assert_eq!(
            json::from_slice::<ErrorResponse>(text.as_bytes()).unwrap(),
            e
        );
    }
}

#[test]
fn required_and_nullable_conventions() {
    // A required-but-nullable key missing is an error for both.
    let video = fixture("assets/video.json");
    let mut v: Value = serde_json::from_str(&video).unwrap();
    v.as_object_mut().unwrap().remove("stackCount");
    let e = json::from_slice::<AssetResponseDto>(v.to_string().as_bytes()).unwrap_err();
    assert!(e.message.contains("missing field `stackCount`"), "{e}");
    // Absent and null differ for optional-and-nullable keys.
    let mut v: Value = serde_json::from_str(&video).unwrap();
    v.as_object_mut().unwrap().remove("livePhotoVideoId");
    let absent = json::from_slice::<AssetResponseDto>(v.to_string().as_bytes()).unwrap();
    assert_eq!(absent.live_photo_video_id, None);
    v["livePhotoVideoId"] = Value::Null;
    let null = json::from_slice::<AssetResponseDto>(v.to_string().as_bytes()).unwrap();
    assert_eq!(null.live_photo_video_id, Some(None));
    // A key twice is refused (as serde's derive does).
    let twice = br#"{"major":1,"minor":2,"patch":3,"major":4}"#;
    assert!(json::from_slice::<ServerVersionResponseDto>(twice).is_err());
    assert!(serde_json::from_slice::<ServerVersionResponseDto>(twice).is_err());
}
