//! `config.json`: the optional defaults a deployment puts beside
//! `index.html` (server, sign-in mode, filters, layout, tile size, theme,
//! locale, the parent origins allowed to talk to an embedded frame). Pure:
//! parsing, checking and merging with the page's URL, tested natively and
//! fuzzed (`fuzz/`, target `config`); the app's `embed::config` names its
//! filters and its `data::site` fetches the file.
//!
//! Every key is optional; an unknown key is an error (a typo must not pass
//! silently), and so is a value of the wrong kind. The page's URL overrides
//! what the file sets (`?isFavorite=true`, `?theme=dark`, `?layout=square`,
//! `?size=160`).

use std::collections::BTreeMap;

use immich_api::json::{self, FromJson, Kind, Number, Reader};

/// Tile shape.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum GridMode {
    /// Rows that keep each photo's aspect ratio.
    #[default]
    Justified,
    /// Square tiles in fixed columns.
    Square,
}

impl GridMode {
    /// The JSON text (`"justified"`, `"square"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Justified => "justified",
            Self::Square => "square",
        }
    }
}

/// Reads the name of one of `names` (a JSON string); another name is serde's
/// `unknown variant` error.
fn variant<T: Copy>(r: &mut Reader<'_>, names: &[(&str, T)]) -> Result<T, json::Error> {
    let text = r.str()?;
    names
        .iter()
        .find(|(name, _)| *name == text)
        .map(|(_, v)| *v)
        .ok_or_else(|| {
            r.error(format!(
                "unknown variant `{text}`, expected {}",
                one_of(names.iter().map(|(n, _)| *n))
            ))
        })
}

/// `` `a` `` / `` `a` or `b` `` / `` one of `a`, `b`, `c` `` (serde's wording).
fn one_of<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let names: Vec<String> = names.map(|n| format!("`{n}`")).collect();
    match names.as_slice() {
        [one] => one.clone(),
        [a, b] => format!("{a} or {b}"),
        _ => format!("one of {}", names.join(", ")),
    }
}

/// `"justified"` or `"square"`.
impl FromJson for GridMode {
    fn read(r: &mut Reader<'_>) -> Result<Self, json::Error> {
        variant(
            r,
            &[("justified", Self::Justified), ("square", Self::Square)],
        )
    }
}

/// The allowed range of the row height / tile size, CSS pixels.
pub const TARGET_RANGE: (f32, f32) = (80.0, 480.0);

/// The most `config.json` may be: 64 KiB (a real one is a few hundred bytes).
pub const CONFIG_BYTES: u64 = 64 * 1024;
/// The most allowed parent origins.
const MAX_ORIGINS: usize = 64;

/// How the widget signs in when nothing is stored for the server.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SignIn {
    /// The visitor's own Immich session (the browser's login cookie).
    #[default]
    Session,
    /// An API key the visitor enters: the connect form opens at start.
    ApiKey,
}

/// `"session"` or `"apiKey"`.
impl FromJson for SignIn {
    fn read(r: &mut Reader<'_>) -> Result<Self, json::Error> {
        variant(r, &[("session", Self::Session), ("apiKey", Self::ApiKey)])
    }
}

/// Light, dark, or the system's choice.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Theme {
    /// Follows `prefers-color-scheme`.
    #[default]
    System,
    /// Always light.
    Light,
    /// Always dark.
    Dark,
}

/// `"system"`, `"light"` or `"dark"`.
impl FromJson for Theme {
    fn read(r: &mut Reader<'_>) -> Result<Self, json::Error> {
        variant(
            r,
            &[
                ("system", Self::System),
                ("light", Self::Light),
                ("dark", Self::Dark),
            ],
        )
    }
}

impl Theme {
    /// Parses `light`, `dark` or `system` (an attribute or URL value).
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim() {
            "light" => Some(Self::Light),
            "dark" => Some(Self::Dark),
            "system" | "" => Some(Self::System),
            _ => None,
        }
    }

    /// The `data-theme` value; `None` follows the system.
    pub fn attr(self) -> Option<&'static str> {
        match self {
            Self::System => None,
            Self::Light => Some("light"),
            Self::Dark => Some("dark"),
        }
    }
}

