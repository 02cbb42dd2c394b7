//! The one place request URLs are made: the full server address (scheme,
//! host, port and path, see [`ServerUrl`]) joined with a [`Route`] under
//! `/api/` whose path parts are checked and percent-encoded.
//!
//! Why it matters: a server behind a proxy at `https://host/immich` has its
//! API at `https://host/immich/api/…`, so a URL built from the origin alone
//! sends the key to another application. And ids come from the server: an
//! "id" such as `../user/me` would turn a thumbnail request into a request
//! for another route, with the key. Asset ids are therefore checked as UUIDs
//! ([`AssetId`]) before they go into a path, and no segment can be `.` or
//! `..` (which URL parsers resolve even when percent-encoded).
//!
//! Current servers (v1.135 to v3) name the same things differently
//! (`/api/users/me`, `/api/assets/{id}/thumbnail?size=…`): a [`Route`] holds
//! both forms and [`Route::url`] picks the one of the server's
//! [`ApiFlavour`], which the loader records once it has read the server's
//! version ([`set_flavour`]; per server address, so two widgets on one page
//! may talk to different releases).
//!
//! Everything here is plain Rust, tested natively.

use std::fmt::{self, Write as _};

use std::cell::RefCell;

use immich_api::{AssetQuery, PartnerDirection, TimeBucketQuery};
use library_core::ApiFlavour;

use super::session::ServerUrl;

/// An Immich asset id checked to be a UUID (`8-4-4-4-12` hex digits), in
/// lower case. The only way to put an id into a request path.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AssetId(String);

/// Why an id or a path part was refused. Said in words for the screen;
/// nothing is requested.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    /// An asset id from the server that is not a UUID.
    #[error("the server sent an asset id that is not a UUID ({0:?}); it was not requested")]
    NotAnId(String),
    /// An empty, `.` or `..` path segment.
    #[error("a request path cannot hold the part {0:?}")]
    BadSegment(String),
}

impl AssetId {
    /// Checks `text` (a UUID of any version, either case; shown shortened in
    /// errors so a long string cannot flood the screen).
    pub fn parse(text: &str) -> Result<Self, PathError> {
        let b = text.as_bytes();
        let ok = b.len() == 36
            && b.iter().enumerate().all(|(i, c)| match i {
                8 | 13 | 18 | 23 => *c == b'-',
                _ => c.is_ascii_hexdigit(),
            });
        if ok {
            Ok(Self(text.to_ascii_lowercase()))
        } else {
            Err(PathError::NotAnId(text.chars().take(40).collect()))
        }
    }

    /// The id, lower case.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AssetId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A path under the server's `/api/` and its query, built only from checked
/// parts. Join it with a server with [`Route::url`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route(String, Option<String>);

thread_local! {
    /// The flavour of each server whose version has been read (by full address).
    static FLAVOURS: RefCell<Vec<(String, ApiFlavour)>> = const { RefCell::new(Vec::new()) };
}

/// Records that `server` speaks `flavour` (from its version).
pub fn set_flavour(server: &ServerUrl, flavour: ApiFlavour) {
    FLAVOURS.with(|f| {
        let mut f = f.borrow_mut();
        f.retain(|(s, _)| s != server.as_str());
        f.push((server.as_str().to_owned(), flavour));
    });
}

/// The flavour recorded for `server`; `AssetList` (v1.98–v1.105) until one is.
pub fn flavour(server: &ServerUrl) -> ApiFlavour {
    FLAVOURS.with(|f| {
        f.borrow()
            .iter()
            .find(|(s, _)| s == server.as_str())
            .map_or(ApiFlavour::AssetList, |(_, fl)| *fl)
    })
}

/// Thumbnail sizes of `GET /api/asset/thumbnail/{id}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThumbFormat {
    /// The small thumbnail (250 px).
    Webp,
    /// The preview (1440 px).
    Jpeg,
}

impl Route {
    /// `/api/<segments joined by '/'>`: each segment percent-encoded
    /// (everything but `A–Z a–z 0–9 - . _ ~`); empty, `.` and `..` refused.
    pub fn api(segments: &[&str]) -> Result<Self, PathError> {
        let mut path = String::from("/api");
        for seg in segments {
            if seg.is_empty() || *seg == "." || *seg == ".." {
                return Err(PathError::BadSegment((*seg).to_owned()));
            }
            path.push('/');
            encode_into(seg, &mut path);
        }
        Ok(Self(path, None))
    }

