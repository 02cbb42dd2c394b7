//! The server-version mode (`--immich-version 3.1.0`): the same library served
//! the way a current Immich server (v1.106 and later, up to v3) serves it.
//!
//! Routes: `/api/server/version` (with `prerelease` from v3), `/api/server/ping`,
//! `/api/users/me`, `/api/partners?direction=…`, `/api/timeline/buckets` and
//! `/api/timeline/bucket?timeBucket=…` (months by the local date taken, each
//! month's assets as columns, `fileCreatedAt` descending), `/api/assets/{id}`,
//! `/api/assets/{id}/thumbnail?size=thumbnail|preview|fullsize`,
//! `/api/assets/{id}/video/playback` and `/api/assets/{id}/original`. The
//! older routes (`/api/asset`, `/api/user/me`, `/api/server-info/…`) answer
//! 404, as on such a server. ETags, 304, auth, CORS, faults and the request
//! log are the same layers as in the default mode.
//!
//! Filters as Immich v3 applies them: `userId` (self or a partner sharing
//! with the caller), `isFavorite`, `isTrashed` (absent: not trashed),
//! `visibility` (absent: archive and timeline), `withPartners` (refused unless
//! `visibility=timeline` is explicit, with no `isFavorite` and no trash;
//! adds the partners who share into the caller's timeline), `withStacked`
//! (only a stack's primary, with the `stack` column) and `order`.

use crate::{
    api::{self, json, json_bytes, Params},
    auth::authenticate,
    dto::{asset_dto, look, Ctx},
    error::ApiError,
    media, query_pairs,
    rng::format_uuid,
    store::{flag, Asset, Kind, Store, NONE},
    AppState,
};
use axum::{
    extract::{Path, RawQuery, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use chrono::{Datelike, TimeZone, Utc};
use immich_api::{
    AssetVisibility, BucketDuration, JsNumber, ServerPingResponse, ServerVersionResponseDto,
    ServerVersionV3ResponseDto, TimeBucketAssetResponseDto, TimeBucketsResponseDto,
};

/// A server version the fixture claims.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version {
    /// Major.
    pub major: u32,
    /// Minor.
    pub minor: u32,
    /// Patch.
    pub patch: u32,
}

impl Version {
    /// Parses `3.1.0` or `v1.120.0`.
    pub fn parse(text: &str) -> Option<Self> {
        let mut parts = text.trim().trim_start_matches('v').split('.');
        let mut next = || parts.next().and_then(|p| p.parse::<u32>().ok());
        let v = Self {
            major: next()?,
            minor: next()?,
            patch: next()?,
        };
        parts.next().is_none().then_some(v)
    }

    /// Whether this version serves the current routes (plural `/api/assets`,
    /// `/api/server/…`, the timeline) rather than v1.103's.
    pub fn is_current(self) -> bool {
        (self.major, self.minor) >= (1, 106)
    }

    /// Whether `duration` is in milliseconds (v3) rather than text.
    fn duration_in_ms(self) -> bool {
        self.major >= 3
    }
}

/// The routes of the current servers.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/server/version", get(version))
        .route("/api/server/ping", get(ping))
        .route("/api/users/me", get(api::me))
        .route("/api/partners", get(api::partners))
        .route("/api/timeline/buckets", get(buckets))
        .route("/api/timeline/bucket", get(bucket))
        .route("/api/assets/{id}", get(api::asset_info))
        .route("/api/assets/{id}/thumbnail", get(thumbnail))
        .route("/api/assets/{id}/video/playback", get(media::file))
        .route("/api/assets/{id}/original", get(media::file))
        .route("/api/api-keys/me", get(crate::scopes::me))
}

fn claimed(state: &AppState) -> Version {
    state.0.config.immich_version.unwrap_or(Version {
        major: 1,
        minor: 103,
        patch: 1,
    })
}

/// `GET /api/server/version` (public): `prerelease` from v3 on.
async fn version(State(state): State<AppState>) -> Response {
    let v = claimed(&state);
    if v.major >= 3 {
        json(&ServerVersionV3ResponseDto {
            major: i64::from(v.major),
            minor: i64::from(v.minor),
            patch: i64::from(v.patch),
            prerelease: None,
        })
    } else {
        json(&ServerVersionResponseDto {
            major: i64::from(v.major),
            minor: i64::from(v.minor),
            patch: i64::from(v.patch),
        })
    }
}

