//! Decoding realistic payloads (`testdata/`): what the app receives from a
//! v1.103.1 server, and from a newer one.

#![allow(clippy::unwrap_used, clippy::expect_used)] // reason: tests fail loudly on broken fixtures.

use immich_api::*;
use serde::{de::DeserializeOwned, Serialize};
use serde_json::Value;

fn fixture(path: &str) -> String {
    let full = format!("{}/testdata/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

fn decode<T: DeserializeOwned>(path: &str) -> T {
    serde_json::from_str(&fixture(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Drops whitespace outside strings: the pretty fixture as a server writes it.
fn minify(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in json.chars() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
        } else if !c.is_whitespace() {
            in_string = c == '"';
            out.push(c);
        }
    }
    out
}

/// Decoding then encoding gives back exactly the bytes Immich sent (same key
/// order, dates, numbers, nulls and absent keys), so ETags would match.
fn check_byte_exact<T: Serialize + DeserializeOwned>(path: &str) {
    let wire = minify(&fixture(path));
    let decoded: T = serde_json::from_str(&wire).unwrap();
    assert_eq!(serde_json::to_string(&decoded).unwrap(), wire, "{path}");
}

fn date(text: &str) -> immich_api::Timestamp {
    iso::parse(text).unwrap()
}

#[test]
fn immich_shaped_payloads_round_trip_byte_exact() {
    check_byte_exact::<Vec<AssetResponseDto>>("assets/stacked.json");
    check_byte_exact::<AssetResponseDto>("assets/video.json");
    check_byte_exact::<AssetResponseDto>("assets/live-photo.json");
    check_byte_exact::<AssetResponseDto>("assets/without-exif.json");
    check_byte_exact::<AssetResponseDto>("assets/partner.json");
    check_byte_exact::<Vec<UserResponseDto>>("users/users.json");
    check_byte_exact::<PartnerListResponse>("users/partners.json");
    check_byte_exact::<ErrorResponse>("errors/bad-request.json");
    check_byte_exact::<ErrorResponse>("errors/unauthorized.json");
    check_byte_exact::<ErrorResponse>("errors/no-access.json");
    check_byte_exact::<ServerPingResponse>("server/ping.json");
    check_byte_exact::<ServerVersionResponseDto>("server/version.json");
    check_byte_exact::<AssetStatsResponseDto>("server/statistics.json");
}

#[test]
fn stacked_assets() {
    let list: AssetListResponse = decode("assets/stacked.json");
    assert_eq!(list.len(), 3);
    // Listed fileCreatedAt descending: the two children, then the primary.
    let created: Vec<_> = list.iter().map(|a| a.file_created_at).collect();
    assert!(created.windows(2).all(|w| w[0] >= w[1]));
    let primary = &list[2];
    assert_eq!(primary.stack_count, Some(3));
    assert_eq!(primary.stack_parent_id, None);
    let members = primary.stack.as_ref().unwrap();
    assert_eq!(members.len(), 2);
    for member in members {
        assert_eq!(member.stack_count, None);
        assert!(member.stack.is_none());
        assert!(member.stack_parent_id.is_none());
    }
    for child in &list[..2] {
        assert_eq!(child.stack_parent_id(), Some(primary.id.as_str()));
        assert_eq!(child.stack_count, None);
        assert!(child.stack.is_none());
    }
    // The members carry no stack keys on the wire either.
    let written = serde_json::to_value(primary).unwrap();
    assert_eq!(written["stackCount"], 3);
    assert_eq!(written["stack"][0]["stackCount"], Value::Null);
    assert!(written["stack"][0].get("stack").is_none());
    assert!(written["stack"][0].get("stackParentId").is_none());
}

#[test]
fn video() {
    let video: AssetResponseDto = decode("assets/video.json");
    assert_eq!(video.asset_type, AssetTypeEnum::Video);
    assert_eq!(video.duration, "0:00:12.345000");
    assert_eq!(video.duration_seconds(), Some(12.345));
    assert_eq!(video.file_created_at, date("2024-03-15T17:45:30.500Z"));
    let exif = video.exif_info.as_ref().unwrap();
    assert_eq!(
        (exif.exif_image_width, exif.exif_image_height),
        (Some(1920.0), Some(1080.0))
    );
    assert_eq!(exif.f_number, Some(1.78));
    assert_eq!(exif.lens_model, None);
    assert_eq!(exif.file_size_in_byte, Some(31_457_280));
}

#[test]
fn live_photo_and_absent_versus_null() {
    let live: AssetResponseDto = decode("assets/live-photo.json");
    assert_eq!(
        live.live_photo_video_id(),
        Some("c3d4e5f6-0002-4000-a000-000000000002")
    );
    // Images report a zero duration.
    assert_eq!(live.duration_seconds(), Some(0.0));

    // `null` and an absent key are told apart and written back as they came.
    let plain: AssetResponseDto = decode("assets/partner.json");
    assert_eq!(plain.live_photo_video_id, Some(None));
    assert_eq!(plain.live_photo_video_id(), None);
    let mut absent = plain.clone();
    absent.live_photo_video_id = None;
    let written = serde_json::to_value(&absent).unwrap();
    assert!(written.get("livePhotoVideoId").is_none());
    let written = serde_json::to_value(&plain).unwrap();
    assert_eq!(written.get("livePhotoVideoId"), Some(&Value::Null));
}

#[test]
fn with_and_without_exif() {
    let with: AssetResponseDto = decode("assets/partner.json");
    let exif = with.exif_info.unwrap();
    assert_eq!(exif.city.as_deref(), Some("Berlin"));
    assert_eq!(exif.latitude, Some(52.520008));
    assert_eq!(exif.date_time_original, Some(date("2024-01-20T07:15:00Z")));
    assert_eq!(exif.projection_type, None);

    let without: AssetResponseDto = decode("assets/without-exif.json");
    assert!(without.exif_info.is_none());
    assert!(without.tags.is_none());
    assert_eq!(without.thumbhash, None);
    assert!(!without.has_metadata);
    // Absent stays absent when written: the key is optional.
    let written = serde_json::to_value(&without).unwrap();
    assert!(written.get("exifInfo").is_none());
    assert_eq!(written.get("thumbhash"), Some(&Value::Null));
}

#[test]
fn partner_asset() {
    let asset: AssetResponseDto = decode("assets/partner.json");
    assert_eq!(asset.owner_id, "e5f6a7b8-9c0d-4e1f-8a2b-3c4d5e6f7a8b");
    assert!(!asset.is_favorite && !asset.is_archived);
    assert!(asset.owner.is_none());
    assert_eq!(asset.people.as_deref(), Some(&[][..]));
    // Whose assets: a partner's id is a valid userId filter.
    let query = AssetQuery {
        user_id: Some(asset.owner_id.clone()),
        ..Default::default()
    };
    assert_eq!(query.validate(), Ok(()));
}

#[test]
fn newer_server_payload_decodes() {
    let asset: AssetResponseDto = decode("assets/newer-server.json");
    // Unknown enum values are kept.
    assert_eq!(asset.asset_type, AssetTypeEnum::Unknown("HOLOGRAM".into()));
    let tags = asset.tags.as_ref().unwrap();
    assert_eq!(tags[0].tag_type, TagTypeEnum::Unknown("AI".into()));
    let owner = asset.owner.as_ref().unwrap();
    assert_eq!(owner.avatar_color, UserAvatarColor::Unknown("teal".into()));
    assert_eq!(owner.status, UserStatus::Unknown("suspended".into()));
    // Offsets are converted to UTC.
    assert_eq!(asset.file_created_at, date("2024-06-01T10:00:00Z"));
    assert_eq!(asset.file_modified_at, date("2024-06-01T10:00:00.500Z"));
    assert_eq!(asset.updated_at, date("2024-06-01T22:30:00.123456Z"));
    assert_eq!(owner.created_at, date("2024-01-01T00:00:00Z"));
    // EXIF keys a server leaves out read as unknown.
    let exif = asset.exif_info.as_ref().unwrap();
    assert_eq!(exif.make.as_deref(), Some("Future Corp"));
    assert_eq!(exif.exif_image_height, Some(600.5));
    assert_eq!(exif.model, None);
    assert_eq!(exif.date_time_original, Some(date("2024-06-01T10:00:00Z")));
    let smart = asset.smart_info.as_ref().unwrap();
    assert_eq!(smart.tags.as_deref(), Some(&["hologram".to_owned()][..]));
    assert_eq!(smart.objects, None);
    let person = &asset.people.as_ref().unwrap()[0];
    assert_eq!(person.birth_date, immich_api::Date::from_ymd(1906, 12, 9));
    assert_eq!(person.faces[0].bounding_box_x2, 110);
    // Writing back: unknown values as given, dates as Immich writes them,
    // fields this release does not have dropped.
    let written = serde_json::to_value(&asset).unwrap();
    assert_eq!(written["type"], "HOLOGRAM");
    assert_eq!(written["tags"][0]["type"], "AI");
    assert_eq!(written["owner"]["avatarColor"], "teal");
    assert_eq!(written["fileCreatedAt"], "2024-06-01T10:00:00.000Z");
    assert_eq!(written["updatedAt"], "2024-06-01T22:30:00.123Z");
    assert_eq!(written["exifInfo"]["exifImageWidth"], 800);
    assert_eq!(written["exifInfo"]["model"], Value::Null);
    for extra in ["visibility", "duplicateId"] {
        assert!(written.get(extra).is_none(), "{extra}");
    }
    assert!(written["exifInfo"].get("rating").is_none());
    assert!(written["owner"].get("license").is_none());
}

#[test]
fn users() {
    let users: UserListResponse = decode("users/users.json");
    assert_eq!(users.len(), 2);
    let (admin, partner) = (&users[0], &users[1]);
    assert!(admin.is_admin);
    assert_eq!(admin.storage_label.as_deref(), Some("admin"));
    assert_eq!(admin.quota_size_in_bytes, None);
    assert_eq!(admin.deleted_at, None);
    assert_eq!(admin.status, UserStatus::Active);
    assert_eq!(partner.avatar_color, UserAvatarColor::Amber);
    assert_eq!(partner.quota_size_in_bytes, Some(10_737_418_240));
    assert_eq!(partner.deleted_at, Some(date("2024-05-01T00:00:00Z")));
    assert_eq!(partner.status, UserStatus::Removing);
    assert_eq!(partner.memories_enabled, Some(false));
}

#[test]
fn partners() {
    let partners: PartnerListResponse = decode("users/partners.json");
    assert_eq!(partners.len(), 2);
    let (partner, friend) = (&partners[0], &partners[1]);
    // The user fields land in `user`, `inTimeline` beside it.
    assert_eq!(partner.user.id, "e5f6a7b8-9c0d-4e1f-8a2b-3c4d5e6f7a8b");
    assert_eq!(partner.user.name, "Partner");
    assert_eq!(partner.user.avatar_color, UserAvatarColor::Amber);
    assert_eq!(partner.user.quota_size_in_bytes, Some(10_737_418_240));
    assert_eq!(partner.user.created_at, date("2024-02-01T00:00:00Z"));
    assert_eq!(partner.in_timeline, Some(true));
    assert_eq!(friend.user.storage_label.as_deref(), Some("friend"));
    assert_eq!(friend.user.quota_size_in_bytes, None);
    assert_eq!(friend.in_timeline, Some(false));
    // `inTimeline` comes last, after every user key, as Immich writes it.
    let written = serde_json::to_string(partner).unwrap();
    assert!(
        written.ends_with(r#""status":"active","inTimeline":true}"#),
        "{written}"
    );

    // A newer server: unknown keys and enum values, `inTimeline` left out,
    // an escaped date string (flattening buffers it as an owned string).
    let newer = r#"{"id":"x","email":"e","name":"N","profileImagePath":"","avatarColor":"teal",
        "storageLabel":null,"shouldChangePassword":false,"isAdmin":false,
        "createdAt":"2024-02-01T02:00:00.5+02:00","deletedAt":null,
        "updatedAt":"2024-02-01T00:00:00Z","oauthId":"","quotaSizeInBytes":null,
        "quotaUsageInBytes":null,"status":"suspended","license":{"activatedAt":null}}"#;
    let p: PartnerResponseDto = serde_json::from_str(newer).unwrap();
    assert_eq!(p.in_timeline, None);
    assert_eq!(p.user.memories_enabled, None);
    assert_eq!(p.user.avatar_color, UserAvatarColor::Unknown("teal".into()));
    assert_eq!(p.user.status, UserStatus::Unknown("suspended".into()));
    assert_eq!(p.user.created_at, date("2024-02-01T00:00:00.500Z"));
    let back = serde_json::to_value(&p).unwrap();
    assert!(back.get("inTimeline").is_none() && back.get("license").is_none());

    // Broken bodies are refused, not guessed: a required user key missing,
    // `inTimeline` of the wrong type, a required non-nullable key as null.
    let good: Value = serde_json::from_str(&fixture("users/partners.json")).unwrap();
    let refused = |edit: &dyn Fn(&mut Value)| {
        let mut v = good[0].clone();
        edit(&mut v);
        serde_json::from_value::<PartnerResponseDto>(v).is_err()
    };
    assert!(!refused(&|_| {}));
    assert!(refused(&|v| {
        v.as_object_mut().unwrap().remove("storageLabel");
    }));
    assert!(refused(&|v| {
        v.as_object_mut().unwrap().remove("id");
    }));
    assert!(refused(&|v| v["inTimeline"] = "yes".into()));
    assert!(refused(&|v| v["isAdmin"] = Value::Null));
    assert!(refused(&|v| v["createdAt"] = "yesterday".into()));
}

#[test]
fn errors() {
    let bad: ErrorResponse = decode("errors/bad-request.json");
    assert_eq!(bad.status_code, 400);
    assert_eq!(bad.error.as_deref(), Some("Bad Request"));
    assert_eq!(
        bad.message.text(),
        "updatedAfter must be a date string; userId must be a UUID"
    );
    assert!(matches!(&bad.message, ErrorMessage::Many(list) if list.len() == 2));
    let unauthorized: ErrorResponse = decode("errors/unauthorized.json");
    assert_eq!(unauthorized.status_code, 401);
    assert_eq!(
        unauthorized.message,
        ErrorMessage::One("Authentication required".into())
    );
    assert_eq!(unauthorized.message.to_string(), "Authentication required");
    // A body without `error`, and one with extra keys, still decode.
    let bare: ErrorResponse =
        serde_json::from_str(r#"{"statusCode":500,"message":"Internal","path":"/x"}"#).unwrap();
    assert_eq!(
        (bare.status_code, bare.error, bare.message.text()),
        (500, None, "Internal".to_owned())
    );
    // Not an error body: refused rather than guessed.
    assert!(serde_json::from_str::<ErrorResponse>(r#"{"res":"pong"}"#).is_err());
    assert!(serde_json::from_str::<ErrorResponse>(r#"{"statusCode":400,"message":42}"#).is_err());
    let built = ErrorResponse::new(
        400,
        "Bad Request",
        ErrorMessage::One("Not found or no timeline.read access".into()),
    );
    assert_eq!(
        serde_json::to_string(&built).unwrap(),
        minify(&fixture("errors/no-access.json"))
    );
}

#[test]
fn server_info() {
    let ping: ServerPingResponse = decode("server/ping.json");
    assert_eq!(ping, ServerPingResponse::pong());
    let version: ServerVersionResponseDto = decode("server/version.json");
    assert_eq!(version.to_string(), "v1.103.1");
    assert!(
        version
            >= ServerVersionResponseDto {
                major: 1,
                minor: 98,
                patch: 1
            }
    );
    let stats: AssetStatsResponseDto = decode("server/statistics.json");
    assert_eq!(stats.images + stats.videos, stats.total);
}

#[test]
fn broken_payloads_are_refused() {
    let good: Value = serde_json::from_str(&fixture("assets/video.json")).unwrap();
    let check = |edit: &dyn Fn(&mut Value)| {
        let mut v = good.clone();
        edit(&mut v);
        serde_json::from_value::<AssetResponseDto>(v).is_err()
    };
    assert!(check(&|v| v["fileCreatedAt"] = "yesterday".into()));
    assert!(check(&|v| v["fileCreatedAt"] = "2024-03-15T17:45:30".into())); // no offset
    assert!(check(&|v| v["type"] = 1.into()));
    assert!(check(&|v| v["stackCount"] = "3".into()));
    assert!(check(&|v| v["isFavorite"] = Value::Null));
    assert!(check(&|v| {
        v.as_object_mut().unwrap().remove("thumbhash");
    }));
    // The unchanged payload decodes (so the failures above are the edits').
    assert!(!check(&|_| {}));
}
