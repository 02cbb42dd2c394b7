//! Proxy mode: the server is an `immich-grid-proxy`, which keeps the API
//! key on its side and says what it allows in the `x-immich-grid-proxy`
//! header of `/api/server-info/version` (asked once per app start). No
//! login is needed there (the app's cookie mode sends no credential the
//! proxy reads), and the filters hide the controls the proxy forbids.

use std::collections::BTreeMap;

use leptos::prelude::*;

/// The answer header naming the proxy's policy.
pub const HEADER: &str = "x-immich-grid-proxy";

/// What the proxy lets a visitor choose.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProxyPolicy {
    /// `isFavorite` forced to this value (`None`: the visitor chooses).
    pub favorites: Option<bool>,
    /// `isArchived` forced to this value.
    pub archived: Option<bool>,
    /// Other users' libraries may be opened.
    pub partners: bool,
    /// Originals are served.
    pub originals: bool,
}

impl ProxyPolicy {
    /// Reads `v=1; favorites=only|never|any; archived=…; partners=yes|no;
    /// originals=yes|no`. Unknown keys are ignored; another version is `None`.
    pub fn parse(text: &str) -> Option<Self> {
        if text.len() > 512 {
            return None;
        }
        let mut p = Self::default();
        let mut version = false;
        for part in text.split(';') {
            let Some((k, v)) = part.trim().split_once('=') else {
                continue;
            };
            let forced = |v: &str| match v {
                "only" => Some(true),
                "never" => Some(false),
                _ => None,
            };
            match k {
                "v" => version = v == "1",
                "favorites" => p.favorites = forced(v),
                "archived" => p.archived = forced(v),
                "partners" => p.partners = v == "yes",
                "originals" => p.originals = v == "yes",
                _ => {}
            }
        }
        version.then_some(p)
    }
}

thread_local! {
    /// The policy of each server (by its full address) that answered as a proxy.
    static POLICIES: ArcRwSignal<BTreeMap<String, ProxyPolicy>> = ArcRwSignal::new(BTreeMap::new());
}

/// Records what `server`'s version answer said (`None`: not a proxy).
pub fn record(server: &str, header: Option<&str>) {
    let policy = header.and_then(ProxyPolicy::parse);
    POLICIES.with(|p| {
        let known = p.with_untracked(|m| m.get(server).copied());
        if known != policy {
            p.update(|m| match policy {
                Some(policy) => {
                    m.insert(server.to_owned(), policy);
                }
                None => {
                    m.remove(server);
                }
            });
        }
    });
}

/// The policy of `server` if it is a proxy (tracked: a view re-renders when it is learnt).
pub fn policy(server: &str) -> Option<ProxyPolicy> {
    POLICIES.with(|p| p.with(|m| m.get(server).copied()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_header() {
        assert_eq!(
            ProxyPolicy::parse(
                "v=1; favorites=only; archived=never; partners=no; own=yes; originals=no"
            ),
            Some(ProxyPolicy {
                favorites: Some(true),
                archived: Some(false),
                partners: false,
                originals: false,
            })
        );
        assert_eq!(
            ProxyPolicy::parse("v=1; favorites=any; archived=any; partners=yes; originals=yes"),
            Some(ProxyPolicy {
                favorites: None,
                archived: None,
                partners: true,
                originals: true,
            })
        );
        assert_eq!(ProxyPolicy::parse("v=2; favorites=only"), None);
        assert_eq!(ProxyPolicy::parse(""), None);
        assert_eq!(ProxyPolicy::parse(&"x".repeat(600)), None);
    }
}
