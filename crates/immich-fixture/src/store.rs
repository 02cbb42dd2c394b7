//! The compact in-memory library: one small fixed-size record per asset, with
//! everything bulky (EXIF text, names, paths) re-derived on demand from the
//! record's `serial` and the seed, or, for a loaded `--library` file, kept as
//! the original DTO. A per-owner timeline index holds the visible assets in
//! the order `GET /api/asset` lists them, and every mutation keeps it sorted.

use crate::rng::{format_uuid, SplitMix64};
use immich_api::{AssetResponseDto, PartnerDirection};
use std::{cmp::Ordering, collections::HashMap};

/// "No index" marker for the `u32` links in [`Asset`].
pub const NONE: u32 = u32::MAX;
/// "No place" marker for [`Asset::place`].
pub const NO_PLACE: u16 = u16::MAX;

/// Bit flags of an [`Asset`].
pub mod flag {
    /// `isFavorite`.
    pub const FAVORITE: u16 = 1;
    /// `isArchived`.
    pub const ARCHIVED: u16 = 1 << 1;
    /// `isTrashed`.
    pub const TRASHED: u16 = 1 << 2;
    /// `isOffline`.
    pub const OFFLINE: u16 = 1 << 3;
    /// Not visible on the timeline (the video half of a live photo).
    pub const HIDDEN: u16 = 1 << 4;
    /// Deleted for good: kept as a tombstone so indices stay stable.
    pub const DELETED: u16 = 1 << 5;
    /// Payload comes from a loaded `--library` file (`serial` indexes it).
    pub const LOADED: u16 = 1 << 6;
}

/// Asset kinds the generator makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `IMAGE`.
    Image = 0,
    /// `VIDEO`.
    Video = 1,
    /// `AUDIO`.
    Audio = 2,
    /// `OTHER`.
    Other = 3,
}

impl Kind {
    /// From the stored byte.
    pub fn from_u8(v: u8) -> Kind {
        match v {
            0 => Kind::Image,
            1 => Kind::Video,
            2 => Kind::Audio,
            _ => Kind::Other,
        }
    }
}

/// One asset: 56 bytes. Indices point into [`crate::tables`] and the store.
#[derive(Debug, Clone)]
pub struct Asset {
    /// High half of the UUID.
    pub id_hi: u64,
    /// Low half of the UUID.
    pub id_lo: u64,
    /// `fileCreatedAt`, ms since the epoch (the timeline sort key).
    pub created_ms: i64,
    /// `updatedAt`, ms since the epoch.
    pub updated_ms: i64,
    /// Generated: the key its details are derived from. Loaded: index into the loaded DTOs.
    pub serial: u32,
    /// Index of the hidden live-photo video, or [`NONE`].
    pub live: u32,
    /// Index of the stack primary for a stacked child, or [`NONE`].
    pub parent: u32,
    /// Index into [`crate::tables::PLACES`], or [`NO_PLACE`] (no GPS).
    pub place: u16,
    /// How many times the test controls edited it (changes the description).
    pub edits: u16,
    /// Index into [`Store::users`].
    pub owner: u8,
    /// Index into [`crate::tables::CAMERAS`].
    pub camera: u8,
    /// Index into [`crate::generate::SHAPES`].
    pub shape: u8,
    /// [`Kind`] as a byte.
    pub kind: u8,
    /// [`flag`] bits.
    pub flags: u16,
}

impl Asset {
    /// The UUID as a number.
    pub fn id(&self) -> u128 {
        (u128::from(self.id_hi) << 64) | u128::from(self.id_lo)
    }

    /// Sets the UUID.
    pub fn set_id(&mut self, id: u128) {
        self.id_hi = (id >> 64) as u64;
        self.id_lo = id as u64;
    }

    /// Whether a flag bit is set.
    pub fn has(&self, bit: u16) -> bool {
        self.flags & bit != 0
    }