    /// A route of fixed parts known to be valid (the routes this module makes).
    fn fixed(segments: &[&str]) -> Self {
        Self::api(segments).unwrap_or_else(|_| Self(String::from("/api"), None))
    }

    /// The same route on a current server (v1.135–v3) is `current`.
    fn or_current(mut self, current: Self) -> Self {
        self.1 = Some(current.0);
        self
    }

    /// Appends an already encoded query (no `?`); an empty one adds nothing.
    pub fn with_query(mut self, query: &str) -> Self {
        if !query.is_empty() {
            for path in std::iter::once(&mut self.0).chain(self.1.as_mut()) {
                path.push('?');
                path.push_str(query);
            }
        }
        self
    }

    /// The path and query (v1.103's form), starting with `/api`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The path and query on a server of `flavour`.
    pub fn path_for(&self, flavour: ApiFlavour) -> &str {
        match (flavour, &self.1) {
            (ApiFlavour::Timeline, Some(current)) => current,
            _ => &self.0,
        }
    }

    /// The absolute URL of this route on `server` (its path prefix kept), in
    /// the form of the server's recorded flavour.
    pub fn url(&self, server: &ServerUrl) -> String {
        format!("{}{}", server.as_str(), self.path_for(flavour(server)))
    }

    /// `GET /api/api-keys/me` (v1.139 and later): the calling key's permissions.
    pub fn api_key_me() -> Self {
        Self::fixed(&["api-keys", "me"])
    }

    /// `GET /api/server/version` (v1.106 and later; `prerelease` from v3).
    pub fn server_version() -> Self {
        Self::fixed(&["server", "version"])
    }

    /// `GET /api/timeline/buckets?<query>`: the months.
    pub fn timeline_buckets(query: &TimeBucketQuery) -> Self {
        Self::fixed(&["timeline", "buckets"]).with_query(&query.to_query_string(None))
    }

    /// `GET /api/timeline/bucket?timeBucket=…&<query>`: one month's columns.
    pub fn timeline_bucket(query: &TimeBucketQuery, time_bucket: &str) -> Self {
        Self::fixed(&["timeline", "bucket"]).with_query(&query.to_query_string(Some(time_bucket)))
    }

    /// `GET /api/server-info/ping`.
    pub fn ping() -> Self {
        Self::fixed(&["server-info", "ping"]).or_current(Self::fixed(&["server", "ping"]))
    }

    /// `GET /api/server-info/version`.
    pub fn version() -> Self {
        Self::fixed(&["server-info", "version"])
    }

    /// `GET /api/user/me`.
    pub fn me() -> Self {
        Self::fixed(&["user", "me"]).or_current(Self::fixed(&["users", "me"]))
    }

    /// `GET /api/user?isAll=false`.
    pub fn users() -> Self {
        Self::fixed(&["user"])
            .or_current(Self::fixed(&["users"]))
            .with_query("isAll=false")
    }

    /// `GET /api/partner?direction=…` (an unknown direction is encoded so it
    /// stays one query value).
    pub fn partners(direction: &PartnerDirection) -> Self {
        let mut q = String::from("direction=");
        encode_into(direction.as_str(), &mut q);
        Self::fixed(&["partner"])
            .or_current(Self::fixed(&["partners"]))
            .with_query(&q)
    }

    /// `GET /api/asset?<canonical query>`.
    pub fn assets(query: &AssetQuery) -> Self {
        Self::fixed(&["asset"]).with_query(&query.to_query_string())
    }

    /// `GET /api/asset/statistics?<query>`.
    pub fn statistics(query: &str) -> Self {
        Self::fixed(&["asset", "statistics"]).with_query(query)
    }

    /// `GET /api/audit/deletes?after=…&entityType=ASSET&userId=…` (both
    /// values percent-encoded).
    pub fn audit_deletes(after: &str, user_id: &str) -> Self {
        let mut q = String::from("after=");
        encode_into(after, &mut q);
        q.push_str("&entityType=ASSET&userId=");
        encode_into(user_id, &mut q);
        Self::fixed(&["audit", "deletes"]).with_query(&q)
    }

