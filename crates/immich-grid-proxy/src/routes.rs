//! The allow-list: which `GET` routes are forwarded, with which query
//! parameters, and what each one is (a listing, a count, media…).
//!
//! The table is data: a new Immich release's routes (v3's timeline) are new
//! rows. A request is matched on its raw path, which must already be in
//! normal form (no percent escapes, no `.`/`..` or empty segments, no
//! backslash); its query is decoded, every parameter checked against the
//! row, and the query sent upstream is rebuilt from the checked values.

/// One path segment of a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seg {
    /// This exact text.
    Lit(&'static str),
    /// An asset id (a UUID), the one media rules apply to.
    AssetId,
}

/// What a query value may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Val {
    /// `true` or `false`.
    Bool,
    /// A UUID.
    Uuid,
    /// A non-negative integer (`take` is further capped by the config).
    Uint,
    /// An ISO 8601 date-time (digits, `-:.TZ+`).
    Date,
    /// One of these words.
    OneOf(&'static [&'static str]),
}

/// What a route is, for the rules beyond its shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Answered as is (server info, the key owner's record).
    Plain,
    /// `server-info/version`: also carries the proxy's header.
    Version,
    /// An asset listing: user and filters restricted; ids it returns become allowed.
    Listing,
    /// Counts of the owner's assets: filters restricted.
    Statistics,
    /// Deletions since a time, for one user: user restricted.
    Audit,
    /// One asset's media or record: only for allowed ids.
    Media,
    /// The original file: only for allowed ids, and only if originals are on.
    Original,
}

/// One allowed route.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// Path segments after the leading `/`.
    pub path: &'static [Seg],
    /// What it is.
    pub kind: Kind,
    /// Allowed query parameters (each at most once).
    pub query: &'static [(&'static str, Val)],
}

use Seg::{AssetId, Lit};

/// The routes immich-grid reads from Immich v1.103.1 (see the app's
/// `src/data/urls.rs`). Order matters only where a literal and an id could
/// both match (`asset/statistics` before `asset/{id}`; an id is a UUID, so
/// they cannot collide anyway).
pub const V1_103: &[Rule] = &[
    Rule {
        path: &[Lit("api"), Lit("server-info"), Lit("ping")],
        kind: Kind::Plain,
        query: &[],
    },
    Rule {
        path: &[Lit("api"), Lit("server-info"), Lit("version")],
        kind: Kind::Version,
        query: &[],
    },
    Rule {
        path: &[Lit("api"), Lit("user"), Lit("me")],
        kind: Kind::Plain,
        query: &[],
    },
    Rule {
        path: &[Lit("api"), Lit("asset")],
        kind: Kind::Listing,
        query: &[
            ("isArchived", Val::Bool),
            ("isFavorite", Val::Bool),
            ("skip", Val::Uint),
            ("take", Val::Uint),
            ("updatedAfter", Val::Date),
            ("updatedBefore", Val::Date),
            ("userId", Val::Uuid),
        ],
    },
    Rule {
        path: &[Lit("api"), Lit("asset"), Lit("statistics")],
        kind: Kind::Statistics,
        query: &[
            ("isArchived", Val::Bool),
            ("isFavorite", Val::Bool),
            ("isTrashed", Val::Bool),
        ],
    },
    Rule {
        path: &[Lit("api"), Lit("audit"), Lit("deletes")],
        kind: Kind::Audit,
        query: &[
            ("after", Val::Date),
            ("entityType", Val::OneOf(&["ASSET"])),
            ("userId", Val::Uuid),
        ],
    },
    Rule {
        path: &[Lit("api"), Lit("asset"), Lit("thumbnail"), AssetId],
        kind: Kind::Media,
        query: &[("format", Val::OneOf(&["WEBP", "JPEG"]))],
    },
    Rule {
        path: &[Lit("api"), Lit("asset"), Lit("file"), AssetId],
        kind: Kind::Original,
        query: &[],
    },
    Rule {
        path: &[Lit("api"), Lit("asset"), AssetId],
        kind: Kind::Media,
        query: &[],
    },
];

/// Why a request was refused (each maps to one plain status).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// 404: not a route here, or a path trick.
    NotFound,
    /// 405: a route here, another method.
    Method,
    /// 403: a parameter, user or filter the proxy does not allow.
    Forbidden(&'static str),
    /// 414: the request target is too long.
    TooLong,
}

/// A matched request: the rule, the asset id (if the route has one) and
/// the checked query pairs in the order given.
#[derive(Debug, Clone)]
pub struct Matched {
    /// The row.
    pub rule: Rule,
    /// The asset id of a media route.
    pub asset_id: Option<String>,
    /// Checked, decoded query pairs.
    pub query: Vec<(String, String)>,
}

impl Matched {
    /// The value of query parameter `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Whether `path` is in the only form the proxy accepts: `/` then segments
/// of `[A-Za-z0-9._~-]`, none empty, none `.` or `..`. Everything that a
/// server could normalise into another path (escapes, dots, `//`, `\`) fails.
pub fn is_normal_path(path: &str) -> bool {
    let Some(rest) = path.strip_prefix('/') else {
        return false;
    };
    if rest.is_empty() {
        return true;
    }
    rest.split('/').all(|seg| {
        !seg.is_empty()
            && seg != "."
            && seg != ".."
            && seg
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'~' | b'-'))
    })
}