    /// Sets or clears a flag bit.
    pub fn set(&mut self, bit: u16, on: bool) {
        if on {
            self.flags |= bit;
        } else {
            self.flags &= !bit;
        }
    }

    /// Listed on the owner's timeline.
    pub fn is_listed(&self) -> bool {
        !self.has(flag::HIDDEN) && !self.has(flag::DELETED)
    }

    /// The kind.
    pub fn kind(&self) -> Kind {
        Kind::from_u8(self.kind)
    }
}

/// A user account with its credentials.
#[derive(Debug, Clone)]
pub struct User {
    /// UUID.
    pub id: u128,
    /// Login.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Administrator.
    pub is_admin: bool,
    /// The user's API key (`x-api-key`).
    pub api_key: String,
    /// The API key's permissions on current servers (`["all"]` unless set).
    pub key_permissions: Vec<String>,
    /// The user's session token (`Authorization: Bearer`, `immich_access_token` cookie).
    pub access_token: String,
    /// Avatar colour wire text.
    pub avatar_color: &'static str,
    /// Storage label.
    pub storage_label: Option<String>,
    /// Account creation, ms.
    pub created_ms: i64,
    /// The user's upload library id.
    pub library_id: u128,
    /// The user's tag ids (parallel to [`crate::tables::TAG_NAMES`]).
    pub tag_ids: Vec<u128>,
}

/// `shared_by` shares their library with `shared_with` (indices into users).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partner {
    /// The user whose assets are shared.
    pub shared_by: u8,
    /// The user who may view them.
    pub shared_with: u8,
    /// Whether `shared_with` shows these assets in their own timeline (the
    /// partner's `inTimeline`; Immich's default for a new partner is `false`).
    pub in_timeline: bool,
}

/// Filters and page of a timeline listing (already validated).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListQuery {
    /// Exact `isFavorite`.
    pub is_favorite: Option<bool>,
    /// Exact `isArchived`.
    pub is_archived: Option<bool>,
    /// `updatedAt >= this` (ms).
    pub updated_after: Option<i64>,
    /// `updatedAt <= this` (ms).
    pub updated_before: Option<i64>,
    /// Offset.
    pub skip: usize,
    /// Limit; `None` = everything.
    pub take: Option<usize>,
}

/// One row of the audit log: an asset deleted at `at_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuditRow {
    /// When (server time, ms).
    pub at_ms: i64,
    /// The asset's id.
    pub id: u128,
    /// Its owner.
    pub owner: u8,
}

/// The whole library of every user.
#[derive(Debug)]
pub struct Store {
    /// Generator seed (details are derived from it).
    pub seed: u64,
    /// Users; index 0 is the admin.
    pub users: Vec<User>,
    /// Partner shares.
    pub partners: Vec<Partner>,
    assets: Vec<Asset>,
    by_id: HashMap<u128, u32>,
    /// Per owner: indices of listed assets, `fileCreatedAt` descending, ties by index.
    timelines: Vec<Vec<u32>>,
    /// Stack primary index -> children indices (in stack order).
    stacks: HashMap<u32, Vec<u32>>,
    /// DTOs of a loaded `--library` file.
    loaded: Vec<AssetResponseDto>,
    /// Last `updatedAt` handed out by [`Store::tick`]: keeps mutations strictly increasing.
    clock_ms: i64,
    /// Added to the wall clock: the test controls move the server's time forward.
    pub clock_offset_ms: i64,
    /// The audit log of deletions (Immich's `audit` table, `action = DELETE`).
    pub audit: Vec<AuditRow>,
    /// Next serial for generated assets.
    pub next_serial: u32,
    /// Drives which assets the test controls mutate (deterministic per seed).
    pub mutation_rng: SplitMix64,
}

