//! In-app refinements: filters applied to the loaded index without any request.
//!
//! One pass over the dense columns computes, per asset, which of the five filters it
//! passes; from those bits come both the visible list and the counts each filter
//! leaves (so the UI can label its choices without running the filters again).

use crate::{chunk::kind_of, index::day_of, AssetFlags, AssetKind, LibraryIndex};

/// Which types to show.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum TypeFilter {
    /// Every type.
    #[default]
    All,
    /// Images only.
    Photos,
    /// Videos only.
    Videos,
}

/// The user's refinements of the loaded library.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Refinements {
    /// Which types to show.
    pub kind: TypeFilter,
    /// Show assets in the trash (hidden by default, as in Immich's timeline).
    pub show_trashed: bool,
    /// Show assets whose file is offline (shown by default).
    pub show_offline: bool,
    /// Case-insensitive substring over the file name and the search text (city,
    /// country, camera make/model, lens, tag names); empty or blank matches all.
    pub text: String,
    /// First local day to show, inclusive (days since the epoch).
    pub day_from: Option<i32>,
    /// Last local day to show, inclusive (days since the epoch).
    pub day_to: Option<i32>,
}

impl Default for Refinements {
    fn default() -> Self {
        Self {
            kind: TypeFilter::All,
            show_trashed: false,
            show_offline: true,
            text: String::new(),
            day_from: None,
            day_to: None,
        }
    }
}

/// How many assets remain, overall and per filter.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct FilterCounts {
    /// Assets in the index.
    pub total: u32,
    /// Assets passing every filter.
    pub visible: u32,
    /// Assets the type filter alone leaves.
    pub by_kind: u32,
    /// Assets the trash filter alone leaves.
    pub by_trashed: u32,
    /// Assets the offline filter alone leaves.
    pub by_offline: u32,
    /// Assets the text filter alone leaves.
    pub by_text: u32,
    /// Assets the date range alone leaves.
    pub by_date: u32,
    /// Images among the assets passing every filter but the type filter.
    pub photos: u32,
    /// Videos among the assets passing every filter but the type filter.
    pub videos: u32,
}

const KIND: u8 = 1;
const TRASH: u8 = 1 << 1;
const OFFLINE: u8 = 1 << 2;
const TEXT: u8 = 1 << 3;
const DATE: u8 = 1 << 4;
const ALL: u8 = KIND | TRASH | OFFLINE | TEXT | DATE;

/// The positions of the assets passing every refinement, in index order.
pub fn apply(index: &LibraryIndex, r: &Refinements) -> Vec<u32> {
    apply_with_counts(index, r).0
}

/// [`apply`], plus the counts each filter leaves.
pub fn apply_with_counts(index: &LibraryIndex, r: &Refinements) -> (Vec<u32>, FilterCounts) {
    let needle = r.text.trim().to_lowercase();
    let text_hits = (!needle.is_empty()).then(|| text_hits(index, &needle));
    let from = r.day_from.unwrap_or(i32::MIN);
    let to = r.day_to.unwrap_or(i32::MAX);
    let mut visible = Vec::new();
    let mut c = FilterCounts::default();
    let mut i = 0usize;
    for chunk in index.chunks() {
        for (&f, &t) in chunk.raw_flags().iter().zip(chunk.local_ms_column()) {
            let k = kind_of(f);
            let day = day_of(t);
            let mut pass = 0u8;
            let is_image = k == AssetKind::Image;
            let is_video = k == AssetKind::Video;
            if match r.kind {
                TypeFilter::All => true,
                TypeFilter::Photos => is_image,
                TypeFilter::Videos => is_video,
            } {
                pass |= KIND;
            }
            if r.show_trashed || f & AssetFlags::TRASHED.bits() == 0 {
                pass |= TRASH;
            }
            if r.show_offline || f & AssetFlags::OFFLINE.bits() == 0 {
                pass |= OFFLINE;
            }
            if day >= from && day <= to {
                pass |= DATE;
            }
            if text_hits
                .as_ref()
                .is_none_or(|h| h.get(i).copied().unwrap_or(false))
            {
                pass |= TEXT;
            }
            c.by_kind += u32::from(pass & KIND != 0);
            c.by_trashed += u32::from(pass & TRASH != 0);
            c.by_offline += u32::from(pass & OFFLINE != 0);
            c.by_text += u32::from(pass & TEXT != 0);
            c.by_date += u32::from(pass & DATE != 0);
            if pass | KIND == ALL {
                c.photos += u32::from(is_image);
                c.videos += u32::from(is_video);
            }
            if pass == ALL {
                // Index positions fit u32: the index refuses to grow past it.
                visible.push(i as u32);
            }
            i += 1;
        }
    }
    c.total = u32::try_from(index.len()).unwrap_or(u32::MAX);
    c.visible = u32::try_from(visible.len()).unwrap_or(u32::MAX);
    (visible, c)
}

