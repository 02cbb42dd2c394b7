//! The deployment's optional `config.json`, read from beside `index.html`
//! (a relative URL: the app works at any path). Parsing and checking are in
//! [`crate::embed::config`].

use crate::{
    data::{client::Client, session::Session},
    embed::config::{SiteConfig, CONFIG_BYTES},
};

/// The deployment's defaults and, when the file was there but unusable, why
/// (in one sentence for the page). No file means the built-in defaults.
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
