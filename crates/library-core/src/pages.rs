//! The paged load of a library (`skip`/`take`) as a pure state machine.
//!
//! The library can change while it is being paged through: an asset inserted at the
//! top shifts every later page by one (a duplicate at a page boundary), a deletion
//! shifts them back (a missing asset). So after the first load, every page is
//! revalidated with its ETag in a *verification pass*; pages that changed replace
//! their part, and passes repeat until one comes back all-304 (then the merged
//! result is a consistent snapshot) or a bound is reached.
//!
//! The glue drives it: `next_request` says what to fetch, `on_response` /
//! `on_failure` feed answers back, `merged` gives the index. Nothing here does I/O.

use std::cell::RefCell;

use crate::ties::{self, TieGap};
use crate::{IdSet, IndexError, LibraryIndex};

/// Rounds of tie windows per pass before the pass closes as it is.
const MAX_TIE_ROUNDS: u32 = 4;
/// Failed tries of one tie window before it is given up for this round.
const MAX_TIE_FAILURES: u8 = 3;

#[derive(Clone, Debug)]
struct TieSlot {
    gap: TieGap,
    in_flight: bool,
    done: bool,
    failures: u8,
}

/// One request the glue should send: `GET /api/asset?skip=..&take=..`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageRequest {
    /// The page number (0-based); give it back to [`PageSet::on_response`].
    pub page: usize,
    /// The `skip` query parameter.
    pub skip: u64,
    /// The `take` query parameter.
    pub take: u32,
    /// The ETag to send as `If-None-Match`, when the page's body is held.
    pub if_none_match: Option<String>,
    /// A tie window ([`crate::ties`]), not a page: give its answer to
    /// [`PageSet::on_tie`] with this number; `page` is the page it adds to.
    pub tie: Option<usize>,
}

/// What the server answered for a page.
#[allow(
    clippy::large_enum_variant,
    reason = "moved once per response; boxing would only add an allocation"
)]
#[derive(Clone, Debug, PartialEq)]
pub enum PageResponse {
    /// `200` with its decoded body and `ETag` header (if readable).
    Fresh {
        /// The decoded page.
        assets: LibraryIndex,
        /// The response's `ETag`, if any.
        etag: Option<String>,
    },
    /// `304 Not Modified`: the held body is current.
    NotModified,
}

/// Where the load stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageSetPhase {
    /// The first pass: pages are fetched until one is short.
    Loading,
    /// The first pass is done and, in single-pass mode ([`PageSet::single_pass`]),
    /// no verification follows by itself: the caller checks the result another way
    /// (a delta) or calls [`PageSet::start_verification`].
    Loaded,
    /// Revalidating every page; `pass` counts from 1.
    Verifying {
        /// The verification pass under way.
        pass: u32,
    },
    /// A verification pass found every page unchanged: the result is consistent.
    Complete,
    /// The library kept changing through every allowed pass; the result is the
    /// latest best effort and may hold duplicates removed / assets missed at page
    /// boundaries. The glue may start again later.
    Unsettled,
}

/// Misuse or surprises the glue should know about (none of them corrupts the state).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PageError {
    /// A response for a page that is not in flight (stale, or already answered).
    #[error("page {0} was not requested")]
    NotRequested(usize),
    /// `304` for a page whose body is not held: the page is requested again without
    /// `If-None-Match`.
    #[error("page {0} answered 304 but no body is held for it")]
    NotModifiedWithoutBody(usize),
    /// Merging overflowed the index.
    #[error(transparent)]
    Index(#[from] IndexError),
}

#[derive(Clone, Debug, Default)]
struct Slot {
    assets: Option<LibraryIndex>,
    etag: Option<String>,
    /// The pass in which this page was last fetched or confirmed.
    done_pass: Option<u32>,
    in_flight: bool,
    /// Failed and set aside: not asked again until [`PageSet::retry_aside`].
    aside: bool,
}

/// The state of a paged load; see the module docs.
#[derive(Clone, Debug)]
pub struct PageSet {
    take: u32,
    /// `skip` of page 0 (the person's "start at").
    start: u64,
    /// At most this many pages (1 = one explicit page); `None` = to the end.
    max_pages: Option<usize>,
    slots: Vec<Slot>,
    /// The last page (the first short one), once known.
    end: Option<usize>,
    pass: u32,
    max_passes: u32,
    max_in_flight: usize,
    changed: bool,
    /// Whether the first pass is followed by verification passes on its own.
    verify: bool,
    phase: PageSetPhase,
    /// Tie windows of the current pass's round (see [`crate::ties`]).
    ties: Vec<TieSlot>,
    /// Tie rounds run in the current pass.
    tie_rounds: u32,
    /// The pass whose ties are settled.
    ties_settled: Option<u32>,
    /// Times whose window brought nothing new in this pass: the server
    /// lists no more of that group (a repeat from a shift, not a tie).
    ties_full: Vec<i64>,
    /// The merged prefix as of the last call: pages merged, the index, the ids
    /// seen. Extended by the pages held since, so publishing during a load
    /// costs the new pages, not the library; dropped when a merged page changes.
    /// The ids are gathered only when pages are first appended to it: a
    /// reload holding every page at the first call never builds the set.
    prefix: RefCell<Option<(usize, LibraryIndex, Option<IdSet>)>>,
}

