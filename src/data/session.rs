//! Connection settings: which Immich server, and how to authenticate.
//!
//! Secrets policy: the API key lives in an [`ApiKey`] whose `Debug` and
//! `Display` print `<redacted>`, so it cannot slip into a log line or an error
//! message by formatting. It is only ever read through [`ApiKey::expose`],
//! which the HTTP client calls to fill the `x-api-key` header. It is never put
//! in a URL (Immich also accepts `?apiKey=`, which would leak into server and
//! proxy logs) nor in a cache key (cache keys hold the user id instead).
//!
//! Where settings live: the server address and the auth mode are not secret
//! and go to `localStorage`; the key goes to `sessionStorage` (this tab only)
//! unless the user ticks "remember on this device", which puts it in
//! `localStorage`. Storage that is disabled, absent or full is a normal case:
//! the settings are then kept in memory for the life of the page and
//! [`Session::save`] says so.
//!
//! A key belongs to one server: it is stored under a name that holds the
//! server's full address (origin and path, [`key_entry`]), read back only for
//! that server, and offered to nobody else. Switching to another server asks
//! for that server's key (or finds the one remembered for it).

use std::{cell::RefCell, fmt};

use library_core::KvStore;

use super::kv::WebStorageKv;

/// Storage key of the server address (localStorage).
const KEY_SERVER: &str = "immich-grid.server";
/// Storage key of the auth mode, `session` or `api-key` (localStorage).
const KEY_AUTH: &str = "immich-grid.auth";
/// Storage key of the API key of old versions, stored for no server in
/// particular: never read, removed on every save.
const KEY_API_KEY_UNSCOPED: &str = "immich-grid.api-key";

/// Storage key of the API key of `server` (sessionStorage, or localStorage
/// when remembered): `immich-grid.api-key@https://host/immich`. The address
/// is normalised, so one server has one name and two servers never share one.
pub fn key_entry(server: &ServerUrl) -> String {
    format!("{KEY_API_KEY_UNSCOPED}@{}", server.as_str())
}

/// A normalised Immich server address: `http(s)://host[:port][/prefix]`, no
/// trailing slash, no `/api` suffix (the client appends `/api/...`), no query,
/// fragment or credentials, default ports dropped, scheme and host lower-case.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ServerUrl {
    base: String,
    origin_len: usize,
}

/// Why a server address was refused. Messages are meant for the connect screen.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    /// Nothing was typed.
    #[error("enter the server address, like https://photos.example.com")]
    Empty,
    /// No `scheme://` prefix.
    #[error("start the address with http:// or https://")]
    MissingScheme,
    /// A scheme other than http or https.
    #[error("only http:// and https:// addresses work here, not {0}://")]
    UnsupportedScheme(String),
    /// `scheme://` with nothing after it.
    #[error("the address has no host name")]
    NoHost,
    /// `user:password@host`: credentials do not belong in an address.
    #[error("remove the user name or password from the address (use an API key instead)")]
    Credentials,
    /// A port that is not a number from 1 to 65535.
    #[error("the port must be a number from 1 to 65535")]
    BadPort,
    /// A character that cannot appear in an address (a space, for example).
    #[error("the address contains {0:?}, which cannot appear in a web address")]
    BadCharacter(char),
}

