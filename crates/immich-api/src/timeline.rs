//! The timeline of current servers (v1.135 to v3): `GET /api/timeline/buckets`
//! (assets per month) and `GET /api/timeline/bucket?timeBucket=…` (one month
//! as columns), per `testdata/openapi-v3.1.0-timeline.json`.
//!
//! A month arrives as parallel arrays, one per field; the `i`-th item of every
//! array describes the same asset. [`decode_time_bucket`] reads a body against
//! [`BucketLimits`] and then checks that every present column has the same
//! length and that every item has the shape the spec gives it, so the caller
//! can index the columns without a bounds failure. Nothing here panics on input.

use crate::{enums::AssetVisibility, js_number::JsNumber, query::is_uuid_v4};

/// `TimeBucketsResponseDto`: one month of `GET /api/timeline/buckets`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
pub struct TimeBucketsResponseDto {
    /// The month's first day, `YYYY-MM-DD` (the local date of the photos).
    pub time_bucket: String,
    /// How many assets the month holds for the query.
    pub count: i64,
}

/// Body of `GET /api/timeline/buckets`: the months, in the query's order.
pub type TimeBucketListResponse = Vec<TimeBucketsResponseDto>;

/// One item of the `duration` column: a string `H:MM:SS.ffffff` before v3, an
/// integer number of milliseconds from v3. Both are accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(untagged))]
pub enum BucketDuration {
    /// v3: milliseconds.
    Millis(u64),
    /// Before v3: `0:00:05.000000`.
    Text(String),
}

// By hand rather than `#[serde(untagged)]`, which buffers every value.
#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for BucketDuration {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = BucketDuration;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a duration: milliseconds or H:MM:SS.ffffff")
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(BucketDuration::Millis(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
                u64::try_from(v)
                    .map(BucketDuration::Millis)
                    .map_err(|_| E::custom("a negative duration"))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(BucketDuration::Text(v.to_owned()))
            }
        }
        d.deserialize_any(V)
    }
}

impl BucketDuration {
    /// The duration in milliseconds; `None` for text that is not a duration.
    pub fn millis(&self) -> Option<u64> {
        match self {
            Self::Millis(ms) => Some(*ms),
            Self::Text(t) => crate::asset::parse_duration(t)
                .filter(|s| s.is_finite() && *s >= 0.0)
                .map(|s| (s * 1000.0).round().min(u64::MAX as f64) as u64),
        }
    }
}

/// `TimeBucketAssetResponseDto`: one month of assets as columns.
///
/// Required columns are `Vec`s; the optional ones (`city`, `country` and
/// `latitude`/`longitude` with `withCoordinates`, `stack` with `withStacked`)
/// are `Option<Vec<…>>`, absent when the server leaves them out.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
pub struct TimeBucketAssetResponseDto {
    /// Asset ids.
    pub id: Vec<String>,
    /// Owner ids.
    pub owner_id: Vec<String>,
    /// Width / height as displayed.
    pub ratio: Vec<JsNumber>,
    /// Favourites.
    pub is_favorite: Vec<bool>,
    /// Where each asset is shown (archive, timeline, hidden, locked).
    pub visibility: Vec<AssetVisibility>,
    /// In the trash.
    pub is_trashed: Vec<bool>,
    /// An image (`false`: a video).
    pub is_image: Vec<bool>,
    /// Base64 thumbhash, or `null`.
    pub thumbhash: Vec<Option<String>>,
    /// `fileCreatedAt` in UTC, written without a zone (`2024-01-05T10:00:00`;
    /// some servers add `.000` or `Z`).
    pub file_created_at: Vec<String>,
    /// The photo's UTC offset in hours (fractional for `+05:30`).
    pub local_offset_hours: Vec<JsNumber>,
    /// Video duration (string before v3, ms from v3), or `null`.
    pub duration: Vec<Option<BucketDuration>>,
    /// The motion part of a live photo, or `null`.
    pub live_photo_video_id: Vec<Option<String>>,
    /// 360° projection, or `null`.
    pub projection_type: Vec<Option<String>>,
    /// City from EXIF, when sent.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub city: Option<Vec<Option<String>>>,
    /// Country from EXIF, when sent.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub country: Option<Vec<Option<String>>>,
    /// Upload times (required by the v3.1 spec; older servers may leave it out).
    #[cfg_attr(feature = "serde", serde(default))]
    pub created_at: Vec<String>,
    /// `[stackId, count]` for a stack's primary asset, `null` otherwise (with `withStacked=true`).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub stack: Option<Vec<Option<Vec<String>>>>,
    /// Latitude, with `withCoordinates=true`.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub latitude: Option<Vec<Option<JsNumber>>>,
    /// Longitude, with `withCoordinates=true`.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub longitude: Option<Vec<Option<JsNumber>>>,
}