/// The defaults of one deployment, checked.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SiteConfig {
    /// The Immich address (as typed in the connect form), if set.
    pub server: Option<String>,
    /// Sign-in mode.
    pub sign_in: SignIn,
    /// Filters as a query string in the URL's own names
    /// (`isFavorite=true&type=photos`).
    pub filters: String,
    /// Tile shape.
    pub layout: Option<GridMode>,
    /// Row height (justified) or tile size (square), CSS pixels.
    pub tile_size: Option<f32>,
    /// Theme.
    pub theme: Theme,
    /// The page's language (BCP 47, e.g. `en-GB`), set as `<html lang>`.
    pub locale: Option<String>,
    /// Origins whose pages may embed the app in a frame and talk to it.
    pub allowed_parent_origins: Vec<String>,
}

/// The file as written: every key optional (`null` as absent), an unknown
/// key refused.
struct Raw {
    server: Option<String>,
    sign_in: Option<SignIn>,
    filters: Option<BTreeMap<String, Scalar>>,
    layout: Option<GridMode>,
    tile_size: Option<f64>,
    theme: Option<Theme>,
    locale: Option<String>,
    allowed_parent_origins: Option<Vec<String>>,
}

/// The keys of `config.json`.
const KEYS: [&str; 8] = [
    "server",
    "signIn",
    "filters",
    "layout",
    "tileSize",
    "theme",
    "locale",
    "allowedParentOrigins",
];

impl FromJson for Raw {
    fn read(r: &mut Reader<'_>) -> Result<Self, json::Error> {
        /// A key's value: `null` is absent; a key twice is refused.
        fn put<T: FromJson>(
            r: &mut Reader<'_>,
            slot: &mut Option<Option<T>>,
            key: &str,
        ) -> Result<(), json::Error> {
            r.field(slot, key)
        }
        let mut server = None;
        let mut sign_in = None;
        let mut filters: Option<Option<Filters>> = None;
        let mut layout = None;
        let mut tile_size = None;
        let mut theme = None;
        let mut locale = None;
        let mut allowed_parent_origins = None;
        r.begin_object()?;
        while let Some(key) = r.next_key()? {
            match &*key {
                "server" => put(r, &mut server, "server")?,
                "signIn" => put(r, &mut sign_in, "signIn")?,
                "filters" => put(r, &mut filters, "filters")?,
                "layout" => put(r, &mut layout, "layout")?,
                "tileSize" => put(r, &mut tile_size, "tileSize")?,
                "theme" => put(r, &mut theme, "theme")?,
                "locale" => put(r, &mut locale, "locale")?,
                "allowedParentOrigins" => {
                    put(r, &mut allowed_parent_origins, "allowedParentOrigins")?;
                }
                other => {
                    return Err(r.error(format!(
                        "unknown field `{other}`, expected {}",
                        one_of(KEYS.into_iter())
                    )))
                }
            }
        }
        Ok(Self {
            server: server.flatten(),
            sign_in: sign_in.flatten(),
            filters: filters.flatten().map(|f| f.0),
            layout: layout.flatten(),
            tile_size: tile_size.flatten(),
            theme: theme.flatten(),
            locale: locale.flatten(),
            allowed_parent_origins: allowed_parent_origins.flatten(),
        })
    }
}

/// The `filters` object (a key twice: the last wins, as serde's map does).
struct Filters(BTreeMap<String, Scalar>);

impl FromJson for Filters {
    fn read(r: &mut Reader<'_>) -> Result<Self, json::Error> {
        let mut map = BTreeMap::new();
        r.begin_object()?;
        while let Some(key) = r.next_key()? {
            let key = key.into_owned();
            map.insert(key, Scalar::read(r)?);
        }
        Ok(Self(map))
    }
}

/// A filter's value: a string, a number or true/false, as text.
#[derive(Clone, Debug, PartialEq)]
pub struct Scalar(pub String);

