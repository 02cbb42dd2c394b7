//! `config.json` (see the `site-config` crate, where its pure parsing
//! lives and is fuzzed): the app's side names its filters.

pub use site_config::{
    encode, merge_defaults, parse_origin, ConfigError, SignIn, SiteConfig, Theme, CONFIG_BYTES,
};

/// Parses and checks a `config.json` body against the app's filter names.
pub fn parse(bytes: &[u8]) -> Result<SiteConfig, ConfigError> {
    SiteConfig::parse(bytes, |k| crate::url_state::Field::from_key(k).is_some())
}
