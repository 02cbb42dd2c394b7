//! The deployment's optional `config.json`, read from beside `index.html`
//! (a relative URL: the app works at any path). Parsing and checking are in
//! [`crate::embed::config`].

use crate::{
    data::{client::Client, session::Session},
    embed::config::{SiteConfig, CONFIG_BYTES},
};

/// The deployment's defaults and, when the file was there but unusable, why
/// (in one sentence for the page). No file means the built-in defaults; so
/// does an HTML page in its place, which is how a host with a single-page
/// rewrite (every path answered with `index.html`) says it has none.
pub async fn load_site_config() -> (SiteConfig, Option<String>) {
    let client = Client::new(&Session::for_page());
    match client.site_file("config.json", CONFIG_BYTES).await {
        Ok(None) => (SiteConfig::default(), None),
        Ok(Some(bytes)) => match crate::embed::config::parse(&bytes) {
            Ok(c) => (c, None),
            Err(e) => (SiteConfig::default(), Some(e.to_string())),
        },
        Err(e) => (
            SiteConfig::default(),
            Some(format!("config.json could not be read: {e}")),
        ),
    }
}

/// Whether a `Content-Type` names an HTML page (`text/html`, any
/// parameters, any case).
pub fn is_html(content_type: Option<&str>) -> bool {
    content_type
        .and_then(|t| t.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("text/html"))
}

#[cfg(test)]
mod tests {
    use super::is_html;

    #[test]
    fn html_pages_are_recognised_by_their_type_only() {
        for t in ["text/html", "text/html; charset=utf-8", " Text/HTML ;x=1"] {
            assert!(is_html(Some(t)), "{t}");
        }
        for t in [
            "application/json",
            "application/json; charset=utf-8",
            "text/plain",
            "text/htmlx",
            "application/xhtml+xml",
            "",
        ] {
            assert!(!is_html(Some(t)), "{t}");
        }
        assert!(!is_html(None));
    }
}
