//! `AssetResponseDto` and the schemas it reaches (except users, see `user.rs`).

use crate::{enums::AssetTypeEnum, Date, TagTypeEnum, Timestamp, UserResponseDto};

/// `AssetResponseDto`: one asset as `GET /api/asset` lists it.
///
/// Optionality follows the v1.103.1 spec exactly:
/// - required, non-nullable: plain `T`;
/// - required, nullable (`thumbhash`, `stackCount`): `Option<T>`, always written (`null` for `None`);
/// - optional (`exifInfo`, `owner`, `people`, …): `Option<T>`, omitted when `None`;
/// - optional and nullable (`livePhotoVideoId`, `stackParentId`): `Option<Option<T>>`,
///   see the `nullable` module (feature `serde`); use [`Self::live_photo_video_id`] / [`Self::stack_parent_id`] to read.
///
/// Fields are declared in the order Immich's mapper writes them, so a
/// serialized value has Immich's key order (ETags hash the bytes). What the
/// mapper sends: `livePhotoVideoId` always (`null` when none); `stackParentId`
/// and `stack` only on stacked assets; `stackCount` always; `people` always
/// (`[]` in `GET /api/asset`); `exifInfo`/`tags` when loaded; `owner` and
/// `smartInfo` not in `GET /api/asset`.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
pub struct AssetResponseDto {
    /// Asset id (a UUID).
    pub id: String,
    /// Id of the device the asset was uploaded from.
    pub device_asset_id: String,
    /// Id of the owner.
    pub owner_id: String,
    /// The owner, when the endpoint fills it (`GET /api/asset` does not).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub owner: Option<UserResponseDto>,
    /// Id of the uploading device.
    pub device_id: String,
    /// Library the asset belongs to.
    pub library_id: String,
    /// Image, video, audio or other.
    #[cfg_attr(feature = "serde", serde(rename = "type"))]
    pub asset_type: AssetTypeEnum,
    /// Path of the original file on the server.
    pub original_path: String,
    /// File name of the original.
    pub original_file_name: String,
    /// Whether thumbnails were generated.
    pub resized: bool,
    /// Base64 thumbhash; `null` until generated.
    #[cfg_attr(feature = "serde", serde(with = "crate::nullable::required"))]
    pub thumbhash: Option<String>,
    /// When the file was created (the timeline sorts on this, descending).
    pub file_created_at: Timestamp,
    /// When the file was last modified.
    pub file_modified_at: Timestamp,
    /// Local wall-clock time of capture, written as if it were UTC (Immich's convention).
    pub local_date_time: Timestamp,
    /// When the asset row last changed (what `updatedAfter`/`updatedBefore` filter on).
    pub updated_at: Timestamp,
    /// Favourite flag (always `false` for a partner's asset).
    pub is_favorite: bool,
    /// Archived flag (always `false` for a partner's asset).
    pub is_archived: bool,
    /// In the trash.
    pub is_trashed: bool,
    /// Video length as `H:MM:SS.ffffff`; `"0:00:00.00000"` for images. See [`parse_duration`].
    pub duration: String,
    /// EXIF data.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub exif_info: Option<ExifResponseDto>,
    /// Smart-search info, when the endpoint fills it.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub smart_info: Option<SmartInfoResponseDto>,
    /// Video half of a live photo: absent, `null`, or an asset id.
    #[cfg_attr(
        feature = "serde",
        serde(
            default,
            skip_serializing_if = "Option::is_none",
            with = "crate::nullable"
        )
    )]
    pub live_photo_video_id: Option<Option<String>>,
    /// Tags.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub tags: Option<Vec<TagResponseDto>>,
    /// Recognised people.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub people: Option<Vec<PersonWithFacesResponseDto>>,
    /// Base64 SHA-1 of the file.
    pub checksum: String,
    /// Primary asset of this asset's stack: absent, `null`, or an asset id.
    #[cfg_attr(
        feature = "serde",
        serde(
            default,
            skip_serializing_if = "Option::is_none",
            with = "crate::nullable"
        )
    )]
    pub stack_parent_id: Option<Option<String>>,
    /// The other members of the stack (on the primary only).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub stack: Option<Vec<AssetResponseDto>>,
    /// Size of the stack on its primary; `null` otherwise.
    #[cfg_attr(feature = "serde", serde(with = "crate::nullable::required"))]
    pub stack_count: Option<i64>,
    /// From an external library.
    pub is_external: bool,
    /// Original file is missing from an external library.
    pub is_offline: bool,
    /// Read-only (external) asset.
    pub is_read_only: bool,
    /// Whether metadata extraction has run.
    pub has_metadata: bool,
}

impl AssetResponseDto {
    /// The live-photo video id, whether the key was absent or `null`.
    pub fn live_photo_video_id(&self) -> Option<&str> {
        self.live_photo_video_id.as_ref().and_then(|v| v.as_deref())
    }