impl ServerUrl {
    /// Parses and normalises what the user typed (see the type's docs).
    pub fn parse(text: &str) -> Result<Self, UrlError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(UrlError::Empty);
        }
        if let Some(c) = text
            .chars()
            .find(|c| c.is_whitespace() || c.is_control() || matches!(c, '\\' | '<' | '>' | '"'))
        {
            return Err(UrlError::BadCharacter(c));
        }
        let (scheme, rest) = text.split_once("://").ok_or(UrlError::MissingScheme)?;
        let scheme = scheme.to_ascii_lowercase();
        let default_port = match scheme.as_str() {
            "http" => "80",
            "https" => "443",
            _ => return Err(UrlError::UnsupportedScheme(scheme)),
        };
        // Query and fragment are not part of a server address.
        let rest = rest.split(['?', '#']).next().unwrap_or_default();
        let (authority, path) = match rest.find('/') {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        if authority.contains('@') {
            return Err(UrlError::Credentials);
        }
        let (host, port) = split_port(authority)?;
        if host.is_empty() || host == "[]" {
            return Err(UrlError::NoHost);
        }
        if let Some(c) = host
            .chars()
            .find(|c| !(c.is_alphanumeric() || matches!(c, '-' | '.' | '_' | '[' | ']' | ':')))
        {
            return Err(UrlError::BadCharacter(c));
        }
        let mut base = format!("{scheme}://{}", host.to_lowercase());
        if let Some(port) = port.filter(|p| *p != default_port) {
            base.push(':');
            base.push_str(port);
        }
        let origin_len = base.len();
        let mut path = path.trim_end_matches('/');
        // People paste the API address they know from the Immich docs.
        if let Some(stripped) = path.strip_suffix("/api") {
            path = stripped.trim_end_matches('/');
        }
        base.push_str(path);
        Ok(Self { base, origin_len })
    }

    /// The normalised address, without a trailing slash.
    pub fn as_str(&self) -> &str {
        &self.base
    }

    /// The origin (`scheme://host[:port]`), for same-origin checks and cache scopes.
    pub fn origin(&self) -> &str {
        &self.base[..self.origin_len]
    }

    /// The scheme, `http` or `https`.
    pub fn scheme(&self) -> &str {
        self.base.split("://").next().unwrap_or_default()
    }

    /// Whether the host is this machine (`localhost`, `127.x`, `[::1]`), which
    /// browsers treat as secure even over plain http.
    pub fn is_loopback(&self) -> bool {
        let host = self.origin().split("://").nth(1).unwrap_or_default();
        let host = match host.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or_default(),
            None => host.rsplit_once(':').map_or(host, |(h, _)| h),
        };
        host == "localhost"
            || host.ends_with(".localhost")
            || host.starts_with("127.")
            || host == "::1"
    }

    /// The page's own origin as a server address (the default), if there is a page.
    pub fn page_origin() -> Option<Self> {
        let origin = web_sys::window()?.location().origin().ok()?;
        Self::parse(&origin).ok()
    }
}

impl fmt::Display for ServerUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.base)
    }
}

/// Splits `host[:port]` (IPv6 hosts in brackets); the port must be 1–65535.
fn split_port(authority: &str) -> Result<(&str, Option<&str>), UrlError> {
    let colon = if authority.starts_with('[') {
        // `[v6]` or `[v6]:port`
        match authority.find(']') {
            Some(end) if authority[end + 1..].starts_with(':') => Some(end + 1),
            Some(end) if end + 1 == authority.len() => None,
            _ => return Err(UrlError::NoHost),
        }
    } else {
        authority.rfind(':')
    };
    let Some(colon) = colon else {
        return Ok((authority, None));
    };
    let (host, port) = (&authority[..colon], &authority[colon + 1..]);
    let valid = !port.is_empty()
        && port.bytes().all(|b| b.is_ascii_digit())
        && matches!(port.parse::<u32>(), Ok(1..=65535));
    if !valid {
        return Err(UrlError::BadPort);
    }
    // `:080` and `:80` are the same port; keep the plain decimal form.
    let port = port.trim_start_matches('0');
    Ok((host, Some(port)))
}

/// An Immich API key. Its `Debug`/`Display` never show it; read it with
/// [`expose`](Self::expose) only to put it in the `x-api-key` header.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps a key, trimming the spaces a copy-paste brings; `None` when empty.
    pub fn new(key: &str) -> Option<Self> {
        let key = key.trim();
        (!key.is_empty()).then(|| Self(key.to_owned()))
    }

    /// The key itself. Only the HTTP client's header code should call this.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// How requests authenticate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Auth {
    /// The browser's existing Immich login (the `immich_access_token` cookie),
    /// sent with `credentials: include`. Works when the app is served from the
    /// Immich origin (or a proxy that allows credentials).
    Cookie,
    /// An API key, sent as the `x-api-key` header (never in the URL).
    ApiKey(ApiKey),
}

