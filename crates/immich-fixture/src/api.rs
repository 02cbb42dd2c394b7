//! The `/api` routes of Immich v1.103.1 the app uses: listing, detail,
//! statistics, users, partners and server info. Auth is checked before validation, and
//! validation before access, in Immich's (NestJS's guard → pipe → service) order.

use crate::{
    auth::authenticate,
    dto::{asset_dto, partner_dto, user_dto, Ctx},
    error::ApiError,
    media, query_pairs,
    rng::{format_uuid, is_uuid_v4, parse_uuid},
    store::{ListQuery, Store},
    AppState,
};
use axum::{
    extract::{Path, RawQuery, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use chrono::{NaiveDate, NaiveDateTime, TimeZone, Utc};
use immich_api::{
    AssetStatsResponseDto, AuditDeletesResponseDto, PartnerDirection, ServerPingResponse,
    ServerVersionResponseDto,
};
use serde::Serialize;

/// The version this fixture impersonates.
pub const VERSION: ServerVersionResponseDto = ServerVersionResponseDto {
    major: 1,
    minor: 103,
    patch: 1,
};

/// Routes under `/api`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/asset", get(list_assets))
        .route("/api/asset/statistics", get(statistics))
        .route("/api/audit/deletes", get(audit_deletes))
        .route("/api/asset/thumbnail/{id}", get(media::thumbnail))
        .route("/api/asset/file/{id}", get(media::file))
        .route("/api/asset/{id}", get(asset_info))
        .route("/api/user", get(users))
        .route("/api/user/me", get(me))
        .route("/api/user/info/{id}", get(user_info))
        .route("/api/partner", get(partners))
        .route("/api/server-info/ping", get(ping))
        .route("/api/server-info/version", get(version))
}

/// A JSON answer the way Express's `res.json` sends it (the ETag layer adds the tag).
pub fn json_bytes(status: StatusCode, body: Vec<u8>) -> Response {
    let mut res = (status, body).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    res
}

/// Serializes `value` as a 200 JSON answer.
pub fn json<T: Serialize>(value: &T) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => json_bytes(StatusCode::OK, body),
        Err(_) => ApiError::status(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error")
            .into_response(),
    }
}

/// Query inputs with class-validator's messages.
pub struct Params {
    pairs: Vec<(String, String)>,
    /// Validation messages gathered so far, in the DTO's property order.
    pub errors: Vec<String>,
}

impl Params {
    /// Wraps decoded pairs.
    pub fn new(pairs: Vec<(String, String)>) -> Self {
        Self {
            pairs,
            errors: Vec::new(),
        }
    }