impl PageSet {
    /// Verification passes allowed by default before giving up as `Unsettled`.
    pub const DEFAULT_MAX_PASSES: u32 = 3;

    /// A fresh load with pages of `take` assets (at least 1), one request at a time.
    pub fn new(take: u32) -> Self {
        Self {
            take: take.max(1),
            start: 0,
            max_pages: None,
            slots: Vec::new(),
            end: None,
            pass: 0,
            max_passes: Self::DEFAULT_MAX_PASSES,
            max_in_flight: 1,
            changed: false,
            verify: true,
            phase: PageSetPhase::Loading,
            ties: Vec::new(),
            tie_rounds: 0,
            ties_settled: None,
            ties_full: Vec::new(),
            prefix: RefCell::new(None),
        }
    }

    /// Starts from pages held in a cache (decoded body and ETag each, in page order),
    /// going straight to a verification pass: an unchanged library costs one 304 per
    /// page.
    pub fn from_cached(take: u32, pages: Vec<(LibraryIndex, Option<String>)>) -> Self {
        let mut s = Self::new(take);
        for (assets, etag) in pages {
            let short = assets.len() < s.take as usize;
            s.slots.push(Slot {
                assets: Some(assets),
                etag,
                done_pass: Some(0),
                in_flight: false,
                aside: false,
            });
            if short {
                s.end = Some(s.slots.len() - 1);
                break;
            }
        }
        s.pass = 1;
        s.phase = PageSetPhase::Verifying { pass: 1 };
        s
    }

    /// Starts the load at `skip` instead of 0 (page 0 asks `skip=start`).
    /// Call before the first request; cached pages must have used the same start.
    pub fn with_start(mut self, start: u64) -> Self {
        self.start = start;
        self
    }

    /// Loads at most `n` pages (at least 1): `1` is one explicit page of `take`
    /// assets, as when the person pages by hand.
    pub fn with_max_pages(mut self, n: usize) -> Self {
        let n = n.max(1);
        self.max_pages = Some(n);
        if self.slots.len() > n {
            self.slots.truncate(n);
            self.touched(n);
        }
        if self.slots.len() == n && self.end.is_none_or(|e| e >= n) {
            self.end = Some(n - 1);
        }
        self
    }

    /// `skip` of page 0.
    pub fn start(&self) -> u64 {
        self.start
    }

    /// Allows `n` (at least 1) requests in flight at once.
    pub fn with_max_in_flight(mut self, n: usize) -> Self {
        self.max_in_flight = n.max(1);
        self
    }

    /// Single-pass mode: the first pass ends in [`PageSetPhase::Loaded`] instead of
    /// starting a verification pass.
    pub fn single_pass(mut self) -> Self {
        self.verify = false;
        self
    }

    /// After [`PageSetPhase::Loaded`], starts a verification pass (every page again
    /// with its ETag); in any other phase it does nothing.
    pub fn start_verification(&mut self) {
        if self.phase == PageSetPhase::Loaded {
            self.verify = true;
            self.pass = 1;
            self.changed = false;
            self.phase = PageSetPhase::Verifying { pass: 1 };
        }
    }

    /// Whether the last page is known (the held pages reach the library's end).
    pub fn end_known(&self) -> bool {
        self.end.is_some()
    }

    /// Sets how many verification passes may run before `Unsettled` (at least 1).
    pub fn with_max_passes(mut self, n: u32) -> Self {
        self.max_passes = n.max(1);
        self
    }

    /// The page size.
    pub fn take(&self) -> u32 {
        self.take
    }

    /// Where the load stands.
    pub fn phase(&self) -> PageSetPhase {
        self.phase
    }

    /// Whether no more requests will be asked for.
    pub fn is_finished(&self) -> bool {
        matches!(
            self.phase,
            PageSetPhase::Complete | PageSetPhase::Unsettled | PageSetPhase::Loaded
        )
    }

    /// Pages known so far (through the end page when it is known).
    pub fn page_count(&self) -> usize {
        self.slots.len()
    }

    /// The held ETag and decoded body of a page (for persisting it).
    pub fn page(&self, page: usize) -> Option<(&LibraryIndex, Option<&str>)> {
        let s = self.slots.get(page)?;
        Some((s.assets.as_ref()?, s.etag.as_deref()))
    }

    /// Assets held across pages, duplicates included (for progress display).
    pub fn loaded_assets(&self) -> usize {
        self.slots
            .iter()
            .filter_map(|s| s.assets.as_ref())
            .map(LibraryIndex::len)
            .sum()
    }

    fn in_flight(&self) -> usize {
        self.slots.iter().filter(|s| s.in_flight).count()
            + self.ties.iter().filter(|t| t.in_flight).count()
    }

    /// The held pages, `None` where one is not held.
    fn held(&self) -> Vec<Option<&LibraryIndex>> {
        self.slots.iter().map(|s| s.assets.as_ref()).collect()
    }

