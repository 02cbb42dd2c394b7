//! The asset ids media may be served for: those the allowed listing holds.
//!
//! Filled from listing answers that passed through the proxy (their
//! filters and user were already forced), and on a miss by asking the
//! upstream for the asset's record and checking it against the same rules.
//! Entries expire, so an asset that left the allowed set (unfavourited,
//! archived, trashed) stops being served within the TTL.

use serde::Deserialize;
use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

/// Most ids held; beyond it, expired ones are dropped, then all.
const MAX_IDS: usize = 4_000_000;

/// The fields of an asset record the rules read.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Slim {
    /// Asset id.
    pub id: String,
    /// Owner id.
    #[serde(default)]
    pub owner_id: String,
    /// Favourite.
    #[serde(default)]
    pub is_favorite: bool,
    /// Archived.
    #[serde(default)]
    pub is_archived: bool,
    /// In the trash.
    #[serde(default)]
    pub is_trashed: bool,
}

/// Allowed ids with the time they were last seen allowed.
#[derive(Debug)]
pub struct AllowedIds {
    ttl: Duration,
    ids: Mutex<HashMap<String, Instant>>,
}

impl AllowedIds {
    /// Entries live `ttl` from their last sighting.
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            ids: Mutex::new(HashMap::new()),
        }
    }

    /// Marks `ids` allowed at `now`.
    pub fn insert_all<'a>(&self, ids: impl IntoIterator<Item = &'a str>, now: Instant) {
        let Ok(mut map) = self.ids.lock() else {
            return;
        };
        for id in ids {
            if map.len() >= MAX_IDS && !map.contains_key(id) {
                let ttl = self.ttl;
                map.retain(|_, at| now.saturating_duration_since(*at) < ttl);
                if map.len() >= MAX_IDS {
                    map.clear();
                }
            }
            map.insert(id.to_owned(), now);
        }
    }

    /// Whether `id` is allowed and not expired at `now`.
    pub fn contains(&self, id: &str, now: Instant) -> bool {
        self.ids
            .lock()
            .ok()
            .and_then(|m| m.get(id).copied())
            .is_some_and(|at| now.saturating_duration_since(at) < self.ttl)
    }

    /// Forgets `id` (the upstream said it is not allowed any more).
    pub fn remove(&self, id: &str) {
        if let Ok(mut m) = self.ids.lock() {
            m.remove(id);
        }
    }
}
