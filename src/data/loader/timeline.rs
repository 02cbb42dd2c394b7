//! The load of a current server (Immich v1.135 to v3): the month list
//! (`GET /api/timeline/buckets`), then every month
//! (`GET /api/timeline/bucket?timeBucket=…`), each with its ETag kept in
//! localStorage and its decoded form (a library-core snapshot, like the asset
//! pages') in IndexedDB, through the same [`Cache`] and cache policy.
//!
//! A reload shows the months the cache holds at once (the list's body is kept
//! too), then asks the list and every month with `If-None-Match`: an unchanged
//! library is all `304`s, an edit in one month transfers that month. Months are
//! published in order, only as a prefix from the newest month (what is shown
//! grows at its end, as with pages). Each month becomes one chunk of the same
//! index `GET /api/asset` pages build (`library_core::month_index`), so the
//! grid, the in-app filters and the viewer are unchanged. There are no deltas
//! on this path: verification by ETag is the sync.

use std::{sync::Arc, time::Duration};

use leptos::prelude::*;

use immich_api::{
    bucket_month, bucket_param, decode_time_bucket, decode_time_buckets, AssetQuery,
    AssetVisibility, BucketLimits, TimeBucketQuery,
};
use library_core::{month_index, snapshot, CachePolicy, IdSet, LibraryIndex};

use super::{
    cache_scope, describe, join, log, mark, next_done, Cache, Kv, LoadStatus, LoaderOptions,
    Progress, Publisher, Run, TimelineExtras,
};
use crate::data::{
    client::{sleep, ApiError, Client, Fetched},
    limits,
    urls::Route,
};

/// Most months in a list (a century of them, and then some).
const MAX_MONTHS: usize = 5_000;

/// A month body above this (about 3,000 assets) is read in steps.
const BIG_MONTH_BYTES: usize = 1 << 20;

/// The view's filters as the timeline routes take them; `Err` names a filter
/// these routes cannot apply. Archived maps to `visibility` (`false`: the
/// timeline only; absent: both); whose library to `userId`. The `extras` only
/// current servers take: the trash (`isTrashed=true`: a current server lists
/// the trash apart from the timeline, so the view is the trash alone) and
/// partners' assets in the timeline (`withPartners=true`, which Immich takes
/// only with `visibility=timeline`, no favourites filter and no trash).
pub fn timeline_query(
    query: &AssetQuery,
    extras: TimelineExtras,
) -> Result<TimeBucketQuery, String> {
    if query.updated_after.is_some() || query.updated_before.is_some() {
        return Err(
            "This server (Immich v1.135 or later) lists a library by month and cannot filter by \
             the time an asset was last changed: remove the \"updated after/before\" filter."
                .to_owned(),
        );
    }
    if extras.with_partners
        && (query.is_archived == Some(true) || query.is_favorite.is_some() || extras.trash)
    {
        return Err(
            "Partners' assets come only with the plain timeline on this server (Immich v1.135 or \
             later): clear \"Archived\", \"Favourites\" and \"Show trashed\", or \"With partners\"."
                .to_owned(),
        );
    }
    let visibility = match query.is_archived {
        Some(true) => Some(AssetVisibility::Archive),
        // Immich refuses partners without an explicit timeline visibility.
        Some(false) => Some(AssetVisibility::Timeline),
        None if extras.with_partners => Some(AssetVisibility::Timeline),
        None => None,
    };
    Ok(TimeBucketQuery {
        user_id: query.user_id.clone(),
        is_favorite: query.is_favorite,
        is_trashed: extras.trash.then_some(true),
        visibility,
        with_partners: extras.with_partners.then_some(true),
        ..Default::default()
    })
}

/// The cache key (canonical query) of the month list.
pub fn list_key(q: &TimeBucketQuery) -> String {
    format!("timeline/buckets?{}", q.to_query_string(None))
}

/// The cache key of one month.
pub fn month_key(q: &TimeBucketQuery, time_bucket: &str) -> String {
    format!("timeline/bucket?{}", q.to_query_string(Some(time_bucket)))
}

