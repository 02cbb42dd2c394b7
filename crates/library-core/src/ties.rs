//! Order ties across page boundaries.
//!
//! Immich sorts `GET /api/asset` by `fileCreatedAt` only, and Postgres gives no
//! order among rows with the same value: two requests may list a tie group in
//! different orders, so `skip`/`take` pages can repeat some of its assets and
//! skip others where the group straddles a page boundary. Duplicates are
//! dropped by id when pages merge; this module finds what went missing and how
//! to ask for it.
//!
//! The *timestamps* at each position are the same in every ordering (only the
//! ids within a tie move), so the pages tell exactly where a group lies: where
//! page `k`'s last asset and page `k + 1`'s first share a time `t`, the group
//! of `t` runs from its first position on page `k` (or earlier) to its last on
//! page `k + 1` (or later), and holds that many assets. When fewer distinct ids
//! with time `t` were received, one request with `skip` at the group's start
//! and `take` its size lists the whole group in one ordering ([`TieGap`]); the
//! ids not held yet are appended to the group's first page
//! ([`add_missing`]), after that page's own `take` assets. A page never holds
//! more than `take` assets from the server, so the assets past `take` are
//! known to be such additions and never count as positions.
//!
//! A group larger than [`MAX_WINDOW`] is asked in windows of that size; each
//! window is its own ordering, so it may take more than one round
//! ([`PageSet`](crate::PageSet) allows a few).

use crate::{IdSet, IndexError, LibraryIndex};

/// The largest window asked for a tie group in one request.
pub const MAX_WINDOW: u32 = 5_000;

/// A tie group that came back short: ask `skip`/`take` and add what is missing
/// to `page`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TieGap {
    /// The page the missing assets are appended to (the group's first page).
    pub page: usize,
    /// The group's (or this window's) first position.
    pub skip: u64,
    /// The window's size.
    pub take: u32,
    /// The group's `fileCreatedAt` (ms).
    pub time_ms: i64,
    /// How many of the group's assets are not held.
    pub missing: usize,
}

/// The server's positions in a held page: its first `take` assets.
fn positions(page: &LibraryIndex, take: usize) -> usize {
    page.len().min(take)
}

/// The tie groups that straddle a page boundary and were received short.
/// `pages`: the held pages in order (`None` for one not held: boundaries next
/// to it are not judged); `start`: `skip` of page 0; `take`: the page size.
pub fn gaps(pages: &[Option<&LibraryIndex>], start: u64, take: u32) -> Vec<TieGap> {
    let take_n = take.max(1) as usize;
    let time = |p: usize, i: usize| -> Option<i64> { pages.get(p)?.as_ref()?.file_created_ms(i) };
    let mut out = Vec::new();
    let mut k = 0;
    while k + 1 < pages.len() {
        let (Some(Some(a)), Some(Some(b))) = (pages.get(k), pages.get(k + 1)) else {
            k += 1;
            continue;
        };
        if a.len() < take_n || b.is_empty() {
            k += 1;
            continue;
        }
        let (Some(t), Some(u)) = (time(k, take_n - 1), time(k + 1, 0)) else {
            k += 1;
            continue;
        };
        if t != u {
            k += 1;
            continue;
        }
        // The group's first position: back through page k (and earlier full
        // pages that end with t).
        let mut first_page = k;
        let mut first_idx = (0..take_n)
            .rev()
            .take_while(|&i| time(k, i) == Some(t))
            .last()
            .unwrap_or(take_n - 1);
        while first_idx == 0 && first_page > 0 {
            let prev = first_page - 1;
            let full = pages
                .get(prev)
                .and_then(|p| p.as_ref())
                .is_some_and(|p| p.len() >= take_n);
            if !full || time(prev, take_n - 1) != Some(t) {
                break;
            }
            first_page = prev;
            first_idx = (0..take_n)
                .rev()
                .take_while(|&i| time(prev, i) == Some(t))
                .last()
                .unwrap_or(take_n - 1);
        }
        // Its end: forward through page k + 1 (and later pages that start with t).
        let mut last_page = k + 1;
        let mut end_idx;
        loop {
            let n = pages
                .get(last_page)
                .and_then(|p| p.as_ref())
                .map_or(0, |p| positions(p, take_n));
            end_idx = (0..n)
                .take_while(|&i| time(last_page, i) == Some(t))
                .count();
            let next_starts_with_t = end_idx == take_n && time(last_page + 1, 0) == Some(t);
            if !next_starts_with_t {
                break;
            }
            last_page += 1;
        }
        let first_pos = first_page as u64 * take_n as u64 + first_idx as u64;
        let end_pos = last_page as u64 * take_n as u64 + end_idx as u64;
        let size = end_pos.saturating_sub(first_pos);
        // Distinct ids of time t held across those pages (additions included).
        let mut seen = IdSet::new();
        for p in first_page..=last_page {
            let Some(Some(ix)) = pages.get(p) else {
                continue;
            };
            for i in 0..ix.len() {
                if ix.file_created_ms(i) == Some(t) {
                    if let Some(id) = ix.id(i) {
                        seen.insert(id);
                    }
                }
            }
        }
        let held = seen.len() as u64;
        if held < size {
            let missing = usize::try_from(size - held).unwrap_or(usize::MAX);
            let mut at = first_pos;
            while at < end_pos {
                let n = (end_pos - at).min(u64::from(MAX_WINDOW));
                out.push(TieGap {
                    page: first_page,
                    skip: start + at,
                    take: u32::try_from(n).unwrap_or(MAX_WINDOW),
                    time_ms: t,
                    missing,
                });
                at += n;
            }
        }
        k = last_page;
    }
    out
}

