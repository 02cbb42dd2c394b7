//! Authentication in Immich's order: shared-link key, then session token,
//! then API key. The fixture has no shared links, so any share key is invalid.

use crate::{error::ApiError, store::Store};
use axum::http::{header, HeaderMap};
use serde::Serialize;

/// Which credential a request carried (logged by the test controls, never the value).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum AuthKind {
    /// Nothing.
    None,
    /// `x-immich-share-key` header or `?key=`.
    ShareKey,
    /// `x-immich-user-token` / `x-immich-session-token` header (legacy).
    UserTokenHeader,
    /// `Authorization: Bearer …`.
    Bearer,
    /// `immich_access_token` cookie.
    Cookie,
    /// `x-api-key` header.
    ApiKeyHeader,
    /// `?apiKey=`.
    ApiKeyQuery,
}

/// The credential a request carries, in Immich's precedence order.
pub fn credential(headers: &HeaderMap, query: &[(String, String)]) -> (AuthKind, Option<String>) {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let param = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let non_empty = |v: Option<String>| v.filter(|s| !s.is_empty());
    if let Some(v) = non_empty(header("x-immich-share-key")).or_else(|| non_empty(param("key"))) {
        return (AuthKind::ShareKey, Some(v));
    }
    if let Some(v) = non_empty(header("x-immich-user-token"))
        .or_else(|| non_empty(header("x-immich-session-token")))
    {
        return (AuthKind::UserTokenHeader, Some(v));
    }
    let bearer = header(header::AUTHORIZATION.as_str()).and_then(|v| {
        let (scheme, token) = v.split_once(' ')?;
        scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| token.trim().to_owned())
    });
    if let Some(v) = non_empty(bearer) {
        return (AuthKind::Bearer, Some(v));
    }
    if let Some(v) = non_empty(cookie(headers, "immich_access_token")) {
        return (AuthKind::Cookie, Some(v));
    }
    if let Some(v) = non_empty(header("x-api-key")) {
        return (AuthKind::ApiKeyHeader, Some(v));
    }
    if let Some(v) = non_empty(param("apiKey")) {
        return (AuthKind::ApiKeyQuery, Some(v));
    }
    (AuthKind::None, None)
}

/// A cookie's value from the `Cookie` headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim_matches('"').to_owned())
}

/// The calling user's index, or Immich's 401.
pub fn authenticate(
    store: &Store,
    headers: &HeaderMap,
    query: &[(String, String)],
) -> Result<u8, ApiError> {
    let (kind, value) = credential(headers, query);
    let value = value.unwrap_or_default();
    let find =
        |f: &dyn Fn(&crate::store::User) -> bool| store.users.iter().position(f).map(|i| i as u8);
    match kind {
        AuthKind::None => Err(ApiError::unauthorized("Authentication required")),
        AuthKind::ShareKey => Err(ApiError::unauthorized("Invalid share key")),
        AuthKind::UserTokenHeader | AuthKind::Bearer | AuthKind::Cookie => {
            find(&|u| u.access_token == value)
                .ok_or_else(|| ApiError::unauthorized("Invalid user token"))
        }
        AuthKind::ApiKeyHeader | AuthKind::ApiKeyQuery => {
            find(&|u| u.api_key == value).ok_or_else(|| ApiError::unauthorized("Invalid API key"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn check(
        pairs: &[(&'static str, &'static str)],
        query: &[(&str, &str)],
        expected: (AuthKind, Option<&str>),
    ) {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        let q: Vec<(String, String)> = query
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect();
        let (kind, value) = credential(&h, &q);
        assert_eq!((kind, value.as_deref()), expected, "{pairs:?} {query:?}");
    }

    #[test]
    fn precedence_follows_immich() {
        check(&[], &[], (AuthKind::None, None));
        check(
            &[("x-api-key", "k")],
            &[],
            (AuthKind::ApiKeyHeader, Some("k")),
        );
        check(&[], &[("apiKey", "q")], (AuthKind::ApiKeyQuery, Some("q")));
        check(
            &[("x-api-key", "k")],
            &[("apiKey", "q")],
            (AuthKind::ApiKeyHeader, Some("k")),
        );
        check(
            &[("x-api-key", "k"), ("authorization", "Bearer t")],
            &[],
            (AuthKind::Bearer, Some("t")),
        );
        check(
            &[("x-api-key", "k"), ("cookie", "a=b; immich_access_token=c")],
            &[],
            (AuthKind::Cookie, Some("c")),
        );
        check(
            &[
                ("cookie", "immich_access_token=c"),
                ("authorization", "Bearer t"),
            ],
            &[],
            (AuthKind::Bearer, Some("t")),
        );
        check(
            &[("authorization", "Basic xyz"), ("x-api-key", "k")],
            &[],
            (AuthKind::ApiKeyHeader, Some("k")),
        );
        check(
            &[("x-immich-share-key", "s"), ("x-api-key", "k")],
            &[],
            (AuthKind::ShareKey, Some("s")),
        );
        check(
            &[("x-immich-user-token", "u"), ("x-api-key", "k")],
            &[],
            (AuthKind::UserTokenHeader, Some("u")),
        );
        check(&[("x-api-key", "")], &[], (AuthKind::None, None));
    }
}