/// The months of the list (newest first, as the server sends them), each as
/// the `timeBucket` value to ask and the count the list promises.
fn months_of(list: &[immich_api::TimeBucketsResponseDto]) -> Vec<(String, i64)> {
    list.iter()
        .filter_map(|b| bucket_month(&b.time_bucket).map(|(y, m)| (bucket_param(y, m), b.count)))
        .collect()
}

/// Bounds for a month: a few of the largest pages' worth.
fn month_limits() -> BucketLimits {
    BucketLimits {
        max_bytes: limits::LISTING_BYTES as usize,
        max_items: 500_000,
    }
}

impl Run {
    /// The whole timeline load; `Err` carries the message for the status line.
    pub(super) async fn go_timeline(
        &self,
        client: &Client,
        query: &AssetQuery,
        extras: TimelineExtras,
        options: LoaderOptions,
    ) -> Result<(), String> {
        let signal = self.signal.as_ref();
        let tq = timeline_query(query, extras)?;
        mark("timeline");
        let caches = async {
            if options.use_cache {
                self.open_caches().await
            } else {
                (None, None)
            }
        };
        // With an API key, what the key may do (v1.139 on; older servers
        // answer 404 and nothing is said).
        let key_check = async {
            if matches!(client.auth(), crate::data::session::Auth::ApiKey(_)) {
                client.api_key_me(signal).await.ok()
            } else {
                None
            }
        };
        let ((me, key), (policy, bodies)) =
            join(join(client.me_dated(signal), key_check), caches).await;
        let Some((user, _)) = self.confirmed(me)? else {
            return Ok(());
        };
        self.on_user(&user);
        self.w.key_note.try_set(
            key.and_then(|k| library_core::key_warning(&k.permissions))
                .map(|w| w.message),
        );
        let mut cache = Cache {
            policy,
            bodies,
            scope: cache_scope(client, &user.id),
            take: 0,
            start: 0,
            max_pages: None,
            w: self.w,
            bodies_full: false,
        };

        // What the cache holds: the list's body and the months' snapshots.
        let lkey = list_key(&tq);
        let held_list = self.held_raw(&cache, &lkey).await;
        let mut slots: Vec<Option<LibraryIndex>> = Vec::new();
        let mut shown = Shown::default();
        let mut tags: Vec<Option<String>> = Vec::new();
        let mut months: Vec<(String, i64)> = Vec::new();
        if let Some((_, body)) = &held_list {
            if let Ok(list) = decode_time_buckets(body, month_limits_list()) {
                months = months_of(&list);
                // The newest months first (a screenful and more), shown at
                // once; then the rest: the first tiles of a large library do
                // not wait for all its snapshots.
                let first = early_months(&months);
                (slots, tags) = self.held_months(&cache, &tq, &months[..first]).await;
                if first < months.len() && slots.first().is_some_and(Option::is_some) {
                    self.w.from_cache.try_set(true);
                    self.publish_prefix(&slots, &mut shown, None, true);
                    mark("cache-first");
                }
                let (rest, rest_tags) = self.held_months(&cache, &tq, &months[first..]).await;
                slots.extend(rest);
                tags.extend(rest_tags);
                if slots.first().is_some_and(Option::is_some) {
                    self.w.from_cache.try_set(true);
                    self.publish_prefix(&slots, &mut shown, None, true);
                    mark("cache-published");
                    self.w.status.try_set(LoadStatus::Revalidating);
                }
            }
        }

        // The list, with its ETag.
        let route = Route::timeline_buckets(&tq);
        let etag = held_list.as_ref().map(|(t, _)| t.as_str());
        let list_body = match client
            .get_conditional(&route, etag, limits::SMALL_JSON_BYTES, signal)
            .await
        {
            Ok(Fetched::NotModified) => held_list.map(|(_, b)| b).unwrap_or_default(),
            Ok(Fetched::Fresh { etag, body }) => {
                cache.store(&lkey, etag.as_deref(), &body).await;
                body
            }
            Err(ApiError::Aborted) => return Ok(()),
            Err(e) => {
                self.failure.set(Some(e.failure()));
                return Err(describe(&e));
            }
        };
        let list = decode_time_buckets(&list_body, month_limits_list())
            .map_err(|e| format!("The server's month list could not be read: {e}"))?;
        let fresh_months = months_of(&list);
        if fresh_months != months {
            // Other months (or counts): keep the held months whose name still
            // appears, by name; their ETags tell whether they changed.
            let mut new_slots = Vec::with_capacity(fresh_months.len());
            let mut new_tags = Vec::with_capacity(fresh_months.len());
            for (name, _) in &fresh_months {
                let at = months.iter().position(|(n, _)| n == name);
                new_slots.push(at.and_then(|i| slots.get_mut(i).and_then(Option::take)));
                new_tags.push(at.and_then(|i| tags.get(i).cloned().flatten()));
            }
            slots = new_slots;
            tags = new_tags;
            months = fresh_months;
            // Months moved: what is shown is built again from the first.
            shown.stale_from(0);
        }
        let total: i64 = months.iter().map(|(_, n)| (*n).max(0)).sum();
        // What is on screen (the cached months) stays counted while they are checked.
        self.w.progress.try_set(Progress {
            loaded: shown.publisher.shown() as u64,
            total: u64::try_from(total).ok(),
        });
        if !slots.first().is_some_and(Option::is_some) {
            self.w.status.try_set(LoadStatus::Loading);
        }

        // Every month, with `If-None-Match` when its snapshot is held, a few at a time.
        type Answer = (usize, Result<Fetched, ApiError>);
        let mut in_flight: Vec<std::pin::Pin<Box<dyn std::future::Future<Output = Answer>>>> =
            Vec::new();
        let mut next = 0usize;
        let concurrency = options.concurrency.max(1);
        while next < months.len() || !in_flight.is_empty() {
            while next < months.len() && in_flight.len() < concurrency {
                let i = next;
                next += 1;
                let route = Route::timeline_bucket(&tq, &months[i].0);
                let tag = if slots.get(i).is_some_and(Option::is_some) {
                    tags.get(i).cloned().flatten()
                } else {
                    None
                };
                let (client, signal) = (client.clone(), self.signal.clone());
                in_flight.push(Box::pin(async move {
                    let res = client
                        .get_conditional(
                            &route,
                            tag.as_deref(),
                            limits::LISTING_BYTES,
                            signal.as_ref(),
                        )
                        .await;
                    (i, res)
                }));
            }
            let (i, res) = next_done(&mut in_flight).await;
            if !self.is_current() {
                return Ok(());
            }
            let key = month_key(&tq, &months[i].0);
            let mut changed = None;
            match res {
                Ok(Fetched::NotModified) => {}
                Ok(Fetched::Fresh { etag, body }) => {
                    // A big month (tens of thousands of assets) is read in
                    // steps with the page's events in between, not in one
                    // long task.
                    let big = body.len() > BIG_MONTH_BYTES;
                    let month = decode_time_bucket(&body, month_limits()).map_err(|e| {
                        format!("The month {} could not be read: {e}", &months[i].0[..7])
                    })?;
                    drop(body);
                    if big {
                        sleep(Duration::ZERO).await;
                    }
                    let ix = month_index(&month).map_err(|e| {
                        format!("The month {} could not be read: {e}", &months[i].0[..7])
                    })?;
                    drop(month);
                    if big {
                        sleep(Duration::ZERO).await;
                    }
                    match etag.as_deref() {
                        Some(tag) => {
                            let snap = snapshot::encode(&ix, tag);
                            cache.store(&key, Some(tag), &snap).await;
                        }
                        None => cache.store(&key, None, &[]).await,
                    }
                    if let Some(slot) = slots.get_mut(i) {
                        *slot = Some(ix);
                        changed = Some(i);
                    }
                }
                Err(ApiError::Aborted) => return Ok(()),
                Err(e) => {
                    self.failure.set(Some(e.failure()));
                    return Err(describe(&e));
                }
            }
            let last = next >= months.len() && in_flight.is_empty();
            self.publish_prefix(&slots, &mut shown, changed, last);
        }
        mark("timeline-done");
        self.w.status.try_set(LoadStatus::Current);
        Ok(())
    }

