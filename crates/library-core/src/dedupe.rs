//! Duplicate ids across many chunks at once, cache-friendly.
//!
//! Merging a reload's thousand cached pages used to insert every id into one
//! big hash set: a million random writes over tens of megabytes, each a cache
//! miss. Here the ids are instead radix-partitioned by a hash:
//!
//! 1. every UUID is hashed to 64 bits and the pair (low 32 bits of the hash,
//!    position) is scattered into buckets by the hash's top bits (a counting
//!    pass first, so the scratch is one exact-size array of 8-byte entries);
//! 2. each bucket, small enough to stay in the CPU cache, is checked on its own
//!    with a small open-addressed table over the hash. Entries sharing a hash
//!    are only *suspects* (a bucket that turns out skewed, or whose probes run
//!    long, is suspect as a whole);
//! 3. the suspects, few on a real library, are settled exactly and in
//!    position order through an [`IdSet`]: every occurrence after the first of
//!    a UUID is dropped.
//!
//! Ids that are not UUIDs are rare: they go through the same [`IdSet`], in
//! order. (Settling through the set the merge used before, rather than by
//! sorting, keeps the wasm small: no new sort or set is compiled in.)
//!
//! The answer is a bitmap of dropped positions; with no duplicate (the common
//! reload) it is all zero and the merge shares every chunk.

use crate::{chunk::Chunk, index::AssetFlags, AssetId, IdSet, IndexError};

/// Average entries a bucket aims at: its entries (8 bytes each) and table
/// (4 bytes a slot, twice as many slots) stay within the L1/L2 cache.
const BUCKET_TARGET: usize = 2048;
/// At most `1 << MAX_BUCKET_BITS` buckets (the scatter's write streams).
const MAX_BUCKET_BITS: u32 = 10;
/// A bucket larger than this many times the average is suspect as a whole,
/// not hashed (bounds the table whatever the ids).
const SKEW: usize = 8;

/// Positions dropped, over the concatenation of the chunks given.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Dropped {
    words: Vec<u64>,
    count: usize,
}

impl Dropped {
    fn new(n: usize) -> Self {
        Self {
            words: vec![0; n.div_ceil(64)],
            count: 0,
        }
    }

    fn mark(&mut self, pos: usize) {
        if let Some(w) = self.words.get_mut(pos / 64) {
            let bit = 1u64 << (pos % 64);
            if *w & bit == 0 {
                *w |= bit;
                self.count += 1;
            }
        }
    }

    /// Whether position `pos` is dropped.
    pub(crate) fn contains(&self, pos: usize) -> bool {
        self.words
            .get(pos / 64)
            .is_some_and(|w| w & (1u64 << (pos % 64)) != 0)
    }

    /// Whether any position in `start..end` is dropped.
    pub(crate) fn any_in(&self, start: usize, end: usize) -> bool {
        if self.count == 0 || start >= end {
            return false;
        }
        let (first, last) = (start / 64, (end - 1) / 64);
        let Some(words) = self
            .words
            .get(first..=last.min(self.words.len().saturating_sub(1)))
        else {
            return false;
        };
        words.iter().enumerate().any(|(k, &w)| {
            let mut m = w;
            if k == 0 {
                m &= u64::MAX << (start % 64);
            }
            if first + k == last {
                m &= u64::MAX >> (63 - (end - 1) % 64);
            }
            m != 0
        })
    }

    /// How many positions are dropped.
    #[cfg(test)]
    pub(crate) fn count(&self) -> usize {
        self.count
    }
}

/// One UUID in the scatter: the low 32 bits of its hash (the bucket stands
/// for the top bits) and its global position. 8 bytes, so a million take 8 MB.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Entry {
    h: u32,
    pos: u32,
}

/// A 64-bit hash of a UUID's bytes, every output bit depending on every input
/// bit (so ids sharing leading bytes, or counting up, spread evenly). Three
/// 64-bit multiplies; not keyed (see [`crate::UuidHasher`]): hash equality is
/// only ever a hint, settled by comparing the UUIDs.
pub(crate) fn mix(u: &[u8; 16]) -> u64 {
    let (a, b) = u.split_at(8);
    let a = a.try_into().map_or(0, u64::from_le_bytes);
    let b = b.try_into().map_or(0, u64::from_le_bytes);
    let x = (a ^ 0x243f_6a88_85a3_08d3).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let y = (b ^ 0x1319_8a2e_0370_7344).wrapping_mul(0xc2b2_ae3d_27d4_eb4f);
    let mut h = x ^ y.rotate_left(32);
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^ (h >> 33)
}

/// Scratch bytes [`later_duplicates`] holds at its peak for `n` UUIDs (the
/// scatter, the bucket table and the bitmap; suspects come on top only when
/// there are duplicates).
#[cfg(test)]
pub(crate) fn scratch_bytes(n: usize) -> usize {
    let bits = bucket_bits(n);
    let buckets = 1usize << bits;
    n * std::mem::size_of::<Entry>()
        + (buckets + 1) * std::mem::size_of::<usize>() * 2
        + table_len(n, bits) * 4
        + n.div_ceil(64) * 8
}