impl Store {
    /// An empty store for `users`.
    pub fn new(seed: u64, users: Vec<User>, partners: Vec<Partner>) -> Self {
        let n = users.len();
        Self {
            seed,
            users,
            partners,
            assets: Vec::new(),
            by_id: HashMap::new(),
            timelines: vec![Vec::new(); n],
            stacks: HashMap::new(),
            loaded: Vec::new(),
            clock_ms: 0,
            clock_offset_ms: 0,
            audit: Vec::new(),
            next_serial: 0,
            mutation_rng: SplitMix64::new(seed ^ 0x5EED_0FC4_A46E),
        }
    }

    /// Appends without sorting (bulk load); call [`Store::rebuild_index`] afterwards.
    pub fn push_unsorted(&mut self, asset: Asset) -> u32 {
        let idx = self.assets.len() as u32;
        self.by_id.insert(asset.id(), idx);
        if asset.parent != NONE {
            self.stacks.entry(asset.parent).or_default().push(idx);
        }
        self.clock_ms = self.clock_ms.max(asset.updated_ms);
        self.assets.push(asset);
        idx
    }

    /// Keeps a loaded DTO; returns its index for [`Asset::serial`].
    pub fn push_loaded(&mut self, dto: AssetResponseDto) -> u32 {
        self.loaded.push(dto);
        (self.loaded.len() - 1) as u32
    }

    /// A loaded DTO.
    pub fn loaded(&self, i: u32) -> Option<&AssetResponseDto> {
        self.loaded.get(i as usize)
    }

    /// Links stack children to primaries (`(child, primary)` pairs; self-links are ignored).
    pub fn link_stacks(&mut self, links: &[(u32, u32)]) {
        for &(child, primary) in links {
            if child == primary {
                continue;
            }
            if let Some(a) = self.assets.get_mut(child as usize) {
                a.parent = primary;
                self.stacks.entry(primary).or_default().push(child);
            }
        }
    }

    /// Rebuilds every timeline index from scratch (after bulk loading).
    pub fn rebuild_index(&mut self) {
        for t in &mut self.timelines {
            t.clear();
        }
        for (i, a) in self.assets.iter().enumerate() {
            if a.is_listed() {
                if let Some(t) = self.timelines.get_mut(a.owner as usize) {
                    t.push(i as u32);
                }
            }
        }
        let assets = &self.assets;
        for t in &mut self.timelines {
            t.sort_unstable_by(|&a, &b| timeline_order(assets, a, b));
        }
        self.assets.shrink_to_fit();
    }

    /// Inserts one asset, keeping its owner's timeline sorted.
    pub fn insert(&mut self, asset: Asset) -> u32 {
        let owner = asset.owner as usize;
        let listed = asset.is_listed();
        let idx = self.push_unsorted(asset);
        if listed {
            self.index_insert(owner, idx);
        }
        idx
    }

    fn index_insert(&mut self, owner: usize, idx: u32) {
        let assets = &self.assets;
        if let Some(t) = self.timelines.get_mut(owner) {
            let pos = t.partition_point(|&j| timeline_order(assets, j, idx) == Ordering::Less);
            t.insert(pos, idx);
        }
    }

    fn index_remove(&mut self, owner: usize, idx: u32) {
        let assets = &self.assets;
        if let Some(t) = self.timelines.get_mut(owner) {
            let pos = t.partition_point(|&j| timeline_order(assets, j, idx) == Ordering::Less);
            if t.get(pos) == Some(&idx) {
                t.remove(pos);
            }
        }
    }

    /// Moves an asset to a new `fileCreatedAt`, keeping the timeline sorted.
    pub fn set_created(&mut self, idx: u32, created_ms: i64) {
        let Some(a) = self.assets.get(idx as usize) else {
            return;
        };
        let (owner, listed) = (a.owner as usize, a.is_listed());
        if listed {
            self.index_remove(owner, idx);
        }
        if let Some(a) = self.assets.get_mut(idx as usize) {
            a.created_ms = created_ms;
        }
        if listed {
            self.index_insert(owner, idx);
        }
    }

