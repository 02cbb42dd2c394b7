//! Express's strong ETag and its freshness check, applied to every JSON answer.

use axum::{
    body::Body,
    extract::Request,
    http::{header, HeaderMap, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::Response,
};
use base64::{engine::general_purpose::STANDARD, Engine as _};
use sha1::{Digest, Sha1};

/// Express's strong ETag of a body: `"<hex length>-<base64 SHA-1, 27 chars>"`.
pub fn etag(body: &[u8]) -> String {
    let digest = STANDARD.encode(Sha1::digest(body));
    // 20 bytes encode to 28 characters whose last one is the `=` pad: Express keeps 27.
    format!("\"{:x}-{}\"", body.len(), &digest[..27])
}

/// Whether a request holding these headers is fresh for `etag` (Express's `fresh`):
/// `If-None-Match` is `*` or lists the tag (weakly compared, `W/` ignored), and the
/// request does not say `Cache-Control: no-cache`.
pub fn is_fresh(headers: &HeaderMap, etag: &str) -> bool {
    let Some(none_match) = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let no_cache = headers
        .get_all(header::CACHE_CONTROL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|d| d.trim().eq_ignore_ascii_case("no-cache"));
    if no_cache {
        return false;
    }
    let none_match = none_match.trim();
    if none_match == "*" {
        return true;
    }
    let bare = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    let ours = bare(etag);
    none_match.split(',').any(|t| bare(t) == ours)
}

/// Middleware: buffers JSON bodies, sets `ETag`, and answers `304 Not Modified`
/// with an empty body to a fresh GET/HEAD whose status is 2xx (as Express does;
/// the handler still ran, only the transfer is saved).
pub async fn layer(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let headers = req.headers().clone();
    let res = next.run(req).await;
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !is_json {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(b) => b,
        Err(_) => return Response::from_parts(parts, Body::empty()),
    };
    let tag = etag(&bytes);
    if let Ok(v) = HeaderValue::from_str(&tag) {
        parts.headers.insert(header::ETAG, v);
    }
    let cacheable = method == Method::GET || method == Method::HEAD;
    if cacheable && parts.status.is_success() && is_fresh(&headers, &tag) {
        parts.status = StatusCode::NOT_MODIFIED;
        parts.headers.remove(header::CONTENT_TYPE);
        parts.headers.remove(header::CONTENT_LENGTH);
        return Response::from_parts(parts, Body::empty());
    }
    parts
        .headers
        .insert(header::CONTENT_LENGTH, HeaderValue::from(bytes.len()));
    Response::from_parts(parts, Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_match_express() {
        // Expected values: Node's `"%x-" + sha1.base64.slice(0, 27)` formula (checked with node and Python).
        fn check(body: &str, expected: &str) {
            assert_eq!(etag(body.as_bytes()), expected, "{body}");
        }
        check("", "\"0-2jmj7l5rSw0yVb/vlWAYkK/YBwk\"");
        check("[]", "\"2-l9Fw4VUO7kr8CvBlt4zaMCqXZ0w\"");
        check("hello world", "\"b-Kq5sNclPz7QV2+lfQIuc6R7oRu0\"");
        assert_eq!(etag(&[b'x'; 4096]).len(), 2 + 4 + 1 + 27);
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn freshness_rules() {
        fn check(pairs: &[(&'static str, &'static str)], expected: bool) {
            assert_eq!(
                is_fresh(&headers(pairs), "\"2-l9Fw4VUO7kr8CvBlt4zaMCqXZ0w\""),
                expected,
                "{pairs:?}"
            );
        }
        check(&[], false);
        check(
            &[("if-none-match", "\"2-l9Fw4VUO7kr8CvBlt4zaMCqXZ0w\"")],
            true,
        );
        check(
            &[("if-none-match", "W/\"2-l9Fw4VUO7kr8CvBlt4zaMCqXZ0w\"")],
            true,
        );
        check(
            &[("if-none-match", "\"a\", \"2-l9Fw4VUO7kr8CvBlt4zaMCqXZ0w\"")],
            true,
        );
        check(&[("if-none-match", "\"2-other\"")], false);
        check(&[("if-none-match", "*")], true);
        check(
            &[("if-none-match", "*"), ("cache-control", "no-cache")],
            false,
        );
        check(
            &[
                ("if-none-match", "\"2-l9Fw4VUO7kr8CvBlt4zaMCqXZ0w\""),
                ("cache-control", "max-age=0, no-cache"),
            ],
            false,
        );
        check(
            &[
                ("if-none-match", "\"2-l9Fw4VUO7kr8CvBlt4zaMCqXZ0w\""),
                ("cache-control", "max-age=0"),
            ],
            true,
        );
    }
}