/// `GET /api/server/ping` (public).
async fn ping() -> Response {
    json(&ServerPingResponse::pong())
}

/// `GET /api/assets/{id}/thumbnail?size=thumbnail|preview|fullsize`.
async fn thumbnail(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let pairs = query_pairs(query.as_deref());
    let size: Vec<&str> = pairs
        .iter()
        .filter(|(k, _)| k == "size")
        .map(|(_, v)| v.as_str())
        .collect();
    let format = match size.as_slice() {
        [] | ["thumbnail"] => "WEBP",
        ["preview"] | ["fullsize"] => "JPEG",
        _ => {
            return Err(ApiError::validation(vec![
                "size must be one of the following values: fullsize, preview, thumbnail".into(),
            ]))
        }
    };
    // The same rendering as the older route (auth and access checked there).
    let mut kept: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k != "size")
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    kept.push(format!("format={format}"));
    media::thumbnail(
        State(state),
        headers,
        RawQuery(Some(kept.join("&"))),
        Path(id),
    )
    .await
}

/// The filters of both timeline routes, validated in Immich's order.
struct Filters {
    owners: Vec<u8>,
    is_favorite: Option<bool>,
    is_trashed: Option<bool>,
    visibility: Option<AssetVisibility>,
    with_stacked: bool,
    ascending: bool,
}

const VISIBILITIES: &[&str] = &["archive", "timeline", "hidden", "locked"];

fn filters(store: &Store, viewer: u8, p: &mut Params) -> Result<Filters, ApiError> {
    let is_favorite = p.boolean("isFavorite");
    let is_trashed = p.boolean("isTrashed");
    let with_partners = p.boolean("withPartners");
    let with_stacked = p.boolean("withStacked");
    let user_id = p.uuid("userId");
    let visibility = p
        .optional_enum("visibility", VISIBILITIES)
        .map(AssetVisibility::from_wire);
    let order = p.optional_enum("order", &["asc", "desc"]);
    if !p.errors.is_empty() {
        return Err(ApiError::validation(std::mem::take(&mut p.errors)));
    }
    if with_partners == Some(true) {
        let archived = visibility
            .as_ref()
            .is_none_or(|v| *v == AssetVisibility::Archive);
        if archived || is_favorite.is_some() || is_trashed == Some(true) {
            return Err(ApiError::bad_request(
                "withPartners is only supported for non-archived, non-trashed, non-favorited assets",
            ));
        }
    }
    let owner = match user_id {
        None => viewer,
        Some(id) => store
            .user_index(id)
            .filter(|&o| store.can_view_timeline(viewer, o))
            .ok_or_else(|| ApiError::bad_request("Not found or no timeline.read access"))?,
    };
    let mut owners = vec![owner];
    if with_partners == Some(true) {
        for p in &store.partners {
            if p.shared_with == viewer && p.in_timeline && !owners.contains(&p.shared_by) {
                owners.push(p.shared_by);
            }
        }
    }
    Ok(Filters {
        owners,
        is_favorite,
        is_trashed,
        visibility,
        with_stacked: with_stacked == Some(true),
        ascending: order == Some("asc"),
    })
}

/// The asset's local date taken in ms (the wall clock written as UTC).
fn local_ms(store: &Store, a: &Asset) -> i64 {
    if a.has(flag::LOADED) {
        if let Some(d) = store.loaded(a.serial) {
            let offset =
                d.local_date_time.timestamp_millis() - d.file_created_at.timestamp_millis();
            return a.created_ms + offset;
        }
    }
    let place = crate::tables::PLACES.get(a.place as usize);
    a.created_ms + i64::from(place.map_or(60, |p| p.offset_min)) * 60_000
}

fn month_of(ms: i64) -> (i32, u32) {
    match Utc.timestamp_millis_opt(ms).single() {
        Some(t) => (t.year(), t.month()),
        None => (1970, 1),
    }
}