/// Which assets contain `needle` (lowercase, non-empty) in their search text or
/// file name.
///
/// Why arena-wide: searching each arena once with the standard library's substring
/// search (vectorised) is several times faster than a search per asset. A hit is
/// attributed to the asset whose span holds it; a hit straddling two assets is
/// rejected and the search resumes at the boundary, so no hit inside the next asset
/// is skipped.
fn text_hits(index: &LibraryIndex, needle: &str) -> Vec<bool> {
    let mut hits = vec![false; index.len()];
    let mut start = 0usize;
    for chunk in index.chunks() {
        let n = chunk.len();
        let Some(out) = hits.get_mut(start..start + n) else {
            break;
        };
        // Distinct search texts first (each is stored once a chunk), then per asset.
        let (search, search_ends, search_of) = chunk.search_table();
        let mut distinct = vec![false; search_ends.len()];
        mark_hits(search, search_ends, needle, &mut distinct);
        for (h, &e) in out.iter_mut().zip(search_of) {
            *h = distinct.get(e as usize).copied().unwrap_or(false);
        }
        // File names are stored as sent: fold ASCII case in one copy of the arena
        // (byte offsets stay the same). A hit there is a hit of the fully lowercased
        // name too; names with non-ASCII letters may hold more hits, found by a
        // Unicode fold of their own.
        let (names, name_ends) = chunk.name_arena();
        let mut folded = names.to_owned();
        folded.make_ascii_lowercase();
        mark_hits(&folded, name_ends, needle, out);
        for (j, hit) in out.iter_mut().enumerate() {
            if !*hit && !chunk.name_is_ascii(j) {
                *hit = chunk
                    .file_name(j)
                    .is_some_and(|n| n.to_lowercase().contains(needle));
            }
        }
        start += n;
    }
    hits
}

