//! The viewer's images and videos: the thumbnail, the preview and the
//! original of one asset, with the same credentials rule as tiles.
//!
//! With a cookie session the URL goes straight into `<img src>` or
//! `<video src>` (the browser sends the cookie, and streams videos with
//! `Range`). An API key must travel in the `x-api-key` header, which neither
//! element can send: the file is fetched here (no cookies) and shown through
//! an object URL, which is revoked when the last [`MediaUrl`] holding it is
//! dropped. Fetches are aborted when their handle is dropped.

use std::rc::Rc;

use super::{
    client::ApiError,
    thumbs::ThumbSource,
    urls::{AssetId, Route, ThumbFormat},
};

/// Which file of an asset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Quality {
    /// The small WEBP thumbnail (what the tile shows; often cached).
    Thumbnail,
    /// The JPEG preview (`?format=JPEG`).
    Preview,
    /// The original file (`/api/asset/file/{id}`), for zoom.
    Original,
    /// A video to play (the original on v1.103, `/video/playback` on a
    /// current server): videos and the motion part of live photos.
    Playback,
}

impl Quality {
    /// The route of this file of `id`.
    pub fn route(self, id: &AssetId) -> Route {
        match self {
            Quality::Thumbnail => Route::thumbnail(id, ThumbFormat::Webp),
            Quality::Preview => Route::thumbnail(id, ThumbFormat::Jpeg),
            Quality::Original => Route::original(id),
            Quality::Playback => Route::playback(id),
        }
    }
}

/// An object URL, revoked when dropped.
#[derive(Debug)]
pub struct ObjectUrl(String);

impl Drop for ObjectUrl {
    fn drop(&mut self) {
        let _ = web_sys::Url::revoke_object_url(&self.0);
    }
}

/// A URL an element can show: the server's own (cookie sessions) or an
/// object URL that lives as long as one clone of this value.
#[derive(Clone, Debug)]
pub enum MediaUrl {
    /// The file's URL on the server.
    Direct(String),
    /// A fetched file (API-key sessions).
    Object(Rc<ObjectUrl>),
}

impl MediaUrl {
    /// The URL for `src`.
    pub fn as_str(&self) -> &str {
        match self {
            MediaUrl::Direct(u) => u,
            MediaUrl::Object(o) => &o.0,
        }
    }
}

/// Aborts its request when dropped.
pub struct Abort(web_sys::AbortController);

impl Drop for Abort {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Abort {
    /// A new controller, or `None` where the browser has none.
    pub fn new() -> Option<Self> {
        web_sys::AbortController::new().ok().map(Self)
    }

    /// Its signal, for the request.
    pub fn signal(&self) -> web_sys::AbortSignal {
        self.0.signal()
    }
}

/// Whether `source` shows files by URL (cookie) rather than by fetch (key).
pub fn is_direct(source: &ThumbSource) -> bool {
    !source.needs_fetch()
}

/// The direct URL of a file (cookie sessions; `None` with a key, whose
/// files must be fetched with [`load`]).
pub fn direct_url(source: &ThumbSource, id: &AssetId, q: Quality) -> Option<String> {
    is_direct(source).then(|| source.route_url(&q.route(id)))
}

/// Loads a file of `id` for display: at once for a cookie session, by a
/// header-authenticated fetch into an object URL for a key.
pub async fn load(
    source: &ThumbSource,
    id: &AssetId,
    q: Quality,
    signal: Option<&web_sys::AbortSignal>,
) -> Result<MediaUrl, ApiError> {
    if let Some(url) = direct_url(source, id, q) {
        return Ok(MediaUrl::Direct(url));
    }
    let Some(client) = source.client() else {
        return Err(ApiError::Decode("no credentials for this server".into()));
    };
    let blob = match q {
        Quality::Thumbnail => {
            client
                .thumbnail(id.as_str(), ThumbFormat::Webp, signal)
                .await?
        }
        Quality::Preview => {
            client
                .thumbnail(id.as_str(), ThumbFormat::Jpeg, signal)
                .await?
        }
        Quality::Original => client.original(id, signal).await?,
        Quality::Playback => {
            client
                .blob(&Route::playback(id), super::limits::ORIGINAL_BYTES, signal)
                .await?
        }
    };
    let url = web_sys::Url::create_object_url_with_blob(&blob)
        .map_err(|_| ApiError::Decode("the browser could not show the file".into()))?;
    Ok(MediaUrl::Object(Rc::new(ObjectUrl(url))))
}

/// Starts the browser loading an image URL ahead of time (a neighbour's
/// preview with a cookie session), so a step shows it at once.
pub fn preload_image(url: &str) {
    if let Ok(img) = web_sys::HtmlImageElement::new() {
        img.set_src(url);
    }
}
