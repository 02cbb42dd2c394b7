//! The embed's `config.json` parser over arbitrary bytes: any outcome but a
//! panic; a config it accepts holds only checked values (a tile size in
//! range, origins that parse again to themselves, a short locale), and its
//! filters are a query string of the allowed names.
#![no_main]
use libfuzzer_sys::fuzz_target;
use site_config::{parse_origin, SiteConfig, TARGET_RANGE};

const FILTERS: [&str; 6] = ["isFavorite", "isArchived", "type", "take", "q", "from"];

fuzz_target!(|data: &[u8]| {
    let Ok(c) = SiteConfig::parse(data, |k| FILTERS.contains(&k)) else {
        return;
    };
    if let Some(t) = c.tile_size {
        assert!(t.is_finite() && (TARGET_RANGE.0..=TARGET_RANGE.1).contains(&t));
    }
    for o in &c.allowed_parent_origins {
        assert_eq!(parse_origin(o).as_deref(), Some(o.as_str()));
        assert!(c.allows_parent(o));
    }
    if let Some(l) = &c.locale {
        assert!(!l.is_empty() && l.len() <= 35 && l.is_ascii());
    }
    for part in c.filters.split('&').filter(|p| !p.is_empty()) {
        let key = part.split_once('=').map_or(part, |(k, _)| k);
        assert!(FILTERS.contains(&key), "{key}");
        assert!(part.bytes().all(|b| b.is_ascii_graphic()));
    }
    let _ = site_config::merge_defaults(&c.filters, "?type=videos&isFavorite=false");
});