    /// The value of `name`; a repeated key is an array in Express, which fails every validator.
    fn raw(&self, name: &str) -> Option<Result<&str, ()>> {
        let mut values = self
            .pairs
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str());
        let first = values.next()?;
        Some(if values.next().is_some() {
            Err(())
        } else {
            Ok(first)
        })
    }

    /// `@ValidateBoolean`: only `true`/`false`.
    pub fn boolean(&mut self, name: &str) -> Option<bool> {
        match self.raw(name)? {
            Ok("true") => Some(true),
            Ok("false") => Some(false),
            _ => {
                self.errors.push(format!("{name} must be a boolean value"));
                None
            }
        }
    }

    /// `@IsInt() @Type(() => Number)`, and not negative (a negative offset would be a 500 in Postgres).
    pub fn integer(&mut self, name: &str) -> Option<usize> {
        let text = match self.raw(name)? {
            Ok(t) => t.trim(),
            Err(()) => {
                self.errors
                    .push(format!("{name} must be an integer number"));
                return None;
            }
        };
        // JS `Number("")` is 0, and `Number("1e3")` is 1000: accept what JS would call an integer.
        let value = if text.is_empty() {
            Some(0.0)
        } else {
            text.parse::<f64>().ok()
        };
        match value {
            Some(v) if v.fract() == 0.0 && v.is_finite() && v >= 0.0 => Some(v as usize),
            Some(v) if v.fract() == 0.0 && v.is_finite() => {
                self.errors.push(format!("{name} must not be less than 0"));
                None
            }
            _ => {
                self.errors
                    .push(format!("{name} must be an integer number"));
                None
            }
        }
    }

    /// `@IsUUID('4')`.
    pub fn uuid(&mut self, name: &str) -> Option<u128> {
        match self.raw(name)? {
            Ok(t) if is_uuid_v4(t) => parse_uuid(t),
            _ => {
                self.errors.push(format!("{name} must be a UUID"));
                None
            }
        }
    }

    /// `@IsEnum(…)` without `@IsOptional()`: the value must be one of
    /// `allowed`; missing, repeated or anything else fails with
    /// class-validator's message, which lists the allowed values.
    pub fn required_enum<'a>(&mut self, name: &str, allowed: &[&'a str]) -> Option<&'a str> {
        let found = match self.raw(name) {
            Some(Ok(text)) => allowed.iter().copied().find(|a| *a == text),
            _ => None,
        };
        if found.is_none() {
            self.errors.push(format!(
                "{name} must be one of the following values: {}",
                allowed.join(", ")
            ));
        }
        found
    }

    /// `@IsEnum(…) @Optional()`: absent is `None`; a present value must be
    /// one of `allowed` (class-validator's message otherwise).
    pub fn optional_enum<'a>(&mut self, name: &str, allowed: &[&'a str]) -> Option<&'a str> {
        let _present = self.raw(name)?;
        self.required_enum(name, allowed)
    }

    /// `@IsDate() @Type(() => Date)`: what JS `new Date(text)` accepts, as ms.
    pub fn date(&mut self, name: &str) -> Option<i64> {
        let parsed = match self.raw(name)? {
            Ok(t) => parse_js_date(t),
            Err(()) => None,
        };
        if parsed.is_none() {
            self.errors.push(format!("{name} must be a date string"));
        }
        parsed
    }

    /// `Err` with the gathered messages, if any.
    pub fn finish(self) -> Result<(), ApiError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::validation(self.errors))
        }
    }
}

