//! Delta sync: which pass a load runs, what a delta means for the held index, and
//! when to fall back to the page-by-page ETag verification. Pure: the glue sends
//! the requests this asks for and feeds the answers back; times are the server's
//! (`Date` headers), passed in.
//!
//! Immich v1.98–v1.103 can say what changed since a time `T`:
//! `GET /api/asset?updatedAfter=T&userId=U` (created and changed assets; trashing
//! and favouriting move `updatedAt`) and
//! `GET /api/audit/deletes?after=T&entityType=ASSET&userId=U` (deleted ids, and
//! `needsFullSync` when `T` is older than the audit log's 100 days). So:
//!
//! - **Cold load** ([`Plan::Load`]): one pass over the pages, a few in flight, then
//!   one delta since the server time taken before the first page ([`LibrarySync`]'s
//!   `start_ms`). Edits, favourite flips and trashing that landed during the load
//!   are applied by id. A change of *membership* (a create or a delete, an asset
//!   entering or leaving a filter) can shift `skip`/`take` pages under the load and
//!   hide an asset at a page boundary; duplicates are removed by id, and a hidden
//!   asset shows as a count below `/api/asset/statistics`. So when anything changed
//!   during the load, the count must match (where statistics apply), else the pages
//!   are verified with their ETags as before.
//! - **Reload** ([`Plan::Delta`]): the cached pages are a consistent snapshot as of
//!   the record's watermark; the delta since then is applied to them, and the count
//!   is checked where statistics apply. No page is requested.
//! - **Verification** ([`Plan::Verify`]): every page with its ETag, as before: when
//!   no delta applies to the view, no sound record exists, the server version or the
//!   user changed, the person asked for a refresh, a day passed since the last full
//!   check (exif-only edits do not move `updatedAt`), or a delta fell back.
//!
//! A delta is asked for the whole library (no `isFavorite`/`isArchived`) and the
//! view's filters are applied here: an asset that left the filter leaves the view.

use std::collections::HashMap;

use immich_api::AssetQuery;

use crate::{
    cache::{CacheScope, KEY_PREFIX},
    AssetFlags, AssetId, IdSet, IndexError, LibraryIndex, PageError, PageRequest, PageResponse,
    PageSet, PageSetPhase, DAY_MS,
};

/// The audit log's retention in Immich of these releases: a delta from further
/// back answers `needsFullSync`.
pub const AUDIT_RETENTION_MS: i64 = 100 * DAY_MS;
/// A full ETag pass runs at least this often (exif-only edits keep `updatedAt`).
pub const FULL_CHECK_INTERVAL_MS: i64 = DAY_MS;
/// Assets a delta asks for at most (`take`); a delta that fills it falls back to a
/// verification pass, which refetches only the pages that changed.
pub const DELTA_TAKE: u32 = 5000;
/// Subtracted from a server `Date` (whole seconds, truncated) before it serves as a
/// watermark: `updatedAfter` is inclusive, so re-reading a second costs little.
pub const WATERMARK_MARGIN_MS: i64 = 1000;

/// What the cache remembers after a load of a view: the state its pages hold.
/// Stored as JSON with these field names as keys (`{"v":1,"watermark_ms":…}`,
/// the form serde wrote before the app dropped it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncRecord {
    /// Format version; anything else is ignored.
    pub v: u32,
    /// Server time (ms) before the first page of the load that wrote the pages: every
    /// change after it has `updatedAt` (or an audit row) at or after it.
    pub watermark_ms: i64,
    /// Server time (ms) of the last full pass (a load or a verification).
    pub checked_ms: i64,
    /// `major.minor.patch` of the server that answered.
    pub server_version: String,
    /// The user the pages belong to.
    pub user_id: String,
}

impl SyncRecord {
    /// The format version written.
    pub const VERSION: u32 = 1;

    /// A record of a full pass that started at server time `start_ms`.
    pub fn new(start_ms: i64, server_version: &str, user_id: &str) -> Self {
        Self {
            v: Self::VERSION,
            watermark_ms: start_ms,
            checked_ms: start_ms,
            server_version: server_version.to_owned(),
            user_id: user_id.to_owned(),
        }
    }

    /// The key-value key of a view's record: scope plus the view's canonical query
    /// (filters only; `skip`/`take` excluded).
    pub fn key(scope: &CacheScope, view: &str) -> String {
        let mut k = format!("{KEY_PREFIX}sync:{}|", scope.as_str());
        for c in view.chars() {
            match c {
                '%' => k.push_str("%25"),
                '|' => k.push_str("%7C"),
                _ => k.push(c),
            }
        }
        k
    }

    /// JSON for the key-value store.
    pub fn to_json(&self) -> String {
        use immich_api::json::write_str;
        let mut out = format!(
            "{{\"v\":{},\"watermark_ms\":{},\"checked_ms\":{},\"server_version\":",
            self.v, self.watermark_ms, self.checked_ms
        );
        write_str(&mut out, &self.server_version);
        out.push_str(",\"user_id\":");
        write_str(&mut out, &self.user_id);
        out.push('}');
        out
    }

    /// Reads a stored record; `None` when corrupt or of another version.
    pub fn from_json(s: &str) -> Option<Self> {
        immich_api::json::from_slice::<Self>(s.as_bytes())
            .ok()
            .filter(|r| r.v == Self::VERSION && r.checked_ms >= r.watermark_ms)
    }
}

/// Every key required, unknown keys skipped, a key twice refused.
impl immich_api::json::FromJson for SyncRecord {
    fn read(r: &mut immich_api::json::Reader<'_>) -> Result<Self, immich_api::json::Error> {
        immich_api::read_object!(r, {
            "v" => v: _,
            "watermark_ms" => watermark_ms: _,
            "checked_ms" => checked_ms: _,
            "server_version" => server_version: _,
            "user_id" => user_id: _,
        });
        Ok(Self {
            v: v.ok_or_else(|| r.missing("v"))?,
            watermark_ms: watermark_ms.ok_or_else(|| r.missing("watermark_ms"))?,
            checked_ms: checked_ms.ok_or_else(|| r.missing("checked_ms"))?,
            server_version: server_version.ok_or_else(|| r.missing("server_version"))?,
            user_id: user_id.ok_or_else(|| r.missing("user_id"))?,
        })
    }
}

/// The server-side filters of a view, applied locally to a delta.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ViewFilter {
    /// `isFavorite`
    pub is_favorite: Option<bool>,
    /// `isArchived`
    pub is_archived: Option<bool>,
}

impl ViewFilter {
    /// The filters of `query`.
    pub fn of(query: &AssetQuery) -> Self {
        Self {
            is_favorite: query.is_favorite,
            is_archived: query.is_archived,
        }
    }

    /// Whether an asset with `flags` is listed by the view (trashed ones are, as on
    /// the server).
    pub fn matches(&self, flags: AssetFlags) -> bool {
        self.is_favorite
            .is_none_or(|f| f == flags.contains(AssetFlags::FAVORITE))
            && self
                .is_archived
                .is_none_or(|a| a == flags.contains(AssetFlags::ARCHIVED))
    }
}

/// Whether deltas can keep a view current: the whole library from the top (not one
/// explicit page, not from a `skip`), no `updatedAfter`/`updatedBefore` range (an
/// asset's `updatedAt` is not held, so leaving the range could not be seen), and for
/// a partner's library no `isFavorite`/`isArchived` (a partner's payload always says
/// `false`, so the filters cannot be applied locally). Other views verify by ETag.
pub fn delta_applies(query: &AssetQuery, paged: bool, me: &str) -> bool {
    let own = query
        .user_id
        .as_deref()
        .is_none_or(|u| u.eq_ignore_ascii_case(me));
    !paged
        && query.skip.unwrap_or(0) == 0
        && query.updated_after.is_none()
        && query.updated_before.is_none()
        && (own || (query.is_favorite.is_none() && query.is_archived.is_none()))
}

/// Why a load verifies every page instead of applying a delta.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VerifyReason {
    /// The view is paged, dated, or a filtered partner view ([`delta_applies`]).
    ViewNeedsPages,
    /// No record of a complete load of this view (or it is corrupt).
    NoRecord,
    /// The cached pages do not reach the library's end (a body is missing).
    IncompleteCache,
    /// The server's version is not the one the pages came from.
    ServerChanged,
    /// The record belongs to another user.
    UserChanged,
    /// The person asked for a refresh.
    Requested,
    /// The last full check is a day old or more.
    Daily,
    /// The server's time is unknown (its `Date` header is not readable).
    NoServerTime,
    /// The audit endpoint answered `needsFullSync`.
    NeedsFullSync,
    /// The count after the delta is not the server's.
    CountMismatch,
    /// The library's membership changed during the load and no count can rule out
    /// an asset hidden at a page boundary.
    ChangedDuringLoad,
    /// `/api/audit/deletes` or the delta failed (missing on this server: 404).
    DeltaUnavailable,
    /// More changes than one delta page ([`DELTA_TAKE`]).
    DeltaTooLarge,
}

/// The pass a load runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plan {
    /// Nothing cached: one pass over the pages, then (`catch_up`) one delta for what
    /// changed during it; without `catch_up`, verification passes as before.
    Load {
        /// Whether a delta closes the load (else ETag verification passes).
        catch_up: bool,
    },
    /// Cached pages, checked by a delta since `since_ms`.
    Delta {
        /// The record's watermark.
        since_ms: i64,
    },
    /// Cached pages, each verified with its ETag.
    Verify(VerifyReason),
}