    /// The next request to send, marking it in flight; `None` when nothing is to be
    /// sent now (all answered, the in-flight limit reached, or finished).
    pub fn next_request(&mut self) -> Option<PageRequest> {
        if self.is_finished() || self.in_flight() >= self.max_in_flight {
            return None;
        }
        // Without a known end, look one page past what is known.
        let limit = match self.end {
            Some(e) => e + 1,
            None => self.slots.len() + 1,
        }
        .min(self.max_pages.unwrap_or(usize::MAX));
        let pass = self.pass;
        if let Some((n, t)) = self
            .ties
            .iter_mut()
            .enumerate()
            .find(|(_, t)| !t.in_flight && !t.done)
        {
            t.in_flight = true;
            return Some(PageRequest {
                page: t.gap.page,
                skip: t.gap.skip,
                take: t.gap.take,
                if_none_match: None,
                tie: Some(n),
            });
        }
        let page = (0..limit).find(|&p| {
            self.slots
                .get(p)
                .is_none_or(|s| !s.in_flight && !s.aside && s.done_pass != Some(pass))
        })?;
        if self.slots.len() <= page {
            self.slots.resize_with(page + 1, Slot::default);
        }
        let slot = self.slots.get_mut(page)?;
        slot.in_flight = true;
        let if_none_match = if slot.assets.is_some() {
            slot.etag.clone()
        } else {
            None
        };
        Some(PageRequest {
            page,
            skip: self.start + page as u64 * u64::from(self.take),
            take: self.take,
            if_none_match,
            tie: None,
        })
    }

    /// The answer for tie window `tie` (see [`PageRequest::tie`]): the assets
    /// of its group not held yet are added to its page. Returns that page's
    /// number when it changed (store it again).
    pub fn on_tie(
        &mut self,
        tie: usize,
        window: &LibraryIndex,
    ) -> Result<Option<usize>, PageError> {
        let Some(t) = self.ties.get_mut(tie).filter(|t| t.in_flight) else {
            return Err(PageError::NotRequested(tie));
        };
        t.in_flight = false;
        t.done = true;
        let (page, time_ms) = (t.gap.page, t.gap.time_ms);
        let fixed = match self.slots.get(page).and_then(|s| s.assets.as_ref()) {
            Some(held) => ties::add_missing(held, window, time_ms, &self.held())?,
            None => None,
        };
        let changed = match (fixed, self.slots.get_mut(page)) {
            (Some(f), Some(slot)) => {
                slot.assets = Some(f);
                self.touched(page);
                Some(page)
            }
            _ => {
                self.ties_full.push(time_ms);
                None
            }
        };
        self.advance();
        Ok(changed)
    }

    /// Tie window `tie` failed: asked again, a few times.
    pub fn on_tie_failure(&mut self, tie: usize) {
        if let Some(t) = self.ties.get_mut(tie) {
            t.in_flight = false;
            t.failures = t.failures.saturating_add(1);
            if t.failures >= MAX_TIE_FAILURES {
                t.done = true;
            }
        }
        self.advance();
    }

    /// Whether the current pass's ties are settled; starts a round of tie
    /// windows when some group came back short.
    fn settle_ties(&mut self) -> bool {
        if self.ties_settled == Some(self.pass) {
            return true;
        }
        if self.ties.iter().any(|t| !t.done) {
            return false;
        }
        let gaps = if self.tie_rounds >= MAX_TIE_ROUNDS {
            Vec::new()
        } else {
            let mut g = ties::gaps(&self.held(), self.start, self.take);
            g.retain(|g| !self.ties_full.contains(&g.time_ms));
            g
        };
        self.ties.clear();
        if gaps.is_empty() {
            self.ties_settled = Some(self.pass);
            self.tie_rounds = 0;
            self.ties_full.clear();
            return true;
        }
        self.tie_rounds += 1;
        self.ties = gaps
            .into_iter()
            .map(|gap| TieSlot {
                gap,
                in_flight: false,
                done: false,
                failures: 0,
            })
            .collect();
        false
    }

    /// A request failed (network, 5xx, decode error): the page will be asked again.
    pub fn on_failure(&mut self, page: usize) {
        if let Some(s) = self.slots.get_mut(page) {
            s.in_flight = false;
        }
    }

    /// A request failed for good for now: the page is set aside. The load
    /// goes on with the other pages (the ones after it are shown, see
    /// [`PageSet::merged_prefix`]), and the pass cannot end until the page
    /// is asked again with [`PageSet::retry_aside`] and answers.
    pub fn set_aside(&mut self, page: usize) {
        if let Some(s) = self.slots.get_mut(page) {
            s.in_flight = false;
            s.aside = true;
        }
    }

    /// A set-aside page may be asked again.
    pub fn retry_aside(&mut self, page: usize) {
        if let Some(s) = self.slots.get_mut(page) {
            s.aside = false;
        }
        // A skipped page that is not held any more ends the prefix there.
        self.touched(page);
    }

