//! Contract test: the Rust wire types against the v1.103.1 OpenAPI document.
//!
//! For every schema the crate models, [`check_schema`] compares what the Rust
//! type writes and reads with the spec:
//! - a maximal value (every field set) must write exactly the spec's property
//!   set, each value of a compatible JSON type (recursively into nested objects);
//! - a minimal value must write every required key (nullable ones as `null`)
//!   and no optional key (except as `null` where the property is nullable:
//!   Immich's EXIF mapper always sends every key);
//! - an object built from the spec with only the required properties must
//!   decode; without any one required property it must not; `null` must be
//!   refused where the spec forbids it and accepted where it allows it; a
//!   spec-typed value for each optional property must decode.
//!
//! The `drift_*` tests edit a copy of the spec (written to a temp file and
//! read back) and assert the check notices the edit, so the check is shown
//! able to fail.

#![allow(clippy::unwrap_used, clippy::expect_used)] // reason: tests fail loudly on broken fixtures.

use immich_api::*;
use immich_api::{Date, Timestamp};
use serde::{de::DeserializeOwned, Serialize};
use serde_json::{json, Map, Value};
use std::{collections::BTreeSet, path::Path};

const SPEC: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/testdata/openapi-v1.103.1.json"
);

fn load_spec(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn date(text: &str) -> Timestamp {
    iso::parse(text).unwrap()
}

// ---------------------------------------------------------------- samples

fn user_full() -> UserResponseDto {
    UserResponseDto {
        id: "5b5d8f8c-2a7e-4c59-9d2e-1f3b6c7a8d90".into(),
        email: "ada@example.org".into(),
        name: "Ada".into(),
        profile_image_path: "upload/profile/ada.jpg".into(),
        avatar_color: UserAvatarColor::Amber,
        storage_label: Some("ada".into()),
        should_change_password: false,
        is_admin: true,
        created_at: date("2023-01-01T00:00:00.000Z"),
        deleted_at: Some(date("2024-03-01T00:00:00.000Z")),
        updated_at: date("2024-02-01T00:00:00.000Z"),
        oauth_id: "oauth-sub".into(),
        memories_enabled: Some(true),
        quota_size_in_bytes: Some(10_737_418_240),
        quota_usage_in_bytes: Some(123_456),
        status: UserStatus::Active,
    }
}

fn user_min() -> UserResponseDto {
    UserResponseDto {
        storage_label: None,
        deleted_at: None,
        memories_enabled: None,
        quota_size_in_bytes: None,
        quota_usage_in_bytes: None,
        ..user_full()
    }
}

fn partner_full() -> PartnerResponseDto {
    PartnerResponseDto {
        user: user_full(),
        in_timeline: Some(true),
    }
}

fn partner_min() -> PartnerResponseDto {
    PartnerResponseDto {
        user: user_min(),
        in_timeline: None,
    }
}

fn exif_full() -> ExifResponseDto {
    ExifResponseDto {
        make: Some("Canon".into()),
        model: Some("EOS R6".into()),
        exif_image_width: Some(6000.25), // fractions keep f64 visible in the JSON (whole numbers print as integers)
        exif_image_height: Some(4000.5),
        file_size_in_byte: Some(24_117_248),
        orientation: Some("1".into()),
        date_time_original: Some(date("2024-01-05T10:11:12.123Z")),
        modify_date: Some(date("2024-01-05T10:11:12.123Z")),
        time_zone: Some("Europe/Berlin".into()),
        lens_model: Some("RF24-105mm F4 L IS USM".into()),
        f_number: Some(4.5),
        focal_length: Some(50.5),
        iso: Some(400.5),
        exposure_time: Some("1/125".into()),
        latitude: Some(52.52),
        longitude: Some(13.405),
        city: Some("Berlin".into()),
        state: Some("Berlin".into()),
        country: Some("Germany".into()),
        description: Some("Brandenburger Tor".into()),
        projection_type: Some("EQUIRECTANGULAR".into()),
    }
}

fn smart_full() -> SmartInfoResponseDto {
    SmartInfoResponseDto {
        tags: Some(vec!["gate".into()]),
        objects: Some(vec!["building".into()]),
    }
}

fn tag_full() -> TagResponseDto {
    TagResponseDto {
        id: "d3c1c5f2-7f0e-4a5b-8c9d-0e1f2a3b4c5d".into(),
        tag_type: TagTypeEnum::Custom,
        name: "holiday".into(),
        user_id: "5b5d8f8c-2a7e-4c59-9d2e-1f3b6c7a8d90".into(),
    }
}

fn face_full() -> AssetFaceWithoutPersonResponseDto {
    AssetFaceWithoutPersonResponseDto {
        id: "9e8d7c6b-5a49-4382-a716-151413121110".into(),
        image_height: 4000,
        image_width: 6000,
        bounding_box_x1: 10,
        bounding_box_x2: 110,
        bounding_box_y1: 20,
        bounding_box_y2: 140,
    }
}

fn person_full() -> PersonWithFacesResponseDto {
    PersonWithFacesResponseDto {
        id: "1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d".into(),
        name: "Grace".into(),
        birth_date: Date::from_ymd(1906, 12, 9),
        thumbnail_path: "thumbs/grace.jpeg".into(),
        is_hidden: false,
        faces: vec![face_full()],
    }
}

fn person_min() -> PersonWithFacesResponseDto {
    PersonWithFacesResponseDto {
        birth_date: None,
        faces: vec![],
        ..person_full()
    }
}

fn asset_min() -> AssetResponseDto {
    AssetResponseDto {
        id: "0f6b2a52-6f0e-4c8e-9a4b-3b1f0c2d4e5f".into(),
        device_asset_id: "IMG_0001.JPG-24117248".into(),
        owner_id: "5b5d8f8c-2a7e-4c59-9d2e-1f3b6c7a8d90".into(),
        owner: None,
        device_id: "WEB".into(),
        library_id: "7c1d2e3f-4a5b-4c6d-8e7f-8091a2b3c4d5".into(),
        asset_type: AssetTypeEnum::Image,
        original_path: "upload/library/ada/2024/IMG_0001.JPG".into(),
        original_file_name: "IMG_0001.JPG".into(),
        resized: true,
        thumbhash: None,
        file_created_at: date("2024-01-05T10:11:12.123Z"),
        file_modified_at: date("2024-01-05T10:11:12.123Z"),
        local_date_time: date("2024-01-05T11:11:12.123Z"),
        updated_at: date("2024-01-06T08:00:00.000Z"),
        is_favorite: false,
        is_archived: false,
        is_trashed: false,
        duration: "0:00:00.00000".into(),
        exif_info: None,
        smart_info: None,
        live_photo_video_id: None,
        tags: None,
        people: None,
        checksum: "2jmj7l5rSw0yVb/vlWAYkK/YBwk=".into(),
        stack_parent_id: None,
        stack: None,
        stack_count: None,
        is_external: false,
        is_offline: false,
        is_read_only: false,
        has_metadata: true,
    }
}

fn asset_full() -> AssetResponseDto {
    let mut member = asset_min();
    member.id = "2b3c4d5e-6f70-4182-93a4-b5c6d7e8f901".into();
    AssetResponseDto {
        owner: Some(user_full()),
        thumbhash: Some("1QcSHQRnh493V4dIh4eXh1h4kJUI".into()),
        exif_info: Some(exif_full()),
        smart_info: Some(smart_full()),
        live_photo_video_id: Some(Some("3c4d5e6f-7081-4293-a4b5-c6d7e8f90a12".into())),
        tags: Some(vec![tag_full()]),
        people: Some(vec![person_full()]),
        stack_parent_id: Some(Some("0f6b2a52-6f0e-4c8e-9a4b-3b1f0c2d4e5f".into())),
        stack: Some(vec![member]),
        stack_count: Some(2),
        ..asset_min()
    }
}

// ---------------------------------------------------------------- cases

/// Decodes a JSON value into `T` and writes it back, or says why it could not.
fn round_trip<T: Serialize + DeserializeOwned>(value: &Value) -> Result<Value, String> {
    let decoded: T = serde_json::from_value(value.clone()).map_err(|e| e.to_string())?;
    serde_json::to_value(decoded).map_err(|e| e.to_string())
}

/// One object schema and its Rust type, seen only through JSON.
struct Case {
    schema: &'static str,
    full: Value,
    min: Value,
    decode: fn(&Value) -> Result<Value, String>,
}

fn case<T: Serialize + DeserializeOwned>(schema: &'static str, full: T, min: T) -> Case {
    Case {
        schema,
        full: serde_json::to_value(full).unwrap(),
        min: serde_json::to_value(min).unwrap(),
        decode: round_trip::<T>,
    }
}

fn cases() -> Vec<Case> {
    vec![
        case("AssetResponseDto", asset_full(), asset_min()),
        case("ExifResponseDto", exif_full(), ExifResponseDto::default()),
        case("UserResponseDto", user_full(), user_min()),
        case("PartnerResponseDto", partner_full(), partner_min()),
        case("PersonWithFacesResponseDto", person_full(), person_min()),
        case(
            "AssetFaceWithoutPersonResponseDto",
            face_full(),
            face_full(),
        ),
        case(
            "SmartInfoResponseDto",
            smart_full(),
            SmartInfoResponseDto::default(),
        ),
        case("TagResponseDto", tag_full(), tag_full()),
        case(
            "ServerPingResponse",
            ServerPingResponse::pong(),
            ServerPingResponse::pong(),
        ),
        case(
            "ServerVersionResponseDto",
            ServerVersionResponseDto {
                major: 1,
                minor: 103,
                patch: 1,
            },
            ServerVersionResponseDto {
                major: 1,
                minor: 103,
                patch: 1,
            },
        ),
        case(
            "AssetStatsResponseDto",
            AssetStatsResponseDto {
                images: 10,
                videos: 2,
                total: 12,
            },
            AssetStatsResponseDto {
                images: 0,
                videos: 0,
                total: 0,
            },
        ),
        case(
            "AuditDeletesResponseDto",
            AuditDeletesResponseDto {
                ids: vec!["0f6b2a52-6f0e-4c8e-9a4b-3b1f0c2d4e5f".into()],
                needs_full_sync: true,
            },
            AuditDeletesResponseDto {
                ids: Vec::new(),
                needs_full_sync: false,
            },
        ),
    ]
}

/// An open string enum: the Rust `KNOWN` list and a decoder.
struct EnumCase {
    schema: &'static str,
    /// JSON pointer to the spec's enum values (a schema's, or an inline
    /// parameter's where the spec names no schema).
    at: String,
    known: Vec<String>,
    decode: fn(&Value) -> Result<Value, String>,
}

fn enum_case<T: Serialize + DeserializeOwned>(schema: &'static str, known: &[T]) -> EnumCase {
    enum_case_at(schema, format!("/components/schemas/{schema}/enum"), known)
}

/// An enum whose values the spec lists at `at` rather than under its own schema.
fn enum_case_at<T: Serialize + DeserializeOwned>(
    schema: &'static str,
    at: String,
    known: &[T],
) -> EnumCase {
    let known = known
        .iter()
        .map(|v| {
            serde_json::to_value(v)
                .unwrap()
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    EnumCase {
        schema,
        at,
        known,
        decode: round_trip::<T>,
    }
}

fn enum_cases() -> Vec<EnumCase> {
    vec![
        enum_case("AssetTypeEnum", AssetTypeEnum::KNOWN),
        enum_case("UserAvatarColor", UserAvatarColor::KNOWN),
        enum_case("UserStatus", UserStatus::KNOWN),
        enum_case("TagTypeEnum", TagTypeEnum::KNOWN),
        // `GET /api/partner`'s only parameter, `direction`, declares its values inline.
        enum_case_at(
            "PartnerDirection",
            "/paths/~1partner/get/parameters/0/schema/enum".into(),
            PartnerDirection::KNOWN,
        ),
    ]
}

// ---------------------------------------------------------------- checker

fn schema<'a>(spec: &'a Value, name: &str) -> Option<&'a Value> {
    spec.pointer(&format!("/components/schemas/{name}"))
}

/// Follows a `$ref` to its schema (one level; the spec has no ref chains here).
fn resolve<'a>(spec: &'a Value, s: &'a Value) -> &'a Value {
    match s
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
    {
        Some(name) => schema(spec, name).unwrap_or(&Value::Null),
        None => s,
    }
}

fn props(s: &Value) -> Map<String, Value> {
    s.get("properties")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

fn required(s: &Value) -> BTreeSet<String> {
    s.get("required")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn nullable(s: &Value) -> bool {
    s.get("nullable").and_then(Value::as_bool).unwrap_or(false)
}

/// True for a date written the way Immich writes it: `toISOString()`.
fn is_js_iso(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 24 && b[19] == b'.' && b[23] == b'Z' && iso::parse(text).is_some()
}

/// Checks a JSON value against a property schema, recursing into arrays and
/// objects; pushes one message per mismatch.
fn check_value(spec: &Value, prop: &Value, value: &Value, path: &str, errs: &mut Vec<String>) {
    let s = resolve(spec, prop);
    if value.is_null() {
        if !nullable(prop) && !nullable(s) {
            errs.push(format!(
                "{path}: Rust writes null but the spec does not allow null"
            ));
        }
        return;
    }
    if let Some(values) = s.get("enum").and_then(Value::as_array) {
        if !values.contains(value) {
            errs.push(format!(
                "{path}: {value} is not one of the spec's enum values"
            ));
        }
        return;
    }
    let ty = s.get("type").and_then(Value::as_str).unwrap_or("object");
    let ok = match ty {
        "string" => match (value.as_str(), s.get("format").and_then(Value::as_str)) {
            (Some(t), Some("date-time")) => is_js_iso(t),
            (Some(t), Some("date")) => {
                chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d").is_ok() && t.len() == 10
            }
            (Some(_), _) => true,
            (None, _) => false,
        },
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "array" => match value.as_array() {
            Some(items) => {
                let item_schema = s.get("items").cloned().unwrap_or(Value::Null);
                for (i, item) in items.iter().enumerate() {
                    check_value(spec, &item_schema, item, &format!("{path}[{i}]"), errs);
                }
                true
            }
            None => false,
        },
        _ => match value.as_object() {
            Some(obj) => {
                let p = props(s);
                for key in required(s) {
                    if !obj.contains_key(&key) {
                        errs.push(format!(
                            "{path}.{key}: required by the spec but not written"
                        ));
                    }
                }
                for (key, v) in obj {
                    match p.get(key) {
                        Some(ps) => check_value(spec, ps, v, &format!("{path}.{key}"), errs),
                        None => {
                            errs.push(format!("{path}.{key}: written by Rust but not in the spec"))
                        }
                    }
                }
                true
            }
            None => false,
        },
    };
    if !ok {
        let format = s.get("format").and_then(Value::as_str).unwrap_or("");
        errs.push(format!(
            "{path}: Rust writes {value} where the spec says {ty} {format}"
        ));
    }
}

/// A value of a property's spec type, for decoding tests. Objects get their
/// required properties only (so self-references end).
fn synth(spec: &Value, prop: &Value) -> Value {
    let s = resolve(spec, prop);
    if let Some(first) = s
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
    {
        return first.clone();
    }
    match s.get("type").and_then(Value::as_str).unwrap_or("object") {
        "string" => match s.get("format").and_then(Value::as_str) {
            Some("date-time") => json!("2024-01-05T12:11:12.123456+02:00"),
            Some("date") => json!("1990-04-05"),
            Some("uuid") => json!("0f6b2a52-6f0e-4c8e-9a4b-3b1f0c2d4e5f"),
            _ => json!("text"),
        },
        "integer" => json!(7),
        // A fraction proves the Rust field is not an integer type.
        "number" => json!(1.5),
        "boolean" => json!(true),
        "array" => json!([synth(spec, s.get("items").unwrap_or(&Value::Null))]),
        _ => synth_required(spec, s, true),
    }
}

/// An object with only the schema's required properties; nullable ones are
/// `null` when `nulls` is set, else get a value too.
fn synth_required(spec: &Value, s: &Value, nulls: bool) -> Value {
    let p = props(s);
    let mut obj = Map::new();
    for key in required(s) {
        let ps = p.get(&key).cloned().unwrap_or(Value::Null);
        obj.insert(
            key,
            if nulls && nullable(&ps) {
                Value::Null
            } else {
                synth(spec, &ps)
            },
        );
    }
    Value::Object(obj)
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

/// Every way `case` disagrees with `spec`'s schema of the same name.
fn check_schema(spec: &Value, case: &Case) -> Vec<String> {
    let name = case.schema;
    let mut errs = Vec::new();
    let Some(s) = schema(spec, name) else {
        return vec![format!("{name}: not in the spec")];
    };
    let p = props(s);
    let req = required(s);
    let spec_keys: BTreeSet<String> = p.keys().cloned().collect();

    // The maximal value writes exactly the spec's properties, none null.
    let full_keys = keys(&case.full);
    for k in spec_keys.difference(&full_keys) {
        errs.push(format!(
            "{name}.{k}: in the spec but the Rust type never writes it"
        ));
    }
    for k in full_keys.difference(&spec_keys) {
        errs.push(format!("{name}.{k}: written by Rust but not in the spec"));
    }
    for (k, v) in case.full.as_object().into_iter().flatten() {
        if v.is_null() {
            errs.push(format!(
                "{name}.{k}: the maximal sample writes null (sample is not maximal)"
            ));
        }
    }
    check_value(spec, s, &case.full, name, &mut errs);

    // The minimal value writes required keys (nullable ones as null) and no optional key.
    let min = case.min.as_object().cloned().unwrap_or_default();
    for (k, ps) in &p {
        let nul = nullable(ps);
        match (req.contains(k), min.get(k)) {
            (true, None) => errs.push(format!("{name}.{k}: required but the minimal value omits it")),
            (true, Some(v)) if nul && !v.is_null() => {
                errs.push(format!("{name}.{k}: required nullable, but the minimal value writes {v} (not nullable in Rust?)"))
            }
            (false, Some(v)) if !(nul && v.is_null()) => {
                errs.push(format!("{name}.{k}: optional but the minimal value writes {v} (required in Rust?)"))
            }
            _ => {}
        }
    }
    check_value(spec, s, &case.min, &format!("{name}(min)"), &mut errs);

    // Decoding. `base` has only the spec's required properties, each with a
    // spec-typed value; each rule is then tried one property at a time so
    // every message names its property.
    let base = synth_required(spec, s, false);
    let decode = |v: &Value| (case.decode)(v);
    match decode(&base) {
        Err(e) => {
            errs.push(format!(
                "{name}: an object with only the spec's required properties does not decode: {e}"
            ));
            return errs;
        }
        Ok(written) => check_value(spec, s, &written, &format!("{name}(decoded)"), &mut errs),
    }
    // The spec's minimal object: required properties only, nullable ones null.
    if let Err(e) = decode(&synth_required(spec, s, true)) {
        errs.push(format!("{name}: the spec's minimal object (required only, nullable as null) does not decode: {e}"));
    }
    for (k, ps) in &p {
        let mut without = base.clone();
        let obj = without.as_object_mut().unwrap();
        if req.contains(k) {
            obj.remove(k);
            if decode(&without).is_ok() {
                errs.push(format!(
                    "{name}.{k}: required by the spec but Rust decodes without it"
                ));
            }
        }
        let mut with_null = base.clone();
        with_null
            .as_object_mut()
            .unwrap()
            .insert(k.clone(), Value::Null);
        match (nullable(ps), decode(&with_null)) {
            (true, Err(e)) => errs.push(format!(
                "{name}.{k}: nullable in the spec but Rust refuses null: {e}"
            )),
            // An optional, non-nullable property may tolerate null (lenient reading); a required one may not.
            (false, Ok(_)) if req.contains(k) => errs.push(format!(
                "{name}.{k}: not nullable in the spec but Rust accepts null"
            )),
            _ => {}
        }
        let mut with_value = base.clone();
        with_value
            .as_object_mut()
            .unwrap()
            .insert(k.clone(), synth(spec, ps));
        if let Err(e) = decode(&with_value) {
            errs.push(format!(
                "{name}.{k}: a spec-typed value does not decode: {e}"
            ));
        }
    }
    errs
}

/// Every way an open enum disagrees with the spec's enum of the same name.
fn check_enum(spec: &Value, case: &EnumCase) -> Vec<String> {
    let name = case.schema;
    let Some(values) = spec.pointer(&case.at).and_then(Value::as_array) else {
        return vec![format!("{name}: not an enum in the spec (at {})", case.at)];
    };
    let spec_values: Vec<String> = values
        .iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    let mut errs = Vec::new();
    for v in &spec_values {
        if !case.known.contains(v) {
            errs.push(format!(
                "{name}: spec value {v:?} is not a known Rust variant"
            ));
        }
        if (case.decode)(&json!(v)).ok() != Some(json!(v)) {
            errs.push(format!("{name}: spec value {v:?} does not round-trip"));
        }
    }
    for v in &case.known {
        if !spec_values.contains(v) {
            errs.push(format!("{name}: Rust variant {v:?} is not in the spec"));
        }
    }
    errs
}

fn check_all(spec: &Value) -> Vec<String> {
    let mut errs: Vec<String> = cases().iter().flat_map(|c| check_schema(spec, c)).collect();
    errs.extend(enum_cases().iter().flat_map(|c| check_enum(spec, c)));
    errs
}

// ---------------------------------------------------------------- tests

#[test]
fn rust_types_match_the_spec() {
    let spec = load_spec(Path::new(SPEC));
    let errs = check_all(&spec);
    assert!(errs.is_empty(), "drift from the spec:\n{}", errs.join("\n"));
}

#[test]
fn the_spec_is_the_right_release() {
    let spec = load_spec(Path::new(SPEC));
    assert_eq!(spec.pointer("/info/version"), Some(&json!("1.103.1")));
    // `GET /api/asset` returns an array of the schema checked above.
    assert_eq!(
        spec.pointer(
            "/paths/~1asset/get/responses/200/content/application~1json/schema/items/$ref"
        ),
        Some(&json!("#/components/schemas/AssetResponseDto"))
    );
    assert_eq!(
        spec.pointer("/paths/~1user/get/responses/200/content/application~1json/schema/items/$ref"),
        Some(&json!("#/components/schemas/UserResponseDto"))
    );
    assert_eq!(
        spec.pointer(
            "/paths/~1partner/get/responses/200/content/application~1json/schema/items/$ref"
        ),
        Some(&json!("#/components/schemas/PartnerResponseDto"))
    );
}

/// `GET /api/partner` has exactly one parameter, the required `direction` in
/// the query, whose values the `PartnerDirection` enum case checks.
#[test]
fn partner_direction_is_the_only_required_parameter() {
    let spec = load_spec(Path::new(SPEC));
    let params = spec
        .pointer("/paths/~1partner/get/parameters")
        .and_then(Value::as_array)
        .unwrap();
    assert_eq!(params.len(), 1);
    assert_eq!(params[0]["name"], "direction");
    assert_eq!(params[0]["in"], "query");
    assert_eq!(params[0]["required"], true);
}

/// The query parameters of `GET /api/asset` are exactly what `AssetQuery` writes.
#[test]
fn asset_query_matches_the_spec_parameters() {
    let spec = load_spec(Path::new(SPEC));
    let params = spec
        .pointer("/paths/~1asset/get/parameters")
        .and_then(Value::as_array)
        .unwrap();
    let spec_query: BTreeSet<String> = params
        .iter()
        .filter(|p| p["in"] == "query")
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect();
    let full = AssetQuery {
        is_archived: Some(true),
        is_favorite: Some(true),
        skip: Some(1),
        take: Some(1),
        updated_after: Some(date("2024-01-01T00:00:00Z")),
        updated_before: Some(date("2024-01-02T00:00:00Z")),
        user_id: Some("0f6b2a52-6f0e-4c8e-9a4b-3b1f0c2d4e5f".into()),
    };
    let written: BTreeSet<String> = full
        .to_query_string()
        .split('&')
        .map(|kv| kv.split('=').next().unwrap().to_owned())
        .collect();
    assert_eq!(written, spec_query);
    // None of them is required by the spec, and AssetQuery::default() writes none.
    assert!(params.iter().all(|p| p["required"] == false));
    assert_eq!(AssetQuery::default().to_query_string(), "");
}

// ---------------------------------------------------------------- drift

/// Applies `edit` to a copy of the spec, round-trips it through a temp file,
/// checks it, and asserts some message names `expect`.
fn check_drift(label: &str, edit: impl FnOnce(&mut Value), expect: &str) {
    let mut spec = load_spec(Path::new(SPEC));
    edit(&mut spec);
    let path = std::env::temp_dir().join(format!(
        "immich-api-drift-{}-{label}.json",
        std::process::id()
    ));
    std::fs::write(&path, serde_json::to_string(&spec).unwrap()).unwrap();
    let drifted = load_spec(&path);
    let _ = std::fs::remove_file(&path);
    let errs = check_all(&drifted);
    // Shown with `--nocapture`: what the check says about each drift.
    eprintln!("drift {label}:\n  {}", errs.join("\n  "));
    assert!(
        errs.iter().any(|e| e.contains(expect)),
        "drift {label:?} not reported (wanted a message containing {expect:?}); got:\n{}",
        errs.join("\n")
    );
}

fn schema_mut<'a>(spec: &'a mut Value, name: &str) -> &'a mut Value {
    spec.pointer_mut(&format!("/components/schemas/{name}"))
        .unwrap()
}

fn remove_required(s: &mut Value, key: &str) {
    s["required"].as_array_mut().unwrap().retain(|v| v != key);
}

#[test]
fn drift_removed_property_is_reported() {
    check_drift(
        "remove-thumbhash",
        |spec| {
            let s = schema_mut(spec, "AssetResponseDto");
            s["properties"].as_object_mut().unwrap().remove("thumbhash");
            remove_required(s, "thumbhash");
        },
        "AssetResponseDto.thumbhash: written by Rust but not in the spec",
    );
}

#[test]
fn drift_added_property_is_reported() {
    // v1.104 added `duplicateId`; a newer spec must show the gap.
    check_drift(
        "add-duplicate-id",
        |spec| {
            schema_mut(spec, "AssetResponseDto")["properties"]["duplicateId"] =
                json!({"type": "string", "nullable": true});
        },
        "AssetResponseDto.duplicateId: in the spec but the Rust type never writes it",
    );
}

#[test]
fn drift_nullable_flipped_off_is_reported() {
    check_drift(
        "stack-count-not-nullable",
        |spec| {
            schema_mut(spec, "AssetResponseDto")["properties"]["stackCount"]
                .as_object_mut()
                .unwrap()
                .remove("nullable");
        },
        "AssetResponseDto.stackCount: not nullable in the spec but Rust accepts null",
    );
    check_drift(
        "deleted-at-not-nullable",
        |spec| {
            schema_mut(spec, "UserResponseDto")["properties"]["deletedAt"]["nullable"] =
                json!(false);
        },
        "UserResponseDto.deletedAt: not nullable in the spec but Rust accepts null",
    );
}

#[test]
fn drift_nullable_flipped_on_is_reported() {
    check_drift(
        "library-id-nullable",
        |spec| {
            schema_mut(spec, "AssetResponseDto")["properties"]["libraryId"]["nullable"] =
                json!(true);
        },
        "AssetResponseDto.libraryId: nullable in the spec but Rust refuses null",
    );
}

#[test]
fn drift_required_flip_is_reported() {
    check_drift(
        "live-photo-required",
        |spec| {
            let s = schema_mut(spec, "AssetResponseDto");
            s["required"]
                .as_array_mut()
                .unwrap()
                .push(json!("livePhotoVideoId"));
        },
        "AssetResponseDto.livePhotoVideoId: required",
    );
    check_drift(
        "checksum-optional",
        |spec| remove_required(schema_mut(spec, "AssetResponseDto"), "checksum"),
        "AssetResponseDto.checksum: optional but the minimal value writes",
    );
}

#[test]
fn drift_type_change_is_reported() {
    check_drift(
        "exif-width-integer",
        |spec| {
            schema_mut(spec, "ExifResponseDto")["properties"]["exifImageWidth"]["type"] =
                json!("integer");
        },
        "ExifResponseDto.exifImageWidth: Rust writes 6000.25 where the spec says integer",
    );
    check_drift(
        "stats-number",
        |spec| {
            schema_mut(spec, "AssetStatsResponseDto")["properties"]["total"]["type"] =
                json!("number");
        },
        "AssetStatsResponseDto: an object with only the spec's required properties does not decode: \
         invalid type: floating point `1.5`, expected i64",
    );
    check_drift(
        "size-string",
        |spec| {
            schema_mut(spec, "ExifResponseDto")["properties"]["fileSizeInByte"] =
                json!({"type": "string", "nullable": true});
        },
        "ExifResponseDto.fileSizeInByte",
    );
}

#[test]
fn drift_partner_schema_is_reported() {
    check_drift(
        "partner-in-timeline-gone",
        |spec| {
            schema_mut(spec, "PartnerResponseDto")["properties"]
                .as_object_mut()
                .unwrap()
                .remove("inTimeline");
        },
        "PartnerResponseDto.inTimeline: written by Rust but not in the spec",
    );
    check_drift(
        "partner-in-timeline-required",
        |spec| {
            schema_mut(spec, "PartnerResponseDto")["required"]
                .as_array_mut()
                .unwrap()
                .push(json!("inTimeline"));
        },
        "PartnerResponseDto.inTimeline: required but the minimal value omits it",
    );
    check_drift(
        "partner-direction-added",
        |spec| {
            spec.pointer_mut("/paths/~1partner/get/parameters/0/schema/enum")
                .unwrap()
                .as_array_mut()
                .unwrap()
                .push(json!("shared-both"));
        },
        "PartnerDirection: spec value \"shared-both\" is not a known Rust variant",
    );
}

#[test]
fn drift_enum_change_is_reported() {
    check_drift(
        "enum-drop-audio",
        |spec| {
            schema_mut(spec, "AssetTypeEnum")["enum"]
                .as_array_mut()
                .unwrap()
                .retain(|v| v != "AUDIO");
        },
        "AssetTypeEnum: Rust variant \"AUDIO\" is not in the spec",
    );
    check_drift(
        "enum-add-teal",
        |spec| {
            schema_mut(spec, "UserAvatarColor")["enum"]
                .as_array_mut()
                .unwrap()
                .push(json!("teal"));
        },
        "UserAvatarColor: spec value \"teal\" is not a known Rust variant",
    );
}