/// The assets matching `f`, `fileCreatedAt` descending (ascending with
/// `order=asc`), with their local month.
fn matching(store: &Store, f: &Filters) -> Vec<(u32, (i32, u32))> {
    let wanted = |a: &Asset| -> bool {
        let visibility = if a.has(flag::HIDDEN) {
            AssetVisibility::Hidden
        } else if a.has(flag::ARCHIVED) {
            AssetVisibility::Archive
        } else {
            AssetVisibility::Timeline
        };
        let visible = match &f.visibility {
            None => visibility != AssetVisibility::Hidden,
            Some(v) => *v == visibility,
        };
        visible
            && !a.has(flag::DELETED)
            && f.is_favorite.is_none_or(|v| v == a.has(flag::FAVORITE))
            && f.is_trashed.unwrap_or(false) == a.has(flag::TRASHED)
            && (!f.with_stacked || a.parent == NONE)
    };
    let mut out: Vec<(u32, i64, (i32, u32))> = Vec::new();
    let hidden = f.visibility == Some(AssetVisibility::Hidden);
    for &owner in &f.owners {
        if hidden {
            // Hidden assets are not on the timeline index: scan for them.
            for (i, a) in store.assets().iter().enumerate() {
                if a.owner == owner && wanted(a) {
                    out.push((i as u32, a.created_ms, month_of(local_ms(store, a))));
                }
            }
        } else {
            for &i in store.timeline(owner) {
                if let Some(a) = store.asset(i).filter(|a| wanted(a)) {
                    out.push((i, a.created_ms, month_of(local_ms(store, a))));
                }
            }
        }
    }
    // Stable: the store's order breaks ties, as in one owner's timeline.
    out.sort_by_key(|x| std::cmp::Reverse(x.1));
    if f.ascending {
        out.reverse();
    }
    out.into_iter().map(|(i, _, m)| (i, m)).collect()
}

/// `GET /api/timeline/buckets`: `[{timeBucket, count}]`, newest month first.
async fn buckets(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let pairs = query_pairs(query.as_deref());
    blocking(state, move |state| {
        let store = state.read();
        let viewer = authenticate(&store, &headers, &pairs)?;
        let mut p = Params::new(pairs);
        let f = filters(&store, viewer, &mut p)?;
        let mut counts = std::collections::BTreeMap::<(i32, u32), i64>::new();
        for (_, m) in matching(&store, &f) {
            *counts.entry(m).or_default() += 1;
        }
        let mut months: Vec<((i32, u32), i64)> = counts.into_iter().rev().collect();
        if f.ascending {
            months.reverse();
        }
        let list: Vec<TimeBucketsResponseDto> = months
            .into_iter()
            .map(|((y, m), count)| TimeBucketsResponseDto {
                time_bucket: format!("{y:04}-{m:02}-01"),
                count,
            })
            .collect();
        Ok(json(&list))
    })
    .await
}