    /// The pages set aside now.
    pub fn aside(&self) -> impl Iterator<Item = usize> + '_ {
        self.slots
            .iter()
            .enumerate()
            .filter(|(_, s)| s.aside)
            .map(|(i, _)| i)
    }

    /// Feeds the answer for `page` in.
    pub fn on_response(&mut self, page: usize, response: PageResponse) -> Result<(), PageError> {
        let take = self.take as usize;
        let pass = self.pass;
        if self.end.is_some_and(|e| page > e) && !self.is_finished() {
            // Past the end found meanwhile by another response: irrelevant (its slot
            // is gone already).
            return Ok(());
        }
        let Some(slot) = self.slots.get_mut(page).filter(|s| s.in_flight) else {
            return Err(PageError::NotRequested(page));
        };
        slot.in_flight = false;
        match response {
            PageResponse::NotModified => {
                if slot.assets.is_none() {
                    slot.etag = None;
                    return Err(PageError::NotModifiedWithoutBody(page));
                }
                slot.done_pass = Some(pass);
            }
            PageResponse::Fresh { assets, etag } => {
                let n = assets.len();
                if slot.assets.as_ref() != Some(&assets) {
                    self.changed = true;
                }
                slot.assets = Some(assets);
                slot.etag = etag;
                slot.done_pass = Some(pass);
                self.touched(page);
                let last_allowed = self.max_pages.is_some_and(|m| page + 1 >= m);
                if n < take || last_allowed {
                    if self.end != Some(page) {
                        self.changed = true;
                    }
                    self.end = Some(page);
                    self.slots.truncate(page + 1);
                    self.touched(page + 1);
                } else if self.end == Some(page) {
                    // The last page filled up: the library grew, read on.
                    self.end = None;
                    self.changed = true;
                }
            }
        }
        self.advance();
        Ok(())
    }

    /// Closes the pass when every page through the end is done in it.
    fn advance(&mut self) {
        let Some(end) = self.end else { return };
        let pass = self.pass;
        let done = self
            .slots
            .get(..=end)
            .is_some_and(|s| s.iter().all(|s| s.done_pass == Some(pass) && !s.in_flight));
        if !done || !self.settle_ties() {
            return;
        }
        if self.pass == 0 && !self.verify {
            self.phase = PageSetPhase::Loaded;
        } else if self.pass > 0 && !self.changed {
            self.phase = PageSetPhase::Complete;
        } else if self.pass >= self.max_passes {
            self.phase = PageSetPhase::Unsettled;
        } else {
            self.pass += 1;
            self.changed = false;
            self.phase = PageSetPhase::Verifying { pass: self.pass };
        }
    }

    /// Forgets the merged prefix when it holds page `page` or a later one.
    fn touched(&self, page: usize) {
        let mut p = self.prefix.borrow_mut();
        if p.as_ref().is_some_and(|(done, _, _)| *done > page) {
            *p = None;
        }
    }

    /// The pages merged in order, the first of any duplicated id kept. Available at
    /// any time (a partial load gives what is held so far).
    pub fn merged(&self) -> Result<LibraryIndex, PageError> {
        if self.slots.iter().all(|s| s.assets.is_some()) {
            return self.merged_prefix();
        }
        let mut out = LibraryIndex::merge(self.slots.iter().filter_map(|s| s.assets.as_ref()))?;
        out.shrink_to_fit();
        Ok(out)
    }

    /// The pages held from page 0 up to the first page not held yet (a page
    /// set aside after a failure does not stop it: what follows is shown
    /// without it), merged in order. This is what a view may show during a load: pages answered
    /// out of order (page 2 before page 1) never put a later page's assets
    /// at an earlier page's positions, so what is shown only ever grows at
    /// its end until the load verifies it. Once every page is held it equals
    /// [`PageSet::merged`]. Pages merged by an earlier call are not merged
    /// again (the result shares their chunks).
    pub fn merged_prefix(&self) -> Result<LibraryIndex, PageError> {
        // Slots from page 0 on that are held, or set aside (skipped: what
        // follows them is shown without them).
        let prefix: Vec<Option<&LibraryIndex>> = self
            .slots
            .iter()
            .take_while(|s| s.assets.is_some() || s.aside)
            .map(|s| s.assets.as_ref())
            .collect();
        let mut cache = self.prefix.borrow_mut();
        if cache
            .as_ref()
            .is_some_and(|(done, _, _)| *done > prefix.len())
        {
            *cache = None;
        }
        let Some((done, ix, seen)) = cache.as_mut() else {
            // Everything held so far in one batch (a reload's thousand pages).
            let ix = LibraryIndex::merge(prefix.iter().flatten().copied())?;
            let out = ix.clone();
            *cache = Some((prefix.len(), ix, None));
            return Ok(out);
        };
        let new = prefix.get(*done..).unwrap_or(&[]);
        if new.iter().flatten().any(|p| !p.is_empty()) {
            let extra = new.iter().flatten().map(|p| p.len()).sum();
            let seen = seen.get_or_insert_with(|| ix.id_set(extra));
            for page in new.iter().flatten() {
                if let Err(e) = ix.append_unique(page, seen) {
                    *cache = None;
                    return Err(e.into());
                }
            }
            ix.shrink_to_fit();
        }
        *done = prefix.len();
        Ok(ix.clone())
    }

    /// Assets in the pages [`PageSet::merged_prefix`] would merge (before
    /// duplicates are dropped).
    pub fn prefix_assets(&self) -> usize {
        self.slots
            .iter()
            .take_while(|s| s.assets.is_some() || s.aside)
            .filter_map(|s| s.assets.as_ref())
            .map(LibraryIndex::len)
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AssetRecord;

    /// A server holding a list of ids, answering pages with ETags of their content.
    struct Server {
        ids: Vec<u32>,
        next_id: u32,
        requests: usize,
    }

    impl Server {
        fn new(n: u32) -> Self {
            Self {
                ids: (0..n).rev().collect(),
                next_id: n,
                requests: 0,
            }
        }

        fn insert_top(&mut self) {
            self.ids.insert(0, self.next_id);
            self.next_id += 1;
        }

        fn insert_at(&mut self, at: usize) {
            let at = at.min(self.ids.len());
            self.ids.insert(at, self.next_id);
            self.next_id += 1;
        }

        fn delete_at(&mut self, at: usize) {
            if at < self.ids.len() {
                self.ids.remove(at);
            }
        }

        fn answer(&mut self, r: &PageRequest) -> PageResponse {
            self.requests += 1;
            let start = (r.skip as usize).min(self.ids.len());
            let end = (start + r.take as usize).min(self.ids.len());
            let slice = &self.ids[start..end];
            let etag = format!("\"{slice:?}\"");
            if r.if_none_match.as_deref() == Some(&etag) {
                return PageResponse::NotModified;
            }
            let mut ix = LibraryIndex::new();
            for n in slice {
                let id = format!("asset-{n}");
                ix.push(&AssetRecord {
                    id: &id,
                    owner_id: "o",
                    // One time an id: no order ties here (see `ties`' tests).
                    file_created_ms: i64::from(*n),
                    ..AssetRecord::default()
                })
                .unwrap();
            }
            PageResponse::Fresh {
                assets: ix,
                etag: Some(etag),
            }
        }
    }

    /// Feeds an answer to a page or a tie window. (A page repeated by a
    /// shift looks like a tie of one asset: its window adds nothing new.)
    fn feed(set: &mut PageSet, r: &PageRequest, resp: PageResponse) {
        match (r.tie, resp) {
            (Some(t), PageResponse::Fresh { assets, .. }) => {
                set.on_tie(t, &assets).unwrap();
            }
            (Some(t), PageResponse::NotModified) => set.on_tie_failure(t),
            (None, resp) => set.on_response(r.page, resp).unwrap(),
        }
    }

    fn ids_of(ix: &LibraryIndex) -> Vec<u32> {
        (0..ix.len())
            .map(|i| ix.id_string(i).unwrap()["asset-".len()..].parse().unwrap())
            .collect()
    }

    /// Drives a load to the end; `mutate(server, fetch_number)` runs before each
    /// answer. Responses are answered in a scrambled order when several are in flight.
    fn run(
        mut set: PageSet,
        server: &mut Server,
        mut mutate: impl FnMut(&mut Server, usize),
    ) -> PageSet {
        let mut fetches = 0;
        let mut pending: Vec<PageRequest> = Vec::new();
        loop {
            while let Some(r) = set.next_request() {
                pending.push(r);
            }
            if pending.is_empty() {
                break;
            }
            // Answer the newest first to exercise out-of-order completion.
            let r = pending.pop().unwrap();
            mutate(server, fetches);
            fetches += 1;
            let resp = server.answer(&r);
            feed(&mut set, &r, resp);
            assert!(fetches < 10_000, "runaway load");
        }
        set
    }

    fn check_converges(
        n: u32,
        take: u32,
        in_flight: usize,
        mutate: impl FnMut(&mut Server, usize),
    ) {
        let mut server = Server::new(n);
        let set = run(
            PageSet::new(take).with_max_in_flight(in_flight),
            &mut server,
            mutate,
        );
        assert_eq!(set.phase(), PageSetPhase::Complete);
        assert_eq!(
            ids_of(&set.merged().unwrap()),
            server.ids,
            "n={n} take={take}"
        );
    }

    #[test]
    fn prefix_is_always_the_start_of_the_library() {
        // Pages answered newest first (page 2 before 1 before 0): what may be
        // shown is always the server's first assets, never a later page's
        // assets at the top.
        let mut server = Server::new(95);
        let mut set = PageSet::new(10).with_max_in_flight(3);
        let mut pending: Vec<PageRequest> = Vec::new();
        let mut snapshots = 0;
        loop {
            while let Some(r) = set.next_request() {
                pending.push(r);
            }
            let Some(r) = pending.pop() else { break };
            let resp = server.answer(&r);
            feed(&mut set, &r, resp);
            let shown = ids_of(&set.merged_prefix().unwrap());
            assert_eq!(
                shown[..],
                server.ids[..shown.len()],
                "after page {}",
                r.page
            );
            assert_eq!(set.prefix_assets(), shown.len());
            snapshots += 1;
        }
        assert!(snapshots > 10);
        assert_eq!(ids_of(&set.merged_prefix().unwrap()), server.ids);
        // A later page alone shows nothing.
        let mut set = PageSet::new(10).with_max_in_flight(2);
        let (a, b) = (set.next_request().unwrap(), set.next_request().unwrap());
        assert_eq!((a.page, b.page), (0, 1));
        set.on_response(1, server.answer(&b)).unwrap();
        assert!(set.merged_prefix().unwrap().is_empty());
        assert_eq!(set.merged().unwrap().len(), 10);
    }

    #[test]
    fn incremental_prefix_equals_a_fresh_merge_through_changes() {
        // Creates and deletes land during the load and the verification passes;
        // after every answer the cached, extended prefix must equal a merge of
        // the held prefix from scratch.
        let mut server = Server::new(73);
        let mut set = PageSet::new(10).with_max_in_flight(3);
        let mut pending: Vec<PageRequest> = Vec::new();
        let mut answered = 0;
        loop {
            while let Some(r) = set.next_request() {
                pending.push(r);
            }
            let Some(r) = pending.pop() else { break };
            match answered {
                2 | 9 => server.insert_at(0),
                5 | 14 => server.delete_at(12),
                _ => {}
            }
            let resp = server.answer(&r);
            feed(&mut set, &r, resp);
            answered += 1;
            let cached = set.merged_prefix().unwrap();
            let fresh =
                LibraryIndex::merge(set.slots.iter().map_while(|s| s.assets.as_ref())).unwrap();
            assert_eq!(ids_of(&cached), ids_of(&fresh), "after answer {answered}");
            assert!(answered < 1000, "runaway load");
        }
        assert_eq!(set.phase(), PageSetPhase::Complete);
        assert_eq!(ids_of(&set.merged().unwrap()), server.ids);
    }

    #[test]
    fn prefix_appended_after_a_batch_merge_still_drops_repeats() {
        // A reload: two full cached pages merged at once (no set of ids is
        // built), then a third page answers with repeats of both.
        let page = |ids: &[&str]| {
            let mut ix = LibraryIndex::new();
            for id in ids {
                ix.push(&AssetRecord {
                    id,
                    owner_id: "o",
                    ..AssetRecord::default()
                })
                .unwrap();
            }
            ix
        };
        let u = |k: u32| format!("{k:08x}-0000-4000-8000-000000000000");
        let (u0, u1, u2, u3, u4) = (u(0), u(1), u(2), u(3), u(4));
        let p0 = page(&[&u0, "b", &u1, "d"]);
        let p1 = page(&[&u2, "f", &u3, &u1]);
        let mut set =
            PageSet::from_cached(4, vec![(p0.clone(), None), (p1, None)]).with_max_in_flight(3);
        let first = set.merged_prefix().unwrap();
        assert_eq!(first.len(), 7);
        assert!(set
            .prefix
            .borrow()
            .as_ref()
            .is_some_and(|(done, _, seen)| *done == 2 && seen.is_none()));
        let reqs: Vec<PageRequest> = std::iter::from_fn(|| set.next_request()).collect();
        assert_eq!(reqs.iter().map(|r| r.page).collect::<Vec<_>>(), [0, 1, 2]);
        let fresh = PageResponse::Fresh {
            assets: page(&[&u0, &u4, "f", "d", "new"]),
            etag: None,
        };
        // Page 2 comes back short: it is the last page.
        set.on_response(2, fresh).unwrap();
        let grown = set.merged_prefix().unwrap();
        let ids: Vec<String> = (0..grown.len())
            .map(|i| grown.id_string(i).unwrap())
            .collect();
        assert_eq!(ids, [&u0, "b", &u1, "d", &u2, "f", &u3, &u4, "new"]);
        assert!(grown.starts_with(&first));
        assert!(set.prefix.borrow().as_ref().is_some_and(
            |(done, _, seen)| *done == 3 && seen.as_ref().is_some_and(|s| s.len() == 9)
        ));
        // The pages already merged are shared, not copied.
        assert!(std::sync::Arc::ptr_eq(
            &grown.chunk_arcs()[0],
            &p0.chunk_arcs()[0]
        ));
        // And a merge from scratch agrees.
        assert_eq!(set.merged().unwrap(), grown);
        let fresh =
            LibraryIndex::merge(set.slots.iter().filter_map(|s| s.assets.as_ref())).unwrap();
        assert_eq!(fresh, grown);
    }

    #[test]
    fn static_library() {
        for (n, take) in [(0, 10), (1, 10), (10, 10), (25, 10), (30, 10), (7, 1)] {
            let mut server = Server::new(n);
            let set = run(PageSet::new(take), &mut server, |_, _| {});
            assert_eq!(set.phase(), PageSetPhase::Complete);
            assert_eq!(ids_of(&set.merged().unwrap()), server.ids);
            // Load: ceil((n+1)/take) pages; one verification pass of as many 304s.
            let pages = (n / take + 1) as usize;
            assert_eq!(server.requests, 2 * pages, "n={n} take={take}");
        }
    }

    #[test]
    fn start_and_page_limit() {
        // (library size, take, start, max pages) -> ids expected.
        let check = |n: u32,
                     take: u32,
                     start: u64,
                     max: Option<usize>,
                     expected: std::ops::Range<usize>| {
            let mut server = Server::new(n);
            let mut set = PageSet::new(take).with_start(start);
            if let Some(m) = max {
                set = set.with_max_pages(m);
            }
            let set = run(set, &mut server, |_, _| {});
            assert_eq!(set.phase(), PageSetPhase::Complete);
            assert_eq!(
                ids_of(&set.merged().unwrap()),
                server.ids[expected.clone()].to_vec(),
                "n={n} take={take} start={start} max={max:?}"
            );
        };
        check(100, 10, 0, Some(1), 0..10);
        check(100, 10, 35, Some(1), 35..45);
        check(100, 10, 95, Some(1), 95..100);
        check(100, 10, 200, Some(1), 100..100);
        check(100, 10, 35, None, 35..100);
        check(100, 10, 20, Some(3), 20..50);
    }

    #[test]
    fn one_explicit_page_costs_one_request_then_a_304() {
        let mut server = Server::new(100);
        let set = run(
            PageSet::new(10).with_start(30).with_max_pages(1),
            &mut server,
            |_, _| {},
        );
        assert_eq!(set.phase(), PageSetPhase::Complete);
        assert_eq!(server.requests, 2);
    }

    #[test]
    fn insertions_at_top_during_load() {
        check_converges(95, 10, 1, |s, k| {
            if k % 3 == 1 && k < 12 {
                s.insert_top();
            }
        });
    }

    #[test]
    fn deletions_during_load() {
        check_converges(95, 10, 1, |s, k| {
            if k < 8 {
                s.delete_at(3 + k * 7);
            }
        });
    }

    #[test]
    fn growth_past_a_full_last_page_and_shrink() {
        // 30 assets = 3 full pages + an empty one; then the library grows at the end.
        check_converges(30, 10, 1, |s, k| {
            if k == 4 {
                s.insert_at(usize::MAX);
                s.insert_at(usize::MAX);
            }
        });
        // 31 assets, then deletions make the last page vanish.
        check_converges(31, 10, 1, |s, k| {
            if k == 4 {
                s.delete_at(0);
                s.delete_at(0);
            }
        });
    }

    #[test]
    fn mixed_changes_with_concurrency() {
        for in_flight in [1, 2, 4] {
            let mut seed = 12345u64;
            check_converges(203, 16, in_flight, move |s, k| {
                if k >= 25 {
                    return;
                }
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let at = (seed % (s.ids.len() as u64 + 1)) as usize;
                match seed % 3 {
                    0 => s.insert_top(),
                    1 => s.insert_at(at),
                    _ => s.delete_at(at),
                }
            });
        }
    }

    #[test]
    fn never_settling_library_is_bounded() {
        let mut server = Server::new(50);
        let set = run(PageSet::new(10).with_max_passes(3), &mut server, |s, _| {
            s.insert_top()
        });
        assert_eq!(set.phase(), PageSetPhase::Unsettled);
        // Pages, plus a window where a shift repeats an asset across a
        // boundary (it looks like an order tie, see `ties`).
        assert!(server.requests < 80, "{}", server.requests);
        // Best effort still has no duplicates.
        let ids = ids_of(&set.merged().unwrap());
        let mut dedup = ids.clone();
        dedup.sort_unstable();
        dedup.dedup();
        assert_eq!(dedup.len(), ids.len());
    }

    #[test]
    fn a_page_set_aside_lets_the_rest_load_and_show() {
        let mut server = Server::new(35);
        let mut set = PageSet::new(10).with_max_in_flight(2);
        // Page 1 fails for good for now; the others answer.
        let mut aside_once = false;
        while let Some(r) = set.next_request() {
            if r.page == 1 && !aside_once {
                aside_once = true;
                set.set_aside(1);
                assert_eq!(set.aside().collect::<Vec<_>>(), [1]);
                continue;
            }
            let resp = server.answer(&r);
            feed(&mut set, &r, resp);
        }
        // Everything but page 1 is held and shown, in order; the load is not done.
        assert_eq!(set.phase(), PageSetPhase::Loading);
        assert!(!set.is_finished());
        let shown = ids_of(&set.merged_prefix().unwrap());
        let want: Vec<u32> = server.ids[..10]
            .iter()
            .chain(&server.ids[20..])
            .copied()
            .collect();
        assert_eq!(shown, want);
        assert_eq!(set.prefix_assets(), 25);
        // Asked again later: it answers, and the load ends with every asset.
        set.retry_aside(1);
        assert_eq!(set.aside().count(), 0);
        let set = run(set, &mut server, |_, _| {});
        assert_eq!(set.phase(), PageSetPhase::Complete);
        assert_eq!(ids_of(&set.merged().unwrap()), server.ids);
    }

    #[test]
    fn warm_start_costs_only_304s() {
        let mut server = Server::new(25);
        let first = run(PageSet::new(10), &mut server, |_, _| {});
        let cached: Vec<_> = (0..first.page_count())
            .map(|p| {
                let (ix, etag) = first.page(p).unwrap();
                (ix.clone(), etag.map(str::to_owned))
            })
            .collect();
        server.requests = 0;
        let mut fresh_answers = 0;
        let mut set = PageSet::from_cached(10, cached);
        while let Some(r) = set.next_request() {
            let resp = server.answer(&r);
            fresh_answers += usize::from(matches!(resp, PageResponse::Fresh { .. }));
            feed(&mut set, &r, resp);
        }
        assert_eq!(set.phase(), PageSetPhase::Complete);
        assert_eq!((server.requests, fresh_answers), (3, 0));
        assert_eq!(ids_of(&set.merged().unwrap()), server.ids);

        // And a warm start against a changed library converges to it.
        server.insert_top();
        let cached: Vec<_> = (0..first.page_count())
            .map(|p| {
                let (ix, etag) = first.page(p).unwrap();
                (ix.clone(), etag.map(str::to_owned))
            })
            .collect();
        let set = run(PageSet::from_cached(10, cached), &mut server, |_, _| {});
        assert_eq!(set.phase(), PageSetPhase::Complete);
        assert_eq!(ids_of(&set.merged().unwrap()), server.ids);
    }

    #[test]
    fn misuse_is_reported_not_fatal() {
        let mut set = PageSet::new(10);
        assert_eq!(
            set.on_response(0, PageResponse::NotModified),
            Err(PageError::NotRequested(0))
        );
        let r = set.next_request().unwrap();
        assert_eq!(r.if_none_match, None);
        assert_eq!(
            set.on_response(r.page, PageResponse::NotModified),
            Err(PageError::NotModifiedWithoutBody(0))
        );
        // Asked again, then a failure, then asked again.
        let r = set.next_request().unwrap();
        assert_eq!(r.page, 0);
        assert_eq!(set.next_request(), None, "one in flight at a time");
        set.on_failure(0);
        assert_eq!(set.next_request().map(|r| r.page), Some(0));
    }
}