/// Size limits for reading timeline bodies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BucketLimits {
    /// Largest body read, in bytes.
    pub max_bytes: usize,
    /// Most assets in one month, or months in one list.
    pub max_items: usize,
}

impl Default for BucketLimits {
    fn default() -> Self {
        Self {
            // A month of 100,000 assets is ~30 MB of columns.
            max_bytes: 64 << 20,
            max_items: 200_000,
        }
    }
}

/// Why a timeline body was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimelineError {
    /// The body is larger than the limit.
    #[error("the timeline answer is {0} bytes, more than the {1}-byte limit")]
    TooLarge(usize, usize),
    /// More items than the limit.
    #[error("the timeline answer holds {0} items, more than the limit of {1}")]
    TooMany(usize, usize),
    /// Not JSON of the expected shape.
    #[error("the timeline answer is not what Immich sends: {0}")]
    Shape(String),
    /// A column's length differs from `id`'s.
    #[error("the month's column {column} has {len} items where id has {expected}")]
    Column {
        /// The column's wire name.
        column: &'static str,
        /// Its length.
        len: usize,
        /// The length of `id`.
        expected: usize,
    },
    /// An item of a column has a bad value.
    #[error("the month's column {column} has a bad value at {index}")]
    Item {
        /// The column's wire name.
        column: &'static str,
        /// The position.
        index: usize,
    },
}

fn check_size(bytes: &[u8], limits: BucketLimits) -> Result<(), TimelineError> {
    if bytes.len() > limits.max_bytes {
        return Err(TimelineError::TooLarge(bytes.len(), limits.max_bytes));
    }
    Ok(())
}

fn shape(e: crate::json::Error) -> TimelineError {
    TimelineError::Shape(e.to_string())
}

/// Reads a `GET /api/timeline/buckets` body: size-limited, every month a
/// `YYYY-MM-DD` date and a count ≥ 0.
pub fn decode_time_buckets(
    bytes: &[u8],
    limits: BucketLimits,
) -> Result<TimeBucketListResponse, TimelineError> {
    check_size(bytes, limits)?;
    let list: TimeBucketListResponse = crate::json::from_slice(bytes).map_err(shape)?;
    if list.len() > limits.max_items {
        return Err(TimelineError::TooMany(list.len(), limits.max_items));
    }
    for (index, b) in list.iter().enumerate() {
        if bucket_month(&b.time_bucket).is_none() {
            return Err(TimelineError::Item {
                column: "timeBucket",
                index,
            });
        }
        if b.count < 0 {
            return Err(TimelineError::Item {
                column: "count",
                index,
            });
        }
    }
    Ok(list)
}

/// The `(year, month)` of a bucket name (`2024-03-01`, or a longer ISO form
/// starting with it); `None` for anything else.
pub fn bucket_month(text: &str) -> Option<(i32, u32)> {
    let b = text.as_bytes();
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        let s = b.get(r)?;
        if !s.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(s).ok()?.parse().ok()
    };
    let year = digits(0..4)?;
    let month = digits(5..7)?;
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') || !(1..=12).contains(&month) {
        return None;
    }
    digits(8..10)?;
    i32::try_from(year).ok().map(|y| (y, month))
}

/// The `timeBucket` value the web client sends for a month of the list:
/// `YYYY-MM-01T00:00:00.000Z`.
pub fn bucket_param(year: i32, month: u32) -> String {
    format!("{year:04}-{month:02}-01T00:00:00.000Z")
}

/// Reads a `GET /api/timeline/bucket` body: size-limited, then every present
/// column checked against `id`'s length and every item's shape (ids are
/// UUIDs, stacks are `[uuid, count]`, ratios and offsets are finite).
pub fn decode_time_bucket(
    bytes: &[u8],
    limits: BucketLimits,
) -> Result<TimeBucketAssetResponseDto, TimelineError> {
    check_size(bytes, limits)?;
    let month: TimeBucketAssetResponseDto = crate::json::from_slice(bytes).map_err(shape)?;
    month.check(limits)?;
    Ok(month)
}

impl TimeBucketAssetResponseDto {
    /// Number of assets (the length of `id`).
    pub fn len(&self) -> usize {
        self.id.len()
    }