    /// Publishes the months held from the newest on, up to the first gap:
    /// a month that extends the prefix is appended alone (its ids checked
    /// against those shown), a month `changed` inside it builds the prefix
    /// again. Published when it doubled or a second passed ([`Publisher`]),
    /// or when `force`d, so a long load costs linear time in all.
    fn publish_prefix(
        &self,
        slots: &[Option<LibraryIndex>],
        shown: &mut Shown,
        changed: Option<usize>,
        force: bool,
    ) {
        if let Some(i) = changed {
            shown.stale_from(i);
        }
        if let Err(e) = shown.extend(slots) {
            log(&format!("merging months failed: {e}"));
            return;
        }
        let now = js_sys::Date::now();
        if !shown.publisher.dirty {
            // Nothing new to show; the count still says what is shown.
            if force {
                let n = shown.publisher.shown() as u64;
                self.w.progress.try_update(|p| p.loaded = n);
            }
            return;
        }
        if !(force || shown.publisher.due(shown.ix.len(), now)) {
            return;
        }
        shown.publisher.published(shown.ix.len(), now);
        self.w
            .progress
            .try_update(|p| p.loaded = shown.ix.len() as u64);
        self.w.index.try_set(Arc::new(shown.ix.clone()));
    }

    /// The raw body kept for `key` and its ETag, if both are there.
    async fn held_raw(&self, cache: &Cache, key: &str) -> Option<(String, Vec<u8>)> {
        let (policy, bodies) = (cache.policy.as_ref()?, cache.bodies.as_ref()?);
        let tag = policy.borrow_mut().if_none_match(&cache.scope, key)?;
        match bodies
            .get(&CachePolicy::<Kv>::body_key(&cache.scope, key))
            .await
        {
            Some(body) => Some((tag, body)),
            None => {
                cache.body_missing(key).await;
                None
            }
        }
    }