#[cfg(test)]
mod timing {
    use super::*;
    use crate::{AssetFlags, AssetKind, AssetRecord};

    /// `cargo test -p library-core --release -- --ignored merge_timing --nocapture`
    #[test]
    #[ignore = "timing only"]
    fn merge_timing() {
        let pages: Vec<(LibraryIndex, Option<String>)> = (0..1000u64)
            .map(|p| {
                let mut ix = LibraryIndex::new();
                for i in 0..1000u64 {
                    let n = p * 1000 + i;
                    let id = format!(
                        "{:08x}-0000-4000-8000-{:012x}",
                        n.wrapping_mul(2_654_435_761) as u32,
                        n
                    );
                    let _ = ix.push(&AssetRecord {
                        id: &id,
                        local_ms: 0,
                        file_created_ms: -(n as i64),
                        aspect: 1.5,
                        kind: AssetKind::Image,
                        flags: AssetFlags::default(),
                        stack_count: 0,
                        duration_ms: 0,
                        owner_id: "o",
                        thumbhash: &[],
                        file_name: "a.jpg",
                        search_text: "a",
                    });
                }
                (ix, Some(format!("e{p}")))
            })
            .collect();
        // Best of a few runs: the build machine is shared and noisy.
        const RUNS: usize = 5;
        fn best<T>(mut f: impl FnMut() -> T) -> (std::time::Duration, T) {
            let mut out = None;
            let mut best = std::time::Duration::MAX;
            for _ in 0..RUNS {
                let t = std::time::Instant::now();
                let r = f();
                best = best.min(t.elapsed());
                out = Some(r);
            }
            (best, out.unwrap())
        }
        let (t, n) = best(|| {
            let mut seen = IdSet::with_capacity(1_000_000);
            let mut n = 0;
            for (p, _) in &pages {
                for i in 0..p.len() {
                    n += usize::from(seen.insert(p.id(i).unwrap()));
                }
            }
            n
        });
        eprintln!("ids alone {t:?} ({n})");
        // Before: one big set, segment by segment (the old `merge`).
        let one_set = |pages: &mut dyn Iterator<Item = &LibraryIndex>| {
            let mut out = LibraryIndex::new();
            let mut seen = IdSet::with_capacity(1_000_000);
            for p in pages {
                out.append_unique(p, &mut seen).unwrap();
            }
            out.shrink_to_fit();
            out
        };
        let (t, old) = best(|| one_set(&mut pages.iter().map(|(p, _)| p)));
        eprintln!("before: one-set merge {t:?} len {}", old.len());
        drop(old);
        // After: the batch, radix-partitioned merge.
        let chunks: Vec<&crate::chunk::Chunk> =
            pages.iter().flat_map(|(p, _)| p.chunks()).collect();
        let (t, dropped) = best(|| crate::dedupe::later_duplicates(&chunks).unwrap());
        eprintln!(
            "after: duplicates alone {t:?} ({} dropped; scratch {:.1} MB)",
            dropped.count(),
            crate::dedupe::scratch_bytes(1_000_000) as f64 / 1e6
        );
        let (t, m) = best(|| LibraryIndex::merge(pages.iter().map(|(p, _)| p)).unwrap());
        eprintln!("after: batch merge {t:?} len {}", m.len());
        drop(m);
        // 10 ids of 99 pages in 100 repeated from the page before (a shifted
        // load): those pages are copied, by either merge.
        let shifted: Vec<LibraryIndex> = pages
            .iter()
            .enumerate()
            .map(|(k, (p, _))| match k.checked_sub(1) {
                Some(prev) if k % 100 != 0 => {
                    let mut ix = LibraryIndex::new();
                    let prev = &pages[prev].0;
                    for i in 0..10 {
                        ix.push_from(prev, prev.len() - 1 - i).unwrap();
                    }
                    for i in 10..p.len() {
                        ix.push_from(p, i).unwrap();
                    }
                    ix
                }
                _ => p.clone(),
            })
            .collect();
        let (t_old, old) = best(|| one_set(&mut shifted.iter()));
        let (t_new, m) = best(|| LibraryIndex::merge(&shifted).unwrap());
        eprintln!(
            "1% repeated: before {t_old:?} after {t_new:?} len {} ({})",
            m.len(),
            old.len()
        );
        assert_eq!(m.len(), old.len());
        drop((m, old, shifted));
        let t = std::time::Instant::now();
        let set = PageSet::from_cached(1000, pages);
        let t1 = t.elapsed();
        let m = set.merged_prefix().unwrap();
        let t2 = t.elapsed();
        let _ = set.merged().unwrap();
        let t3 = t.elapsed();
        eprintln!(
            "from_cached {t1:?} merged_prefix {t2:?} merged again {t3:?} len {}",
            m.len()
        );
    }
}