    /// The stack parent id, whether the key was absent or `null`.
    pub fn stack_parent_id(&self) -> Option<&str> {
        self.stack_parent_id.as_ref().and_then(|v| v.as_deref())
    }

    /// Video length in seconds, if `duration` parses (see [`parse_duration`]).
    pub fn duration_seconds(&self) -> Option<f64> {
        parse_duration(&self.duration)
    }
}

/// Parses Immich's `duration` text (`H:MM:SS.ffffff`, e.g. `"0:00:12.345000"`)
/// into seconds. Also accepts `MM:SS(.f)` and `SS(.f)`. Returns `None` for
/// anything else, including negative or non-finite parts.
pub fn parse_duration(text: &str) -> Option<f64> {
    let parts: Vec<&str> = text.trim().split(':').collect();
    if parts.is_empty() || parts.len() > 3 {
        return None;
    }
    let mut total = 0.0_f64;
    let last = parts.len() - 1;
    for (i, part) in parts.iter().enumerate() {
        let value: f64 = if i == last {
            // Seconds may carry a fraction; reject signs and exponents that f64 parsing allows.
            if part.is_empty() || !part.chars().all(|c| c.is_ascii_digit() || c == '.') {
                return None;
            }
            part.parse().ok()?
        } else {
            if part.is_empty() || !part.chars().all(|c| c.is_ascii_digit()) {
                return None;
            }
            part.parse::<u64>().ok()? as f64
        };
        total = total * 60.0 + value;
    }
    total.is_finite().then_some(total)
}

/// `ExifResponseDto`: EXIF metadata of an asset.
///
/// Every property is optional and nullable in the spec (`default: null`), and
/// Immich's mapper always sends every key, `null` when unknown. So each field
/// is `Option<T>` that decodes an absent key or `null` as `None` and always
/// writes the key (`null` for `None`): the output matches what Immich sends.
#[derive(Debug, Clone, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase", default))]
pub struct ExifResponseDto {
    /// Camera make.
    pub make: Option<String>,
    /// Camera model.
    pub model: Option<String>,
    /// Image width in pixels (a JSON `number`).
    #[cfg_attr(feature = "serde", serde(with = "crate::js_number::option"))]
    pub exif_image_width: Option<f64>,
    /// Image height in pixels (a JSON `number`).
    #[cfg_attr(feature = "serde", serde(with = "crate::js_number::option"))]
    pub exif_image_height: Option<f64>,
    /// File size in bytes (`integer`, int64).
    pub file_size_in_byte: Option<i64>,
    /// EXIF orientation, as text (`"1"`, `"6"`, …).
    pub orientation: Option<String>,
    /// Capture time.
    #[cfg_attr(feature = "serde", serde(with = "crate::nullable::required"))]
    pub date_time_original: Option<Timestamp>,
    /// Modification time recorded in EXIF.
    #[cfg_attr(feature = "serde", serde(with = "crate::nullable::required"))]
    pub modify_date: Option<Timestamp>,
    /// IANA time zone of the capture.
    pub time_zone: Option<String>,
    /// Lens model.
    pub lens_model: Option<String>,
    /// Aperture f-number.
    #[cfg_attr(feature = "serde", serde(rename = "fNumber"))]
    #[cfg_attr(feature = "serde", serde(with = "crate::js_number::option"))]
    pub f_number: Option<f64>,
    /// Focal length in mm.
    #[cfg_attr(feature = "serde", serde(with = "crate::js_number::option"))]
    pub focal_length: Option<f64>,
    /// ISO speed.
    #[cfg_attr(feature = "serde", serde(with = "crate::js_number::option"))]
    pub iso: Option<f64>,
    /// Exposure time as text (`"1/125"`).
    pub exposure_time: Option<String>,
    /// GPS latitude.
    #[cfg_attr(feature = "serde", serde(with = "crate::js_number::option"))]
    pub latitude: Option<f64>,
    /// GPS longitude.
    #[cfg_attr(feature = "serde", serde(with = "crate::js_number::option"))]
    pub longitude: Option<f64>,
    /// Reverse-geocoded city.
    pub city: Option<String>,
    /// Reverse-geocoded state.
    pub state: Option<String>,
    /// Reverse-geocoded country.
    pub country: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Projection (e.g. `EQUIRECTANGULAR` for panoramas).
    pub projection_type: Option<String>,
}

/// `SmartInfoResponseDto`: machine-learning tags and objects.
///
/// Both properties are optional and nullable; like EXIF, Immich sends both
/// keys, so absent and `null` decode to `None` and `None` writes `null`.
#[derive(Debug, Clone, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase", default))]
pub struct SmartInfoResponseDto {
    /// Tags.
    pub tags: Option<Vec<String>>,
    /// Detected objects.
    pub objects: Option<Vec<String>>,
}

/// `TagResponseDto`: a tag on an asset.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
pub struct TagResponseDto {
    /// Tag id.
    pub id: String,
    /// Tag kind.
    #[cfg_attr(feature = "serde", serde(rename = "type"))]
    pub tag_type: TagTypeEnum,
    /// Tag name.
    pub name: String,
    /// Owner of the tag.
    pub user_id: String,
}