/// What [`plan`] decides from.
#[derive(Clone, Copy, Debug)]
pub struct PlanInput<'a> {
    /// [`delta_applies`] for the view.
    pub delta_view: bool,
    /// Pages read from the cache.
    pub cached_pages: usize,
    /// Whether the cached pages reach the end (the last one is short).
    pub cache_complete: bool,
    /// The view's record, if stored and sound.
    pub record: Option<&'a SyncRecord>,
    /// The server's time now (ms), from a `Date` header.
    pub now_ms: Option<i64>,
    /// The server's version now.
    pub server_version: &'a str,
    /// The signed-in user now.
    pub user_id: &'a str,
    /// The person asked for a full refresh.
    pub refresh: bool,
    /// A delta endpoint already proved unavailable on this server.
    pub delta_unavailable: bool,
}

/// Decides the pass a load runs; see the module docs.
pub fn plan(i: &PlanInput<'_>) -> Plan {
    let deltas = i.delta_view && i.now_ms.is_some() && !i.delta_unavailable;
    if i.cached_pages == 0 {
        return Plan::Load { catch_up: deltas };
    }
    let reason = if !i.delta_view {
        VerifyReason::ViewNeedsPages
    } else if i.delta_unavailable {
        VerifyReason::DeltaUnavailable
    } else if i.refresh {
        VerifyReason::Requested
    } else if !i.cache_complete {
        VerifyReason::IncompleteCache
    } else {
        match (i.record, i.now_ms) {
            (_, None) => VerifyReason::NoServerTime,
            (None, _) => VerifyReason::NoRecord,
            (Some(r), _) if r.server_version != i.server_version => VerifyReason::ServerChanged,
            (Some(r), _) if !r.user_id.eq_ignore_ascii_case(i.user_id) => VerifyReason::UserChanged,
            (Some(r), Some(now))
                if now.saturating_sub(r.checked_ms) >= FULL_CHECK_INTERVAL_MS
                    || now < r.watermark_ms =>
            {
                VerifyReason::Daily
            }
            (Some(r), Some(_)) => {
                return Plan::Delta {
                    since_ms: r.watermark_ms,
                }
            }
        }
    };
    Plan::Verify(reason)
}

/// What a reload may ask for before `/api/user/me` answers and before the
/// cached pages are read, so the delta travels while the snapshots load: the
/// requests of the [`Plan::Delta`] that the remembered user's record for the
/// view promises (the changes, the deletions and, when `counts`, the count).
/// A guess only: the answers are used when [`plan`] then decides a delta from
/// the same watermark; otherwise they are dropped and nothing is lost but the
/// requests. `known_version` is the server's version if already known.
pub fn requests_ahead(
    record: Option<&SyncRecord>,
    remembered_user: &str,
    known_version: Option<&str>,
    delta_view: bool,
    refresh: bool,
    delta_unavailable: bool,
    counts: bool,
) -> Vec<SyncRequest> {
    let Some(r) = record else {
        return Vec::new();
    };
    let sound = delta_view
        && !refresh
        && !delta_unavailable
        && r.user_id.eq_ignore_ascii_case(remembered_user)
        && known_version.is_none_or(|v| v == r.server_version);
    if !sound {
        return Vec::new();
    }
    let since_ms = r.watermark_ms;
    let mut out = vec![
        SyncRequest::Changes {
            since_ms,
            take: DELTA_TAKE,
        },
        SyncRequest::Deletes { since_ms },
    ];
    if counts {
        out.push(SyncRequest::Count);
    }
    out
}

/// A watermark from a server `Date` header's time: whole seconds, so back off a
/// second (the header is truncated, `updatedAfter` is inclusive).
pub fn watermark_from_date(date_ms: i64) -> i64 {
    date_ms.saturating_sub(WATERMARK_MARGIN_MS)
}

/// The time of an HTTP `Date` header in ms since the epoch; `None` for
/// anything else. Reads what RFC 9110 asks a recipient to read: the
/// IMF-fixdate every server sends (`Tue, 01 Dec 2026 20:19:32 GMT`), RFC
/// 2822's numeric zones (`+0100`) and unpadded days, RFC 850's
/// `Tuesday, 01-Dec-26 20:19:32 GMT` and C's `asctime` (`Tue Dec  1
/// 20:19:32 2026`). The weekday is not checked.
pub fn parse_http_date(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.len() > 64 {
        return None;
    }
    // Drop the weekday (`Tue,` / `Tuesday,` / asctime's `Tue`).
    let rest = match s.split_once(',') {
        Some((day, rest)) if day.bytes().all(|b| b.is_ascii_alphabetic()) => rest,
        Some(_) => return None,
        None => match s.split_once(' ') {
            Some((day, rest)) if day.bytes().all(|b| b.is_ascii_alphabetic()) => rest,
            _ => s,
        },
    };
    let words: Vec<&str> = rest.split_ascii_whitespace().collect();
    let (day, month, year, time, zone) = match words.as_slice() {
        // RFC 850: `01-Dec-26`.
        [date, time, zone] => {
            let mut p = date.split('-');
            let (d, m, y) = (p.next()?, p.next()?, p.next()?);
            if p.next().is_some() || y.len() != 2 {
                return None;
            }
            // RFC 9110: a two-digit year more than 50 years ahead is in the past century.
            let yy: i64 = y.parse().ok()?;
            (
                d,
                m,
                2000 + yy - if yy >= 70 { 100 } else { 0 },
                *time,
                *zone,
            )
        }
        // asctime: `Dec  1 20:19:32 2026`, always UTC.
        [m, d, time, y] if m.bytes().all(|b| b.is_ascii_alphabetic()) => {
            (*d, *m, four_digits(y)?, *time, "GMT")
        }
        [d, m, y, time, zone] => (*d, *m, four_digits(y)?, *time, *zone),
        _ => return None,
    };
    let day: u32 =
        (day.len() <= 2 && day.bytes().all(|b| b.is_ascii_digit())).then(|| day.parse().ok())??;
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let month = MONTHS
        .iter()
        .position(|m| m.eq_ignore_ascii_case(month))
        .and_then(|i| u32::try_from(i + 1).ok())?;
    let mut t = time.split(':');
    let mut part = || -> Option<u32> {
        let p = t.next()?;
        (p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit())).then(|| p.parse().ok())?
    };
    let (hour, minute) = (part()?, part()?);
    let second = if time.len() > 5 { part()? } else { 0 };
    if t.next().is_some() {
        return None;
    }
    let offset_min: i64 = match zone {
        z if ["GMT", "UT", "UTC", "Z"]
            .iter()
            .any(|g| g.eq_ignore_ascii_case(z)) =>
        {
            0
        }
        z if z.len() == 5 && z.bytes().skip(1).all(|b| b.is_ascii_digit()) => {
            let sign = match z.as_bytes().first() {
                Some(b'+') => 1,
                Some(b'-') => -1,
                _ => return None,
            };
            let hh: i64 = z.get(1..3)?.parse().ok()?;
            let mm: i64 = z.get(3..5)?.parse().ok()?;
            if mm > 59 {
                return None;
            }
            sign * (hh * 60 + mm)
        }
        _ => return None,
    };
    let civil = immich_api::Civil {
        year: i32::try_from(year).ok()?,
        month,
        day,
        hour,
        minute,
        // A leap second reads as the last second of its minute.
        second: second.min(59),
        milli: 0,
    };
    let at = immich_api::Timestamp::from_civil(&civil)?.timestamp_millis();
    at.checked_sub(offset_min * 60_000)
}

/// A year of exactly four digits.
fn four_digits(y: &str) -> Option<i64> {
    (y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit())).then(|| y.parse().ok())?
}

/// What a delta did to the held index.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DeltaEffect {
    /// Assets that were not held and now are.
    pub inserted: usize,
    /// Held assets replaced by their new version (in place or moved).
    pub replaced: usize,
    /// Held assets removed (deleted, or no longer matching the filter).
    pub removed: usize,
}

impl DeltaEffect {
    /// Whether the delta changed nothing held.
    pub fn is_empty(&self) -> bool {
        self.inserted == 0 && self.replaced == 0 && self.removed == 0
    }
}

/// An owned id, for maps.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum IdKey {
    Uuid([u8; 16]),
    Other(String),
}

impl IdKey {
    fn of(id: AssetId<'_>) -> Self {
        match id {
            AssetId::Uuid(u) => Self::Uuid(u),
            AssetId::Other(s) => Self::Other(s.to_owned()),
        }
    }
}