    /// `GET /api/asset/{id}`.
    pub fn asset(id: &AssetId) -> Self {
        Self::fixed(&["asset", id.as_str()]).or_current(Self::fixed(&["assets", id.as_str()]))
    }

    /// `GET /api/asset/thumbnail/{id}?format=WEBP|JPEG`; on a current server
    /// `/api/assets/{id}/thumbnail?size=thumbnail|preview`.
    pub fn thumbnail(id: &AssetId, format: ThumbFormat) -> Self {
        let (f, size) = match format {
            ThumbFormat::Webp => ("format=WEBP", "size=thumbnail"),
            ThumbFormat::Jpeg => ("format=JPEG", "size=preview"),
        };
        let mut current = Self::fixed(&["assets", id.as_str(), "thumbnail"]).with_query(size);
        current.1 = None;
        let mut route = Self::fixed(&["asset", "thumbnail", id.as_str()]).with_query(f);
        route.1 = Some(current.0);
        route
    }

    /// A video to play: the original file on v1.103 (`/api/asset/file/{id}`),
    /// the playable encoding `/api/assets/{id}/video/playback` on a current
    /// server (both served with `Range`).
    pub fn playback(id: &AssetId) -> Self {
        Self::fixed(&["asset", "file", id.as_str()]).or_current(Self::fixed(&[
            "assets",
            id.as_str(),
            "video",
            "playback",
        ]))
    }

    /// `GET /api/asset/file/{id}`: the original file (served with `Range`);
    /// `/api/assets/{id}/original` on a current server.
    pub fn original(id: &AssetId) -> Self {
        Self::fixed(&["asset", "file", id.as_str()]).or_current(Self::fixed(&[
            "assets",
            id.as_str(),
            "original",
        ]))
    }
}