/// Whether `s` is a UUID in its usual hyphenated form.
pub fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

fn value_ok(v: Val, s: &str) -> bool {
    match v {
        Val::Bool => s == "true" || s == "false",
        Val::Uuid => is_uuid(s),
        Val::Uint => !s.is_empty() && s.len() <= 12 && s.bytes().all(|b| b.is_ascii_digit()),
        Val::Date => {
            !s.is_empty()
                && s.len() <= 40
                && s.bytes().all(|b| {
                    b.is_ascii_digit() || matches!(b, b'-' | b':' | b'.' | b'T' | b'Z' | b'+')
                })
        }
        Val::OneOf(words) => words.contains(&s),
    }
}

/// Matches a `GET` request's raw `path` and `query` against `table`.
/// `is_get` false answers 405 for a route of the table (404 otherwise).
pub fn match_route(
    table: &[Rule],
    is_get: bool,
    path: &str,
    query: Option<&str>,
    max_uri: usize,
) -> Result<Matched, Refusal> {
    if path.len() + query.map_or(0, |q| q.len() + 1) > max_uri {
        return Err(Refusal::TooLong);
    }
    if !is_normal_path(path) {
        return Err(Refusal::NotFound);
    }
    let segs: Vec<&str> = path[1..].split('/').collect();
    let (rule, asset_id) = table
        .iter()
        .find_map(|rule| {
            if rule.path.len() != segs.len() {
                return None;
            }
            let mut id = None;
            for (p, s) in rule.path.iter().zip(&segs) {
                match p {
                    Seg::Lit(l) if l == s => {}
                    Seg::AssetId if is_uuid(s) => id = Some((*s).to_owned()),
                    _ => return None,
                }
            }
            Some((*rule, id))
        })
        .ok_or(Refusal::NotFound)?;
    if !is_get {
        return Err(Refusal::Method);
    }
    let mut pairs: Vec<(String, String)> = Vec::new();
    if let Some(q) = query {
        // Only what the browser's URL encoding makes: no raw `+`
        // ambiguity beyond form decoding, no stray bytes.
        if q.bytes().any(|b| !(b.is_ascii_graphic()) || b == b'#') {
            return Err(Refusal::Forbidden("malformed query"));
        }
        for (k, v) in form_urlencoded::parse(q.as_bytes()) {
            let Some((_, val)) = rule.query.iter().find(|(name, _)| *name == k) else {
                return Err(Refusal::Forbidden("query parameter not allowed"));
            };
            if pairs.iter().any(|(seen, _)| *seen == k) {
                return Err(Refusal::Forbidden("query parameter given twice"));
            }
            if !value_ok(*val, &v) {
                return Err(Refusal::Forbidden("query value not allowed"));
            }
            pairs.push((k.into_owned(), v.into_owned()));
        }
    }
    Ok(Matched {
        rule,
        asset_id,
        query: pairs,
    })
}

/// The query string sent upstream, rebuilt from checked pairs.
pub fn query_string(pairs: &[(String, String)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "0b3b4a9a-8a52-4f4c-9b0c-4f1a2b3c4d5e";

    #[test]
    fn normal_paths_only() {
        for bad in [
            "/api/asset/../user/me",
            "/api/./asset",
            "/api//asset",
            "/api/asset/",
            "/api/%61sset",
            "/api/asset%2F..%2Fuser",
            "/api\\asset",
            "api/asset",
            "/api/asset;x",
        ] {
            assert!(!is_normal_path(bad), "{bad}");
        }
        assert!(is_normal_path("/api/asset"));
        assert!(is_normal_path("/"));
    }

    #[test]
    fn table_matches_and_checks_the_query() {
        let m = match_route(V1_103, true, "/api/asset", Some("skip=0&take=5000"), 2048);
        assert!(matches!(m, Ok(ref m) if m.rule.kind == Kind::Listing));
        let m = match_route(V1_103, true, &format!("/api/asset/{ID}"), None, 2048);
        assert_eq!(m.ok().and_then(|m| m.asset_id).as_deref(), Some(ID));
        assert_eq!(
            match_route(V1_103, false, "/api/asset", None, 2048).err(),
            Some(Refusal::Method)
        );
        assert_eq!(
            match_route(V1_103, true, "/api/asset/not-an-id", None, 2048).err(),
            Some(Refusal::NotFound)
        );
        assert!(matches!(
            match_route(V1_103, true, "/api/asset", Some("apiKey=x"), 2048),
            Err(Refusal::Forbidden(_))
        ));
        assert!(matches!(
            match_route(V1_103, true, "/api/asset", Some("skip=1&skip=2"), 2048),
            Err(Refusal::Forbidden(_))
        ));
        assert!(matches!(
            match_route(V1_103, true, "/api/asset", Some("isFavorite=yes"), 2048),
            Err(Refusal::Forbidden(_))
        ));
        assert_eq!(
            match_route(V1_103, true, "/api/asset", Some(&"a".repeat(3000)), 2048).err(),
            Some(Refusal::TooLong)
        );
        let m = match_route(
            V1_103,
            true,
            "/api/asset",
            Some("updatedAfter=2024-01-01T00%3A00%3A00.000%2B01%3A00"),
            2048,
        );
        assert_eq!(
            m.ok().map(|m| query_string(&m.query)),
            Some("updatedAfter=2024-01-01T00%3A00%3A00.000%2B01%3A00".to_owned())
        );
    }
}