/// `page` with the assets of `window` that have the gap's time and whose ids
/// are in none of `pages` appended (in the window's order). `None` when none
/// is new.
pub fn add_missing(
    page: &LibraryIndex,
    window: &LibraryIndex,
    time_ms: i64,
    pages: &[Option<&LibraryIndex>],
) -> Result<Option<LibraryIndex>, IndexError> {
    let mut held = IdSet::new();
    for ix in pages.iter().flatten() {
        for i in 0..ix.len() {
            if ix.file_created_ms(i) == Some(time_ms) {
                if let Some(id) = ix.id(i) {
                    held.insert(id);
                }
            }
        }
    }
    let mut out: Option<LibraryIndex> = None;
    for i in 0..window.len() {
        if window.file_created_ms(i) != Some(time_ms) {
            continue;
        }
        let Some(id) = window.id(i) else { continue };
        if !held.insert(id) {
            continue;
        }
        out.get_or_insert_with(|| page.clone())
            .push_from(window, i)?;
    }
    if let Some(o) = out.as_mut() {
        o.shrink_to_fit();
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AssetRecord;

    fn page(items: &[(u32, i64)]) -> LibraryIndex {
        let mut ix = LibraryIndex::new();
        for &(id, t) in items {
            let id = format!("asset-{id}");
            ix.push(&AssetRecord {
                id: &id,
                owner_id: "o",
                file_created_ms: t,
                local_ms: t,
                ..AssetRecord::default()
            })
            .unwrap();
        }
        ix
    }

    #[test]
    fn no_tie_at_a_boundary_no_gap() {
        let a = page(&[(1, 9), (2, 8)]);
        let b = page(&[(3, 7), (4, 7)]);
        assert!(gaps(&[Some(&a), Some(&b)], 0, 2).is_empty());
    }

    #[test]
    fn a_repeat_across_a_boundary_is_a_gap_of_one() {
        // The group of time 5 is positions 1..4 (three assets 2, 3, 4); asset 3
        // came twice, 4 never.
        let a = page(&[(1, 9), (2, 5)]);
        let b = page(&[(3, 5), (3, 5)]);
        let c = page(&[(5, 1)]);
        let g = gaps(&[Some(&a), Some(&b), Some(&c)], 10, 2);
        assert_eq!(
            g,
            vec![TieGap {
                page: 0,
                skip: 11,
                take: 3,
                time_ms: 5,
                missing: 1
            }]
        );
        // The whole group in one ordering: the one not held is added.
        let window = page(&[(4, 5), (2, 5), (3, 5)]);
        let fixed = add_missing(&a, &window, 5, &[Some(&a), Some(&b), Some(&c)])
            .unwrap()
            .unwrap();
        assert_eq!(fixed.len(), 3);
        assert_eq!(fixed.id_string(2).as_deref(), Some("asset-4"));
        // With the addition held, no gap remains.
        assert!(gaps(&[Some(&fixed), Some(&b), Some(&c)], 10, 2).is_empty());
    }

    #[test]
    fn a_group_spanning_whole_pages() {
        let a = page(&[(1, 9), (2, 5)]);
        let b = page(&[(3, 5), (2, 5)]);
        let c = page(&[(3, 5), (6, 2)]);
        let g = gaps(&[Some(&a), Some(&b), Some(&c)], 0, 2);
        // Positions 1..5 hold time 5: four assets, two distinct ids.
        assert_eq!(g.len(), 1);
        assert_eq!(
            (g[0].page, g[0].skip, g[0].take, g[0].missing),
            (0, 1, 4, 2)
        );
    }

    #[test]
    fn a_page_not_held_is_not_judged() {
        let a = page(&[(1, 5), (2, 5)]);
        let b = page(&[(1, 5), (2, 5)]);
        assert!(gaps(&[Some(&a), None, Some(&b)], 0, 2).is_empty());
    }
}