fn mark_hits(arena: &str, ends: &[u32], needle: &str, hits: &mut [bool]) {
    let mut from = 0;
    let mut asset = 0;
    while let Some(rel) = arena.get(from..).and_then(|rest| rest.find(needle)) {
        let at = from + rel;
        while ends.get(asset).is_some_and(|&e| e as usize <= at) {
            asset += 1;
        }
        let Some(&end) = ends.get(asset) else { break };
        let end = end as usize;
        if at + needle.len() <= end {
            if let Some(h) = hits.get_mut(asset) {
                *h = true;
            }
        }
        // Either a hit (the rest of this asset cannot add anything) or a straddle:
        // continue with the next asset.
        from = end.max(at + 1);
        if !arena.is_char_boundary(from) {
            // Only reachable on a corrupt index; stop rather than loop.
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AssetRecord, DAY_MS};

    fn sample() -> LibraryIndex {
        let mut ix = LibraryIndex::new();
        let rows: [(&str, AssetKind, AssetFlags, i64, &str, &str); 6] = [
            (
                "a",
                AssetKind::Image,
                AssetFlags::empty(),
                10,
                "IMG_0001.JPG",
                "paris\u{1f}canon",
            ),
            (
                "b",
                AssetKind::Video,
                AssetFlags::empty(),
                11,
                "clip.mp4",
                "berlin",
            ),
            (
                "c",
                AssetKind::Image,
                AssetFlags::TRASHED,
                12,
                "Trash.jpg",
                "paris",
            ),
            (
                "d",
                AssetKind::Image,
                AssetFlags::OFFLINE,
                13,
                "ÉTÉ.png",
                "",
            ),
            (
                "e",
                AssetKind::Audio,
                AssetFlags::empty(),
                14,
                "song.mp3",
                "tag",
            ),
            (
                "f",
                AssetKind::Video,
                AssetFlags::TRASHED | AssetFlags::OFFLINE,
                15,
                "x.mov",
                "",
            ),
        ];
        for (id, kind, flags, day, name, search) in rows {
            ix.push(&AssetRecord {
                id,
                local_ms: day * DAY_MS + 5,
                kind,
                flags,
                owner_id: "o",
                file_name: name,
                search_text: search,
                ..AssetRecord::default()
            })
            .unwrap();
        }
        ix
    }

    fn check(r: Refinements, expected_ids: &str) {
        let ix = sample();
        let got: String = apply(&ix, &r)
            .into_iter()
            .map(|i| ix.id_string(i as usize).unwrap())
            .collect();
        assert_eq!(got, expected_ids, "{r:?}");
    }

    #[test]
    fn filters() {
        let d = Refinements::default;
        check(d(), "abde");
        check(
            Refinements {
                show_trashed: true,
                ..d()
            },
            "abcdef",
        );
        check(
            Refinements {
                show_offline: false,
                ..d()
            },
            "abe",
        );
        check(
            Refinements {
                show_trashed: true,
                show_offline: false,
                ..d()
            },
            "abce",
        );
        check(
            Refinements {
                kind: TypeFilter::Photos,
                ..d()
            },
            "ad",
        );
        check(
            Refinements {
                kind: TypeFilter::Videos,
                show_trashed: true,
                ..d()
            },
            "bf",
        );
        check(
            Refinements {
                text: " PARIS ".into(),
                ..d()
            },
            "a",
        );
        check(
            Refinements {
                text: "img_0".into(),
                ..d()
            },
            "a",
        );
        check(
            Refinements {
                text: "été".into(),
                ..d()
            },
            "d",
        );
        check(
            Refinements {
                text: "zzz".into(),
                ..d()
            },
            "",
        );
        check(
            Refinements {
                day_from: Some(11),
                day_to: Some(13),
                ..d()
            },
            "bd",
        );
        check(
            Refinements {
                day_from: Some(14),
                ..d()
            },
            "e",
        );
        check(
            Refinements {
                day_to: Some(10),
                ..d()
            },
            "a",
        );
    }

    #[test]
    fn counts() {
        let ix = sample();
        let r = Refinements {
            kind: TypeFilter::Photos,
            text: "p".into(),
            ..Refinements::default()
        };
        let (vis, c) = apply_with_counts(&ix, &r);
        assert_eq!(vis, vec![0, 3]);
        assert_eq!(
            c,
            FilterCounts {
                total: 6,
                visible: 2,
                by_kind: 3,
                by_trashed: 4,
                by_offline: 6,
                by_text: 5, // a (paris), b (clip.mp4), c (paris), d (.png), e (.mp3)
                by_date: 6,
                photos: 2,
                videos: 1,
            }
        );
    }

    #[test]
    fn arena_search_matches_naive_search() {
        let mut seed = 7u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let alphabet = ['a', 'b', 'A', 'é', 'É'];
        let mut word = |len: u64| -> String {
            (0..next() % len)
                .map(|_| alphabet[(next() % 5) as usize])
                .collect()
        };
        for _ in 0..50 {
            let mut ix = LibraryIndex::new();
            let mut rows = Vec::new();
            for k in 0..40 {
                let (name, search) = (word(6), word(6));
                let id = k.to_string();
                ix.push(&AssetRecord {
                    id: &id,
                    owner_id: "o",
                    file_name: &name,
                    search_text: &search,
                    ..AssetRecord::default()
                })
                .unwrap();
                rows.push((name.to_lowercase(), search.to_lowercase()));
            }
            for _ in 0..20 {
                let needle = word(4);
                let lower = needle.trim().to_lowercase();
                let expected: Vec<u32> = rows
                    .iter()
                    .enumerate()
                    .filter(|(_, (n, s))| n.contains(&lower) || s.contains(&lower))
                    .map(|(i, _)| i as u32)
                    .collect();
                let r = Refinements {
                    text: needle.clone(),
                    ..Refinements::default()
                };
                assert_eq!(apply(&ix, &r), expected, "{needle:?} in {rows:?}");
            }
        }
    }

    #[test]
    fn hits_straddling_assets_do_not_hide_later_hits() {
        let mut ix = LibraryIndex::new();
        for (id, name, search) in [
            ("1", "x", "xa"),
            ("2", "y", "aa"),
            ("3", "z", "a"),
            ("4", "w", "ba"),
        ] {
            ix.push(&AssetRecord {
                id,
                owner_id: "o",
                file_name: name,
                search_text: search,
                ..AssetRecord::default()
            })
            .unwrap();
        }
        let r = Refinements {
            text: "aa".into(),
            ..Refinements::default()
        };
        assert_eq!(apply(&ix, &r), vec![1]);
        let r = Refinements {
            text: "ab".into(),
            ..Refinements::default()
        };
        assert_eq!(apply(&ix, &r), Vec::<u32>::new());
        let r = Refinements {
            text: "W".into(),
            ..Refinements::default()
        };
        assert_eq!(apply(&ix, &r), vec![3]);
    }
}