impl FromJson for Scalar {
    fn read(r: &mut Reader<'_>) -> Result<Self, json::Error> {
        match r.peek()? {
            Kind::String => r.string().map(Scalar),
            Kind::Bool => r.bool().map(|b| Scalar(b.to_string())),
            Kind::Number => Ok(Scalar(match r.number()? {
                Number::Int(n) => n.to_string(),
                Number::Float(v) => v.to_string(),
            })),
            Kind::Null => {
                Err(r.error("invalid type: null, expected a string, a number or true/false"))
            }
            Kind::Array => {
                Err(r.error("invalid type: an array, expected a string, a number or true/false"))
            }
            Kind::Object => {
                Err(r.error("invalid type: an object, expected a string, a number or true/false"))
            }
        }
    }
}

/// Why a `config.json` was not used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "config.json: {}", self.0)
    }
}

impl SiteConfig {
    /// Parses and checks a `config.json` body; `is_filter` says which
    /// keys of `filters` are the app's filter names.
    pub fn parse(bytes: &[u8], is_filter: impl Fn(&str) -> bool) -> Result<Self, ConfigError> {
        if bytes.len() as u64 > CONFIG_BYTES {
            return Err(ConfigError(format!(
                "{} bytes, more than the {} KiB allowed",
                bytes.len(),
                CONFIG_BYTES / 1024
            )));
        }
        let raw: Raw = json::from_slice(bytes).map_err(|e| ConfigError(e.to_string()))?;
        let mut filters = String::new();
        for (key, Scalar(text)) in raw.filters.unwrap_or_default() {
            if !is_filter(&key) {
                return Err(ConfigError(format!("filters.{key} is not a filter")));
            }
            if !filters.is_empty() {
                filters.push('&');
            }
            filters.push_str(&encode(&key));
            filters.push('=');
            filters.push_str(&encode(&text));
        }
        let tile_size = match raw.tile_size {
            None => None,
            Some(t)
                if t.is_finite()
                    && (f64::from(TARGET_RANGE.0)..=f64::from(TARGET_RANGE.1)).contains(&t) =>
            {
                // In range: a few hundred pixels, exact in an f32.
                #[allow(clippy::cast_possible_truncation)] // reason: see above.
                let size = t as f32;
                Some(size)
            }
            Some(t) => {
                return Err(ConfigError(format!(
                    "tileSize {t} is outside {}–{}",
                    TARGET_RANGE.0, TARGET_RANGE.1
                )))
            }
        };
        let origins = raw.allowed_parent_origins.unwrap_or_default();
        if origins.len() > MAX_ORIGINS {
            return Err(ConfigError(format!(
                "allowedParentOrigins has more than {MAX_ORIGINS} entries"
            )));
        }
        let mut allowed_parent_origins = Vec::with_capacity(origins.len());
        for o in origins {
            allowed_parent_origins.push(parse_origin(&o).ok_or_else(|| {
                ConfigError(format!(
                    "allowedParentOrigins: {o:?} is not an origin like https://example.org"
                ))
            })?);
        }
        if let Some(l) = &raw.locale {
            let ok = !l.is_empty()
                && l.len() <= 35
                && l.split('-')
                    .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric()));
            if !ok {
                return Err(ConfigError(format!(
                    "locale {l:?} is not a language tag like en-GB"
                )));
            }
        }
        Ok(Self {
            server: raw.server.filter(|s| !s.trim().is_empty()),
            sign_in: raw.sign_in.unwrap_or_default(),
            filters,
            layout: raw.layout,
            tile_size,
            theme: raw.theme.unwrap_or_default(),
            locale: raw.locale,
            allowed_parent_origins,
        })
    }

    /// Whether a frame's parent at `origin` may talk to it.
    pub fn allows_parent(&self, origin: &str) -> bool {
        self.allowed_parent_origins.iter().any(|o| o == origin)
    }
}

/// `scheme://host[:port]` with nothing after, lowercased; `None` otherwise.
pub fn parse_origin(text: &str) -> Option<String> {
    let t = text.trim().trim_end_matches('/').to_ascii_lowercase();
    let (scheme, rest) = t.split_once("://")?;
    let ok = matches!(scheme, "http" | "https")
        && !rest.is_empty()
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    ok.then_some(t)
}