fn bucket_bits(n: usize) -> u32 {
    let mut bits = 0;
    while bits < MAX_BUCKET_BITS && (n >> bits) > BUCKET_TARGET {
        bits += 1;
    }
    bits
}

/// Slots of the reused table: room for the largest bucket hashed (the others
/// are sorted).
fn table_len(n: usize, bits: u32) -> usize {
    let avg = n >> bits;
    ((avg * SKEW).min(n).max(1) * 2).next_power_of_two()
}

/// The positions, over `chunks` concatenated, that repeat an id held at an
/// earlier position (UUIDs and other ids alike): what a merge keeping the
/// first of each id drops.
pub(crate) fn later_duplicates(chunks: &[&Chunk]) -> Result<Dropped, IndexError> {
    let total: usize = chunks.iter().map(|c| c.len()).sum();
    crate::chunk::to_u32(total)?;
    let mut dropped = Dropped::new(total);

    // Pass 1a: count the UUIDs of each bucket; settle the other ids in order.
    // (The bucket count follows the total: other ids are rare.)
    let bits = bucket_bits(total);
    let shift = 64 - bits;
    let bucket_of = |h: u64| if bits == 0 { 0 } else { (h >> shift) as usize };
    let buckets = 1usize << bits;
    let mut counts = vec![0usize; buckets + 1];
    let mut settled = IdSet::new();
    for (c, start) in with_starts(chunks) {
        for (i, (id, f)) in c.ids.iter().zip(&c.flags).enumerate() {
            if f & AssetFlags::FALLBACK_ID == 0 {
                if let Some(n) = counts.get_mut(bucket_of(mix(id)) + 1) {
                    *n += 1;
                }
            } else if !c.id(i).is_some_and(|id| match id {
                AssetId::Other(_) => settled.insert(id),
                // Cannot happen: the flag says the id is not a UUID.
                AssetId::Uuid(_) => true,
            }) {
                dropped.mark(start + i);
            }
        }
    }
    // `counts[b]` becomes bucket b's start, `counts[buckets]` the end.
    for b in 1..=buckets {
        let prev = counts.get(b - 1).copied().unwrap_or(0);
        if let Some(n) = counts.get_mut(b) {
            *n += prev;
        }
    }
    let uuids = counts.get(buckets).copied().unwrap_or(0);

    // Pass 1b: scatter (hash, position), in position order within a bucket.
    let mut entries = vec![Entry::default(); uuids];
    let mut next = counts.clone();
    for (c, start) in with_starts(chunks) {
        for (i, (id, f)) in c.ids.iter().zip(&c.flags).enumerate() {
            if f & AssetFlags::FALLBACK_ID != 0 {
                continue;
            }
            let h = mix(id);
            let Some(at) = next.get_mut(bucket_of(h)) else {
                continue;
            };
            if let Some(e) = entries.get_mut(*at) {
                *e = Entry {
                    h: h as u32,
                    // Fits: `total` does.
                    pos: (start + i) as u32,
                };
            }
            *at += 1;
        }
    }
    drop(next);

    // Pass 2: per bucket, the positions whose hash another position shares.
    let mut suspects = Dropped::new(total);
    let mut table = vec![0u32; table_len(uuids, bits)];
    for b in 0..buckets {
        let (s, e) = (
            counts.get(b).copied().unwrap_or(0),
            counts.get(b + 1).copied().unwrap_or(0),
        );
        let Some(bucket) = entries.get(s..e) else {
            continue;
        };
        if !hashed_suspects(bucket, &mut table, &mut suspects) {
            // Skewed or crowded: every entry is settled exactly.
            for e in bucket {
                suspects.mark(e.pos as usize);
            }
        }
    }
    drop(table);
    drop(entries);
    settle(chunks, &suspects, &mut settled, &mut dropped);
    Ok(dropped)
}

/// The chunks with their first global position.
fn with_starts<'a>(chunks: &'a [&'a Chunk]) -> impl Iterator<Item = (&'a Chunk, usize)> + 'a {
    chunks.iter().scan(0usize, |start, c| {
        let s = *start;
        *start += c.len();
        Some((*c, s))
    })
}