    /// The snapshots held for `months` (one IndexedDB transaction), each
    /// checked against its ETag; a missing or unsound one drops its ETag.
    async fn held_months(
        &self,
        cache: &Cache,
        tq: &TimeBucketQuery,
        months: &[(String, i64)],
    ) -> (Vec<Option<LibraryIndex>>, Vec<Option<String>>) {
        let n = months.len();
        let (Some(policy), Some(bodies)) = (&cache.policy, &cache.bodies) else {
            return (vec![None; n], vec![None; n]);
        };
        let keys: Vec<String> = months.iter().map(|(t, _)| month_key(tq, t)).collect();
        let tags: Vec<Option<String>> = keys
            .iter()
            .map(|k| policy.borrow_mut().if_none_match(&cache.scope, k))
            .collect();
        let body_keys: Vec<String> = keys
            .iter()
            .map(|k| CachePolicy::<Kv>::body_key(&cache.scope, k))
            .collect();
        let stored = bodies.get_many(&body_keys).await;
        let mut slots = Vec::with_capacity(n);
        let mut kept = Vec::with_capacity(n);
        for ((key, tag), body) in keys.iter().zip(tags).zip(stored) {
            let decoded = match (&tag, body) {
                (Some(t), Some(b)) => match snapshot::decode(&b, t) {
                    Ok(ix) => Some(ix),
                    Err(e) => {
                        log(&format!("cached month refused: {e}"));
                        None
                    }
                },
                _ => None,
            };
            if decoded.is_none() && tag.is_some() {
                cache.body_missing(key).await;
            }
            kept.push(if decoded.is_some() { tag } else { None });
            slots.push(decoded);
        }
        (slots, kept)
    }
}

/// The months shown: the prefix of held months from the newest, merged
/// without duplicates, kept between publishes so that a month extending it
/// costs only its own assets.
#[derive(Default)]
struct Shown {
    ix: LibraryIndex,
    seen: IdSet,
    /// Slots merged into `ix`.
    months: usize,
    publisher: Publisher,
}

