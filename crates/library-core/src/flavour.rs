//! Which API a server speaks, from its own version, and how a timeline month
//! becomes a chunk of the [`LibraryIndex`].
//!
//! - v1.98 to v1.105: `GET /api/asset?skip&take` ([`ApiFlavour::AssetList`]);
//! - v1.135 and later, up to v3: `GET /api/timeline/buckets` and `/bucket`
//!   ([`ApiFlavour::Timeline`]);
//! - anything else is [`Unsupported`], with a message that names the version
//!   and what is supported (v1.106–v1.132 and v1.133–v1.134 used other bucket
//!   formats; a major version after 3 is not known yet).

use immich_api::{AssetVisibility, TimeBucketAssetResponseDto};

use crate::{
    index::{AssetFlags, AssetKind, AssetRecord, IndexError, LibraryIndex},
    time::parse_timestamp_ms,
};

/// The API flavour the app speaks to a server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ApiFlavour {
    /// Immich v1.98–v1.105: `GET /api/asset` pages, singular routes
    /// (`/api/user/me`, `/api/asset/thumbnail/{id}`, `/api/server-info/…`).
    AssetList,
    /// Immich v1.135–v3: timeline months, plural routes (`/api/users/me`,
    /// `/api/assets/{id}/thumbnail`, `/api/server/…`).
    Timeline,
}

/// A server version this app does not speak.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Unsupported {
    /// What the screen says: the version and what is supported.
    pub message: String,
}

/// What this app supports, in words (for messages).
pub const SUPPORTED_TEXT: &str = "Immich v1.98 to v1.105, and v1.135 to v3";

/// The flavour of a server at `major.minor.patch`.
pub fn flavour_for(major: i64, minor: i64, patch: i64) -> Result<ApiFlavour, Unsupported> {
    let v = format!("v{major}.{minor}.{patch}");
    let why = match (major, minor) {
        (1, 98..=105) => return Ok(ApiFlavour::AssetList),
        (1, 135..) | (2 | 3, _) => return Ok(ApiFlavour::Timeline),
        (1, 106..=132) => "it lists a library through time buckets of an older format",
        (1, 133..=134) => "its timeline months have an interim column format",
        (1, _) | (0, _) => "it is older than the API this app reads",
        _ => "it is newer than the releases this app knows",
    };
    Err(Unsupported {
        message: format!(
            "This server runs Immich {v}, which this app does not speak: {why}. \
             It works with {SUPPORTED_TEXT}."
        ),
    })
}

/// Why a month could not be added to an index.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MonthError {
    /// A `fileCreatedAt` that is not a timestamp.
    #[error("the month's fileCreatedAt {0:?} is not a time")]
    BadTime(String),
    /// The index is full.
    #[error(transparent)]
    Index(#[from] IndexError),
}

/// Appends a checked month (see `immich_api::decode_time_bucket`) to a new
/// index, one chunk: the same compact form `GET /api/asset` pages take, so
/// the grid, the in-app filters and the viewer work unchanged.
///
/// `localDateTime` is `fileCreatedAt` plus `localOffsetHours`; the kind is
/// image or video; `visibility=archive` sets the archived flag; a live photo
/// and a stack's size are kept. There is no file name in a month: it stays
/// empty (the viewer fetches the asset's record). City and country become
/// the search text.
pub fn month_index(month: &TimeBucketAssetResponseDto) -> Result<LibraryIndex, MonthError> {
    let mut ix = LibraryIndex::new();
    let mut search = String::new();
    let mut thumb = Vec::new();
    for i in 0..month.len() {
        let (Some(id), Some(owner), Some(created)) = (
            month.id.get(i),
            month.owner_id.get(i),
            month.file_created_at.get(i),
        ) else {
            break;
        };
        let created_ms = utc_ms(created)
            .ok_or_else(|| MonthError::BadTime(created.chars().take(40).collect()))?;
        let offset_ms = month
            .local_offset_hours
            .get(i)
            .map_or(0, |h| (h.0 * 3_600_000.0).round() as i64);
        let mut flags = AssetFlags::empty();
        flags.set(
            AssetFlags::FAVORITE,
            month.is_favorite.get(i) == Some(&true),
        );
        flags.set(AssetFlags::TRASHED, month.is_trashed.get(i) == Some(&true));
        flags.set(
            AssetFlags::ARCHIVED,
            month.visibility.get(i) == Some(&AssetVisibility::Archive),
        );
        flags.set(
            AssetFlags::LIVE_PHOTO,
            month
                .live_photo_video_id
                .get(i)
                .is_some_and(Option::is_some),
        );
        let kind = if month.is_image.get(i) == Some(&false) {
            AssetKind::Video
        } else {
            AssetKind::Image
        };
        let duration_ms = month
            .duration
            .get(i)
            .and_then(Option::as_ref)
            .and_then(immich_api::BucketDuration::millis)
            .map_or(0, |ms| u32::try_from(ms).unwrap_or(u32::MAX));
        let aspect = month
            .ratio
            .get(i)
            .map(|r| r.0 as f32)
            .filter(|r| r.is_finite() && *r > 0.0)
            .unwrap_or(1.0);
        thumb.clear();
        if let Some(Some(t)) = month.thumbhash.get(i) {
            if !crate::decode::base64_into(t.as_bytes(), &mut thumb) {
                thumb.clear();
            }
        }
        search.clear();
        let text = |col: &Option<Vec<Option<String>>>| {
            col.as_ref()
                .and_then(|c| c.get(i))
                .and_then(Option::as_deref)
                .unwrap_or("")
                .to_owned()
        };
        for part in [text(&month.city), text(&month.country)] {
            if !part.is_empty() {
                if !search.is_empty() {
                    search.push('\u{1f}');
                }
                search.push_str(&part);
            }
        }
        ix.push(&AssetRecord {
            id,
            local_ms: created_ms.saturating_add(offset_ms),
            file_created_ms: created_ms,
            aspect,
            kind,
            flags,
            stack_count: u16::try_from(month.stack_count(i)).unwrap_or(u16::MAX),
            duration_ms,
            owner_id: owner,
            thumbhash: &thumb,
            file_name: "",
            search_text: &search,
        })?;
    }
    ix.shrink_to_fit();
    Ok(ix)
}