/// Applies a delta to `held` (in server order): assets of `changes` replace their
/// held version by id, new ones are inserted at their place in `fileCreatedAt`
/// descending order (after held assets of the same time: the server has no
/// tie-breaker), those not matching `filter` and those in `deleted` are removed.
/// A changed asset whose `fileCreatedAt` did not move keeps its place.
pub fn apply_delta(
    held: &LibraryIndex,
    changes: &LibraryIndex,
    deleted: &IdSet,
    filter: ViewFilter,
) -> Result<(LibraryIndex, DeltaEffect), IndexError> {
    if changes.is_empty() && deleted.is_empty() {
        // Nothing changed: the held chunks are the result, shared.
        return Ok((held.clone(), DeltaEffect::default()));
    }
    // The newest version of each changed id (a delta holds each id once; keep the
    // first if not).
    let mut changed: HashMap<IdKey, usize> = HashMap::with_capacity(changes.len());
    for i in 0..changes.len() {
        if let Some(id) = changes.id(i) {
            changed.entry(IdKey::of(id)).or_insert(i);
        }
    }
    let wanted = |c: usize| changes.flags(c).is_some_and(|f| filter.matches(f));
    let mut effect = DeltaEffect::default();
    // Changed assets that stay where they are (held, same time, still listed).
    let mut in_place: HashMap<usize, usize> = HashMap::new(); // held pos -> change
    let mut placed = vec![false; changes.len()];
    for h in 0..held.len() {
        let Some(id) = held.id(h) else { continue };
        if let Some(&c) = changed.get(&IdKey::of(id)) {
            if wanted(c)
                && !deleted.contains(id)
                && changes.file_created_ms(c) == held.file_created_ms(h)
                && !placed.get(c).copied().unwrap_or(true)
            {
                in_place.insert(h, c);
                if let Some(p) = placed.get_mut(c) {
                    *p = true;
                }
            }
        }
    }
    // The rest to insert, newest first (stable: the delta's own order breaks ties).
    let mut inserts: Vec<usize> = (0..changes.len())
        .filter(|&c| {
            !placed.get(c).copied().unwrap_or(true)
                && wanted(c)
                && changes.id(c).is_some_and(|id| {
                    !deleted.contains(id) && changed.get(&IdKey::of(id)) == Some(&c)
                })
        })
        .collect();
    inserts.sort_by_key(|&c| std::cmp::Reverse(changes.file_created_ms(c).unwrap_or(i64::MIN)));
    let mut out = LibraryIndex::new();
    let mut next = inserts.iter().copied().peekable();
    // Held ids that the delta names (to tell inserts from moves).
    let mut held_changed = IdSet::new();
    let mut h = 0usize;
    for chunk in held.chunk_arcs() {
        let n = chunk.len();
        // A chunk no change touches (no insert lands before or inside it, no asset
        // of it changed, moved or deleted) is shared as it is.
        let next_created = next
            .peek()
            .map(|&c| changes.file_created_ms(c).unwrap_or(i64::MIN));
        let untouched = (0..n).all(|j| {
            let created = chunk.file_created_ms(j).unwrap_or(i64::MIN);
            next_created.is_none_or(|t| t <= created)
                && chunk.id(j).is_some_and(|id| {
                    !deleted.contains(id) && !changed.contains_key(&IdKey::of(id))
                })
        });
        if untouched {
            out.push_shared(chunk);
            h += n;
            continue;
        }
        for _ in 0..n {
            let at = h;
            h += 1;
            let Some(id) = held.id(at) else { continue };
            let created = held.file_created_ms(at).unwrap_or(i64::MIN);
            while let Some(c) =
                next.next_if(|&c| changes.file_created_ms(c).unwrap_or(i64::MIN) > created)
            {
                out.push_from(changes, c)?;
            }
            let key = IdKey::of(id);
            let changed_here = changed.get(&key).copied();
            if changed_here.is_some() {
                held_changed.insert(id);
            }
            if let Some(&c) = in_place.get(&at) {
                out.push_from(changes, c)?;
                effect.replaced += 1;
                continue;
            }
            if deleted.contains(id) {
                effect.removed += 1;
                continue;
            }
            if let Some(c) = changed_here {
                if wanted(c) {
                    effect.replaced += 1; // moved: inserted at its new place
                } else {
                    effect.removed += 1;
                }
                continue;
            }
            out.push_from(held, at)?;
        }
    }
    for c in next {
        out.push_from(changes, c)?;
    }
    effect.inserted = inserts
        .iter()
        .filter(|&&c| changes.id(c).is_some_and(|id| !held_changed.contains(id)))
        .count();
    out.shrink_to_fit();
    Ok((out, effect))
}

/// One request the glue should send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SyncRequest {
    /// A page of the view: `GET /api/asset?<filters>&skip&take`, with `If-None-Match`.
    Page(PageRequest),
    /// `GET /api/asset?updatedAfter=<since>&userId=<user>&take=<take>`, no other filter.
    Changes {
        /// `updatedAfter`, ms since the epoch.
        since_ms: i64,
        /// `take`.
        take: u32,
    },
    /// `GET /api/audit/deletes?after=<since>&entityType=ASSET&userId=<user>`.
    Deletes {
        /// `after`, ms since the epoch.
        since_ms: i64,
    },
    /// The number of assets the view lists, from `/api/asset/statistics`, asked
    /// after the delta.
    Count,
}

/// Where a [`LibrarySync`] stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyncPhase {
    /// Fetching or verifying pages.
    Pages(PageSetPhase),
    /// Waiting for the delta (and the count).
    Delta,
    /// Finished; the result is [`LibrarySync::result`].
    Done,
}

/// How a finished sync ended, for the glue's cache bookkeeping.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyncEnd {
    /// The pages were loaded or verified: they are a new base; record
    /// [`SyncRecord::new`] with the run's start.
    PagesChecked,
    /// A delta on the held base sufficed: the stored record stays.
    DeltaApplied,
    /// The library kept changing: no sound base; forget the record.
    Unsettled,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    Pages,
    Delta { since_ms: i64 },
    Count,
    Done,
}

/// A failed delta request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeltaFailure {
    /// The route does not exist on this server (404): never ask it again.
    Missing,
    /// Any other failure (the glue retried transient ones already).
    Failed,
}

/// One load or sync of a view as a state machine; see the module docs. The glue
/// loops: [`LibrarySync::next_request`], send, feed the answer to the matching
/// `on_*`, until [`LibrarySync::phase`] is [`SyncPhase::Done`].
#[derive(Debug)]
pub struct LibrarySync {
    pages: Option<PageSet>,
    /// A background sync's base: the index shown.
    base: Option<LibraryIndex>,
    /// The delta applied: the result.
    held: Option<LibraryIndex>,
    /// Whether the delta closes a one-pass load (changes during it may have
    /// shifted pages).
    catch_up: bool,
    filter: ViewFilter,
    counts: bool,
    start_ms: Option<i64>,
    stage: Stage,
    changes: Option<LibraryIndex>,
    deletes: Option<(IdSet, bool)>,
    sent_changes: bool,
    sent_deletes: bool,
    sent_count: bool,
    fallback: Option<VerifyReason>,
    end: Option<SyncEnd>,
    delta_missing: bool,
    effect: Option<DeltaEffect>,
}

impl LibrarySync {
    /// A load following `plan` over `pages` (fresh for [`Plan::Load`], from the cache
    /// otherwise). `start_ms`: the server's time before any page of this run was
    /// asked (the next watermark). `counts`: whether `/api/asset/statistics` counts
    /// this view.
    pub fn new(
        plan: Plan,
        pages: PageSet,
        filter: ViewFilter,
        counts: bool,
        start_ms: Option<i64>,
    ) -> Self {
        let (pages, stage) = match (plan, start_ms) {
            (Plan::Load { catch_up: true }, Some(_)) => (pages.single_pass(), Stage::Pages),
            (Plan::Delta { since_ms }, _) => (pages, Stage::Delta { since_ms }),
            _ => (pages, Stage::Pages),
        };
        Self {
            pages: Some(pages),
            base: None,
            held: None,
            catch_up: false,
            filter,
            counts,
            start_ms,
            stage,
            changes: None,
            deletes: None,
            sent_changes: false,
            sent_deletes: false,
            sent_count: false,
            fallback: None,
            end: None,
            delta_missing: false,
            effect: None,
        }
    }

    /// A background sync of an index already shown (current as of `since_ms`): a
    /// delta applied to it. On any fallback it ends with [`LibrarySync::fallback`]
    /// set and the glue reloads with a verification pass.
    pub fn background(
        current: LibraryIndex,
        since_ms: i64,
        filter: ViewFilter,
        counts: bool,
    ) -> Self {
        Self {
            pages: None,
            base: Some(current),
            held: None,
            catch_up: false,
            filter,
            counts,
            start_ms: None,
            stage: Stage::Delta { since_ms },
            changes: None,
            deletes: None,
            sent_changes: false,
            sent_deletes: false,
            sent_count: false,
            fallback: None,
            end: None,
            delta_missing: false,
            effect: None,
        }
    }

    /// Where the sync stands.
    pub fn phase(&self) -> SyncPhase {
        match self.stage {
            Stage::Pages => SyncPhase::Pages(
                self.pages
                    .as_ref()
                    .map_or(PageSetPhase::Complete, PageSet::phase),
            ),
            Stage::Delta { .. } | Stage::Count => SyncPhase::Delta,
            Stage::Done => SyncPhase::Done,
        }
    }

    /// How it ended, once [`SyncPhase::Done`].
    pub fn end(&self) -> Option<SyncEnd> {
        self.end
    }

    /// Why it fell back to verifying pages (or, for a background sync, why a reload
    /// is needed), if it did.
    pub fn fallback(&self) -> Option<VerifyReason> {
        self.fallback
    }

    /// What the applied delta did (`None` when none was applied).
    pub fn delta_effect(&self) -> Option<DeltaEffect> {
        self.effect
    }

    /// Whether a delta route answered 404 (remember it for the session).
    pub fn delta_missing(&self) -> bool {
        self.delta_missing
    }

    /// The page set (for storing bodies and progress).
    pub fn pages(&self) -> Option<&PageSet> {
        self.pages.as_ref()
    }

    /// The next request to send, if any now.
    pub fn next_request(&mut self) -> Option<SyncRequest> {
        match self.stage {
            Stage::Pages => self
                .pages
                .as_mut()
                .and_then(PageSet::next_request)
                .map(SyncRequest::Page),
            Stage::Delta { since_ms, .. } => {
                if !self.sent_changes {
                    self.sent_changes = true;
                    return Some(SyncRequest::Changes {
                        since_ms,
                        take: DELTA_TAKE,
                    });
                }
                if !self.sent_deletes {
                    self.sent_deletes = true;
                    return Some(SyncRequest::Deletes { since_ms });
                }
                None
            }
            Stage::Count if !self.sent_count => {
                self.sent_count = true;
                Some(SyncRequest::Count)
            }
            Stage::Count | Stage::Done => None,
        }
    }

    /// A page request failed: it is asked again.
    pub fn on_page_failure(&mut self, page: usize) {
        if let Some(p) = self.pages.as_mut() {
            p.on_failure(page);
        }
    }

    /// A page failed for now: set it aside (see [`PageSet::set_aside`]).
    pub fn set_page_aside(&mut self, page: usize) {
        if let Some(p) = self.pages.as_mut() {
            p.set_aside(page);
        }
    }