    /// No assets.
    pub fn is_empty(&self) -> bool {
        self.id.is_empty()
    }

    /// The stack size at `i` (`0`: not a stack's primary).
    pub fn stack_count(&self, i: usize) -> u32 {
        self.stack
            .as_ref()
            .and_then(|s| s.get(i))
            .and_then(Option::as_ref)
            .and_then(|pair| pair.get(1))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    }

    /// Checks lengths and item shapes (see [`decode_time_bucket`]).
    pub fn check(&self, limits: BucketLimits) -> Result<(), TimelineError> {
        let n = self.id.len();
        if n > limits.max_items {
            return Err(TimelineError::TooMany(n, limits.max_items));
        }
        let same = |column: &'static str, len: usize| -> Result<(), TimelineError> {
            if len == n {
                Ok(())
            } else {
                Err(TimelineError::Column {
                    column,
                    len,
                    expected: n,
                })
            }
        };
        same("ownerId", self.owner_id.len())?;
        same("ratio", self.ratio.len())?;
        same("isFavorite", self.is_favorite.len())?;
        same("visibility", self.visibility.len())?;
        same("isTrashed", self.is_trashed.len())?;
        same("isImage", self.is_image.len())?;
        same("thumbhash", self.thumbhash.len())?;
        same("fileCreatedAt", self.file_created_at.len())?;
        same("localOffsetHours", self.local_offset_hours.len())?;
        same("duration", self.duration.len())?;
        same("livePhotoVideoId", self.live_photo_video_id.len())?;
        same("projectionType", self.projection_type.len())?;
        if !self.created_at.is_empty() {
            same("createdAt", self.created_at.len())?;
        }
        let optional: [(&'static str, Option<usize>); 5] = [
            ("city", self.city.as_ref().map(Vec::len)),
            ("country", self.country.as_ref().map(Vec::len)),
            ("stack", self.stack.as_ref().map(Vec::len)),
            ("latitude", self.latitude.as_ref().map(Vec::len)),
            ("longitude", self.longitude.as_ref().map(Vec::len)),
        ];
        for (column, len) in optional {
            if let Some(len) = len {
                same(column, len)?;
            }
        }
        let bad = |column: &'static str, index: usize| TimelineError::Item { column, index };
        if let Some(i) = self.ratio.iter().position(|r| !r.0.is_finite()) {
            return Err(bad("ratio", i));
        }
        if let Some(i) = self
            .local_offset_hours
            .iter()
            .position(|h| !h.0.is_finite() || h.0.abs() > 24.0)
        {
            return Err(bad("localOffsetHours", i));
        }
        if let Some(i) = self.id.iter().position(|id| id.is_empty() || id.len() > 64) {
            return Err(bad("id", i));
        }
        if let Some(stack) = &self.stack {
            for (i, item) in stack.iter().enumerate() {
                if let Some(pair) = item {
                    let ok = matches!(pair.as_slice(), [id, count]
                        if is_uuid_v4(id) && !count.is_empty() && count.len() <= 9
                            && count.bytes().all(|c| c.is_ascii_digit()));
                    if !ok {
                        return Err(bad("stack", i));
                    }
                }
            }
        }
        Ok(())
    }
}

/// Body of `GET /api/server/version` on v3 servers: [`crate::ServerVersionResponseDto`]
/// plus `prerelease` (`null` for a release).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
pub struct ServerVersionV3ResponseDto {
    /// Major version.
    pub major: i64,
    /// Minor version.
    pub minor: i64,
    /// Patch version.
    pub patch: i64,
    /// Pre-release number, `null` for a release.
    pub prerelease: Option<i64>,
}

/// Body of `GET /api/api-keys/me` (v1.139 on): the calling key
/// (`ApiKeyResponseDto` of v3.1.0; the app reads only what it needs).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
pub struct ApiKeyResponseDto {
    /// Key id.
    pub id: String,
    /// Key name.
    pub name: String,
    /// Its permissions (`all`, or names such as `asset.read`).
    pub permissions: Vec<String>,
}

/// The filters of both timeline routes, as a canonical query string.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TimeBucketQuery {
    /// Whose library (default: the caller's).
    pub user_id: Option<String>,
    /// Favourites only / not favourites.
    pub is_favorite: Option<bool>,
    /// Trashed only / not trashed (absent: not trashed).
    pub is_trashed: Option<bool>,
    /// One visibility (absent: archive and timeline).
    pub visibility: Option<AssetVisibility>,
    /// With partners' assets (needs `visibility=timeline` and no `isFavorite`).
    pub with_partners: Option<bool>,
    /// Only a stack's primary, with the `stack` column.
    pub with_stacked: Option<bool>,
    /// `asc` or `desc` (default `desc`).
    pub order: Option<String>,
}