/// `PersonWithFacesResponseDto`: a person recognised on an asset, with the faces.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
pub struct PersonWithFacesResponseDto {
    /// Person id.
    pub id: String,
    /// Name (empty when unnamed).
    pub name: String,
    /// Birth date (`format: date`, written `YYYY-MM-DD`), required but nullable.
    /// Reading also accepts a full RFC 3339 timestamp and keeps its date part.
    #[cfg_attr(feature = "serde", serde(with = "birth_date"))]
    pub birth_date: Option<Date>,
    /// Path of the face thumbnail on the server.
    pub thumbnail_path: String,
    /// Hidden from the people list.
    pub is_hidden: bool,
    /// This person's faces on the asset.
    pub faces: Vec<AssetFaceWithoutPersonResponseDto>,
}

/// `AssetFaceWithoutPersonResponseDto`: one face's bounding box.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
pub struct AssetFaceWithoutPersonResponseDto {
    /// Face id (a UUID).
    pub id: String,
    /// Height of the image the box refers to.
    pub image_height: i64,
    /// Width of the image the box refers to.
    pub image_width: i64,
    /// Left edge.
    #[cfg_attr(feature = "serde", serde(rename = "boundingBoxX1"))]
    pub bounding_box_x1: i64,
    /// Right edge.
    #[cfg_attr(feature = "serde", serde(rename = "boundingBoxX2"))]
    pub bounding_box_x2: i64,
    /// Top edge.
    #[cfg_attr(feature = "serde", serde(rename = "boundingBoxY1"))]
    pub bounding_box_y1: i64,
    /// Bottom edge.
    #[cfg_attr(feature = "serde", serde(rename = "boundingBoxY2"))]
    pub bounding_box_y2: i64,
}

/// `AssetStatsResponseDto`: body of `GET /api/asset/statistics`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
pub struct AssetStatsResponseDto {
    /// Number of images.
    pub images: i64,
    /// Number of videos.
    pub videos: i64,
    /// Total.
    pub total: i64,
}

/// `AuditDeletesResponseDto`: body of `GET /api/audit/deletes`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
pub struct AuditDeletesResponseDto {
    /// Ids of the entities deleted after the given time.
    pub ids: Vec<String>,
    /// The time is older than the audit log keeps (100 days): read everything again.
    pub needs_full_sync: bool,
}

/// `format: date` values: written `YYYY-MM-DD`; read from that or, leniently,
/// from a full timestamp (a server that sends a JS `Date` here would write one).
#[cfg(feature = "serde")]
mod birth_date {
    use crate::Date;
    use serde::{de, Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(date: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
        match date {
            Some(date) => s.serialize_str(&date.format()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
        let Some(text) = Option::<String>::deserialize(d)? else {
            return Ok(None);
        };
        Date::parse(&text)
            .or_else(|| crate::iso::parse(&text).map(|t| t.date()))
            .map(Some)
            .ok_or_else(|| {
                de::Error::custom(format_args!("invalid date {text:?}, expected YYYY-MM-DD"))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_duration(text: &str, expected: Option<f64>) {
        assert_eq!(parse_duration(text), expected, "{text}");
    }

    #[test]
    fn durations() {
        check_duration("0:00:12.345000", Some(12.345));
        check_duration("0:00:00.00000", Some(0.0));
        check_duration("1:02:03.5", Some(3723.5));
        check_duration("12:34", Some(754.0));
        check_duration("7", Some(7.0));
        check_duration("0:0a:00", None);
        check_duration("0:-1:00", None);
        check_duration("0:00:1e3", None);
        check_duration("", None);
        check_duration("1:2:3:4", None);
        check_duration("0:00:", None);
    }

    #[cfg(feature = "serde")]
    fn check_birth_date(json: &str, expected: Option<&str>, written: &str) {
        #[derive()]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
        struct Holder {
            #[cfg_attr(feature = "serde", serde(with = "birth_date"))]
            d: Option<Date>,
        }
        let holder: Holder = serde_json::from_str(&format!("{{\"d\":{json}}}")).unwrap();
        assert_eq!(holder.d.map(Date::format).as_deref(), expected);
        assert_eq!(
            serde_json::to_string(&holder).unwrap(),
            format!("{{\"d\":{written}}}")
        );
    }

    #[cfg(feature = "serde")]
    #[test]
    fn birth_dates() {
        check_birth_date("\"1990-04-05\"", Some("1990-04-05"), "\"1990-04-05\"");
        check_birth_date("null", None, "null");
        check_birth_date(
            "\"1990-04-05T00:00:00.000Z\"",
            Some("1990-04-05"),
            "\"1990-04-05\"",
        );
        let bad: Result<PersonWithFacesResponseDto, _> = serde_json::from_str(
            r#"{"id":"p","name":"","birthDate":"April","thumbnailPath":"","isHidden":false,"faces":[]}"#,
        );
        assert!(bad.is_err());
    }
}