    /// A set-aside page may be asked again.
    pub fn retry_page(&mut self, page: usize) {
        if let Some(p) = self.pages.as_mut() {
            p.retry_aside(page);
        }
    }

    /// The answer for a page.
    pub fn on_page(&mut self, page: usize, response: PageResponse) -> Result<(), PageError> {
        let Some(pages) = self.pages.as_mut() else {
            return Err(PageError::NotRequested(page));
        };
        if self.stage != Stage::Pages {
            return Err(PageError::NotRequested(page));
        }
        let result = pages.on_response(page, response);
        self.after_pages();
        result
    }

    /// The answer for a tie window (see [`PageSet::on_tie`]): the page it
    /// changed, if any (store it again).
    pub fn on_tie(
        &mut self,
        tie: usize,
        window: &LibraryIndex,
    ) -> Result<Option<usize>, PageError> {
        if self.stage != Stage::Pages {
            return Err(PageError::NotRequested(tie));
        }
        let Some(pages) = self.pages.as_mut() else {
            return Err(PageError::NotRequested(tie));
        };
        let result = pages.on_tie(tie, window);
        self.after_pages();
        result
    }

    /// A tie window failed.
    pub fn on_tie_failure(&mut self, tie: usize) {
        if self.stage != Stage::Pages {
            return;
        }
        if let Some(p) = self.pages.as_mut() {
            p.on_tie_failure(tie);
        }
        self.after_pages();
    }

    /// Moves on when the pages' pass ended.
    fn after_pages(&mut self) {
        let Some(pages) = self.pages.as_mut() else {
            return;
        };
        match pages.phase() {
            PageSetPhase::Loaded => match self.start_ms {
                Some(since_ms) => {
                    self.catch_up = true;
                    self.stage = Stage::Delta { since_ms };
                }
                None => pages.start_verification(),
            },
            PageSetPhase::Complete => self.finish(SyncEnd::PagesChecked),
            PageSetPhase::Unsettled => self.finish(SyncEnd::Unsettled),
            PageSetPhase::Loading | PageSetPhase::Verifying { .. } => {}
        }
    }

    /// The delta's assets (decoded), or why there are none.
    pub fn on_changes(&mut self, changes: Result<LibraryIndex, DeltaFailure>) {
        if !matches!(self.stage, Stage::Delta { .. }) || self.changes.is_some() {
            return;
        }
        match changes {
            Ok(c) if c.len() >= DELTA_TAKE as usize => self.fall_back(VerifyReason::DeltaTooLarge),
            Ok(c) => {
                self.changes = Some(c);
                self.try_apply();
            }
            Err(f) => self.delta_failed(f),
        }
    }

    /// The audit's deleted ids and `needsFullSync`, or why there are none.
    pub fn on_deletes(&mut self, deletes: Result<(Vec<String>, bool), DeltaFailure>) {
        if !matches!(self.stage, Stage::Delta { .. }) || self.deletes.is_some() {
            return;
        }
        match deletes {
            Ok((_, true)) => self.fall_back(VerifyReason::NeedsFullSync),
            Ok((ids, false)) => {
                let mut set = IdSet::new();
                for id in &ids {
                    set.insert(AssetId::parse(id));
                }
                self.deletes = Some((set, false));
                self.try_apply();
            }
            Err(f) => self.delta_failed(f),
        }
    }

    /// The view's count of assets outside the trash from the statistics
    /// (`isTrashed=false`; `None` when they failed). One call: it is compared
    /// with the held assets not in the trash. A trashed asset's arrival or
    /// departure moves its `updatedAt` (the delta brings it) or writes an
    /// audit row (the deletions bring it).
    pub fn on_count(&mut self, count: Option<u64>) {
        if self.stage != Stage::Count {
            return;
        }
        let held = self.held.as_ref().map_or(0, LibraryIndex::live_len) as u64;
        match count {
            Some(n) if n == held => self.finish(SyncEnd::DeltaApplied),
            Some(_) => self.fall_back(VerifyReason::CountMismatch),
            // Without a count, a delta on a sound base is trusted; a catch-up after a
            // load during which the library changed is not.
            None if self.catch_up => self.fall_back(VerifyReason::ChangedDuringLoad),
            None => self.finish(SyncEnd::DeltaApplied),
        }
    }

    fn changed_during_load(&self) -> bool {
        self.changes.as_ref().is_some_and(|c| !c.is_empty())
            || self.deletes.as_ref().is_some_and(|(d, _)| !d.is_empty())
    }

    fn delta_failed(&mut self, f: DeltaFailure) {
        if f == DeltaFailure::Missing {
            self.delta_missing = true;
        }
        self.fall_back(VerifyReason::DeltaUnavailable);
    }

    fn try_apply(&mut self) {
        if !matches!(self.stage, Stage::Delta { .. }) {
            return;
        }
        let (Some(changes), Some((deleted, _))) = (&self.changes, &self.deletes) else {
            return;
        };
        if changes.is_empty() && deleted.is_empty() {
            // Nothing changed: the base stands as it is (no copy of a large index).
            self.effect = Some(DeltaEffect::default());
            if let Some(base) = self.base.take() {
                self.held = Some(base);
            }
            if self.counts && !self.catch_up {
                if self.held.is_none() {
                    // The count is of the merged pages (duplicates dropped).
                    match self.pages.as_ref().map(PageSet::merged) {
                        Some(Ok(ix)) => self.held = Some(ix),
                        _ => {
                            self.fall_back(VerifyReason::DeltaUnavailable);
                            return;
                        }
                    }
                }
                self.stage = Stage::Count;
            } else {
                self.finish(SyncEnd::DeltaApplied);
            }
            return;
        }
        let base = match (&self.base, &self.pages) {
            (Some(h), _) => Ok(h.clone()),
            (None, Some(p)) => p.merged(),
            (None, None) => Ok(LibraryIndex::new()),
        };
        let applied = base
            .map_err(|_| ())
            .and_then(|b| apply_delta(&b, changes, deleted, self.filter).map_err(|_| ()));
        let Ok((index, effect)) = applied else {
            self.fall_back(VerifyReason::DeltaUnavailable);
            return;
        };
        self.held = Some(index);
        self.effect = Some(effect);
        let changed = self.changed_during_load();
        if self.catch_up && !changed {
            // Nothing moved during the load: the pages are a consistent snapshot.
            self.finish(SyncEnd::DeltaApplied);
        } else if self.counts {
            self.stage = Stage::Count;
        } else if self.catch_up {
            self.fall_back(VerifyReason::ChangedDuringLoad);
        } else {
            self.finish(SyncEnd::DeltaApplied);
        }
    }

    fn fall_back(&mut self, reason: VerifyReason) {
        self.fallback = Some(reason);
        self.held = None;
        self.effect = None;
        self.changes = None;
        self.deletes = None;
        match self.pages.as_mut() {
            Some(p) => {
                p.start_verification();
                self.stage = Stage::Pages;
                // A delta on cached pages: the page set is already in its pass 1.
                if p.is_finished() {
                    let end = if p.phase() == PageSetPhase::Unsettled {
                        SyncEnd::Unsettled
                    } else {
                        SyncEnd::PagesChecked
                    };
                    self.finish(end);
                }
            }
            // A background sync: the glue reloads.
            None => {
                self.stage = Stage::Done;
            }
        }
    }

    fn finish(&mut self, end: SyncEnd) {
        self.stage = Stage::Done;
        // A catch-up's pages were fetched in full: they are a new base either way.
        self.end = Some(if self.catch_up && end == SyncEnd::DeltaApplied {
            SyncEnd::PagesChecked
        } else {
            end
        });
    }

    /// The index to show: the delta's result when one was applied, else the merged
    /// pages. Available at any time (a partial load gives what is held so far).
    pub fn result(&self) -> Result<LibraryIndex, PageError> {
        match (&self.held, &self.pages, &self.base) {
            (Some(h), _, _) => Ok(h.clone()),
            // Pages that answered out of order wait for the pages before
            // them: a later page's assets never sit at an earlier page's
            // positions on screen.
            (None, Some(p), _) => p.merged_prefix(),
            (None, None, Some(b)) => Ok(b.clone()),
            (None, None, None) => Ok(LibraryIndex::new()),
        }
    }

    /// The server time this run's answers are current as of (the next in-memory
    /// watermark), when known.
    pub fn start_ms(&self) -> Option<i64> {
        self.start_ms
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AssetFlags, AssetRecord};
    use std::sync::Arc;

    /// One asset of the model server.
    #[derive(Clone, Debug, PartialEq)]
    struct A {
        id: u32,
        created: i64,
        updated: i64,
        fav: bool,
        archived: bool,
        trashed: bool,
    }

    impl A {
        fn flags(&self) -> AssetFlags {
            let mut f = AssetFlags::empty();
            f.set(AssetFlags::FAVORITE, self.fav);
            f.set(AssetFlags::ARCHIVED, self.archived);
            f.set(AssetFlags::TRASHED, self.trashed);
            f
        }
    }

    /// A server with Immich's semantics for what the sync uses: pages with ETags,
    /// `updatedAfter` (inclusive), the audit log with its 100 days, statistics.
    struct Server {
        /// `fileCreatedAt` descending; ties by insertion.
        assets: Vec<A>,
        audit: Vec<(i64, u32)>,
        now: i64,
        next_id: u32,
        filter: ViewFilter,
        seed: u64,
        page_requests: usize,
        delta_requests: usize,
        count_requests: usize,
        /// Lists each tie group in a new random order per request, as Postgres may.
        shuffle_ties: bool,
    }

    const T0: i64 = 1_700_000_000_000;