/// The connection settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// The Immich server.
    pub server: ServerUrl,
    /// How to authenticate.
    pub auth: Auth,
    /// Keep the API key in localStorage (this device) instead of sessionStorage (this tab).
    pub remember: bool,
}

/// Where [`Session::save`] managed to put the settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Persisted {
    /// In web storage, as asked.
    Stored,
    /// Web storage refused (disabled, absent or full): kept in memory for this page only.
    MemoryOnly,
}

thread_local! {
    /// The settings of this page, whatever storage did with them: web storage
    /// may be unavailable, and this is then the only copy.
    static CURRENT: RefCell<Option<Session>> = const { RefCell::new(None) };
    /// Keys typed into `<immich-grid>` elements, by server: the page's memory
    /// only. An element lives in someone else's page, whose web storage that
    /// site's own scripts and server read: a key never goes there.
    static ELEMENT_KEYS: RefCell<Vec<(ServerUrl, ApiKey)>> = const { RefCell::new(Vec::new()) };
}

impl Session {
    /// The default: the page's own origin with the existing browser session.
    /// Outside a page (native tests) the origin is `http://localhost`.
    pub fn for_page() -> Self {
        let server = ServerUrl::page_origin()
            .or_else(|| ServerUrl::parse("http://localhost").ok())
            .unwrap_or(ServerUrl {
                base: "http://localhost".to_owned(),
                origin_len: "http://localhost".len(),
            });
        Self {
            server,
            auth: Auth::Cookie,
            remember: false,
        }
    }

    /// Whether the server is on another origin than the page (CORS applies).
    pub fn is_cross_origin(&self) -> bool {
        ServerUrl::page_origin().is_some_and(|page| page.origin() != self.server.origin())
    }

    /// The settings of this page: the last saved in this page, else what web
    /// storage holds, else [`for_page`](Self::for_page). Never fails.
    pub fn load() -> Self {
        if let Some(current) = CURRENT.with(|c| c.borrow().clone()) {
            return current;
        }
        let local = WebStorageKv::local();
        let tab = WebStorageKv::session();
        match (local, tab) {
            (Ok(local), Ok(tab)) => read_from(&local, &tab),
            (Ok(local), Err(_)) => read_from(&local, &NoStore),
            (Err(_), Ok(tab)) => read_from(&NoStore, &tab),
            (Err(_), Err(_)) => None,
        }
        .unwrap_or_else(Self::for_page)
    }

    /// Saves the settings for this page and, if it can, in web storage.
    pub fn save(&self) -> Persisted {
        CURRENT.with(|c| *c.borrow_mut() = Some(self.clone()));
        match (WebStorageKv::local(), WebStorageKv::session()) {
            (Ok(mut local), Ok(mut tab)) => write_to(self, &mut local, &mut tab),
            _ => Persisted::MemoryOnly,
        }
    }

    /// The key kept for `server` in this tab or on this device, and whether it
    /// is remembered on the device; `None` when none is kept for that server.
    /// The connect screen offers it when that server is typed, and nothing
    /// for a server that has none.
    pub fn stored_key_for(server: &ServerUrl) -> Option<(ApiKey, bool)> {
        if let Some(current) = CURRENT.with(|c| c.borrow().clone()) {
            if &current.server == server {
                if let Auth::ApiKey(k) = current.auth {
                    return Some((k, current.remember));
                }
            }
        }
        let local = WebStorageKv::local().ok();
        let tab = WebStorageKv::session().ok();
        stored_key(
            local
                .as_ref()
                .map_or(&NoStore as &dyn KvStore, |l| l as &dyn KvStore),
            tab.as_ref()
                .map_or(&NoStore as &dyn KvStore, |t| t as &dyn KvStore),
            server,
        )
    }