impl Shown {
    /// Slot `i` changed: if it is already merged, merge again from the start.
    fn stale_from(&mut self, i: usize) {
        if i < self.months || (i == 0 && self.months == 0) {
            self.ix = LibraryIndex::new();
            self.seen = IdSet::new();
            self.months = 0;
            self.publisher.dirty = true;
        }
    }

    /// Merges the held slots that follow the merged prefix.
    fn extend(&mut self, slots: &[Option<LibraryIndex>]) -> Result<(), library_core::IndexError> {
        while let Some(Some(month)) = slots.get(self.months) {
            self.ix.append_unique(month, &mut self.seen)?;
            self.months += 1;
            self.publisher.dirty = true;
        }
        Ok(())
    }
}

/// How many of the newest months a reload reads from the cache before the
/// others: enough for a few screens (400 assets), at most 12 months.
fn early_months(months: &[(String, i64)]) -> usize {
    let mut assets = 0i64;
    let mut n = 0;
    for (_, count) in months.iter().take(12) {
        n += 1;
        assets = assets.saturating_add((*count).max(0));
        if assets >= 400 {
            break;
        }
    }
    n
}

/// Bounds for the month list.
fn month_limits_list() -> BucketLimits {
    BucketLimits {
        max_bytes: limits::SMALL_JSON_BYTES as usize,
        max_items: MAX_MONTHS,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests fail loudly on purpose")]
mod tests {
    use super::*;

    #[test]
    fn view_filters_map_to_the_timeline() {
        let q = AssetQuery {
            is_archived: Some(true),
            is_favorite: Some(false),
            user_id: Some("0b1e7c1a-3a55-4d2c-9f0e-0123456789ab".into()),
            ..Default::default()
        };
        let t = timeline_query(&q, NONE).unwrap();
        assert_eq!(t.visibility, Some(AssetVisibility::Archive));
        assert_eq!(t.is_favorite, Some(false));
        assert_eq!(t.user_id, q.user_id);
        let t = timeline_query(
            &AssetQuery {
                is_archived: Some(false),
                ..Default::default()
            },
            NONE,
        )
        .unwrap();
        assert_eq!(t.visibility, Some(AssetVisibility::Timeline));
        assert_eq!(
            timeline_query(&AssetQuery::default(), NONE).unwrap(),
            TimeBucketQuery::default()
        );
        let dated = AssetQuery {
            updated_after: Some(immich_api::Timestamp::UNIX_EPOCH),
            ..Default::default()
        };
        assert!(timeline_query(&dated, NONE)
            .unwrap_err()
            .contains("cannot filter"));
    }

    const NONE: TimelineExtras = TimelineExtras {
        trash: false,
        with_partners: false,
    };

    #[test]
    fn the_trash_and_partners_map_as_immich_takes_them() {
        let trash = TimelineExtras {
            trash: true,
            with_partners: false,
        };
        let partners = TimelineExtras {
            trash: false,
            with_partners: true,
        };
        let t = timeline_query(&AssetQuery::default(), trash).unwrap();
        assert_eq!(t.is_trashed, Some(true));
        assert_eq!(t.with_partners, None);
        assert!(t.to_query_string(None).contains("isTrashed=true"));
        // Partners need an explicit timeline visibility, which is added.
        let t = timeline_query(&AssetQuery::default(), partners).unwrap();
        assert_eq!(t.with_partners, Some(true));
        assert_eq!(t.visibility, Some(AssetVisibility::Timeline));
        assert_eq!(t.partners_refusal(), None);
        // What Immich refuses is explained instead of sent.
        for q in [
            AssetQuery {
                is_archived: Some(true),
                ..Default::default()
            },
            AssetQuery {
                is_favorite: Some(true),
                ..Default::default()
            },
        ] {
            assert!(timeline_query(&q, partners)
                .unwrap_err()
                .contains("plain timeline"));
        }
        let both = TimelineExtras {
            trash: true,
            with_partners: true,
        };
        assert!(timeline_query(&AssetQuery::default(), both).is_err());
        // The views have their own cache keys.
        let keys: Vec<String> = [NONE, trash, partners]
            .iter()
            .map(|e| list_key(&timeline_query(&AssetQuery::default(), *e).unwrap()))
            .collect();
        assert_ne!(keys[0], keys[1]);
        assert_ne!(keys[0], keys[2]);
        assert_ne!(keys[1], keys[2]);
    }

    fn month(ids: &[u32]) -> LibraryIndex {
        let mut ix = LibraryIndex::new();
        for k in ids {
            let id = format!("{k:08x}-4b5a-4978-8695-a4b3c2d1e0f9");
            ix.push(&library_core::AssetRecord {
                id: &id,
                owner_id: "o",
                ..Default::default()
            })
            .unwrap();
        }
        ix
    }

    fn ids(ix: &LibraryIndex) -> Vec<u32> {
        (0..ix.len())
            .map(|i| u32::from_str_radix(&ix.id_string(i).unwrap()[..8], 16).unwrap())
            .collect()
    }

    #[test]
    fn the_shown_prefix_grows_by_months_and_is_rebuilt_when_one_inside_changes() {
        let mut shown = Shown::default();
        let mut slots = vec![Some(month(&[1, 2])), None, Some(month(&[5]))];
        shown.extend(&slots).unwrap();
        assert_eq!((ids(&shown.ix), shown.months), (vec![1, 2], 1));
        assert!(shown.publisher.dirty);
        shown.publisher.dirty = false;
        // Nothing new: nothing to publish.
        shown.extend(&slots).unwrap();
        assert!(!shown.publisher.dirty);
        // The gap filled: the months after it follow; an id seen is dropped.
        slots[1] = Some(month(&[2, 3, 4]));
        shown.extend(&slots).unwrap();
        assert_eq!((ids(&shown.ix), shown.months), (vec![1, 2, 3, 4, 5], 3));
        // A month inside changed: built again from the first.
        slots[0] = Some(month(&[0, 1]));
        shown.stale_from(0);
        shown.extend(&slots).unwrap();
        assert_eq!(ids(&shown.ix), vec![0, 1, 2, 3, 4, 5]);
        // A month past the prefix changing keeps what is merged.
        let mut shown = Shown::default();
        let slots = vec![Some(month(&[7])), None];
        shown.extend(&slots).unwrap();
        shown.stale_from(1);
        assert_eq!(shown.months, 1);
    }

    #[test]
    fn a_reload_reads_a_few_screens_of_months_first() {
        let m = |counts: &[i64]| -> Vec<(String, i64)> {
            counts.iter().map(|&c| (String::new(), c)).collect()
        };
        assert_eq!(early_months(&m(&[])), 0);
        assert_eq!(early_months(&m(&[5000, 10])), 1);
        assert_eq!(early_months(&m(&[100, 200, 150, 9])), 3);
        assert_eq!(early_months(&m(&[1; 40])), 12);
        assert_eq!(early_months(&m(&[-5, 3])), 2);
    }

    #[test]
    fn cache_keys_name_the_view_and_the_month() {
        let q = TimeBucketQuery {
            is_favorite: Some(true),
            ..Default::default()
        };
        assert_eq!(list_key(&q), "timeline/buckets?isFavorite=true");
        assert_eq!(
            month_key(&q, "2024-03-01T00:00:00.000Z"),
            "timeline/bucket?timeBucket=2024-03-01T00%3A00%3A00.000Z&isFavorite=true"
        );
        assert_ne!(list_key(&q), list_key(&TimeBucketQuery::default()));
        let list = vec![
            immich_api::TimeBucketsResponseDto {
                time_bucket: "2024-03-01".into(),
                count: 4,
            },
            immich_api::TimeBucketsResponseDto {
                time_bucket: "bad".into(),
                count: 1,
            },
        ];
        assert_eq!(
            months_of(&list),
            vec![("2024-03-01T00:00:00.000Z".to_owned(), 4)]
        );
    }
}