/// `GET /api/timeline/bucket?timeBucket=…`: one month as columns.
async fn bucket(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let pairs = query_pairs(query.as_deref());
    blocking(state, move |state| {
        let store = state.read();
        let viewer = authenticate(&store, &headers, &pairs)?;
        let time_bucket: Vec<String> = pairs
            .iter()
            .filter(|(k, _)| k == "timeBucket")
            .map(|(_, v)| v.clone())
            .collect();
        let mut p = Params::new(pairs);
        let month = match time_bucket.as_slice() {
            [one] => api::parse_js_date(one).map(month_of),
            _ => None,
        };
        if month.is_none() {
            p.errors.push("timeBucket must be a string".into());
        }
        let f = filters(&store, viewer, &mut p)?;
        let Some(month) = month else {
            return Err(ApiError::validation(vec![
                "timeBucket must be a string".into()
            ]));
        };
        let ids: Vec<u32> = matching(&store, &f)
            .into_iter()
            .filter(|(_, m)| *m == month)
            .map(|(i, _)| i)
            .collect();
        let ctx = Ctx {
            store: &store,
            palette: &state.0.palette,
            viewer,
            detail: false,
        };
        let columns = columns(ctx, &ids, f.with_stacked, claimed(state));
        let body = serde_json::to_vec(&columns).map_err(|_| {
            ApiError::status(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error")
        })?;
        Ok(json_bytes(StatusCode::OK, body))
    })
    .await
}

/// Runs a listing off the async workers (a month of a large library takes a while).
async fn blocking(
    state: AppState,
    work: impl FnOnce(&AppState) -> Result<Response, ApiError> + Send + 'static,
) -> Response {
    match tokio::task::spawn_blocking(move || work(&state)).await {
        Ok(Ok(res)) => res,
        Ok(Err(e)) => e.into_response(),
        Err(_) => ApiError::status(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error")
            .into_response(),
    }
}

/// A stack's id: derived from its primary's (the fixture keeps no stack rows),
/// still a UUID v4.
pub fn stack_id(primary: u128) -> String {
    format_uuid(primary ^ 0x5a5a_5a5a_5a5a_0a5a_1a5a_5a5a_5a5a_5a5a)
}

/// `fileCreatedAt` as Immich's timeline writes it: UTC, no zone, fraction only when set.
pub fn utc_without_zone(ms: i64) -> String {
    match Utc.timestamp_millis_opt(ms).single() {
        Some(t) => t.naive_utc().format("%Y-%m-%dT%H:%M:%S%.f").to_string(),
        None => String::new(),
    }
}

/// The month's columns for the asset indices `ids`, from the same DTOs
/// `GET /api/asset` would send (so both modes describe the same library).
pub fn columns(
    ctx: Ctx<'_>,
    ids: &[u32],
    with_stacked: bool,
    version: Version,
) -> TimeBucketAssetResponseDto {
    let store = ctx.store;
    let mut c = TimeBucketAssetResponseDto {
        city: Some(Vec::new()),
        country: Some(Vec::new()),
        stack: with_stacked.then(Vec::new),
        ..Default::default()
    };
    for &idx in ids {
        let (Some(a), Some(dto)) = (store.asset(idx), asset_dto(ctx, idx, true)) else {
            continue;
        };
        let l = look(store, ctx.palette, a);
        let ratio = if l.height == 0 {
            1.0
        } else {
            f64::from(l.width) / f64::from(l.height)
        };
        let created = dto.file_created_at.timestamp_millis();
        let offset_hours = (dto.local_date_time.timestamp_millis() - created) as f64 / 3_600_000.0;
        let is_image = a.kind() == Kind::Image;
        let duration = if is_image {
            None
        } else if version.duration_in_ms() {
            immich_api::parse_duration(&dto.duration)
                .map(|s| BucketDuration::Millis((s * 1000.0).round() as u64))
        } else {
            Some(BucketDuration::Text(dto.duration.clone()))
        };
        let exif = dto.exif_info.as_ref();
        c.id.push(dto.id.clone());
        c.owner_id.push(dto.owner_id.clone());
        c.ratio.push(JsNumber(ratio));
        c.is_favorite.push(dto.is_favorite);
        c.visibility.push(if a.has(flag::HIDDEN) {
            AssetVisibility::Hidden
        } else if a.has(flag::ARCHIVED) {
            AssetVisibility::Archive
        } else {
            AssetVisibility::Timeline
        });
        c.is_trashed.push(dto.is_trashed);
        c.is_image.push(is_image);
        c.thumbhash.push(dto.thumbhash.clone());
        c.file_created_at.push(utc_without_zone(created));
        c.local_offset_hours.push(JsNumber(offset_hours));
        c.duration.push(duration);
        c.live_photo_video_id
            .push(dto.live_photo_video_id.clone().flatten());
        c.projection_type
            .push(exif.and_then(|e| e.projection_type.clone()));
        if let Some(v) = c.city.as_mut() {
            v.push(exif.and_then(|e| e.city.clone()));
        }
        if let Some(v) = c.country.as_mut() {
            v.push(exif.and_then(|e| e.country.clone()));
        }
        // The fixture keeps no upload time: the file's creation stands in.
        c.created_at
            .push(immich_api::iso::format(&dto.file_created_at));
        if let Some(s) = c.stack.as_mut() {
            s.push(
                dto.stack_count
                    .filter(|&n| n > 1)
                    .map(|n| vec![stack_id(a.id()), n.to_string()]),
            );
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse() {
        assert_eq!(
            Version::parse("v3.1.0"),
            Some(Version {
                major: 3,
                minor: 1,
                patch: 0
            })
        );
        assert!(Version::parse("1.120.0").is_some_and(Version::is_current));
        assert!(!Version::parse("1.103.1").is_some_and(Version::is_current));
        assert_eq!(Version::parse("3.1"), None);
        assert_eq!(Version::parse("3.1.0.1"), None);
        assert_eq!(Version::parse("x.1.0"), None);
    }

    #[test]
    fn times_and_stack_ids() {
        assert_eq!(utc_without_zone(1_704_067_200_000), "2024-01-01T00:00:00");
        assert_eq!(
            utc_without_zone(1_704_067_200_250),
            "2024-01-01T00:00:00.250"
        );
        let id = stack_id(0x0b6e_3c1a_5c0e_4a39_9d6b_5b6f_0d5f_0a01);
        assert!(immich_api::is_uuid_v4(&id), "{id}");
    }
}