impl TimeBucketQuery {
    /// The message Immich answers a `withPartners` query it refuses, or `None`
    /// when the server takes it.
    pub fn partners_refusal(&self) -> Option<&'static str> {
        if self.with_partners != Some(true) {
            return None;
        }
        if self.visibility != Some(AssetVisibility::Timeline) {
            return Some("withPartners is only supported for non-archived, non-trashed, non-favorited assets");
        }
        if self.is_favorite.is_some() || self.is_trashed == Some(true) {
            return Some("withPartners is only supported for non-archived, non-trashed, non-favorited assets");
        }
        None
    }

    /// `userId=…&isFavorite=…&…` in a fixed order, percent-encoded; with
    /// `timeBucket` first for a month. Empty when nothing is set.
    pub fn to_query_string(&self, time_bucket: Option<&str>) -> String {
        let mut parts: Vec<String> = Vec::new();
        let mut push = |k: &str, v: &str| {
            let mut enc = String::new();
            crate::query::percent_encode_into(v, &mut enc);
            parts.push(format!("{k}={enc}"));
        };
        if let Some(t) = time_bucket {
            push("timeBucket", t);
        }
        if let Some(v) = &self.user_id {
            push("userId", v);
        }
        if let Some(v) = self.is_favorite {
            push("isFavorite", if v { "true" } else { "false" });
        }
        if let Some(v) = self.is_trashed {
            push("isTrashed", if v { "true" } else { "false" });
        }
        if let Some(v) = &self.visibility {
            push("visibility", v.as_str());
        }
        if let Some(v) = self.with_partners {
            push("withPartners", if v { "true" } else { "false" });
        }
        if let Some(v) = self.with_stacked {
            push("withStacked", if v { "true" } else { "false" });
        }
        if let Some(v) = &self.order {
            push("order", v);
        }
        parts.join("&")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID1: &str = "0b6e3c1a-5c0e-4a39-9d6b-5b6f0d5f0a01";
    const ID2: &str = "0b6e3c1a-5c0e-4a39-9d6b-5b6f0d5f0a02";

    fn two() -> String {
        format!(
            r#"{{"id":["{ID1}","{ID2}"],"ownerId":["{ID1}","{ID1}"],"ratio":[1.5,0.75],
            "isFavorite":[true,false],"visibility":["timeline","archive"],"isTrashed":[false,false],
            "isImage":[true,false],"thumbhash":["AQID",null],
            "fileCreatedAt":["2024-03-05T10:00:00","2024-03-01T08:30:00.000"],
            "localOffsetHours":[2,-9.75],"duration":[null,"0:00:05.500000"],
            "livePhotoVideoId":[null,null],"projectionType":[null,"EQUIRECTANGULAR"],
            "createdAt":["2024-03-05T10:00:00.000Z","2024-03-05T10:00:00.000Z"],
            "stack":[["{ID2}","3"],null],"city":["Paris",null],"country":["France",null]}}"#
        )
    }

    #[test]
    fn a_month_decodes_with_both_duration_forms() {
        let m = decode_time_bucket(two().as_bytes(), BucketLimits::default()).unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(m.visibility[1], AssetVisibility::Archive);
        assert_eq!(
            m.duration[1].as_ref().and_then(BucketDuration::millis),
            Some(5500)
        );
        assert_eq!(m.stack_count(0), 3);
        assert_eq!(m.stack_count(1), 0);
        let v3 = two().replace(r#""0:00:05.500000""#, "5500");
        let m3 = decode_time_bucket(v3.as_bytes(), BucketLimits::default()).unwrap();
        assert_eq!(m3.duration[1], Some(BucketDuration::Millis(5500)));
        // Writing it again gives JavaScript's numbers (2, not 2.0).
        #[cfg(feature = "serde")]
        {
            let text = serde_json::to_string(&m3).unwrap();
            assert!(text.contains(r#""localOffsetHours":[2,-9.75]"#), "{text}");
        }
    }

    #[test]
    fn unequal_columns_are_a_clear_error() {
        let body = two().replace(r#""isImage":[true,false]"#, r#""isImage":[true]"#);
        let err = decode_time_bucket(body.as_bytes(), BucketLimits::default()).unwrap_err();
        assert_eq!(
            err,
            TimelineError::Column {
                column: "isImage",
                len: 1,
                expected: 2
            }
        );
        assert!(err
            .to_string()
            .contains("isImage has 1 items where id has 2"));
        let body = two().replace(r#""city":["Paris",null]"#, r#""city":["Paris",null,"x"]"#);
        assert!(matches!(
            decode_time_bucket(body.as_bytes(), BucketLimits::default()),
            Err(TimelineError::Column { column: "city", .. })
        ));
    }

    #[test]
    fn hostile_months_are_refused_not_panicked_on() {
        let limits = BucketLimits {
            max_bytes: 4096,
            max_items: 1,
        };
        assert!(matches!(
            decode_time_bucket(two().as_bytes(), limits),
            Err(TimelineError::TooMany(2, 1))
        ));
        let big = vec![b' '; 5000];
        assert!(matches!(
            decode_time_bucket(&big, limits),
            Err(TimelineError::TooLarge(5000, 4096))
        ));
        let cases = [
            String::new(),
            "[]".into(),
            "{".into(),
            "null".into(),
            r#"{"id":"x"}"#.into(),
            two().replace(&format!(r#"["{ID2}","3"]"#), r#"["x","3"]"#),
            two().replace(&format!(r#"["{ID2}","3"]"#), &format!(r#"["{ID2}","-3"]"#)),
            two().replace(&format!(r#"["{ID2}","3"]"#), &format!(r#"["{ID2}"]"#)),
            two().replace(
                &format!(r#"["{ID2}","3"]"#),
                &format!(r#"["{ID2}","3","4"]"#),
            ),
            two().replace(r#""ratio":[1.5,0.75]"#, r#""ratio":[1.5,"wide"]"#),
            two().replace(
                r#""localOffsetHours":[2,-9.75]"#,
                r#""localOffsetHours":[2,1e300]"#,
            ),
            two().replace(
                r#""duration":[null,"0:00:05.500000"]"#,
                r#""duration":[null,-5]"#,
            ),
            two().replace(&format!(r#""id":["{ID1}","{ID2}"]"#), r#""id":["","x"]"#),
            "[".repeat(10_000),
        ];
        for case in cases {
            let r = decode_time_bucket(case.as_bytes(), BucketLimits::default());
            assert!(r.is_err(), "accepted {case:.80}");
        }
        // Unknown visibility values and extra keys are kept, not refused.
        let newer = two()
            .replace(r#""archive"]"#, r#""somewhere"]"#)
            .replace(r#""id":"#, r#""extra":[1],"id":"#);
        let m = decode_time_bucket(newer.as_bytes(), BucketLimits::default()).unwrap();
        assert!(m.visibility[1].is_unknown());
    }

    #[test]
    fn the_month_list_is_checked() {
        let l = BucketLimits::default();
        let ok = decode_time_buckets(
            br#"[{"timeBucket":"2024-03-01","count":2},{"timeBucket":"2023-12-01","count":7}]"#,
            l,
        )
        .unwrap();
        assert_eq!(ok.len(), 2);
        assert_eq!(bucket_month(&ok[1].time_bucket), Some((2023, 12)));
        assert_eq!(bucket_param(2023, 12), "2023-12-01T00:00:00.000Z");
        for bad in [
            &br#"[{"timeBucket":"2024-13-01","count":2}]"#[..],
            br#"[{"timeBucket":"March","count":2}]"#,
            br#"[{"timeBucket":"2024-03-01","count":-1}]"#,
            br#"[{"timeBucket":"2024-03-01"}]"#,
            br#"{"timeBucket":"2024-03-01","count":1}"#,
        ] {
            assert!(decode_time_buckets(bad, l).is_err());
        }
    }

    #[test]
    fn the_query_string_and_the_partner_rule() {
        let q = TimeBucketQuery {
            visibility: Some(AssetVisibility::Timeline),
            with_partners: Some(true),
            ..Default::default()
        };
        assert_eq!(q.partners_refusal(), None);
        assert_eq!(
            q.to_query_string(Some("2024-03-01T00:00:00.000Z")),
            "timeBucket=2024-03-01T00%3A00%3A00.000Z&visibility=timeline&withPartners=true"
        );
        let fav = TimeBucketQuery {
            is_favorite: Some(true),
            ..q.clone()
        };
        assert!(fav.partners_refusal().is_some());
        let implicit = TimeBucketQuery {
            visibility: None,
            ..q
        };
        assert!(implicit.partners_refusal().is_some());
        assert_eq!(TimeBucketQuery::default().to_query_string(None), "");
    }
}