/// Percent-encodes every byte outside the URL's unreserved set.
fn encode_into(text: &str, out: &mut String) {
    for &b in text.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            // Writing into a String cannot fail.
            let _ = write!(out, "%{b:02X}");
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests fail loudly on purpose")]
mod tests {
    use super::*;

    const ID: &str = "0b1e7c1a-3a55-4d2c-9f0e-0123456789ab";

    fn server(s: &str) -> ServerUrl {
        ServerUrl::parse(s).unwrap()
    }

    fn check(server_text: &str, route: Route, expected: &str) {
        assert_eq!(route.url(&server(server_text)), expected, "{server_text}");
    }

    #[test]
    fn the_server_path_is_kept_with_or_without_trailing_slash() {
        let id = AssetId::parse(ID).unwrap();
        for s in [
            "https://h.example/immich",
            "https://h.example/immich/",
            "https://h.example/immich//",
            "https://h.example/immich/api",
            "https://h.example/immich/api/",
        ] {
            check(
                s,
                Route::thumbnail(&id, ThumbFormat::Webp),
                &format!("https://h.example/immich/api/asset/thumbnail/{ID}?format=WEBP"),
            );
            check(
                s,
                Route::asset(&id),
                &format!("https://h.example/immich/api/asset/{ID}"),
            );
            check(s, Route::me(), "https://h.example/immich/api/user/me");
        }
        check(
            "http://127.0.0.1:2284/a/b/",
            Route::ping(),
            "http://127.0.0.1:2284/a/b/api/server-info/ping",
        );
        check(
            "https://h.example",
            Route::version(),
            "https://h.example/api/server-info/version",
        );
    }

    #[test]
    fn current_servers_get_the_plural_routes() {
        let id = AssetId::parse(ID).unwrap();
        let t = ApiFlavour::Timeline;
        assert_eq!(Route::me().path_for(t), "/api/users/me");
        assert_eq!(Route::me().path_for(ApiFlavour::AssetList), "/api/user/me");
        assert_eq!(Route::ping().path_for(t), "/api/server/ping");
        assert_eq!(Route::users().path_for(t), "/api/users?isAll=false");
        assert_eq!(
            Route::partners(&PartnerDirection::SharedWith).path_for(t),
            "/api/partners?direction=shared-with"
        );
        assert_eq!(Route::asset(&id).path_for(t), format!("/api/assets/{ID}"));
        assert_eq!(
            Route::thumbnail(&id, ThumbFormat::Webp).path_for(t),
            format!("/api/assets/{ID}/thumbnail?size=thumbnail")
        );
        assert_eq!(
            Route::thumbnail(&id, ThumbFormat::Jpeg).path_for(t),
            format!("/api/assets/{ID}/thumbnail?size=preview")
        );
        assert_eq!(
            Route::thumbnail(&id, ThumbFormat::Jpeg).path_for(ApiFlavour::AssetList),
            format!("/api/asset/thumbnail/{ID}?format=JPEG")
        );
        assert_eq!(
            Route::original(&id).path_for(t),
            format!("/api/assets/{ID}/original")
        );
        let q = TimeBucketQuery {
            is_favorite: Some(true),
            ..Default::default()
        };
        assert_eq!(
            Route::timeline_bucket(&q, "2024-03-01T00:00:00.000Z").as_str(),
            "/api/timeline/bucket?timeBucket=2024-03-01T00%3A00%3A00.000Z&isFavorite=true"
        );
        assert_eq!(
            Route::timeline_buckets(&q).as_str(),
            "/api/timeline/buckets?isFavorite=true"
        );
        // The flavour is per server address, path included.
        let a = server("https://h.example/immich");
        let b = server("https://h.example/other");
        set_flavour(&a, t);
        assert_eq!(Route::me().url(&a), "https://h.example/immich/api/users/me");
        assert_eq!(Route::me().url(&b), "https://h.example/other/api/user/me");
        set_flavour(&a, ApiFlavour::AssetList);
        assert_eq!(Route::me().url(&a), "https://h.example/immich/api/user/me");
    }

    #[test]
    fn queries_are_appended_once() {
        check(
            "http://nas",
            Route::users(),
            "http://nas/api/user?isAll=false",
        );
        check(
            "http://nas",
            Route::assets(&AssetQuery::default()),
            "http://nas/api/asset",
        );
        let q = AssetQuery {
            skip: Some(1000),
            take: Some(1000),
            ..Default::default()
        };
        check(
            "http://nas/p",
            Route::assets(&q),
            "http://nas/p/api/asset?skip=1000&take=1000",
        );
        check(
            "http://nas",
            Route::statistics(""),
            "http://nas/api/asset/statistics",
        );
        check(
            "http://nas",
            Route::partners(&PartnerDirection::Unknown("a&b=c d/é".into())),
            "http://nas/api/partner?direction=a%26b%3Dc%20d%2F%C3%A9",
        );
    }

    #[test]
    fn segments_are_encoded_and_dots_refused() {
        assert_eq!(
            Route::api(&["asset", "a/b?c#d e%"]).unwrap().as_str(),
            "/api/asset/a%2Fb%3Fc%23d%20e%25"
        );
        assert_eq!(Route::api(&["é"]).unwrap().as_str(), "/api/%C3%A9");
        for bad in ["", ".", ".."] {
            assert_eq!(
                Route::api(&["asset", bad]),
                Err(PathError::BadSegment(bad.into()))
            );
        }
    }

    #[test]
    fn only_uuids_are_asset_ids() {
        assert_eq!(AssetId::parse(ID).unwrap().as_str(), ID);
        assert_eq!(
            AssetId::parse(&ID.to_uppercase()).unwrap().as_str(),
            ID,
            "upper case is the same id"
        );
        for bad in [
            "../user/me",
            "..",
            "",
            "0b1e7c1a-3a55-4d2c-9f0e-0123456789a",
            "0b1e7c1a-3a55-4d2c-9f0e-0123456789abc",
            "0b1e7c1a_3a55-4d2c-9f0e-0123456789ab",
            "0b1e7c1a-3a55-4d2c-9f0e-0123456789a/",
            "0b1e7c1a-3a55-4d2c-9f0e-01234567%2e.",
            "zb1e7c1a-3a55-4d2c-9f0e-0123456789ab",
        ] {
            let err = AssetId::parse(bad).unwrap_err();
            assert!(matches!(err, PathError::NotAnId(_)), "{bad:?}");
            assert!(err.to_string().contains("not a UUID"), "{err}");
        }
        // A huge "id" is cut short in the message.
        let long = "x".repeat(10_000);
        assert!(AssetId::parse(&long).unwrap_err().to_string().len() < 120);
    }
}