    /// Keeps this session's key (if any) for the elements of this page, in
    /// memory only; a cookie session forgets the server's key.
    pub fn keep_for_elements(&self) {
        ELEMENT_KEYS.with(|keys| {
            let mut keys = keys.borrow_mut();
            keys.retain(|(s, _)| s != &self.server);
            if let Auth::ApiKey(k) = &self.auth {
                keys.push((self.server.clone(), k.clone()));
            }
        });
    }

    /// The key an element of this page was given for `server`, if any.
    pub fn element_key_for(server: &ServerUrl) -> Option<ApiKey> {
        ELEMENT_KEYS.with(|keys| {
            keys.borrow()
                .iter()
                .find(|(s, _)| s == server)
                .map(|(_, k)| k.clone())
        })
    }

    /// Forgets the API key of the current server everywhere (memory and both
    /// storages) and goes back to the cookie session; the server address is kept.
    pub fn forget_key() -> Self {
        let mut s = Self::load();
        s.auth = Auth::Cookie;
        s.remember = false;
        s.save();
        s
    }
}

/// A store that holds nothing, for when one of the two storages is missing.
struct NoStore;

impl KvStore for NoStore {
    fn get(&self, _key: &str) -> Result<Option<String>, library_core::StoreError> {
        Ok(None)
    }
    fn set(&mut self, _key: &str, _value: &str) -> Result<(), library_core::StoreError> {
        Err(library_core::StoreError::Unavailable)
    }
    fn remove(&mut self, _key: &str) {}
    fn keys(&self) -> Vec<String> {
        Vec::new()
    }
}

/// The key the two stores hold for `server` (the tab's first), and whether
/// it is the device's.
fn stored_key(
    local: &dyn KvStore,
    tab: &dyn KvStore,
    server: &ServerUrl,
) -> Option<(ApiKey, bool)> {
    let entry = key_entry(server);
    let read = |store: &dyn KvStore| {
        store
            .get(&entry)
            .ok()
            .flatten()
            .and_then(|k| ApiKey::new(&k))
    };
    read(tab)
        .map(|k| (k, false))
        .or_else(|| read(local).map(|k| (k, true)))
}

/// Reads settings from the two stores; `None` when no server was ever saved or
/// what is saved does not parse.
fn read_from(local: &dyn KvStore, tab: &dyn KvStore) -> Option<Session> {
    let server = ServerUrl::parse(&local.get(KEY_SERVER).ok()??).ok()?;
    let wants_key = local.get(KEY_AUTH).ok().flatten().as_deref() == Some("api-key");
    let (key, remember) = match stored_key(local, tab, &server) {
        Some((k, remembered)) => (Some(k), remembered),
        None => (None, false),
    };
    let auth = match key {
        Some(key) if wants_key => Auth::ApiKey(key),
        // API key mode without a key (a new tab after a tab-only save): ask again
        // by falling back to the cookie session, which the connect screen shows.
        _ => Auth::Cookie,
    };
    Some(Session {
        server,
        auth,
        remember: remember && wants_key,
    })
}