    /// Deletes an asset for good (it leaves every listing and lookup) and writes
    /// its audit row, as Immich does for every removed asset.
    pub fn delete(&mut self, idx: u32) {
        let Some(a) = self.assets.get(idx as usize) else {
            return;
        };
        if a.has(flag::DELETED) {
            return;
        }
        let (owner, listed, id) = (a.owner as usize, a.is_listed(), a.id());
        if listed {
            self.index_remove(owner, idx);
        }
        self.by_id.remove(&id);
        let at_ms = self.now_ms();
        self.audit.push(AuditRow {
            at_ms,
            id,
            owner: owner as u8,
        });
        if let Some(a) = self.assets.get_mut(idx as usize) {
            a.set(flag::DELETED, true);
        }
    }

    /// The server's time: the wall clock plus what the test controls added.
    pub fn now_ms(&self) -> i64 {
        chrono::Utc::now()
            .timestamp_millis()
            .saturating_add(self.clock_offset_ms)
    }

    /// Ids of `owner`'s assets deleted strictly after `after_ms`, oldest first,
    /// each once (`GET /api/audit/deletes`).
    pub fn deleted_after(&self, owner: u8, after_ms: i64) -> Vec<u128> {
        let mut seen = std::collections::HashSet::new();
        self.audit
            .iter()
            .filter(|r| r.owner == owner && r.at_ms > after_ms && seen.insert(r.id))
            .map(|r| r.id)
            .collect()
    }

    /// A strictly increasing `updatedAt` for a mutation: now, or 1 ms after the last one.
    pub fn tick(&mut self, now_ms: i64) -> i64 {
        self.clock_ms = now_ms.max(self.clock_ms + 1);
        self.clock_ms
    }

    /// Every asset record (including hidden and deleted ones).
    pub fn assets(&self) -> &[Asset] {
        &self.assets
    }

    /// One record.
    pub fn asset(&self, idx: u32) -> Option<&Asset> {
        self.assets.get(idx as usize)
    }

    /// One record, mutable. Callers must not change `created_ms`, `owner` or
    /// visibility flags this way (use [`Store::set_created`] / [`Store::delete`]).
    pub fn asset_mut(&mut self, idx: u32) -> Option<&mut Asset> {
        self.assets.get_mut(idx as usize)
    }

    /// Index of a live (not deleted) asset by UUID.
    pub fn find(&self, id: u128) -> Option<u32> {
        self.by_id.get(&id).copied()
    }

    /// Stack children of a primary, if it is one.
    pub fn stack_children(&self, primary: u32) -> Option<&[u32]> {
        self.stacks
            .get(&primary)
            .map(Vec::as_slice)
            .filter(|c| !c.is_empty())
    }

