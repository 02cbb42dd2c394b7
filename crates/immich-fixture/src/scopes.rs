//! API-key scopes of the current servers (v1.139 on): each key carries a
//! list of permissions (`all` or names such as `asset.read`), a route the key
//! lacks answers Immich's 403, and `GET /api/api-keys/me` tells a key its own
//! permissions. Sessions (cookie, bearer) are never limited.

use crate::{
    api::json,
    auth::{credential, AuthKind},
    error::ApiError,
    query_pairs,
    rng::format_uuid,
    AppState,
};
use axum::{
    extract::{Request, State},
    http::{HeaderMap, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use chrono::{TimeZone, Utc};
use serde::Serialize;

/// The permission every generated key has.
pub const ALL: &str = "all";

/// What a read-only grid needs, and nothing more.
pub const READ_ONLY: [&str; 4] = ["asset.read", "asset.view", "user.read", "partner.read"];

/// Most permissions a key may be given through the controls or the CLI.
pub const MAX_PERMISSIONS: usize = 200;

/// Whether `name` looks like an Immich permission (`all`, `asset.read`, `userLicense.read`).
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name.bytes().all(|b| b.is_ascii_alphabetic() || b == b'.')
}

/// The permission v3.1.0 requires for a route of the app's (`x-immich-permission`
/// in its OpenAPI document); `None` for public or unscoped routes.
pub fn required(method: &Method, path: &str) -> Option<&'static str> {
    if method != Method::GET && method != Method::HEAD {
        return None;
    }
    let rest = &path[path.find("/api/")? + 4..];
    let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    match segments.as_slice() {
        ["timeline", "buckets" | "bucket"] | ["assets", _] => Some("asset.read"),
        ["assets", _, "thumbnail"] | ["assets", _, "video", "playback"] => Some("asset.view"),
        ["assets", _, "original"] => Some("asset.download"),
        ["users", "me"] => Some("user.read"),
        ["partners"] => Some("partner.read"),
        _ => None,
    }
}

/// Whether a key with `held` may use a route that requires `needed`.
pub fn allows(held: &[String], needed: &str) -> bool {
    held.iter().any(|p| p == ALL || p == needed)
}

/// Middleware on the current routes: an API key without the route's
/// permission gets `403 Missing required permission: …` before the handler runs.
pub async fn layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if let Some(needed) = required(req.method(), req.uri().path()) {
        let query = query_pairs(req.uri().query());
        if let Some(held) = key_permissions(&state, req.headers(), &query) {
            if !allows(&held, needed) {
                return ApiError::status(
                    StatusCode::FORBIDDEN,
                    format!("Missing required permission: {needed}"),
                )
                .into_response();
            }
        }
    }
    next.run(req).await
}

/// The permissions of the API key a request carries (`None`: no key, or an unknown one).
fn key_permissions(
    state: &AppState,
    headers: &HeaderMap,
    query: &[(String, String)],
) -> Option<Vec<String>> {
    let (kind, value) = credential(headers, query);
    if !matches!(kind, AuthKind::ApiKeyHeader | AuthKind::ApiKeyQuery) {
        return None;
    }
    let value = value?;
    let store = state.read();
    let user = store.users.iter().find(|u| u.api_key == value)?;
    Some(user.key_permissions.clone())
}

/// `ApiKeyResponseDto` of v3.1.0.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyResponse {
    /// Key id (a UUID).
    pub id: String,
    /// Key name.
    pub name: String,
    /// Its permissions.
    pub permissions: Vec<String>,
    /// Creation date.
    pub created_at: String,
    /// Last update.
    pub updated_at: String,
}

/// `GET /api/api-keys/me`: the calling key, or 403 when the request is not
/// authenticated with a key (Immich's answer to a session), 401 without credentials.
pub async fn me(State(state): State<AppState>, req: Request) -> Response {
    let query = query_pairs(req.uri().query());
    let (kind, value) = credential(req.headers(), &query);
    let store = state.read();
    match kind {
        AuthKind::ApiKeyHeader | AuthKind::ApiKeyQuery => {}
        AuthKind::None => {
            return ApiError::unauthorized("Authentication required").into_response();
        }
        _ => {
            // Validate the session first, like Immich's guard does.
            if let Err(e) = crate::auth::authenticate(&store, req.headers(), &query) {
                return e.into_response();
            }
            return ApiError::status(StatusCode::FORBIDDEN, "Not authenticated with an API Key")
                .into_response();
        }
    }
    let value = value.unwrap_or_default();
    let Some(user) = store.users.iter().find(|u| u.api_key == value) else {
        return ApiError::unauthorized("Invalid API key").into_response();
    };
    let stamp = Utc
        .timestamp_millis_opt(user.created_ms)
        .single()
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_default();
    json(&ApiKeyResponse {
        // A stable id of its own, derived from the user's.
        id: format_uuid(user.id ^ 0x0000_0000_0000_0000_0000_0000_0000_ffff),
        name: "immich-grid".to_owned(),
        permissions: user.key_permissions.clone(),
        created_at: stamp.clone(),
        updated_at: stamp,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_need_the_permissions_of_v3_1_0() {
        let get = Method::GET;
        assert_eq!(required(&get, "/api/timeline/buckets"), Some("asset.read"));
        assert_eq!(
            required(&get, "/immich/api/timeline/bucket"),
            Some("asset.read")
        );
        assert_eq!(required(&get, "/api/assets/x"), Some("asset.read"));
        assert_eq!(
            required(&get, "/api/assets/x/thumbnail"),
            Some("asset.view")
        );
        assert_eq!(
            required(&get, "/api/assets/x/video/playback"),
            Some("asset.view")
        );
        assert_eq!(
            required(&get, "/api/assets/x/original"),
            Some("asset.download")
        );
        assert_eq!(required(&get, "/api/users/me"), Some("user.read"));
        assert_eq!(required(&get, "/api/partners"), Some("partner.read"));
        assert_eq!(required(&get, "/api/server/version"), None);
        assert_eq!(required(&get, "/api/api-keys/me"), None);
        assert_eq!(required(&Method::POST, "/api/partners"), None);
    }

    #[test]
    fn all_allows_everything_and_names_allow_themselves() {
        let all = vec![ALL.to_owned()];
        assert!(allows(&all, "asset.download"));
        let ro: Vec<String> = READ_ONLY.iter().map(|s| (*s).to_owned()).collect();
        assert!(allows(&ro, "asset.read"));
        assert!(!allows(&ro, "asset.download"));
        assert!(!allows(&[], "asset.read"));
        assert!(valid_name("userLicense.read"));
        assert!(!valid_name("asset read"));
        assert!(!valid_name(""));
    }
}