/// A UTC time with or without a zone (`2024-01-05T10:00:00`, `….000`, `…Z`).
fn utc_ms(text: &str) -> Option<i64> {
    parse_timestamp_ms(text.as_bytes()).or_else(|| {
        if text.len() > 40 {
            return None;
        }
        let mut zoned = String::with_capacity(text.len() + 1);
        zoned.push_str(text);
        zoned.push('Z');
        parse_timestamp_ms(zoned.as_bytes())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use immich_api::{decode_time_bucket, BucketLimits};

    #[test]
    fn versions_map_to_flavours() {
        assert_eq!(flavour_for(1, 98, 0), Ok(ApiFlavour::AssetList));
        assert_eq!(flavour_for(1, 103, 1), Ok(ApiFlavour::AssetList));
        assert_eq!(flavour_for(1, 105, 1), Ok(ApiFlavour::AssetList));
        assert_eq!(flavour_for(1, 135, 0), Ok(ApiFlavour::Timeline));
        assert_eq!(flavour_for(1, 142, 1), Ok(ApiFlavour::Timeline));
        assert_eq!(flavour_for(2, 0, 0), Ok(ApiFlavour::Timeline));
        assert_eq!(flavour_for(3, 1, 0), Ok(ApiFlavour::Timeline));
        for (v, words) in [
            ((1, 120, 0), "older format"),
            ((1, 106, 0), "older format"),
            ((1, 134, 0), "interim"),
            ((1, 97, 0), "older than"),
            ((4, 0, 0), "newer than"),
        ] {
            let e = flavour_for(v.0, v.1, v.2).unwrap_err();
            let name = format!("Immich v{}.{}.{}", v.0, v.1, v.2);
            assert!(e.message.contains(&name), "{}", e.message);
            assert!(e.message.contains(words), "{}", e.message);
            assert!(e.message.contains(SUPPORTED_TEXT), "{}", e.message);
        }
    }

    const ID1: &str = "0b6e3c1a-5c0e-4a39-9d6b-5b6f0d5f0a01";
    const ID2: &str = "0b6e3c1a-5c0e-4a39-9d6b-5b6f0d5f0a02";

    #[test]
    fn a_month_becomes_an_index() {
        let body = format!(
            r#"{{"id":["{ID1}","{ID2}"],"ownerId":["{ID1}","{ID2}"],"ratio":[1.5,0.75],
            "isFavorite":[true,false],"visibility":["timeline","archive"],"isTrashed":[false,true],
            "isImage":[true,false],"thumbhash":["AQID",null],
            "fileCreatedAt":["2024-03-05T23:30:00","2024-03-01T08:30:00.000"],
            "localOffsetHours":[2,-9.75],"duration":[null,5500],
            "livePhotoVideoId":["{ID2}",null],"projectionType":[null,null],
            "createdAt":["2024-03-05T10:00:00.000Z","2024-03-05T10:00:00.000Z"],
            "stack":[["{ID2}","3"],null],"city":["Paris",null],"country":["France",null]}}"#
        );
        let month = decode_time_bucket(body.as_bytes(), BucketLimits::default()).unwrap();
        let ix = month_index(&month).unwrap();
        assert_eq!(ix.len(), 2);
        assert_eq!(ix.id_string(0).as_deref(), Some(ID1));
        let a = ix.get(0).unwrap();
        assert_eq!(a.file_created_ms, 1_709_681_400_000);
        // 23:30 UTC + 2 h is the next local day.
        assert_eq!(a.local_ms, 1_709_681_400_000 + 7_200_000);
        assert_eq!(
            a.local_day,
            (1_709_681_400_000_i64 + 7_200_000).div_euclid(86_400_000) as i32
        );
        assert_eq!(a.aspect, 1.5);
        assert_eq!(a.kind, AssetKind::Image);
        assert!(a
            .flags
            .contains(AssetFlags::FAVORITE | AssetFlags::LIVE_PHOTO));
        assert!(!a.flags.contains(AssetFlags::ARCHIVED));
        assert_eq!(a.stack_count, 3);
        assert_eq!(a.thumbhash, &[1, 2, 3]);
        assert_eq!(a.search_text, "paris\u{1f}france");
        assert_eq!(a.owner_id, ID1);
        let b = ix.get(1).unwrap();
        assert_eq!(b.kind, AssetKind::Video);
        assert_eq!(b.duration_ms, 5500);
        assert!(b.flags.contains(AssetFlags::ARCHIVED | AssetFlags::TRASHED));
        assert_eq!(b.local_ms - b.file_created_ms, -35_100_000);
        assert_eq!(b.file_name, "");
    }

    #[test]
    fn a_bad_time_is_an_error() {
        let month = TimeBucketAssetResponseDto {
            id: vec![ID1.into()],
            owner_id: vec![ID1.into()],
            file_created_at: vec!["yesterday".into()],
            ..Default::default()
        };
        assert!(matches!(month_index(&month), Err(MonthError::BadTime(_))));
        let ok = TimeBucketAssetResponseDto {
            file_created_at: vec!["2024-01-01T00:00:00Z".into()],
            ..month
        };
        assert_eq!(month_index(&ok).unwrap().len(), 1);
    }
}