/// Writes settings to the two stores, removing the key from the one it must
/// not be in. Any refusal means the page works from memory.
fn write_to<'a>(s: &Session, local: &'a mut dyn KvStore, tab: &'a mut dyn KvStore) -> Persisted {
    let mut ok = local.set(KEY_SERVER, s.server.as_str()).is_ok();
    // Old versions kept one key for whatever server: it goes.
    local.remove(KEY_API_KEY_UNSCOPED);
    tab.remove(KEY_API_KEY_UNSCOPED);
    let entry = key_entry(&s.server);
    match &s.auth {
        Auth::Cookie => {
            ok &= local.set(KEY_AUTH, "session").is_ok();
            local.remove(&entry);
            tab.remove(&entry);
        }
        Auth::ApiKey(key) => {
            ok &= local.set(KEY_AUTH, "api-key").is_ok();
            let (keep, other) = if s.remember {
                (local, tab)
            } else {
                (tab, local)
            };
            other.remove(&entry);
            ok &= keep.set(&entry, key.expose()).is_ok();
        }
    }
    if ok {
        Persisted::Stored
    } else {
        Persisted::MemoryOnly
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests fail loudly on purpose")]
mod tests {
    use super::*;
    use library_core::InMemoryKv;

    fn check(input: &str, expected: Result<(&str, &str), UrlError>) {
        let got = ServerUrl::parse(input);
        let got = got.as_ref().map(|u| (u.as_str(), u.origin()));
        assert_eq!(got, expected.as_ref().map(|(a, b)| (*a, *b)), "{input:?}");
    }

    #[test]
    fn urls_are_normalised() {
        let ok = |a, b| Ok((a, b));
        check(
            "https://photos.example.com",
            ok("https://photos.example.com", "https://photos.example.com"),
        );
        check(
            "  HTTPS://Photos.Example.COM/ ",
            ok("https://photos.example.com", "https://photos.example.com"),
        );
        check(
            "http://192.168.1.5:2283",
            ok("http://192.168.1.5:2283", "http://192.168.1.5:2283"),
        );
        check(
            "http://nas:2283/api/",
            ok("http://nas:2283", "http://nas:2283"),
        );
        check("http://nas:80/", ok("http://nas", "http://nas"));
        check("https://nas:443", ok("https://nas", "https://nas"));
        check("http://nas:443", ok("http://nas:443", "http://nas:443"));
        check("http://nas:08080", ok("http://nas:8080", "http://nas:8080"));
        check(
            "https://h.example/immich//",
            ok("https://h.example/immich", "https://h.example"),
        );
        check(
            "https://h.example/immich/api",
            ok("https://h.example/immich", "https://h.example"),
        );
        check(
            "https://h.example/?x=1#frag",
            ok("https://h.example", "https://h.example"),
        );
        check(
            "http://[::1]:2283/",
            ok("http://[::1]:2283", "http://[::1]:2283"),
        );
        check("http://[::1]", ok("http://[::1]", "http://[::1]"));
    }

    #[test]
    fn bad_urls_are_refused() {
        check("", Err(UrlError::Empty));
        check("   ", Err(UrlError::Empty));
        check("photos.example.com", Err(UrlError::MissingScheme));
        check("ftp://nas", Err(UrlError::UnsupportedScheme("ftp".into())));
        check(
            "javascript://alert(1)",
            Err(UrlError::UnsupportedScheme("javascript".into())),
        );
        check(
            "file:///etc/passwd",
            Err(UrlError::UnsupportedScheme("file".into())),
        );
        check("http://", Err(UrlError::NoHost));
        check("http:///path", Err(UrlError::NoHost));
        check("http://:2283", Err(UrlError::NoHost));
        check("http://me:secret@nas", Err(UrlError::Credentials));
        check("http://nas:0", Err(UrlError::BadPort));
        check("http://nas:65536", Err(UrlError::BadPort));
        check("http://nas:", Err(UrlError::BadPort));
        check("http://nas:22a", Err(UrlError::BadPort));
        check("http://my nas", Err(UrlError::BadCharacter(' ')));
        check("http://nas%2f", Err(UrlError::BadCharacter('%')));
    }

    #[test]
    fn schemes_and_loopback_hosts() {
        let u = |s| ServerUrl::parse(s).unwrap();
        assert_eq!(u("HTTPS://h/immich").scheme(), "https");
        assert_eq!(u("http://h:2283").scheme(), "http");
        for local in [
            "http://localhost:2283",
            "http://127.0.0.1",
            "http://127.8.0.1:1/x",
            "http://[::1]:2283",
            "http://grid.localhost",
        ] {
            assert!(u(local).is_loopback(), "{local}");
        }
        for remote in [
            "http://nas",
            "http://192.168.1.5:2283",
            "http://localhost.example",
        ] {
            assert!(!u(remote).is_loopback(), "{remote}");
        }
    }

    #[test]
    fn api_key_never_formats() {
        let key = ApiKey::new("  s3cret-KEY ").unwrap();
        assert_eq!(key.expose(), "s3cret-KEY");
        let s = Session {
            server: ServerUrl::parse("http://nas").unwrap(),
            auth: Auth::ApiKey(key.clone()),
            remember: true,
        };
        for text in [
            format!("{key}"),
            format!("{key:?}"),
            format!("{s:?}"),
            format!("{s:#?}"),
        ] {
            assert!(!text.contains("s3cret"), "{text}");
        }
        assert_eq!(ApiKey::new("   "), None);
    }

    fn session(auth: Auth, remember: bool) -> Session {
        Session {
            server: ServerUrl::parse("http://nas:2283").unwrap(),
            auth,
            remember,
        }
    }

    #[test]
    fn key_goes_to_tab_storage_unless_remembered() {
        let key = Auth::ApiKey(ApiKey::new("k1").unwrap());
        let (mut local, mut tab) = (InMemoryKv::default(), InMemoryKv::default());

        let tab_only = session(key.clone(), false);
        assert_eq!(write_to(&tab_only, &mut local, &mut tab), Persisted::Stored);
        let entry = key_entry(&tab_only.server);
        let entry = entry.as_str();
        assert_eq!(entry, "immich-grid.api-key@http://nas:2283");
        assert_eq!(tab.get(entry).unwrap().as_deref(), Some("k1"));
        assert_eq!(local.get(entry).unwrap(), None);
        assert_eq!(read_from(&local, &tab), Some(tab_only));
        // A new tab sees no key and falls back to the cookie session.
        let new_tab = InMemoryKv::default();
        assert_eq!(
            read_from(&local, &new_tab),
            Some(session(Auth::Cookie, false))
        );

        let remembered = session(key, true);
        assert_eq!(
            write_to(&remembered, &mut local, &mut tab),
            Persisted::Stored
        );
        assert_eq!(tab.get(entry).unwrap(), None);
        assert_eq!(local.get(entry).unwrap().as_deref(), Some("k1"));
        assert_eq!(read_from(&local, &tab), Some(remembered.clone()));
        assert_eq!(read_from(&local, &new_tab), Some(remembered));

        // Going back to the cookie removes the key from both.
        let cookie = session(Auth::Cookie, false);
        assert_eq!(write_to(&cookie, &mut local, &mut tab), Persisted::Stored);
        assert_eq!(local.get(entry).unwrap(), None);
        assert_eq!(tab.get(entry).unwrap(), None);
        assert_eq!(read_from(&local, &tab), Some(cookie));
    }

    #[test]
    fn refused_storage_means_memory_only() {
        let key = Auth::ApiKey(ApiKey::new("k1").unwrap());
        let mut local = InMemoryKv::default();
        assert_eq!(
            write_to(&session(key, false), &mut local, &mut NoStore),
            Persisted::MemoryOnly
        );
        // Nothing saved, or garbage saved, reads as "no settings".
        assert_eq!(read_from(&InMemoryKv::default(), &NoStore), None);
        let mut junk = InMemoryKv::default();
        junk.set(KEY_SERVER, "not a url").unwrap();
        assert_eq!(read_from(&junk, &NoStore), None);
    }

    #[test]
    fn element_keys_stay_in_memory_for_their_server_only() {
        let nas = ServerUrl::parse("http://nas:2283").unwrap();
        let other = ServerUrl::parse("http://nas:2283/immich").unwrap();
        assert!(Session::element_key_for(&nas).is_none());
        let key = ApiKey::new("k-123").unwrap();
        session(Auth::ApiKey(key.clone()), false).keep_for_elements();
        assert_eq!(Session::element_key_for(&nas), Some(key));
        assert!(Session::element_key_for(&other).is_none());
        // Signing in by cookie on that server forgets its key.
        session(Auth::Cookie, false).keep_for_elements();
        assert!(Session::element_key_for(&nas).is_none());
    }

    #[test]
    fn a_key_belongs_to_its_server_only() {
        let a = ServerUrl::parse("https://h.example/immich").unwrap();
        let b = ServerUrl::parse("https://h.example/other").unwrap();
        let c = ServerUrl::parse("https://h.example:8443/immich").unwrap();
        let root = ServerUrl::parse("https://h.example").unwrap();
        let names: std::collections::HashSet<String> =
            [&a, &b, &c, &root].iter().map(|s| key_entry(s)).collect();
        assert_eq!(names.len(), 4, "one name per server: {names:?}");
        // The same server however typed has one name.
        assert_eq!(
            key_entry(&a),
            key_entry(&ServerUrl::parse("HTTPS://H.example:443/immich/api/").unwrap())
        );

        let (mut local, mut tab) = (InMemoryKv::default(), InMemoryKv::default());
        let with_key = |server: &ServerUrl, key: &str, remember| Session {
            server: server.clone(),
            auth: Auth::ApiKey(ApiKey::new(key).unwrap()),
            remember,
        };
        write_to(&with_key(&a, "key-a", false), &mut local, &mut tab);
        write_to(&with_key(&c, "key-c", true), &mut local, &mut tab);
        // Each server gets its own key back, and the others none.
        let key_of = |s: &ServerUrl, local: &InMemoryKv, tab: &InMemoryKv| {
            stored_key(local, tab, s).map(|(k, r)| (k.expose().to_owned(), r))
        };
        assert_eq!(key_of(&a, &local, &tab), Some(("key-a".into(), false)));
        assert_eq!(key_of(&c, &local, &tab), Some(("key-c".into(), true)));
        assert_eq!(key_of(&b, &local, &tab), None);
        assert_eq!(key_of(&root, &local, &tab), None);
        // The saved server is c; switching the saved server to b (cookie)
        // reads no key, and a's key is still a's.
        assert_eq!(read_from(&local, &tab), Some(with_key(&c, "key-c", true)));
        write_to(
            &Session {
                server: b.clone(),
                auth: Auth::Cookie,
                remember: false,
            },
            &mut local,
            &mut tab,
        );
        let now = read_from(&local, &tab).unwrap();
        assert_eq!(now.server, b);
        assert_eq!(now.auth, Auth::Cookie);
        // API-key mode on a server with no key of its own asks for one
        // (falls back to the cookie) instead of borrowing another's.
        local.set(KEY_AUTH, "api-key").unwrap();
        assert_eq!(read_from(&local, &tab).unwrap().auth, Auth::Cookie);
        assert_eq!(key_of(&a, &local, &tab), Some(("key-a".into(), false)));
        // No stored value anywhere holds a key under a name of another server.
        for k in local.keys().iter().chain(tab.keys().iter()) {
            let v = local.get(k).unwrap().or(tab.get(k).unwrap()).unwrap();
            if v == "key-a" {
                assert_eq!(k, &key_entry(&a));
            }
            if v == "key-c" {
                assert_eq!(k, &key_entry(&c));
            }
        }
    }

    #[test]
    fn the_old_unscoped_key_is_never_read_and_is_removed() {
        let (mut local, mut tab) = (InMemoryKv::default(), InMemoryKv::default());
        local.set(KEY_SERVER, "http://nas:2283").unwrap();
        local.set(KEY_AUTH, "api-key").unwrap();
        local.set(KEY_API_KEY_UNSCOPED, "old").unwrap();
        tab.set(KEY_API_KEY_UNSCOPED, "old").unwrap();
        assert_eq!(read_from(&local, &tab).unwrap().auth, Auth::Cookie);
        write_to(&session(Auth::Cookie, false), &mut local, &mut tab);
        assert_eq!(local.get(KEY_API_KEY_UNSCOPED).unwrap(), None);
        assert_eq!(tab.get(KEY_API_KEY_UNSCOPED).unwrap(), None);
    }
}