/// Marks the entries of `bucket` whose hash another one has in `suspects`,
/// with an open-addressed table of entry numbers. Returns `false` when the
/// table is too small for the bucket or probing runs long (hashes crowding
/// one spot): the whole bucket is then suspect.
fn hashed_suspects(bucket: &[Entry], table: &mut [u32], suspects: &mut Dropped) -> bool {
    let n = bucket.len();
    if n < 2 {
        return true;
    }
    let slots = (n * 2).next_power_of_two();
    let Some(table) = table.get_mut(..slots) else {
        return false;
    };
    // Entry numbers from 1 (0 is an empty slot).
    let Ok(n32) = u32::try_from(n) else {
        return false;
    };
    table.fill(0);
    let mask = slots - 1;
    // Linear probing at half load averages under two probes; far beyond that
    // means crafted or degenerate hashes.
    let mut budget = n * 16 + 64;
    for (k, e) in (1..=n32).zip(bucket) {
        let h = e.h;
        let mut s = (h as usize) & mask;
        loop {
            let Some(slot) = table.get_mut(s) else {
                return false;
            };
            if *slot == 0 {
                *slot = k;
                break;
            }
            let Some(f) = bucket.get(*slot as usize - 1) else {
                return false;
            };
            if f.h == h {
                suspects.mark(f.pos as usize);
                suspects.mark(e.pos as usize);
                break;
            }
            s = (s + 1) & mask;
            budget = match budget.checked_sub(1) {
                Some(b) => b,
                None => return false,
            };
        }
    }
    true
}

/// Settles the suspect positions in order: a UUID already in `settled`
/// (an earlier suspect's) is dropped.
fn settle(chunks: &[&Chunk], suspects: &Dropped, settled: &mut IdSet, dropped: &mut Dropped) {
    if suspects.count == 0 {
        return;
    }
    for (c, start) in with_starts(chunks) {
        if !suspects.any_in(start, start + c.len()) {
            continue;
        }
        for (i, id) in c.ids.iter().enumerate() {
            if suspects.contains(start + i) && !settled.insert(AssetId::Uuid(*id)) {
                dropped.mark(start + i);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bitmap_ranges() {
        let mut d = Dropped::new(300);
        assert!(!d.any_in(0, 300));
        d.mark(64);
        d.mark(64);
        d.mark(299);
        assert_eq!(d.count(), 2);
        assert!(d.contains(64) && d.contains(299) && !d.contains(63));
        assert!(!d.any_in(0, 64));
        assert!(d.any_in(0, 65));
        assert!(d.any_in(64, 65));
        assert!(!d.any_in(65, 128));
        assert!(!d.any_in(65, 299));
        assert!(d.any_in(65, 300));
        assert!(d.any_in(299, 300));
        assert!(!d.any_in(64, 64));
        assert!(!d.any_in(400, 500));
        assert!(!d.contains(1000));
    }

    /// The positions of entries whose hash another entry has (by brute force).
    fn shared_hashes(bucket: &[Entry]) -> Vec<usize> {
        let mut out: Vec<usize> = bucket
            .iter()
            .filter(|e| bucket.iter().filter(|f| f.h == e.h).count() > 1)
            .map(|e| e.pos as usize)
            .collect();
        out.sort_unstable();
        out
    }

    fn marked(d: &Dropped, n: usize) -> Vec<usize> {
        (0..n).filter(|&p| d.contains(p)).collect()
    }

    #[test]
    fn hashed_suspects_are_the_shared_hashes() {
        // Hashes from a tiny range, so many are shared (spread over the
        // table's low bits, as `mix` spreads them).
        let mut seed = 7u64;
        for n in [0usize, 1, 2, 3, 17, 300, 2000] {
            let bucket: Vec<Entry> = (0..n as u32)
                .map(|pos| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    let h = (seed % (n as u64 / 2 + 1)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
                    Entry { h: h as u32, pos }
                })
                .collect();
            let mut table = vec![0u32; (n * 2 + 2).next_power_of_two()];
            let mut got = Dropped::new(n);
            assert!(hashed_suspects(&bucket, &mut table, &mut got));
            assert_eq!(marked(&got, n), shared_hashes(&bucket), "n={n}");
        }
        // One hash crowding every slot runs out of probes instead of going
        // quadratic (the caller then settles the whole bucket exactly).
        let bucket: Vec<Entry> = (0..5000u32)
            .map(|pos| Entry { h: pos << 16, pos })
            .collect();
        let mut table = vec![0u32; 16384];
        assert!(!hashed_suspects(
            &bucket,
            &mut table,
            &mut Dropped::new(5000)
        ));
    }

    #[test]
    fn mix_spreads_counting_ids() {
        // Ids counting up in their last bytes, or sharing their leading ones,
        // fill the top-bit buckets evenly.
        let mut counts = [0u32; 256];
        for n in 0..65_536u64 {
            let mut u = [0u8; 16];
            u[10..16].copy_from_slice(&n.to_be_bytes()[2..]);
            counts[(mix(&u) >> 56) as usize] += 1;
        }
        assert!(
            counts.iter().all(|&c| (150..=362).contains(&c)),
            "{counts:?}"
        );
    }

    #[test]
    fn scratch_at_a_million_is_modest() {
        let bytes = scratch_bytes(1_000_000);
        assert!(bytes < 24 << 20, "{bytes}");
    }
}
