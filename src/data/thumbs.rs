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

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// How to reach thumbnails: the server origin and the session kind.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ThumbSource {
    /// Server origin such as `https://photos.example.org`; `""` = same origin.
    pub base: String,
    /// `Some` for an API-key session (header auth, fetched thumbnails);
    /// `None` for a cookie session (plain `<img src>`).
    pub api_key: Option<String>,
}

impl ThumbSource {
    /// The WEBP thumbnail URL of asset `id` (Immich v1.103:
    /// `GET /api/asset/thumbnail/{id}?format=WEBP`).
    pub fn url(&self, id: &str) -> String {
        format!(
            "{}/api/asset/thumbnail/{id}?format=WEBP",
            self.base.trim_end_matches('/')
        )
    }

    /// Whether thumbnails must be fetched with a header instead of `<img src>`.
    pub fn needs_fetch(&self) -> bool {
        self.api_key.is_some()
    }
}

/// Concurrent thumbnail requests when fetching with an API key: like a
/// browser's per-host limit, so a fast scroll cannot queue hundreds of
/// requests ahead of the ones for the tiles now in view.
pub const MAX_IN_FLIGHT: usize = 6;

type Done = Box<dyn FnOnce(String)>;

struct Job {
    id: u64,
    url: String,
    api_key: String,
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
    /// Queues a fetch of `url` with `x-api-key: api_key`. `urgent` requests
    /// (tiles inside the viewport) go before the others. `done` receives an
    /// object URL the caller must revoke with `URL.revokeObjectURL`; it is not
    /// called on failure or after the ticket was dropped.
    pub fn request(
        &self,
        url: String,
        api_key: String,
        urgent: bool,
        done: impl FnOnce(String) + 'static,
    ) -> ThumbTicket {
        let id = {
            let mut inner = self.inner.borrow_mut();
            inner.next_id += 1;
            let id = inner.next_id;
            let job = Job {
                id,
                url,
                api_key,
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
        ThumbTicket {
            id,
            inner: Rc::downgrade(&self.inner),
        }
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
                let result = fetch_blob_url(&job.url, &job.api_key, &ctrl).await;
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

/// Fetches `url` with the API key header and returns the body as a blob.
async fn fetch_blob_url(
    url: &str,
    api_key: &str,
    ctrl: &web_sys::AbortController,
) -> Result<web_sys::Blob, JsValue> {
    let headers = web_sys::Headers::new()?;
    headers.set("x-api-key", api_key)?;
    headers.set("accept", "image/webp,image/*")?;
    let init = web_sys::RequestInit::new();
    init.set_method("GET");
    init.set_headers(&headers);
    init.set_signal(Some(&ctrl.signal()));
    let request = web_sys::Request::new_with_str_and_init(url, &init)?;
    let window = web_sys::window().ok_or_else(|| JsValue::from_str("no window"))?;
    let resp: web_sys::Response = JsFuture::from(window.fetch_with_request(&request))
        .await?
        .dyn_into()?;
    if !resp.ok() {
        return Err(JsValue::from_f64(f64::from(resp.status())));
    }
    JsFuture::from(resp.blob()?).await?.dyn_into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_join_base_and_path_once() {
        let check = |base: &str, expected: &str| {
            let s = ThumbSource {
                base: base.into(),
                api_key: None,
            };
            assert_eq!(s.url("abc"), expected);
        };
        check("", "/api/asset/thumbnail/abc?format=WEBP");
        check(
            "https://p.example",
            "https://p.example/api/asset/thumbnail/abc?format=WEBP",
        );
        check(
            "https://p.example/",
            "https://p.example/api/asset/thumbnail/abc?format=WEBP",
        );
    }

    #[test]
    fn the_key_never_goes_into_the_url() {
        let s = ThumbSource {
            base: "https://p.example".into(),
            api_key: Some("secret-key".into()),
        };
        assert!(s.needs_fetch());
        assert!(!s.url("abc").contains("secret"));
    }
}