/// Parses the date forms JS `Date` reads reliably: RFC 3339 / ISO 8601 with or
/// without zone (no zone is taken as UTC), and a bare `YYYY-MM-DD` (UTC midnight).
pub fn parse_js_date(text: &str) -> Option<i64> {
    let t = text.trim();
    if let Ok(d) = chrono::DateTime::parse_from_rfc3339(t) {
        return Some(d.timestamp_millis());
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
        if let Ok(d) = NaiveDateTime::parse_from_str(t, fmt) {
            return Some(Utc.from_utc_datetime(&d).timestamp_millis());
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return d
            .and_hms_opt(0, 0, 0)
            .map(|d| Utc.from_utc_datetime(&d).timestamp_millis());
    }
    None
}

/// Resolves an asset id of a path for `viewer` (owner, or a partner sharing with them).
pub fn asset_access(
    store: &Store,
    viewer: u8,
    id: &str,
    permission: &str,
) -> Result<u32, ApiError> {
    if !is_uuid_v4(id) {
        return Err(ApiError::validation(vec!["id must be a UUID".to_owned()]));
    }
    let denied = || ApiError::bad_request(format!("Not found or no {permission} access"));
    let idx = parse_uuid(id)
        .and_then(|u| store.find(u))
        .ok_or_else(denied)?;
    let owner = store.asset(idx).map(|a| a.owner).ok_or_else(denied)?;
    if store.can_view_timeline(viewer, owner) {
        Ok(idx)
    } else {
        Err(denied())
    }
}

/// `GET /api/asset`.
async fn list_assets(
    State(state): State<AppState>,
    shuffle: Option<axum::Extension<crate::controls::ShuffleTies>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let pairs = query_pairs(query.as_deref());
    let shuffle = shuffle.map(|s| s.0 .0);
    // Serializing a whole large library takes a while: keep it off the async workers.
    let answer =
        tokio::task::spawn_blocking(move || list_blocking(&state, &headers, pairs, shuffle)).await;
    match answer {
        Ok(Ok(res)) => res,
        Ok(Err(e)) => e.into_response(),
        Err(_) => ApiError::status(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error")
            .into_response(),
    }
}

/// The listing itself: auth, validation, access, then the page serialized asset by asset.
/// `shuffle`: list order ties in an order drawn from this seed (a test fault).
pub fn list_blocking(
    state: &AppState,
    headers: &HeaderMap,
    pairs: Vec<(String, String)>,
    shuffle: Option<u64>,
) -> Result<Response, ApiError> {
    let store = state.read();
    let viewer = authenticate(&store, headers, &pairs)?;
    let mut p = Params::new(pairs);
    let is_favorite = p.boolean("isFavorite");
    let is_archived = p.boolean("isArchived");
    let skip = p.integer("skip");
    let take = p.integer("take");
    let user_id = p.uuid("userId");
    let updated_after = p.date("updatedAfter");
    let updated_before = p.date("updatedBefore");
    p.finish()?;
    let owner = match user_id {
        None => viewer,
        Some(id) => store
            .user_index(id)
            .filter(|&o| store.can_view_timeline(viewer, o))
            .ok_or_else(|| ApiError::bad_request("Not found or no timeline.read access"))?,
    };
    let q = ListQuery {
        is_favorite,
        is_archived,
        updated_after,
        updated_before,
        skip: skip.unwrap_or(0),
        take,
    };
    let page = match shuffle {
        Some(seed) => store.list_shuffled(owner, &q, seed),
        None => store.list(owner, &q),
    };
    let ctx = Ctx {
        store: &store,
        palette: &state.0.palette,
        viewer,
        detail: false,
    };
    Ok(json_bytes(StatusCode::OK, serialize_page(ctx, &page)))
}

/// Writes `[dto,dto,…]` without holding every DTO at once.
pub fn serialize_page(ctx: Ctx<'_>, page: &[u32]) -> Vec<u8> {
    let mut out = Vec::with_capacity(page.len() * 1500 + 2);
    out.push(b'[');
    let mut first = true;
    for &idx in page {
        let Some(dto) = asset_dto(ctx, idx, true) else {
            continue;
        };
        if !first {
            out.push(b',');
        }
        first = false;
        // Writing into a Vec cannot fail for these plain types; a failure would drop one asset.
        let _ = serde_json::to_writer(&mut out, &dto);
    }
    out.push(b']');
    out
}

/// `GET /api/asset/{id}`: one asset with `owner` (and `smartInfo` when known).
pub async fn asset_info(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let pairs = query_pairs(query.as_deref());
    let store = state.read();
    let viewer = authenticate(&store, &headers, &pairs)?;
    let idx = asset_access(&store, viewer, &id, "asset.read")?;
    let ctx = Ctx {
        store: &store,
        palette: &state.0.palette,
        viewer,
        detail: true,
    };
    let mut dto = asset_dto(ctx, idx, true)
        .ok_or_else(|| ApiError::bad_request("Not found or no asset.read access"))?;
    // Immich hides recognised people of assets the caller does not own.
    if store.asset(idx).is_some_and(|a| a.owner != viewer) {
        dto.people = Some(Vec::new());
    }
    Ok(json(&dto))
}

/// `GET /api/asset/statistics`.
async fn statistics(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let pairs = query_pairs(query.as_deref());
    let store = state.read();
    let viewer = authenticate(&store, &headers, &pairs)?;
    let mut p = Params::new(pairs);
    let is_archived = p.boolean("isArchived");
    let is_favorite = p.boolean("isFavorite");
    let is_trashed = p.boolean("isTrashed");
    p.finish()?;
    let (images, videos, total) = store.statistics(viewer, is_archived, is_favorite, is_trashed);
    Ok(json(&AssetStatsResponseDto {
        images,
        videos,
        total,
    }))
}

/// Middleware: the `Date` header from the server's clock (which the test
/// controls can move), so a client's watermarks follow the fixture's time.
pub async fn date_layer(
    State(state): State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let mut res = next.run(req).await;
    let now = state.read().now_ms();
    if let Some(t) = chrono::DateTime::<Utc>::from_timestamp_millis(now) {
        let text = t.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
        if let Ok(v) = HeaderValue::from_str(&text) {
            res.headers_mut().insert(header::DATE, v);
        }
    }
    res
}

/// How far back the audit log answers without `needsFullSync` (Immich's
/// `AUDIT_LOG_MAX_DURATION`).
pub const AUDIT_MAX_MS: i64 = 100 * 86_400_000;

/// `GET /api/audit/deletes?after=&entityType=&userId=`: ids of the owner's
/// assets deleted strictly after `after`, and `needsFullSync` when `after` is
/// more than 100 days before the server's now (the ids are sent either way).
async fn audit_deletes(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let pairs = query_pairs(query.as_deref());
    let store = state.read();
    let viewer = authenticate(&store, &headers, &pairs)?;
    // `@ValidateDate()`: its transform throws on a value that is not a date
    // string before any other check runs, with a single message.
    let after_raw: Vec<&str> = pairs
        .iter()
        .filter(|(k, _)| k == "after")
        .map(|(_, v)| v.as_str())
        .collect();
    let after = match after_raw.as_slice() {
        [] => None,
        [one] => Some(
            parse_js_date(one)
                .ok_or_else(|| ApiError::bad_request("after must be a date string"))?,
        ),
        _ => return Err(ApiError::bad_request("after must be a date string")),
    };
    let mut p = Params::new(pairs);
    if after.is_none() {
        p.errors.push("after should not be empty".to_owned());
        p.errors.push("after must be a Date instance".to_owned());
    }
    let entity = p.required_enum("entityType", &["ASSET", "ALBUM"]);
    let user_id = p.uuid("userId");
    p.finish()?;
    let (Some(after), Some(entity)) = (after, entity) else {
        return Err(ApiError::validation(vec![
            "after must be a Date instance".into()
        ]));
    };
    let owner = match user_id {
        None => viewer,
        Some(id) => store
            .user_index(id)
            .filter(|&o| store.can_view_timeline(viewer, o))
            .ok_or_else(|| ApiError::bad_request("Not found or no timeline.read access"))?,
    };
    let ids = if entity == "ASSET" {
        store
            .deleted_after(owner, after)
            .into_iter()
            .map(format_uuid)
            .collect()
    } else {
        // The fixture has no albums.
        Vec::new()
    };
    Ok(json(&AuditDeletesResponseDto {
        ids,
        needs_full_sync: store.now_ms().saturating_sub(after) > AUDIT_MAX_MS,
    }))
}

/// `GET /api/user?isAll=`: every user (the fixture has no deleted users, so `isAll` changes nothing).
async fn users(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let pairs = query_pairs(query.as_deref());
    let store = state.read();
    authenticate(&store, &headers, &pairs)?;
    let list: Vec<_> = store.users.iter().map(user_dto).collect();
    Ok(json(&list))
}

/// `GET /api/user/me`.
pub async fn me(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let pairs = query_pairs(query.as_deref());
    let store = state.read();
    let viewer = authenticate(&store, &headers, &pairs)?;
    let user = store
        .users
        .get(viewer as usize)
        .ok_or_else(|| ApiError::unauthorized("Invalid user token"))?;
    Ok(json(&user_dto(user)))
}

/// `GET /api/user/info/{id}`.
async fn user_info(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let pairs = query_pairs(query.as_deref());
    let store = state.read();
    authenticate(&store, &headers, &pairs)?;
    if !is_uuid_v4(&id) {
        return Err(ApiError::validation(vec!["id must be a UUID".to_owned()]));
    }
    let user = parse_uuid(&id)
        .and_then(|u| store.user_index(u))
        .and_then(|i| store.users.get(i as usize))
        .ok_or_else(|| ApiError::not_found("User not found"))?;
    debug_assert_eq!(format_uuid(user.id), id.to_ascii_lowercase());
    Ok(json(&user_dto(user)))
}

/// `GET /api/partner?direction=shared-by|shared-with`: the caller's partners
/// in that direction, in the order the relations were made.
pub async fn partners(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let pairs = query_pairs(query.as_deref());
    let store = state.read();
    let viewer = authenticate(&store, &headers, &pairs)?;
    let mut p = Params::new(pairs);
    let allowed: Vec<&str> = PartnerDirection::KNOWN
        .iter()
        .map(PartnerDirection::as_str)
        .collect();
    let direction = p.required_enum("direction", &allowed);
    p.finish()?;
    // `finish` has refused a missing or unknown direction, so this is a known one.
    let direction = PartnerDirection::from_wire(direction.unwrap_or_default());
    let list: Vec<_> = store
        .partners_of(viewer, &direction)
        .into_iter()
        .filter_map(|(other, in_timeline)| {
            store
                .users
                .get(other as usize)
                .map(|u| partner_dto(u, in_timeline))
        })
        .collect();
    Ok(json(&list))
}

/// `GET /api/server-info/ping` (public).
async fn ping() -> Response {
    json(&ServerPingResponse::pong())
}

/// `GET /api/server-info/version` (public).
async fn version() -> Response {
    json(&VERSION)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn js_dates() {
        fn check(input: &str, expected: Option<i64>) {
            assert_eq!(parse_js_date(input), expected, "{input}");
        }
        check("2024-01-01T00:00:00.000Z", Some(1_704_067_200_000));
        check("2024-01-01T00:00:00Z", Some(1_704_067_200_000));
        check("2024-01-01T01:00:00+01:00", Some(1_704_067_200_000));
        check("2024-01-01", Some(1_704_067_200_000));
        check("2024-01-01T00:00:00.5", Some(1_704_067_200_500));
        check("yesterday", None);
        check("", None);
        check("2024-13-01", None);
    }

    #[test]
    fn enum_validation() {
        fn check(query: &[(&str, &str)], expected: Option<&str>) {
            let pairs = query
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect();
            let mut p = Params::new(pairs);
            let got = p.required_enum("direction", &["shared-by", "shared-with"]);
            assert_eq!(got, expected, "{query:?}");
            let errors: &[&str] = match expected {
                Some(_) => &[],
                None => &["direction must be one of the following values: shared-by, shared-with"],
            };
            assert_eq!(p.errors, errors, "{query:?}");
        }
        check(&[("direction", "shared-by")], Some("shared-by"));
        check(&[("direction", "shared-with")], Some("shared-with"));
        check(&[], None);
        check(&[("direction", "")], None);
        check(&[("direction", "SHARED-WITH")], None);
        // A repeated key is an array in Express, which no enum contains.
        check(
            &[("direction", "shared-by"), ("direction", "shared-by")],
            None,
        );
    }

    #[test]
    fn integer_and_boolean_validation() {
        let mut p = Params::new(vec![
            ("skip".into(), "1.5".into()),
            ("take".into(), "-1".into()),
            ("isFavorite".into(), "1".into()),
            ("isArchived".into(), "false".into()),
        ]);
        assert_eq!(p.integer("skip"), None);
        assert_eq!(p.integer("take"), None);
        assert_eq!(p.boolean("isFavorite"), None);
        assert_eq!(p.boolean("isArchived"), Some(false));
        assert_eq!(p.boolean("absent"), None);
        assert_eq!(
            p.errors,
            vec![
                "skip must be an integer number",
                "take must not be less than 0",
                "isFavorite must be a boolean value"
            ]
        );
    }
}