    impl Server {
        fn new(n: u32, filter: ViewFilter) -> Self {
            let assets = (0..n)
                .map(|k| A {
                    id: k,
                    // Some ties on purpose: three assets a second.
                    created: T0 - 1000 * i64::from(k / 3),
                    updated: T0 - 10_000,
                    fav: k % 4 == 0,
                    archived: k % 5 == 0,
                    trashed: false,
                })
                .collect();
            Self {
                assets,
                audit: Vec::new(),
                now: T0,
                next_id: n,
                filter,
                seed: 0x9E37_79B9_7F4A_7C15,
                page_requests: 0,
                delta_requests: 0,
                count_requests: 0,
                shuffle_ties: false,
            }
        }

        /// `n` assets in bursts of one time each (sizes 1 to `burst`),
        /// listed with ties shuffled per request.
        fn with_bursts(n: u32, burst: u32, seed: u64) -> Self {
            let mut s = Self::new(0, ViewFilter::default());
            s.seed = seed | 1;
            let mut t = T0;
            while s.assets.len() < n as usize {
                let size = 1 + s.rand(burst as usize) as u32;
                for _ in 0..size.min(n - s.assets.len() as u32) {
                    let id = s.next_id;
                    s.next_id += 1;
                    s.assets.push(A {
                        id,
                        created: t,
                        updated: T0 - 10_000,
                        fav: id % 4 == 0,
                        archived: false,
                        trashed: false,
                    });
                }
                t -= 1000;
            }
            s.shuffle_ties = true;
            s
        }

        /// What a list request sees: the view's assets, ties shuffled when asked.
        fn listing(&mut self) -> Vec<A> {
            let mut listed: Vec<A> = self.listed().into_iter().cloned().collect();
            if self.shuffle_ties {
                let mut i = 0;
                while i < listed.len() {
                    let t = listed[i].created;
                    let n = listed[i..].iter().take_while(|a| a.created == t).count();
                    for k in (1..n).rev() {
                        let j = self.rand(k + 1);
                        listed.swap(i + k, i + j);
                    }
                    i += n;
                }
            }
            listed
        }

        fn tick(&mut self) -> i64 {
            self.now += 7;
            self.now
        }

        fn rand(&mut self, below: usize) -> usize {
            self.seed ^= self.seed << 13;
            self.seed ^= self.seed >> 7;
            self.seed ^= self.seed << 17;
            (self.seed % below.max(1) as u64) as usize
        }

        fn insert(&mut self, created: i64) {
            let t = self.tick();
            let a = A {
                id: self.next_id,
                created,
                updated: t,
                fav: self.next_id.is_multiple_of(2),
                archived: false,
                trashed: false,
            };
            self.next_id += 1;
            let at = self.assets.partition_point(|x| x.created >= created);
            self.assets.insert(at, a);
        }

        fn create_top(&mut self) {
            let t = self.now + 1_000_000;
            self.insert(t);
        }

        fn create_anywhere(&mut self) {
            let k = self.rand(self.assets.len() + 1);
            let created = self.assets.get(k).map_or(T0 - 10_000_000, |a| a.created);
            self.insert(created);
        }

        fn edit(&mut self, f: impl Fn(&mut A)) {
            if self.assets.is_empty() {
                return;
            }
            let k = self.rand(self.assets.len());
            let t = self.tick();
            f(&mut self.assets[k]);
            self.assets[k].updated = t;
        }

        fn delete(&mut self) {
            if self.assets.is_empty() {
                return;
            }
            let k = self.rand(self.assets.len());
            let t = self.tick();
            let a = self.assets.remove(k);
            self.audit.push((t, a.id));
        }

        /// A change the delta cannot see: an asset appears with an old `updatedAt`
        /// (as a database restore would).
        fn create_stale(&mut self) {
            self.create_top();
            let newest = self.next_id - 1;
            if let Some(a) = self.assets.iter_mut().find(|a| a.id == newest) {
                a.updated = T0 - 50_000;
            }
        }

        fn random_change(&mut self) {
            match self.rand(6) {
                0 => self.create_top(),
                1 => self.create_anywhere(),
                2 => self.edit(|a| a.fav = !a.fav),
                3 => self.edit(|a| a.trashed = true),
                4 => self.edit(|a| a.archived = !a.archived),
                _ => self.delete(),
            }
        }

        fn listed(&self) -> Vec<&A> {
            self.assets
                .iter()
                .filter(|a| self.filter.matches(a.flags()))
                .collect()
        }

        fn index_of<'a>(list: impl IntoIterator<Item = &'a A>) -> LibraryIndex {
            let mut ix = LibraryIndex::new();
            for a in list {
                let id = format!("asset-{}", a.id);
                ix.push(&AssetRecord {
                    id: &id,
                    owner_id: "o",
                    file_created_ms: a.created,
                    flags: a.flags(),
                    ..AssetRecord::default()
                })
                .unwrap();
            }
            ix
        }