/// The query string to start from: each parameter of `page` (the page's
/// URL, with or without `?`) wins over the same one of `defaults`.
pub fn merge_defaults(defaults: &str, page: &str) -> String {
    let page = page.strip_prefix('?').unwrap_or(page);
    let keys: Vec<&str> = page
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| p.split_once('=').map_or(p, |(k, _)| k))
        .collect();
    let mut out: Vec<&str> = defaults
        .split('&')
        .filter(|p| !p.is_empty())
        .filter(|p| !keys.contains(&p.split_once('=').map_or(*p, |(k, _)| k)))
        .collect();
    out.extend(page.split('&').filter(|p| !p.is_empty()));
    out.join("&")
}

/// Percent-encodes a query value (everything but unreserved characters).
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests: a panic is a failure
mod tests {
    use super::*;

    /// Some of the app's filter names.
    fn is_filter(k: &str) -> bool {
        ["isFavorite", "type", "take"].contains(&k)
    }

    impl SiteConfig {
        fn check(bytes: &[u8]) -> Result<Self, ConfigError> {
            Self::parse(bytes, is_filter)
        }
    }

    #[test]
    fn every_key() {
        let c = SiteConfig::check(
            br#"{"server":"https://photos.example.org/immich","signIn":"apiKey",
                "filters":{"isFavorite":true,"type":"photos","take":500},
                "layout":"square","tileSize":160,"theme":"dark","locale":"en-GB",
                "allowedParentOrigins":["https://Blog.example.org/"]}"#,
        )
        .unwrap();
        assert_eq!(
            c.server.as_deref(),
            Some("https://photos.example.org/immich")
        );
        assert_eq!(c.sign_in, SignIn::ApiKey);
        assert_eq!(c.filters, "isFavorite=true&take=500&type=photos");
        assert_eq!(c.layout, Some(GridMode::Square));
        assert_eq!(c.tile_size, Some(160.0));
        assert_eq!(c.theme, Theme::Dark);
        assert_eq!(c.locale.as_deref(), Some("en-GB"));
        assert!(c.allows_parent("https://blog.example.org"));
        assert!(!c.allows_parent("https://evil.example.org"));
        assert_eq!(SiteConfig::check(b"{}").unwrap(), SiteConfig::default());
    }

    #[test]
    fn clear_errors() {
        let err = |s: &str| SiteConfig::check(s.as_bytes()).unwrap_err().to_string();
        assert!(
            err(r#"{"sever":"x"}"#).contains("unknown field `sever`"),
            "{}",
            err(r#"{"sever":"x"}"#)
        );
        assert!(err(r#"{"tileSize":5000}"#).contains("outside 80–480"));
        assert!(err(r#"{"theme":"pink"}"#).contains("unknown variant"));
        assert!(err(r#"{"filters":{"colour":"red"}}"#).contains("filters.colour is not a filter"));
        assert!(err(r#"{"filters":{"type":["a"]}}"#)
            .contains("expected a string, a number or true/false"));
        assert!(
            err(r#"{"allowedParentOrigins":["javascript:alert(1)"]}"#).contains("is not an origin")
        );
        assert!(
            err(r#"{"allowedParentOrigins":["https://a.org/path"]}"#).contains("is not an origin")
        );
        assert!(err(r#"{"locale":"en GB"}"#).contains("language tag"));
        assert!(err("not json").starts_with("config.json: "));
        assert!(err("").starts_with("config.json: "));
        let big = format!("{{\"server\":\"{}\"}}", "a".repeat(70_000));
        assert!(err(&big).contains("more than the 64 KiB"));
    }

    /// The hand reader against the serde derive it replaced: the same
    /// inputs accepted (with the same values) and refused.
    #[test]
    fn reads_like_the_serde_derive() {
        use serde::Deserialize;
        #[derive(Deserialize, Debug)]
        #[serde(rename_all = "camelCase")]
        enum OldSignIn {
            Session,
            ApiKey,
        }
        #[derive(Deserialize, Debug)]
        #[serde(rename_all = "lowercase")]
        enum OldLower {
            Justified,
            Square,
        }
        #[derive(Deserialize, Debug)]
        #[serde(rename_all = "lowercase")]
        enum OldTheme {
            System,
            Light,
            Dark,
        }
        #[derive(Deserialize, Debug)]
        #[serde(untagged)]
        #[allow(dead_code)] // reason: only whether it reads matters.
        enum OldScalar {
            S(String),
            B(bool),
            N(serde_json::Number),
        }
        #[derive(Deserialize, Debug)]
        #[serde(deny_unknown_fields, rename_all = "camelCase")]
        #[allow(dead_code)] // reason: only whether it reads matters.
        struct OldRaw {
            server: Option<String>,
            sign_in: Option<OldSignIn>,
            filters: Option<BTreeMap<String, OldScalar>>,
            layout: Option<OldLower>,
            tile_size: Option<f64>,
            theme: Option<OldTheme>,
            locale: Option<String>,
            allowed_parent_origins: Option<Vec<String>>,
        }
        for text in [
            "{}",
            " { } ",
            r#"{"server":null,"signIn":null,"filters":null,"layout":null,"tileSize":null,
                "theme":null,"locale":null,"allowedParentOrigins":null}"#,
            r#"{"server":"x","signIn":"session","layout":"justified","theme":"system"}"#,
            r#"{"signIn":"apiKey","filters":{"a":1,"b":"x","c":false,"d":-2.5,"a":3}}"#,
            r#"{"tileSize":160.5,"allowedParentOrigins":[]}"#,
            r#"{"server":1}"#,
            r#"{"signIn":"ApiKey"}"#,
            r#"{"layout":"hexagons"}"#,
            r#"{"layout":1}"#,
            r#"{"theme":["dark"]}"#,
            r#"{"filters":[]}"#,
            r#"{"filters":{"a":null}}"#,
            r#"{"filters":{"a":{}}}"#,
            r#"{"tileSize":"160"}"#,
            r#"{"tileSize":1e999}"#,
            r#"{"allowedParentOrigins":"https://a.org"}"#,
            r#"{"allowedParentOrigins":[1]}"#,
            r#"{"locale":true}"#,
            r#"{"server":"a","server":"b"}"#,
            r#"{"Server":"a"}"#,
            r#"{"server":"a"} x"#,
            r#"{"server":"a""#,
            "[]",
            "null",
            "\"x\"",
            "",
        ] {
            let ours = json::from_slice::<Raw>(text.as_bytes());
            let theirs = serde_json::from_str::<OldRaw>(text);
            assert_eq!(
                ours.is_ok(),
                theirs.is_ok(),
                "{text}: {:?} / {theirs:?}",
                ours.err()
            );
        }
        let err = |s: &str| SiteConfig::check(s.as_bytes()).unwrap_err().to_string();
        assert!(err(r#"{"layout":"hexagons"}"#)
            .contains("unknown variant `hexagons`, expected `justified` or `square`"));
        assert!(err(r#"{"signIn":"x"}"#).contains("expected `session` or `apiKey`"));
        assert!(err(r#"{"a":1}"#).contains(
            "unknown field `a`, expected one of `server`, `signIn`, `filters`, `layout`, \
             `tileSize`, `theme`, `locale`, `allowedParentOrigins`"
        ));
        assert!(err(r#"{"server":"a","server":"b"}"#).contains("duplicate field `server`"));
    }

    #[test]
    fn page_wins() {
        assert_eq!(
            merge_defaults("isFavorite=true&type=photos", "?type=videos"),
            "isFavorite=true&type=videos"
        );
        assert_eq!(merge_defaults("", "?a=1"), "a=1");
        assert_eq!(merge_defaults("a=1", ""), "a=1");
        assert_eq!(merge_defaults("q=x%20y", "?embed=1"), "q=x%20y&embed=1");
    }

    #[test]
    fn themes() {
        assert_eq!(Theme::parse("dark"), Some(Theme::Dark));
        assert_eq!(Theme::parse("system"), Some(Theme::System));
        assert_eq!(Theme::parse("x"), None);
        assert_eq!(Theme::Light.attr(), Some("light"));
        assert_eq!(Theme::System.attr(), None);
    }
}
