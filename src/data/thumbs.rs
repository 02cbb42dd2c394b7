//! Where tile thumbnails come from, and the bounded fetch queue used when the
//! session is an API key.
//!
//! With a cookie session the thumbnail URL goes straight into `<img src>` and
//! the browser sends the cookie. An API key must travel in the `x-api-key`
//! header (never in a URL, where it would end up in logs and history), which
//! an `<img>` cannot send: those thumbnails are fetched here and shown through
//! `URL.createObjectURL`. Fetches are limited in number, queued with visible
//! tiles first, and aborted when their tile leaves the DOM.

use std::{
    cell::RefCell,
    collections::{HashMap, VecDeque},
    rc::{Rc, Weak},
};

use super::{
    client::Client,
    session::{ApiKey, Auth, ServerUrl, Session},
    urls::{AssetId, Route, ThumbFormat},
};

/// How to reach thumbnails: the server (its full address, path included)
/// and the session kind.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ThumbSource {
    /// The server; `None` means the page's own origin at its root (tests).
    server: Option<ServerUrl>,
    /// `Some` for an API-key session (header auth, fetched thumbnails);
    /// `None` for a cookie session (plain `<img src>`).
    pub api_key: Option<ApiKey>,
    /// Whether the server is on another origin than the page.
    cross_origin: bool,
}

impl ThumbSource {
    /// Thumbnails of `session`'s server, with its credentials.
    pub fn for_session(session: &Session) -> Self {
        Self {
            server: Some(session.server.clone()),
            api_key: match &session.auth {
                Auth::ApiKey(k) => Some(k.clone()),
                Auth::Cookie => None,
            },
            cross_origin: session.is_cross_origin(),
        }
    }

    /// The WEBP thumbnail URL of asset `id` (Immich v1.103:
    /// `GET /api/asset/thumbnail/{id}?format=WEBP`) on the server, its path
    /// kept; `None` when `id` is not a UUID (nothing is then requested).
    pub fn url(&self, id: &str) -> Option<String> {
        let route = Route::thumbnail(&AssetId::parse(id).ok()?, ThumbFormat::Webp);
        Some(self.route_url(&route))
    }

    /// The absolute URL of `route` on the server (its path kept); the bare
    /// route for the page's own origin.
    pub fn route_url(&self, route: &Route) -> String {
        match &self.server {
            Some(server) => route.url(server),
            None => route.as_str().to_owned(),
        }
    }

    /// Whether thumbnails must be fetched with a header instead of `<img src>`.
    pub fn needs_fetch(&self) -> bool {
        self.api_key.is_some()
    }

    /// The client that fetches them (API-key sessions only).
    pub(crate) fn client(&self) -> Option<Client> {
        let server = self.server.clone()?;
        let key = self.api_key.clone()?;
        Some(Client::with(server, Auth::ApiKey(key), self.cross_origin))
    }
}

/// Concurrent thumbnail requests when fetching with an API key: like a
/// browser's per-host limit, so a fast scroll cannot queue hundreds of
/// requests ahead of the ones for the tiles now in view.
pub const MAX_IN_FLIGHT: usize = 6;

type Done = Box<dyn FnOnce(String)>;

struct Job {
    id: u64,
    client: Client,
    asset: String,
    done: Done,
}

#[derive(Default)]
struct Inner {
    next_id: u64,
    queue: VecDeque<Job>,
    /// In-flight requests by job id; dropping the entry means "cancelled".
    active: HashMap<u64, web_sys::AbortController>,
}

/// A per-grid fetch queue for API-key thumbnails (single-threaded; lives in
/// the grid component).
#[derive(Clone, Default)]
pub struct ThumbLoader {
    inner: Rc<RefCell<Inner>>,
}

/// A queued or running request; dropping it cancels the request (removed
/// from the queue or aborted) and its callback will not run.
pub struct ThumbTicket {
    id: u64,
    inner: Weak<RefCell<Inner>>,
}

impl Drop for ThumbTicket {
    fn drop(&mut self) {
        let Some(inner) = self.inner.upgrade() else {
            return;
        };
        let Ok(mut inner) = inner.try_borrow_mut() else {
            return;
        };
        if let Some(ctrl) = inner.active.remove(&self.id) {
            ctrl.abort();
        } else {
            inner.queue.retain(|j| j.id != self.id);
        }
    }
}