    /// An owner's listed assets in timeline order.
    pub fn timeline(&self, owner: u8) -> &[u32] {
        self.timelines
            .get(owner as usize)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// Index of a user by UUID.
    pub fn user_index(&self, id: u128) -> Option<u8> {
        self.users.iter().position(|u| u.id == id).map(|i| i as u8)
    }

    /// Whether `viewer` may read `owner`'s timeline (self, or a partner sharing with them).
    pub fn can_view_timeline(&self, viewer: u8, owner: u8) -> bool {
        viewer == owner
            || self
                .partners
                .iter()
                .any(|p| p.shared_by == owner && p.shared_with == viewer)
    }

    /// The partner relations of `user` in one direction, in store order:
    /// [`PartnerDirection::SharedWith`] gives those sharing their library with
    /// `user`, [`PartnerDirection::SharedBy`] those `user` shares with. Each
    /// item is the other user's index and the relation's `in_timeline`. An
    /// unknown direction has no partners (the route refuses it first).
    pub fn partners_of(&self, user: u8, direction: &PartnerDirection) -> Vec<(u8, bool)> {
        self.partners
            .iter()
            .filter_map(|p| {
                match direction {
                    PartnerDirection::SharedWith if p.shared_with == user => Some(p.shared_by),
                    PartnerDirection::SharedBy if p.shared_by == user => Some(p.shared_with),
                    _ => None,
                }
                .map(|other| (other, p.in_timeline))
            })
            .collect()
    }

    /// The page of `owner`'s timeline matching `q`, as asset indices in order.
    pub fn list(&self, owner: u8, q: &ListQuery) -> Vec<u32> {
        let timeline = self.timeline(owner);
        let take = q.take.unwrap_or(usize::MAX);
        let unfiltered = q.is_favorite.is_none()
            && q.is_archived.is_none()
            && q.updated_after.is_none()
            && q.updated_before.is_none();
        if unfiltered {
            // The common case is a plain slice of the pre-sorted index.
            let start = q.skip.min(timeline.len());
            let end = start.saturating_add(take).min(timeline.len());
            return timeline[start..end].to_vec();
        }
        timeline
            .iter()
            .copied()
            .filter(|&i| self.assets.get(i as usize).is_some_and(|a| matches(a, q)))
            .skip(q.skip)
            .take(take)
            .collect()
    }

    /// [`Store::list`] with every order tie (same `fileCreatedAt`) that
    /// reaches the page listed in a new order drawn from `seed`, as Postgres
    /// may list them differently per query: pages repeat and skip tied
    /// assets at their boundaries.
    pub fn list_shuffled(&self, owner: u8, q: &ListQuery, seed: u64) -> Vec<u32> {
        let all = self.list(
            owner,
            &ListQuery {
                skip: 0,
                take: None,
                ..q.clone()
            },
        );
        let time = |i: usize| {
            all.get(i)
                .and_then(|&x| self.asset(x))
                .map(|a| a.created_ms)
        };
        let start = q.skip.min(all.len());
        let end = start
            .saturating_add(q.take.unwrap_or(usize::MAX))
            .min(all.len());
        if start == end {
            return Vec::new();
        }
        // Widen to whole tie groups at both edges, then shuffle each group.
        let mut lo = start;
        while lo > 0 && time(lo - 1) == time(start) {
            lo -= 1;
        }
        let mut hi = end;
        while hi < all.len() && time(hi) == time(end - 1) {
            hi += 1;
        }
        let mut w: Vec<u32> = all.get(lo..hi).map(<[u32]>::to_vec).unwrap_or_default();
        let mut rng = SplitMix64::new(seed);
        let mut i = 0;
        while i < w.len() {
            let t = time(lo + i);
            let n = (i..w.len())
                .take_while(|&j| time(lo + j) == t)
                .count()
                .max(1);
            for k in (1..n).rev() {
                let j = rng.below(k as u64 + 1) as usize;
                w.swap(i + k, i + j);
            }
            i += n;
        }
        w.get(start - lo..end - lo)
            .map(<[u32]>::to_vec)
            .unwrap_or_default()
    }

    /// Counts of an owner's visible images and videos for `GET /api/asset/statistics`.
    /// Trashed assets count only when `is_trashed == Some(true)`, as in Immich.
    pub fn statistics(
        &self,
        owner: u8,
        is_archived: Option<bool>,
        is_favorite: Option<bool>,
        is_trashed: Option<bool>,
    ) -> (i64, i64, i64) {
        let (mut images, mut videos, mut total) = (0, 0, 0);
        for &i in self.timeline(owner) {
            let Some(a) = self.assets.get(i as usize) else {
                continue;
            };
            if is_archived.is_some_and(|v| v != a.has(flag::ARCHIVED))
                || is_favorite.is_some_and(|v| v != a.has(flag::FAVORITE))
                || is_trashed.unwrap_or(false) != a.has(flag::TRASHED)
            {
                continue;
            }
            match a.kind() {
                Kind::Image => images += 1,
                Kind::Video => videos += 1,
                _ => {}
            }
            total += 1;
        }
        (images, videos, total)
    }

    /// The UUID text of an asset index.
    pub fn id_text(&self, idx: u32) -> String {
        self.asset(idx)
            .map(|a| format_uuid(a.id()))
            .unwrap_or_default()
    }
}

fn matches(a: &Asset, q: &ListQuery) -> bool {
    q.is_favorite.is_none_or(|v| v == a.has(flag::FAVORITE))
        && q.is_archived.is_none_or(|v| v == a.has(flag::ARCHIVED))
        && q.updated_after.is_none_or(|t| a.updated_ms >= t)
        && q.updated_before.is_none_or(|t| a.updated_ms <= t)
}

/// Timeline order: `fileCreatedAt` descending; Immich has no tie-breaker, the
/// fixture breaks ties by insertion order so answers are deterministic.
fn timeline_order(assets: &[Asset], a: u32, b: u32) -> Ordering {
    let ka = assets.get(a as usize).map_or(i64::MIN, |x| x.created_ms);
    let kb = assets.get(b as usize).map_or(i64::MIN, |x| x.created_ms);
    kb.cmp(&ka).then(a.cmp(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(i: u8) -> User {
        User {
            id: u128::from(i) + 1,
            email: format!("u{i}@x"),
            name: format!("U{i}"),
            is_admin: i == 0,
            api_key: format!("key{i}"),
            key_permissions: vec!["all".into()],
            access_token: format!("tok{i}"),
            avatar_color: "primary",
            storage_label: None,
            created_ms: 0,
            library_id: 0,
            tag_ids: vec![],
        }
    }

    fn asset(id: u128, created_ms: i64, updated_ms: i64, flags: u16) -> Asset {
        let mut a = Asset {
            id_hi: 0,
            id_lo: 0,
            created_ms,
            updated_ms,
            serial: 0,
            live: NONE,
            parent: NONE,
            place: NO_PLACE,
            edits: 0,
            owner: 0,
            camera: 0,
            shape: 0,
            kind: 0,
            flags,
        };
        a.set_id(id);
        a
    }

    fn store() -> Store {
        Store::new(
            1,
            vec![user(0), user(1)],
            vec![Partner {
                shared_by: 1,
                shared_with: 0,
                in_timeline: true,
            }],
        )
    }

    fn created(s: &Store, idx: &[u32]) -> Vec<i64> {
        idx.iter()
            .map(|&i| s.asset(i).unwrap().created_ms)
            .collect()
    }

    #[test]
    fn record_is_small() {
        assert!(
            std::mem::size_of::<Asset>() <= 56,
            "{}",
            std::mem::size_of::<Asset>()
        );
    }

    #[test]
    fn insert_keeps_descending_order_and_ties_are_deterministic() {
        let mut s = store();
        for (id, t) in [(1, 50), (2, 10), (3, 30), (4, 30), (5, 70), (6, 30)] {
            s.insert(asset(id, t, t, 0));
        }
        let all = s.list(0, &ListQuery::default());
        assert_eq!(created(&s, &all), vec![70, 50, 30, 30, 30, 10]);
        // Ties keep insertion order.
        let ids: Vec<u128> = all.iter().map(|&i| s.asset(i).unwrap().id()).collect();
        assert_eq!(ids, vec![5, 1, 3, 4, 6, 2]);
    }

    #[test]
    fn set_created_and_delete_keep_order() {
        let mut s = store();
        for (id, t) in [(1, 50), (2, 10), (3, 30)] {
            s.insert(asset(id, t, t, 0));
        }
        s.set_created(1, 5); // asset id 2 moves from 10 to 5: still last
        s.set_created(2, 99); // asset id 3 to the top
        let all = s.list(0, &ListQuery::default());
        assert_eq!(created(&s, &all), vec![99, 50, 5]);
        s.delete(0);
        assert_eq!(created(&s, &s.list(0, &ListQuery::default())), vec![99, 5]);
        assert_eq!(s.find(1), None);
        assert_eq!(s.find(3), Some(2));
    }

    #[test]
    fn hidden_assets_are_not_listed() {
        let mut s = store();
        s.insert(asset(1, 10, 10, flag::HIDDEN));
        s.insert(asset(2, 20, 20, flag::TRASHED | flag::OFFLINE));
        let all = s.list(0, &ListQuery::default());
        assert_eq!(all, vec![1]);
        assert_eq!(s.find(1), Some(0), "hidden assets are still found by id");
    }

    #[test]
    fn filters_skip_take_and_inclusive_bounds() {
        let mut s = store();
        for i in 0..10u16 {
            let flags = if i % 2 == 0 { flag::FAVORITE } else { 0 }
                | if i % 3 == 0 { flag::ARCHIVED } else { 0 };
            s.insert(asset(
                u128::from(i) + 1,
                i64::from(i) * 10,
                i64::from(i) * 100,
                flags,
            ));
        }
        let check = |q: ListQuery, expected: Vec<i64>| {
            assert_eq!(created(&s, &s.list(0, &q)), expected, "{q:?}");
        };
        check(
            ListQuery {
                skip: 2,
                take: Some(3),
                ..Default::default()
            },
            vec![70, 60, 50],
        );
        check(
            ListQuery {
                skip: 20,
                ..Default::default()
            },
            vec![],
        );
        check(
            ListQuery {
                take: Some(0),
                ..Default::default()
            },
            vec![],
        );
        check(
            ListQuery {
                is_favorite: Some(true),
                ..Default::default()
            },
            vec![80, 60, 40, 20, 0],
        );
        check(
            ListQuery {
                is_archived: Some(true),
                is_favorite: Some(false),
                ..Default::default()
            },
            vec![90, 30],
        );
        check(
            ListQuery {
                updated_after: Some(300),
                updated_before: Some(500),
                ..Default::default()
            },
            vec![50, 40, 30],
        );
        check(
            ListQuery {
                updated_after: Some(300),
                skip: 1,
                take: Some(2),
                ..Default::default()
            },
            vec![80, 70],
        );
    }

    #[test]
    fn partner_access_is_one_way() {
        let s = store();
        assert!(s.can_view_timeline(0, 0));
        assert!(s.can_view_timeline(0, 1));
        assert!(!s.can_view_timeline(1, 0));
    }

    #[test]
    fn partners_by_direction() {
        let mut s = store();
        // A second relation the other way round, so each user has one of each.
        s.partners.push(Partner {
            shared_by: 0,
            shared_with: 1,
            in_timeline: false,
        });
        fn check(s: &Store, user: u8, direction: PartnerDirection, expected: &[(u8, bool)]) {
            assert_eq!(
                s.partners_of(user, &direction),
                expected,
                "{user} {direction}"
            );
        }
        check(&s, 0, PartnerDirection::SharedWith, &[(1, true)]);
        check(&s, 0, PartnerDirection::SharedBy, &[(1, false)]);
        check(&s, 1, PartnerDirection::SharedWith, &[(0, false)]);
        check(&s, 1, PartnerDirection::SharedBy, &[(0, true)]);
        check(&s, 2, PartnerDirection::SharedWith, &[]);
        check(&s, 0, PartnerDirection::Unknown("both".into()), &[]);
    }

    #[test]
    fn statistics_exclude_trash_unless_asked() {
        let mut s = store();
        s.insert(asset(1, 1, 1, 0));
        s.insert(asset(2, 2, 2, flag::TRASHED));
        let mut v = asset(3, 3, 3, flag::FAVORITE);
        v.kind = Kind::Video as u8;
        s.insert(v);
        s.insert(asset(4, 4, 4, flag::HIDDEN));
        assert_eq!(s.statistics(0, None, None, None), (1, 1, 2));
        assert_eq!(s.statistics(0, None, None, Some(true)), (1, 0, 1));
        assert_eq!(s.statistics(0, None, Some(true), None), (0, 1, 1));
    }

    #[test]
    fn tick_is_strictly_increasing() {
        let mut s = store();
        let a = s.tick(1000);
        let b = s.tick(1000);
        let c = s.tick(500);
        assert!(a < b && b < c);
    }
}
