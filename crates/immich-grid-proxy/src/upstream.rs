//! The upstream Immich: its address, the key, and the HTTP client.

use axum::body::Body;
use hyper::{header, HeaderMap, Method, Request, Response, StatusCode};
use hyper_util::{
    client::legacy::{connect::HttpConnector, Client},
    rt::TokioExecutor,
};
use std::{fmt, time::Duration};

/// The API key. Its `Debug` and `Display` print `<redacted>`; only
/// [`ApiKey::expose`] reads it, to fill the upstream request's header.
#[derive(Clone)]
pub struct ApiKey(String);

impl ApiKey {
    /// Reads the key from `text` (a file's contents, trimmed). A key is one
    /// line of printable ASCII, at most 512 bytes.
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let key = text.trim();
        anyhow::ensure!(!key.is_empty(), "the API key file is empty");
        anyhow::ensure!(
            key.len() <= 512 && key.bytes().all(|b| b.is_ascii_graphic()),
            "the API key file must hold one key of printable ASCII (at most 512 bytes)"
        );
        Ok(Self(key.to_owned()))
    }

    /// The key itself, for the `x-api-key` header only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// The upstream server and a client for it.
#[derive(Clone)]
pub struct Upstream {
    /// `http://host:port`.
    origin: String,
    /// Path prefix without a trailing slash (`""` or `/immich`).
    prefix: String,
    key: ApiKey,
    client: Client<HttpConnector, Body>,
    response_timeout: Duration,
}

impl fmt::Debug for Upstream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Upstream")
            .field("origin", &self.origin)
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

/// Why the upstream did not answer.
#[derive(Debug)]
pub enum UpstreamError {
    /// No answer head in time.
    Timeout,
    /// Connection or protocol failure (the text names no header value).
    Failed(String),
}

impl Upstream {
    /// Splits `http://host[:port][/prefix]` into origin and prefix.
    pub fn parse_base(url: &str) -> anyhow::Result<(String, String)> {
        let url = url.trim().trim_end_matches('/');
        let rest = url.strip_prefix("http://").ok_or_else(|| {
            anyhow::anyhow!(
                "upstream must start with http:// (run the proxy beside Immich or on a trusted network)"
            )
        })?;
        let (host, path) = match rest.find('/') {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        anyhow::ensure!(
            !host.is_empty()
                && host
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric()
                        || matches!(b, b'.' | b'-' | b':' | b'[' | b']')),
            "upstream: bad host {host:?}"
        );
        anyhow::ensure!(
            path.is_empty() || crate::routes::is_normal_path(path),
            "upstream: bad path {path:?}"
        );
        Ok((format!("http://{host}"), path.to_owned()))
    }

    /// A client for `url` with `key`.
    pub fn new(
        url: &str,
        key: ApiKey,
        connect_timeout: Duration,
        response_timeout: Duration,
    ) -> anyhow::Result<Self> {
        let (origin, prefix) = Self::parse_base(url)?;
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(connect_timeout));
        connector.set_nodelay(true);
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .build(connector);
        Ok(Self {
            origin,
            prefix,
            key,
            client,
            response_timeout,
        })
    }

    /// Whether `text` contains the key (for the log's redaction).
    pub fn key(&self) -> &ApiKey {
        &self.key
    }

    /// Sends `GET {prefix}{path}?{query}` with the key and only the
    /// `pass` headers given; answers the head within the response timeout.
    pub async fn get(
        &self,
        path: &str,
        query: &str,
        pass: &HeaderMap,
    ) -> Result<Response<hyper::body::Incoming>, UpstreamError> {
        let mut uri = format!("{}{}{}", self.origin, self.prefix, path);
        if !query.is_empty() {
            uri.push('?');
            uri.push_str(query);
        }
        let mut req = Request::builder().method(Method::GET).uri(uri);
        if let Some(h) = req.headers_mut() {
            for (name, value) in pass {
                h.append(name, value.clone());
            }
            let key = header::HeaderValue::from_str(self.key.expose())
                .map_err(|_| UpstreamError::Failed("the API key is not a header value".into()))?;
            h.insert("x-api-key", key);
            h.insert(
                header::ACCEPT_ENCODING,
                header::HeaderValue::from_static("identity"),
            );
        }
        let req = req
            .body(Body::empty())
            .map_err(|_| UpstreamError::Failed("could not build the request".into()))?;
        match tokio::time::timeout(self.response_timeout, self.client.request(req)).await {
            Err(_) => Err(UpstreamError::Timeout),
            Ok(Err(e)) => Err(UpstreamError::Failed(describe(&e))),
            Ok(Ok(resp)) => Ok(resp),
        }
    }
}

/// A client error as text: its kind and source chain, which hold no header values.
fn describe(e: &hyper_util::client::legacy::Error) -> String {
    let mut text = if e.is_connect() {
        String::from("could not connect")
    } else {
        String::from("request failed")
    };
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// The status a failed upstream maps to.
pub fn error_status(e: &UpstreamError) -> StatusCode {
    match e {
        UpstreamError::Timeout => StatusCode::GATEWAY_TIMEOUT,
        UpstreamError::Failed(_) => StatusCode::BAD_GATEWAY,
    }
}