        fn answer(&mut self, r: &SyncRequest) -> Answer {
            match r {
                SyncRequest::Page(p) => {
                    self.page_requests += 1;
                    let listed = self.listing();
                    let start = (p.skip as usize).min(listed.len());
                    let end = (start + p.take as usize).min(listed.len());
                    let slice = &listed[start..end];
                    if let Some(t) = p.tie {
                        return Answer::Tie(t, Self::index_of(slice));
                    }
                    let etag = format!("\"{slice:?}\"");
                    if p.if_none_match.as_deref() == Some(&etag) {
                        return Answer::Page(p.page, PageResponse::NotModified);
                    }
                    Answer::Page(
                        p.page,
                        PageResponse::Fresh {
                            assets: Self::index_of(slice),
                            etag: Some(etag),
                        },
                    )
                }
                SyncRequest::Changes { since_ms, take } => {
                    self.delta_requests += 1;
                    let changed = self
                        .assets
                        .iter()
                        .filter(|a| a.updated >= *since_ms)
                        .take(*take as usize);
                    Answer::Changes(Self::index_of(changed))
                }
                SyncRequest::Deletes { since_ms } => {
                    self.delta_requests += 1;
                    let ids = self
                        .audit
                        .iter()
                        .filter(|(t, _)| t > since_ms)
                        .map(|(_, id)| format!("asset-{id}"))
                        .collect();
                    Answer::Deletes(ids, self.now - since_ms > AUDIT_RETENTION_MS)
                }
                SyncRequest::Count => {
                    self.count_requests += 1;
                    Answer::Count(self.listed().iter().filter(|a| !a.trashed).count() as u64)
                }
            }
        }
    }

    enum Answer {
        Page(usize, PageResponse),
        Tie(usize, LibraryIndex),
        Changes(LibraryIndex),
        Deletes(Vec<String>, bool),
        Count(u64),
    }

    fn feed(sync: &mut LibrarySync, a: Answer) {
        match a {
            Answer::Page(p, r) => {
                let _ = sync.on_page(p, r);
            }
            Answer::Tie(t, w) => {
                let _ = sync.on_tie(t, &w);
            }
            Answer::Changes(c) => sync.on_changes(Ok(c)),
            Answer::Deletes(ids, full) => sync.on_deletes(Ok((ids, full))),
            Answer::Count(n) => sync.on_count(Some(n)),
        }
    }

    /// Drives a sync to its end, answering the newest request first;
    /// `mutate(server, k)` runs before the k-th answer to a page request (the
    /// library changes while pages load; what changes after the delta was
    /// answered is the next sync's).
    fn run(
        sync: &mut LibrarySync,
        server: &mut Server,
        mut mutate: impl FnMut(&mut Server, usize),
    ) {
        let mut pending = Vec::new();
        let (mut k, mut answers) = (0, 0);
        loop {
            while let Some(r) = sync.next_request() {
                pending.push(r);
            }
            let Some(r) = pending.pop() else { break };
            if matches!(r, SyncRequest::Page(_)) {
                mutate(server, k);
                k += 1;
            }
            let a = server.answer(&r);
            feed(sync, a);
            answers += 1;
            assert!(answers < 20_000, "runaway sync");
        }
        assert_eq!(sync.phase(), SyncPhase::Done);
    }

    /// What the view shows, with the flags that matter.
    fn shown(ix: &LibraryIndex) -> Vec<(String, u16)> {
        (0..ix.len())
            .map(|i| (ix.id_string(i).unwrap(), ix.flags(i).unwrap().bits()))
            .collect()
    }

    /// The same set of assets with the same values; order may differ only among
    /// assets of the same `fileCreatedAt` (the server has no tie-breaker).
    fn assert_same_view(got: &LibraryIndex, server: &Server, what: &str) {
        let want = Server::index_of(server.listed());
        let key = |ix: &LibraryIndex| {
            let mut v: Vec<(i64, String, u16)> = (0..ix.len())
                .map(|i| {
                    (
                        -ix.file_created_ms(i).unwrap(),
                        ix.id_string(i).unwrap(),
                        ix.flags(i).unwrap().bits(),
                    )
                })
                .collect();
            v.sort();
            v
        };
        assert_eq!(key(got), key(&want), "{what}");
        let times = |ix: &LibraryIndex| -> Vec<i64> {
            (0..ix.len())
                .map(|i| ix.file_created_ms(i).unwrap())
                .collect()
        };
        assert_eq!(times(got), times(&want), "{what}: order");
    }

    fn cached_pages(sync: &LibrarySync) -> Vec<(LibraryIndex, Option<String>)> {
        let p = sync.pages().unwrap();
        (0..p.page_count())
            .filter_map(|k| p.page(k))
            .map(|(ix, e)| (ix.clone(), e.map(str::to_owned)))
            .collect()
    }

    const TAKE: u32 = 10;

    fn cold(server: &mut Server, in_flight: usize, counts: bool) -> LibrarySync {
        let start = server.now;
        LibrarySync::new(
            Plan::Load { catch_up: true },
            PageSet::new(TAKE).with_max_in_flight(in_flight),
            server.filter,
            counts,
            Some(watermark_from_date(start)),
        )
    }

    fn warm(
        server: &Server,
        pages: Vec<(LibraryIndex, Option<String>)>,
        since_ms: i64,
        counts: bool,
    ) -> LibrarySync {
        LibrarySync::new(
            Plan::Delta { since_ms },
            PageSet::from_cached(TAKE, pages),
            server.filter,
            counts,
            Some(server.now),
        )
    }

    const FILTERS: [ViewFilter; 3] = [
        ViewFilter {
            is_favorite: None,
            is_archived: None,
        },
        ViewFilter {
            is_favorite: Some(true),
            is_archived: None,
        },
        ViewFilter {
            is_favorite: None,
            is_archived: Some(false),
        },
    ];

    /// A cold load against a server that lists each tie group in a new order
    /// per request: pages repeat and skip tied assets at their boundaries.
    fn shuffled_cold_load(n: u32, burst: u32, take: u32, in_flight: usize, seed: u64) {
        let mut server = Server::with_bursts(n, burst, seed);
        let mut sync = LibrarySync::new(
            Plan::Load { catch_up: true },
            PageSet::new(take).with_max_in_flight(in_flight),
            server.filter,
            true,
            Some(watermark_from_date(server.now)),
        );
        run(&mut sync, &mut server, |_, _| {});
        let what = format!("n={n} burst={burst} take={take} in_flight={in_flight} seed={seed}");
        assert_same_view(&sync.result().unwrap(), &server, &what);
        // The tie windows are few: at most a round or two per boundary.
        let pages = n.div_ceil(take) as usize + 1;
        assert!(
            server.page_requests <= pages * 3,
            "{what}: {} requests for {pages} pages",
            server.page_requests
        );
        // What a reload reads from the cache is the same set: the additions
        // are held in the pages themselves.
        let cached = cached_pages(&sync);
        let mut warm = warm(&server, cached, server.now, true);
        run(&mut warm, &mut server, |_, _| {});
        assert_same_view(&warm.result().unwrap(), &server, &format!("{what}: reload"));
    }

    #[test]
    fn shuffled_ties_end_with_exactly_the_servers_set() {
        for seed in 1..40 {
            shuffled_cold_load(95, 8, 10, 1, seed);
            shuffled_cold_load(200, 30, 10, 3, seed);
            shuffled_cold_load(333, 4, 7, 4, seed);
        }
        // Groups larger than a page, larger than a tie window, and one page.
        shuffled_cold_load(40, 40, 10, 2, 3);
        shuffled_cold_load(12_000, 6_000, 1000, 4, 5);
    }

    #[test]
    fn without_the_repair_shuffled_ties_lose_assets() {
        // The model does what it should: a plain merge of shuffled pages
        // misses tied assets (so the test above can fail).
        let mut server = Server::with_bursts(200, 30, 11);
        let mut held = IdSet::new();
        let mut k = 0;
        loop {
            let r = SyncRequest::Page(PageRequest {
                page: k,
                skip: k as u64 * 10,
                take: 10,
                if_none_match: None,
                tie: None,
            });
            let Answer::Page(_, PageResponse::Fresh { assets, .. }) = server.answer(&r) else {
                panic!("a page")
            };
            for i in 0..assets.len() {
                held.insert(assets.id(i).unwrap());
            }
            if assets.len() < 10 {
                break;
            }
            k += 1;
        }
        assert!(held.len() < 200, "{} of 200", held.len());
    }

    #[test]
    fn cold_load_of_a_still_library_is_one_pass_and_one_delta() {
        for (n, in_flight) in [(0, 1), (1, 1), (10, 1), (95, 1), (95, 3), (1000, 4)] {
            let mut server = Server::new(n, FILTERS[0]);
            let mut sync = cold(&mut server, in_flight, true);
            run(&mut sync, &mut server, |_, _| {});
            assert_same_view(&sync.result().unwrap(), &server, "still");
            let pages = n as usize / TAKE as usize + 1;
            // The old behaviour asked every page twice; with several in flight,
            // up to `in_flight - 1` requests past the end are wasted.
            assert!(
                (pages..pages + in_flight).contains(&server.page_requests),
                "n={n} in_flight={in_flight}: {}",
                server.page_requests
            );
            assert_eq!(server.delta_requests, 2);
            assert_eq!(server.count_requests, 0, "nothing changed: no count needed");
            assert_eq!(sync.end(), Some(SyncEnd::PagesChecked));
            assert_eq!(sync.fallback(), None);
        }
    }

    #[test]
    fn edits_during_a_cold_load_are_caught_by_the_delta() {
        for filter in FILTERS {
            for in_flight in [1, 2, 4] {
                let mut server = Server::new(95, filter);
                let mut sync = cold(&mut server, in_flight, true);
                run(&mut sync, &mut server, |s, k| {
                    // During the first pass (the favourites view has 3 pages).
                    if k < 3 {
                        s.edit(|a| a.fav = !a.fav);
                        s.edit(|a| a.trashed = true);
                    }
                });
                let what = format!(
                    "{filter:?} {in_flight} {:?} {:?}",
                    sync.fallback(),
                    sync.end()
                );
                assert_same_view(&sync.result().unwrap(), &server, &what);
            }
        }
    }

    #[test]
    fn any_change_during_a_cold_load_ends_exact_with_or_without_counts() {
        for filter in FILTERS {
            for in_flight in [1, 2, 3, 4] {
                for counts in [true, false] {
                    for seed in 1..6u64 {
                        let mut server = Server::new(123, filter);
                        server.seed ^= seed * 0x1234_5678;
                        let mut sync = cold(&mut server, in_flight, counts);
                        run(&mut sync, &mut server, |s, k| {
                            if k < 14 && k % 2 == 0 {
                                s.random_change();
                            }
                        });
                        let what =
                            format!("{filter:?} in_flight={in_flight} counts={counts} seed={seed}");
                        assert_same_view(&sync.result().unwrap(), &server, &what);
                        let ids: Vec<String> = shown(&sync.result().unwrap())
                            .into_iter()
                            .map(|x| x.0)
                            .collect();
                        let mut dedup = ids.clone();
                        dedup.sort();
                        dedup.dedup();
                        assert_eq!(dedup.len(), ids.len(), "{what}: duplicates");
                    }
                }
            }
        }
    }

    #[test]
    fn a_deletion_mid_load_that_hides_an_asset_falls_back() {
        // Page 0 read, then an asset of page 0 deleted: page 1 starts one later and
        // the first asset it would have held is at no page. The delta cannot bring
        // it (it did not change); the count shows it missing.
        let mut server = Server::new(30, FILTERS[0]);
        let mut sync = cold(&mut server, 1, true);
        run(&mut sync, &mut server, |s, k| {
            if k == 1 {
                let t = s.tick();
                let a = s.assets.remove(2);
                s.audit.push((t, a.id));
            }
        });
        assert_eq!(sync.fallback(), Some(VerifyReason::CountMismatch));
        assert_same_view(&sync.result().unwrap(), &server, "gap");
        // Without statistics (a partner's library) a change means verification.
        let mut server = Server::new(30, FILTERS[0]);
        let mut sync = cold(&mut server, 1, false);
        run(&mut sync, &mut server, |s, k| {
            if k == 1 {
                s.delete();
            }
        });
        assert_eq!(sync.fallback(), Some(VerifyReason::ChangedDuringLoad));
        assert_same_view(&sync.result().unwrap(), &server, "gap, no counts");
    }

    fn loaded(filter: ViewFilter) -> (Server, Vec<(LibraryIndex, Option<String>)>, i64) {
        let mut server = Server::new(95, filter);
        let mut sync = cold(&mut server, 2, true);
        let start = sync.start_ms().unwrap();
        run(&mut sync, &mut server, |_, _| {});
        server.page_requests = 0;
        server.delta_requests = 0;
        server.count_requests = 0;
        (server, cached_pages(&sync), start)
    }

    #[test]
    fn unchanged_reload_sends_no_page() {
        let (mut server, pages, since) = loaded(FILTERS[0]);
        server.now += 3_600_000;
        let mut sync = warm(&server, pages, since, true);
        run(&mut sync, &mut server, |_, _| {});
        assert_same_view(&sync.result().unwrap(), &server, "unchanged");
        assert_eq!(
            (
                server.page_requests,
                server.delta_requests,
                server.count_requests
            ),
            (0, 2, 1)
        );
        assert_eq!(sync.end(), Some(SyncEnd::DeltaApplied));
    }

    #[test]
    fn reload_applies_creates_edits_flips_trash_and_deletions() {
        for filter in FILTERS {
            for counts in [true, false] {
                let (mut server, pages, since) = loaded(filter);
                for _ in 0..4 {
                    server.create_top();
                    server.create_anywhere();
                    server.edit(|a| a.fav = !a.fav);
                    server.edit(|a| a.archived = !a.archived);
                    server.edit(|a| a.trashed = true);
                    server.edit(|_| {});
                    server.delete();
                }
                let mut sync = warm(&server, pages, since, counts);
                run(&mut sync, &mut server, |_, _| {});
                assert_eq!(sync.fallback(), None, "{filter:?}");
                assert_eq!(server.page_requests, 0);
                assert_same_view(&sync.result().unwrap(), &server, &format!("{filter:?}"));
            }
        }
    }

    #[test]
    fn needs_full_sync_falls_back_to_verification() {
        let (mut server, pages, since) = loaded(FILTERS[1]);
        server.create_top();
        server.delete();
        server.now += AUDIT_RETENTION_MS + 1;
        let mut sync = warm(&server, pages, since, true);
        run(&mut sync, &mut server, |_, _| {});
        assert_eq!(sync.fallback(), Some(VerifyReason::NeedsFullSync));
        assert!(server.page_requests >= 3);
        assert_eq!(sync.end(), Some(SyncEnd::PagesChecked));
        assert_same_view(&sync.result().unwrap(), &server, "full sync");
    }

    #[test]
    fn count_mismatch_falls_back_to_verification() {
        let (mut server, pages, since) = loaded(FILTERS[0]);
        server.create_stale();
        let mut sync = warm(&server, pages, since, true);
        run(&mut sync, &mut server, |_, _| {});
        assert_eq!(sync.fallback(), Some(VerifyReason::CountMismatch));
        assert_same_view(&sync.result().unwrap(), &server, "stale create");
    }

    #[test]
    fn requests_ahead_are_the_planned_delta_requests() {
        let (server, pages, since) = loaded(FILTERS[0]);
        let rec = SyncRecord::new(since, "1.103.1", "u1");
        let ahead = requests_ahead(Some(&rec), "U1", Some("1.103.1"), true, false, false, true);
        // The sync asks for exactly these, in this order, when it plans the delta.
        let mut sync = warm(&server, pages, since, true);
        let mut asked = vec![sync.next_request().unwrap(), sync.next_request().unwrap()];
        assert_eq!(sync.next_request(), None, "the count waits for the delta");
        asked.push(SyncRequest::Count);
        assert_eq!(ahead, asked);
        assert_eq!(
            requests_ahead(Some(&rec), "u1", None, true, false, false, false).len(),
            2
        );
        // Nothing ahead when the plan cannot be a delta from that record.
        for (r, user, version, view, refresh, unavailable) in [
            (None, "u1", None, true, false, false),
            (Some(&rec), "u2", None, true, false, false),
            (Some(&rec), "u1", Some("1.104.0"), true, false, false),
            (Some(&rec), "u1", None, false, false, false),
            (Some(&rec), "u1", None, true, true, false),
            (Some(&rec), "u1", None, true, false, true),
        ] {
            assert!(requests_ahead(r, user, version, view, refresh, unavailable, true).is_empty());
        }
    }

    #[test]
    fn the_count_is_of_assets_outside_the_trash() {
        let (mut server, pages, since) = loaded(FILTERS[0]);
        // Trashing moves `updatedAt`: the delta brings it, and the one
        // statistics call (trash left out) still agrees with what is held.
        server.edit(|a| a.trashed = true);
        let mut sync = warm(&server, pages.clone(), since, true);
        run(&mut sync, &mut server, |_, _| {});
        assert_eq!(sync.fallback(), None);
        assert_eq!(sync.end(), Some(SyncEnd::DeltaApplied));
        assert_eq!(server.count_requests, 1);
        let held = sync.result().unwrap();
        assert!(held.live_len() < held.len(), "a trashed asset is held");
        assert_same_view(&held, &server, "trashed");
        // A live asset the delta cannot see still shows in the count.
        let (mut server, pages, since) = loaded(FILTERS[0]);
        server.edit(|a| a.trashed = true);
        server.create_stale();
        let mut sync = warm(&server, pages, since, true);
        run(&mut sync, &mut server, |_, _| {});
        assert_eq!(sync.fallback(), Some(VerifyReason::CountMismatch));
        assert_same_view(
            &sync.result().unwrap(),
            &server,
            "stale create beside trash",
        );
    }

    #[test]
    fn missing_or_failing_delta_falls_back() {
        let (server, pages, since) = loaded(FILTERS[0]);
        let mut sync = warm(&server, pages, since, true);
        assert!(matches!(
            sync.next_request(),
            Some(SyncRequest::Changes { .. })
        ));
        assert!(matches!(
            sync.next_request(),
            Some(SyncRequest::Deletes { .. })
        ));
        sync.on_deletes(Err(DeltaFailure::Missing));
        assert!(sync.delta_missing());
        assert_eq!(sync.fallback(), Some(VerifyReason::DeltaUnavailable));
        assert!(matches!(sync.next_request(), Some(SyncRequest::Page(_))));
        // The late delta answer changes nothing.
        sync.on_changes(Ok(LibraryIndex::new()));
        assert!(matches!(sync.phase(), SyncPhase::Pages(_)));
    }

    #[test]
    fn a_delta_as_large_as_a_page_falls_back() {
        let (mut server, pages, since) = loaded(FILTERS[0]);
        let mut sync = warm(&server, pages, since, true);
        let big = Server::index_of(&vec![server.assets[0].clone(); DELTA_TAKE as usize]);
        let _ = sync.next_request();
        sync.on_changes(Ok(big));
        assert_eq!(sync.fallback(), Some(VerifyReason::DeltaTooLarge));
        run(&mut sync, &mut server, |_, _| {});
        assert_same_view(&sync.result().unwrap(), &server, "large");
    }

    #[test]
    fn background_sync_applies_to_the_shown_index() {
        let (mut server, pages, since) = loaded(FILTERS[1]);
        let shown_now = PageSet::from_cached(TAKE, pages).merged().unwrap();
        for _ in 0..3 {
            server.create_top();
            server.edit(|a| a.fav = !a.fav);
            server.delete();
        }
        let mut sync = LibrarySync::background(shown_now.clone(), since, server.filter, true);
        run(&mut sync, &mut server, |_, _| {});
        assert_eq!(server.page_requests, 0);
        assert_same_view(&sync.result().unwrap(), &server, "background");
        // needsFullSync: the glue must reload.
        server.now += AUDIT_RETENTION_MS + 1;
        let mut sync = LibrarySync::background(shown_now, since, server.filter, true);
        run(&mut sync, &mut server, |_, _| {});
        assert_eq!(sync.fallback(), Some(VerifyReason::NeedsFullSync));
        assert_eq!(server.page_requests, 0);
    }

    #[test]
    fn without_server_time_a_cold_load_verifies_as_before() {
        let mut server = Server::new(25, FILTERS[0]);
        let mut sync = LibrarySync::new(
            Plan::Load { catch_up: true },
            PageSet::new(TAKE),
            server.filter,
            true,
            None,
        );
        run(&mut sync, &mut server, |_, _| {});
        assert_eq!(server.page_requests, 6);
        assert_eq!(server.delta_requests, 0);
        assert_same_view(&sync.result().unwrap(), &server, "no time");
    }

    #[test]
    fn plans() {
        let rec = SyncRecord::new(T0, "1.103.1", "u1");
        let base = PlanInput {
            delta_view: true,
            cached_pages: 3,
            cache_complete: true,
            record: Some(&rec),
            now_ms: Some(T0 + 3_600_000),
            server_version: "1.103.1",
            user_id: "u1",
            refresh: false,
            delta_unavailable: false,
        };
        let check = |i: PlanInput<'_>, want: Plan| assert_eq!(plan(&i), want, "{i:?}");
        check(base, Plan::Delta { since_ms: T0 });
        check(
            PlanInput {
                cached_pages: 0,
                ..base
            },
            Plan::Load { catch_up: true },
        );
        check(
            PlanInput {
                cached_pages: 0,
                now_ms: None,
                ..base
            },
            Plan::Load { catch_up: false },
        );
        check(
            PlanInput {
                cached_pages: 0,
                delta_view: false,
                ..base
            },
            Plan::Load { catch_up: false },
        );
        let v = |r| Plan::Verify(r);
        check(
            PlanInput {
                delta_view: false,
                ..base
            },
            v(VerifyReason::ViewNeedsPages),
        );
        check(
            PlanInput {
                refresh: true,
                ..base
            },
            v(VerifyReason::Requested),
        );
        check(
            PlanInput {
                record: None,
                ..base
            },
            v(VerifyReason::NoRecord),
        );
        check(
            PlanInput {
                cache_complete: false,
                ..base
            },
            v(VerifyReason::IncompleteCache),
        );
        check(
            PlanInput {
                now_ms: None,
                ..base
            },
            v(VerifyReason::NoServerTime),
        );
        check(
            PlanInput {
                server_version: "1.104.0",
                ..base
            },
            v(VerifyReason::ServerChanged),
        );
        check(
            PlanInput {
                user_id: "u2",
                ..base
            },
            v(VerifyReason::UserChanged),
        );
        check(
            PlanInput {
                now_ms: Some(T0 + DAY_MS),
                ..base
            },
            v(VerifyReason::Daily),
        );
        check(
            PlanInput {
                now_ms: Some(T0 - 5000),
                ..base
            },
            v(VerifyReason::Daily),
        );
        check(
            PlanInput {
                delta_unavailable: true,
                ..base
            },
            v(VerifyReason::DeltaUnavailable),
        );
    }

    #[test]
    fn which_views_take_deltas() {
        let me = "0f6b2a52-6f0e-4c8e-9a4b-3b1f0c2d4e5f";
        let partner = Some("1f6b2a52-6f0e-4c8e-9a4b-3b1f0c2d4e5f".to_owned());
        let check = |q: AssetQuery, paged: bool, want: bool| {
            assert_eq!(delta_applies(&q, paged, me), want, "{q:?} paged={paged}");
        };
        check(AssetQuery::default(), false, true);
        check(
            AssetQuery {
                is_favorite: Some(true),
                ..Default::default()
            },
            false,
            true,
        );
        check(
            AssetQuery {
                take: Some(500),
                ..Default::default()
            },
            false,
            true,
        );
        check(AssetQuery::default(), true, false);
        check(
            AssetQuery {
                skip: Some(10),
                ..Default::default()
            },
            false,
            false,
        );
        check(
            AssetQuery {
                updated_before: Some(immich_api::Timestamp::UNIX_EPOCH),
                ..Default::default()
            },
            false,
            false,
        );
        check(
            AssetQuery {
                user_id: partner.clone(),
                ..Default::default()
            },
            false,
            true,
        );
        check(
            AssetQuery {
                user_id: partner,
                is_archived: Some(false),
                ..Default::default()
            },
            false,
            false,
        );
    }

    #[test]
    fn http_dates() {
        assert_eq!(
            parse_http_date("Tue, 01 Dec 2026 20:19:32 GMT"),
            Some(1_796_156_372_000)
        );
        assert_eq!(
            parse_http_date(" Thu, 01 Jan 1970 00:00:01 GMT "),
            Some(1000)
        );
        // RFC 9110's other two forms, RFC 2822's zones and unpadded days.
        let t = Some(1_796_156_372_000);
        assert_eq!(parse_http_date("Tuesday, 01-Dec-26 20:19:32 GMT"), t);
        assert_eq!(parse_http_date("Tue Dec  1 20:19:32 2026"), t);
        assert_eq!(parse_http_date("Tue, 1 Dec 2026 21:19:32 +0100"), t);
        assert_eq!(parse_http_date("Tue, 01 Dec 2026 15:49:32 -0430"), t);
        assert_eq!(parse_http_date("01 Dec 2026 20:19:32 GMT"), t);
        assert_eq!(
            parse_http_date("Tue, 01 Dec 2026 20:19 GMT"),
            Some(1_796_156_340_000)
        );
        assert_eq!(
            parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"),
            Some(784_111_777_000)
        );
        for bad in [
            "yesterday",
            "",
            "Tue, 31 Feb 2026 20:19:32 GMT",
            "Tue, 01 Dez 2026 20:19:32 GMT",
            "Tue, 01 Dec 2026 24:19:32 GMT",
            "Tue, 01 Dec 2026 20:19:32 CET",
            "Tue, 01 Dec 2026 20:19:32 +01",
            "Tue, 01 Dec 26 20:19:32 GMT",
            "Tue, 001 Dec 2026 20:19:32 GMT",
            "Tue, 01 Dec 2026 20:19:32:00 GMT",
            "1, 01 Dec 2026 20:19:32 GMT",
        ] {
            assert_eq!(parse_http_date(bad), None, "{bad}");
        }
        assert_eq!(parse_http_date(&"x".repeat(10_000)), None);
        assert_eq!(watermark_from_date(5000), 4000);
    }

    /// Every IMF-fixdate over two centuries in uneven steps, against chrono's
    /// RFC 2822 reader.
    #[test]
    fn http_dates_match_chrono() {
        let mut ms = 0i64;
        while ms < 7_258_118_400_000 {
            let d = chrono::DateTime::from_timestamp_millis(ms).unwrap();
            let text = d.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
            let want = chrono::DateTime::parse_from_rfc2822(&text).unwrap();
            assert_eq!(
                parse_http_date(&text),
                Some(want.timestamp_millis()),
                "{text}"
            );
            ms += 987_654_321_000 / 97;
        }
    }

    #[test]
    fn records_round_trip_and_reject_junk() {
        let r = SyncRecord::new(T0, "1.103.1", "u1");
        assert_eq!(SyncRecord::from_json(&r.to_json()), Some(r));
        assert_eq!(SyncRecord::from_json("{"), None);
        assert_eq!(
            SyncRecord::from_json(
                r#"{"v":2,"watermark_ms":1,"checked_ms":1,"server_version":"x","user_id":"u"}"#
            ),
            None
        );
        let scope = CacheScope::new("http://nas", "u1");
        assert_ne!(
            SyncRecord::key(&scope, "a|b"),
            SyncRecord::key(&scope, "a%7Cb")
        );
        assert!(SyncRecord::key(&scope, "").starts_with(KEY_PREFIX));
    }

    /// The record as the serde-based release wrote it: the same bytes are
    /// written now, and what it wrote reads back.
    #[test]
    fn records_keep_the_serde_format() {
        #[derive(serde::Serialize)]
        struct Old<'a> {
            v: u32,
            watermark_ms: i64,
            checked_ms: i64,
            server_version: &'a str,
            user_id: &'a str,
        }
        for (watermark, checked, version, user) in [
            (T0, T0, "1.103.1", "u1"),
            (-5, i64::MAX, "2.0.0-\"rc\"", "\u{e9}\u{1F600}\n\u{1}"),
            (0, 0, "", ""),
        ] {
            let old = serde_json::to_string(&Old {
                v: SyncRecord::VERSION,
                watermark_ms: watermark,
                checked_ms: checked,
                server_version: version,
                user_id: user,
            })
            .unwrap();
            let r = SyncRecord {
                v: SyncRecord::VERSION,
                watermark_ms: watermark,
                checked_ms: checked,
                server_version: version.to_owned(),
                user_id: user.to_owned(),
            };
            assert_eq!(r.to_json(), old);
            assert_eq!(SyncRecord::from_json(&old), Some(r));
        }
        // Unknown keys are skipped; a missing one refuses the record.
        let r = SyncRecord::from_json(
            r#"{"user_id":"u","v":1,"x":[{}],"watermark_ms":1,"checked_ms":2,"server_version":"v"}"#,
        );
        assert_eq!(r.map(|r| r.checked_ms), Some(2));
        assert_eq!(
            SyncRecord::from_json(
                r#"{"v":1,"watermark_ms":1,"checked_ms":2,"server_version":"v"}"#
            ),
            None
        );
    }

    #[test]
    fn delta_places_and_replaces() {
        let a = |id: u32, created: i64, fav: bool| A {
            id,
            created,
            updated: 0,
            fav,
            archived: false,
            trashed: false,
        };
        let held = Server::index_of(&[
            a(1, 50, false),
            a(2, 40, false),
            a(3, 40, false),
            a(4, 30, true),
        ]);
        // 5 is new at 40 (a tie: after the held ones), 2 flips in place, 4 moves up
        // to 60, 3 is deleted.
        let changes = Server::index_of(&[a(4, 60, true), a(5, 40, false), a(2, 40, true)]);
        let mut deleted = IdSet::new();
        deleted.insert(AssetId::parse("asset-3"));
        deleted.insert(AssetId::parse("asset-99"));
        let (out, effect) = apply_delta(&held, &changes, &deleted, ViewFilter::default()).unwrap();
        let ids: Vec<String> = (0..out.len()).map(|i| out.id_string(i).unwrap()).collect();
        assert_eq!(ids, ["asset-4", "asset-1", "asset-2", "asset-5"]);
        assert!(out.flags(2).unwrap().contains(AssetFlags::FAVORITE));
        assert_eq!(
            effect,
            DeltaEffect {
                inserted: 1,
                replaced: 2,
                removed: 1
            }
        );
        // Favourites only: 2 joins, 4 stays, 1 never was.
        let held = Server::index_of(&[a(4, 30, true)]);
        let (out, _) = apply_delta(
            &held,
            &changes,
            &IdSet::new(),
            ViewFilter {
                is_favorite: Some(true),
                is_archived: None,
            },
        )
        .unwrap();
        let ids: Vec<String> = (0..out.len()).map(|i| out.id_string(i).unwrap()).collect();
        assert_eq!(ids, ["asset-4", "asset-2"]);
        // An unfavourited asset leaves a favourites view.
        let (out, effect) = apply_delta(
            &out,
            &Server::index_of(&[a(2, 40, false)]),
            &IdSet::new(),
            ViewFilter {
                is_favorite: Some(true),
                is_archived: None,
            },
        )
        .unwrap();
        assert_eq!(out.len(), 1);
        assert_eq!(effect.removed, 1);
    }

    #[test]
    fn delta_shares_the_chunks_it_does_not_touch() {
        let a = |id: u32, created: i64| A {
            id,
            created,
            updated: 0,
            fav: false,
            archived: false,
            trashed: false,
        };
        // Three pages of three (one chunk each), newest first.
        let pages: Vec<LibraryIndex> = (0..3)
            .map(|p| {
                Server::index_of(
                    &(0..3)
                        .map(|k| a(p * 3 + k, 100 - i64::from(p * 3 + k)))
                        .collect::<Vec<_>>(),
                )
            })
            .collect();
        let held = LibraryIndex::merge(&pages).unwrap();
        assert_eq!(held.chunk_count(), 3);
        // Asset 4 (middle chunk) becomes a favourite in place.
        let mut changed = a(4, 96);
        changed.fav = true;
        let changes = Server::index_of(&[changed]);
        let (out, effect) =
            apply_delta(&held, &changes, &IdSet::new(), ViewFilter::default()).unwrap();
        assert_eq!(effect.replaced, 1);
        let ids: Vec<String> = (0..out.len()).map(|i| out.id_string(i).unwrap()).collect();
        let want: Vec<String> = (0..9).map(|k| format!("asset-{k}")).collect();
        assert_eq!(ids, want);
        assert!(out.flags(4).unwrap().contains(AssetFlags::FAVORITE));
        let shared = |k: usize| {
            out.chunk_arcs()
                .iter()
                .any(|c| Arc::ptr_eq(c, &held.chunk_arcs()[k]))
        };
        assert!(shared(0) && !shared(1) && shared(2));
        // An empty delta shares everything.
        let (same, effect) = apply_delta(
            &held,
            &LibraryIndex::new(),
            &IdSet::new(),
            ViewFilter::default(),
        )
        .unwrap();
        assert!(effect.is_empty());
        assert!((0..3).all(|k| Arc::ptr_eq(&same.chunk_arcs()[k], &held.chunk_arcs()[k])));
        // A new asset older than everything lands in a new chunk at the end; the
        // held chunks stay shared.
        let (grown, effect) = apply_delta(
            &held,
            &Server::index_of(&[a(50, 1)]),
            &IdSet::new(),
            ViewFilter::default(),
        )
        .unwrap();
        assert_eq!(effect.inserted, 1);
        assert_eq!(grown.id_string(9).as_deref(), Some("asset-50"));
        assert!((0..3).all(|k| Arc::ptr_eq(&grown.chunk_arcs()[k], &held.chunk_arcs()[k])));
    }
}