impl ThumbLoader {
    /// Queues a fetch of the thumbnail of asset `asset` from `source` (its
    /// key in the header, no cookies). `urgent` requests (tiles inside the
    /// viewport) go before the others. `done` receives an object URL the
    /// caller must revoke with `URL.revokeObjectURL`; it is not called on
    /// failure or after the ticket was dropped. `None` (nothing queued) when
    /// the source has no key or `asset` is not a UUID.
    pub fn request(
        &self,
        source: &ThumbSource,
        asset: &str,
        urgent: bool,
        done: impl FnOnce(String) + 'static,
    ) -> Option<ThumbTicket> {
        let client = source.client()?;
        AssetId::parse(asset).ok()?;
        let id = {
            let mut inner = self.inner.borrow_mut();
            inner.next_id += 1;
            let id = inner.next_id;
            let job = Job {
                id,
                client,
                asset: asset.to_owned(),
                done: Box::new(done),
            };
            if urgent {
                inner.queue.push_front(job);
            } else {
                inner.queue.push_back(job);
            }
            id
        };
        self.pump();
        Some(ThumbTicket {
            id,
            inner: Rc::downgrade(&self.inner),
        })
    }

    /// Number of requests queued and running (for tests and diagnostics).
    pub fn pending(&self) -> (usize, usize) {
        let inner = self.inner.borrow();
        (inner.queue.len(), inner.active.len())
    }

    /// Starts queued jobs while fewer than [`MAX_IN_FLIGHT`] are running.
    fn pump(&self) {
        loop {
            let (job, ctrl) = {
                let mut inner = self.inner.borrow_mut();
                if inner.active.len() >= MAX_IN_FLIGHT {
                    return;
                }
                let Some(job) = inner.queue.pop_front() else {
                    return;
                };
                let Ok(ctrl) = web_sys::AbortController::new() else {
                    return;
                };
                inner.active.insert(job.id, ctrl.clone());
                (job, ctrl)
            };
            let this = self.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let result = job
                    .client
                    .thumbnail(&job.asset, ThumbFormat::Webp, Some(&ctrl.signal()))
                    .await;
                // Still wanted? (The ticket's drop removes the entry.)
                let wanted = this.inner.borrow_mut().active.remove(&job.id).is_some();
                if let Ok(blob) = result {
                    if wanted {
                        if let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) {
                            (job.done)(url);
                        }
                    }
                }
                this.pump();
            });
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests fail loudly on purpose")]
mod tests {
    use super::*;

    const ID: &str = "0b1e7c1a-3a55-4d2c-9f0e-0123456789ab";

    /// What `for_session` makes (built directly: natively there is no page
    /// to compare origins with).
    fn source(server: &str, key: Option<&str>) -> ThumbSource {
        ThumbSource {
            server: Some(ServerUrl::parse(server).unwrap()),
            api_key: key.map(|k| ApiKey::new(k).unwrap()),
            cross_origin: true,
        }
    }

    #[test]
    fn urls_keep_the_server_path() {
        assert_eq!(
            ThumbSource::default().url(ID).unwrap(),
            format!("/api/asset/thumbnail/{ID}?format=WEBP")
        );
        for server in ["https://p.example/immich", "https://p.example/immich/"] {
            assert_eq!(
                source(server, None).url(ID).unwrap(),
                format!("https://p.example/immich/api/asset/thumbnail/{ID}?format=WEBP")
            );
        }
        assert_eq!(
            source("http://127.0.0.1:2284", None).url(ID).unwrap(),
            format!("http://127.0.0.1:2284/api/asset/thumbnail/{ID}?format=WEBP")
        );
    }

    #[test]
    fn ids_that_are_not_uuids_make_no_url() {
        let s = source("https://p.example/immich", Some("k"));
        for bad in ["../user/me", "abc", "", "../../api/user/me?x="] {
            assert_eq!(s.url(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_key_never_goes_into_the_url() {
        // What the thumbnail fetch of a key session really sends: the client
        // the queue uses, planning the very route it requests.
        let s = source("https://p.example/immich", Some("secret-key"));
        assert!(s.needs_fetch());
        let id = AssetId::parse(ID).unwrap();
        let route = Route::thumbnail(&id, ThumbFormat::Webp);
        let plan = s.client().unwrap().plan(&route, None);
        assert_eq!(
            plan.url,
            format!("https://p.example/immich/api/asset/thumbnail/{ID}?format=WEBP")
        );
        assert_eq!(plan.headers, [("x-api-key", "secret-key".to_owned())]);
        assert!(!plan.send_cookies, "a key-bearing request sends no cookie");
        assert!(!format!("{plan:?}").contains("secret"));
        assert!(!format!("{s:?}").contains("secret"));
        // A cookie session fetches nothing itself: the URL goes to <img>, with
        // no key anywhere.
        let cookie = source("https://p.example/immich", None);
        assert!(!cookie.needs_fetch());
        assert!(cookie.client().is_none());
        assert_eq!(cookie.url(ID), Some(plan.url));
    }
}
