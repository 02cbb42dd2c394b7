//! One chunk of a [`LibraryIndex`](crate::LibraryIndex): up to a page of assets in
//! compact columns, 48 fixed bytes an asset, with the variable-length parts in
//! arenas of the chunk's own.
//!
//! Fixed columns: id (16 bytes), `localDateTime` (i64 ms), `fileCreatedAt` as an i32
//! ms offset from it (a time zone's worth; farther ones go to a sparse side table),
//! aspect (f32), owner (u16 into the chunk's owner table), flags and kind (u16), and
//! three u32 offsets: thumbhash end, file-name end, and the asset's entry in the
//! chunk's table of distinct search texts (city, country, camera, lens and tags
//! repeat across a library, so each distinct text is stored once a chunk). Rare
//! values (video durations, stack counts) live in sparse tables sorted by position.

use std::{collections::HashMap, ops::Range};

use crate::index::{day_of, AssetFlags, AssetId, AssetKind, AssetView, IndexError};

/// Bytes of fixed-size columns an asset costs (arenas and sparse tables come on top).
pub const FIXED_BYTES_PER_ASSET: usize = 16 // id
    + 8 // local_ms
    + 4 // fileCreatedAt - localDateTime, ms
    + 4 // aspect
    + 2 // owner
    + 2 // flags + kind
    + 4 * 3; // thumbhash end, file name end, search text entry

// The budget the index is designed for: checked at compile time.
const _: () = assert!(FIXED_BYTES_PER_ASSET <= 48);

/// Internal flag bits (the public ones are `AssetFlags::PUBLIC`).
pub(crate) mod bits {
    /// The kind, two bits.
    pub const KIND_SHIFT: u16 = 8;
    pub const KIND_MASK: u16 = 0b11 << KIND_SHIFT;
    /// `fileCreatedAt` is in the sparse `created_far` table.
    pub const CREATED_FAR: u16 = 1 << 11;
    /// A stack count is in the sparse `stacks` table.
    pub const STACKED: u16 = 1 << 12;
    /// A duration is in the sparse `durations` table.
    pub const HAS_DURATION: u16 = 1 << 13;
}

/// The columns of one asset that the decoder fills in directly (the arenas are
/// appended by the caller before `commit`).
pub(crate) struct RawAsset {
    pub id: RawId,
    pub local_ms: i64,
    pub created_ms: i64,
    pub aspect: f32,
    pub kind: AssetKind,
    pub flags: u16,
    pub stack_count: u16,
    pub duration_ms: u32,
    pub owner: u16,
}

/// An id on its way into the index.
pub(crate) enum RawId {
    Uuid([u8; 16]),
    /// Text already appended to the fallback arena at this range.
    Other(u32, u32),
}

pub(crate) fn to_u32(n: usize) -> Result<u32, IndexError> {
    u32::try_from(n).map_err(|_| IndexError::TooLarge)
}

fn span(ends: &[u32], i: usize) -> Option<Range<usize>> {
    let end = *ends.get(i)? as usize;
    let start = match i.checked_sub(1) {
        Some(p) => *ends.get(p)? as usize,
        None => 0,
    };
    Some(start..end)
}

/// Looks a position up in a sparse table sorted by position.
fn sparse<T: Copy>(table: &[(u32, T)], i: usize) -> Option<T> {
    let i = u32::try_from(i).ok()?;
    table
        .binary_search_by_key(&i, |&(k, _)| k)
        .ok()
        .and_then(|k| table.get(k))
        .map(|&(_, v)| v)
}

/// A chunk of assets (see the module documentation).
#[derive(Clone, Debug, Default)]
pub struct Chunk {
    pub(crate) ids: Vec<[u8; 16]>,
    pub(crate) local_ms: Vec<i64>,
    pub(crate) created_off: Vec<i32>,
    pub(crate) aspects: Vec<f32>,
    pub(crate) owners: Vec<u16>,
    pub(crate) flags: Vec<u16>,
    pub(crate) thumb_ends: Vec<u32>,
    pub(crate) name_ends: Vec<u32>,
    /// Per asset: its entry in `search_ends`.
    pub(crate) search_of: Vec<u32>,
    /// End offsets of the distinct search texts in `search`.
    pub(crate) search_ends: Vec<u32>,
    pub(crate) thumb_bytes: Vec<u8>,
    pub(crate) names: String,
    pub(crate) search: String,
    pub(crate) other_ids: String,
    pub(crate) created_far: Vec<(u32, i64)>,
    pub(crate) stacks: Vec<(u32, u16)>,
    pub(crate) durations: Vec<(u32, u32)>,
    pub(crate) owner_table: Vec<String>,
    /// While building: hash of a distinct search text → its entry (dropped by
    /// `shrink_to_fit`; a collision only costs a second copy).
    pub(crate) search_lookup: HashMap<u64, u32>,
}

fn hash_text(s: &str) -> u64 {
    // FNV-1a: deterministic, no allocation, good enough to find repeats.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in s.as_bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

impl Chunk {
    /// An empty chunk with room for `n` assets in every fixed column.
    pub(crate) fn with_capacity(n: usize) -> Self {
        let mut c = Self::default();
        c.ids.reserve(n);
        c.local_ms.reserve(n);
        c.created_off.reserve(n);
        c.aspects.reserve(n);
        c.owners.reserve(n);
        c.flags.reserve(n);
        c.thumb_ends.reserve(n);
        c.name_ends.reserve(n);
        c.search_of.reserve(n);
        c
    }

    /// Number of assets.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether the chunk holds no asset.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Heap bytes held (by capacity).
    pub fn memory_bytes(&self) -> usize {
        self.ids.capacity() * 16
            + self.local_ms.capacity() * 8
            + (self.created_off.capacity() + self.aspects.capacity()) * 4
            + (self.owners.capacity() + self.flags.capacity()) * 2
            + (self.thumb_ends.capacity()
                + self.name_ends.capacity()
                + self.search_of.capacity()
                + self.search_ends.capacity())
                * 4
            + self.thumb_bytes.capacity()
            + self.names.capacity()
            + self.search.capacity()
            + self.other_ids.capacity()
            + self.created_far.capacity() * 16
            + self.stacks.capacity() * 8
            + self.durations.capacity() * 8
            + self
                .owner_table
                .iter()
                .map(|s| s.capacity() + 24)
                .sum::<usize>()
            + self.search_lookup.capacity() * 16
    }

    /// Gives back spare capacity and the building-time lookup.
    pub(crate) fn shrink_to_fit(&mut self) {
        self.ids.shrink_to_fit();
        self.local_ms.shrink_to_fit();
        self.created_off.shrink_to_fit();
        self.aspects.shrink_to_fit();
        self.owners.shrink_to_fit();
        self.flags.shrink_to_fit();
        self.thumb_ends.shrink_to_fit();
        self.name_ends.shrink_to_fit();
        self.search_of.shrink_to_fit();
        self.search_ends.shrink_to_fit();
        self.thumb_bytes.shrink_to_fit();
        self.names.shrink_to_fit();
        self.search.shrink_to_fit();
        self.other_ids.shrink_to_fit();
        self.created_far.shrink_to_fit();
        self.stacks.shrink_to_fit();
        self.durations.shrink_to_fit();
        self.search_lookup = HashMap::new();
    }

    // ---- building -------------------------------------------------------------------

    pub(crate) fn push_other_id(&mut self, s: &str) -> Result<RawId, IndexError> {
        let start = to_u32(self.other_ids.len())?;
        self.other_ids.push_str(s);
        let end = to_u32(self.other_ids.len())?;
        Ok(RawId::Other(start, end - start))
    }

    /// The owner table position of `owner_id`, adding it when new (a chunk nearly
    /// always has one owner, a few at most: a linear search).
    pub(crate) fn owner_index(&mut self, owner_id: &str) -> Result<u16, IndexError> {
        if let Some(k) = self.owner_table.iter().position(|o| o == owner_id) {
            // The table never grows past u16::MAX + 1 entries.
            return u16::try_from(k).map_err(|_| IndexError::TooManyOwners);
        }
        let k = u16::try_from(self.owner_table.len()).map_err(|_| IndexError::TooManyOwners)?;
        self.owner_table.push(owner_id.to_owned());
        Ok(k)
    }

    /// Mutable arenas for the decoder, which appends the variable-length parts of an
    /// asset in place before calling `commit`.
    pub(crate) fn arenas_mut(&mut self) -> (&mut Vec<u8>, &mut String, &mut String) {
        (&mut self.thumb_bytes, &mut self.names, &mut self.search)
    }

    /// Arena lengths: where the next asset's parts start.
    pub(crate) fn arena_lens(&self) -> (usize, usize, usize) {
        (self.thumb_bytes.len(), self.names.len(), self.search.len())
    }

    /// Closes an asset whose arena parts were appended: records the arena ends and the
    /// fixed columns; a search text seen before in this chunk is stored once.
    pub(crate) fn commit(&mut self, a: RawAsset) -> Result<u32, IndexError> {
        let pos = to_u32(self.ids.len())?;
        let thumb_end = to_u32(self.thumb_bytes.len())?;
        let name_end = to_u32(self.names.len())?;
        let search_start = self.search_ends.last().copied().unwrap_or(0) as usize;
        let entry = {
            let text = self.search.get(search_start..).unwrap_or("");
            let h = hash_text(text);
            let same = self.search_lookup.get(&h).copied().filter(|&e| {
                span(&self.search_ends, e as usize).and_then(|r| self.search.get(r)) == Some(text)
            });
            match same {
                Some(e) => {
                    self.search.truncate(search_start);
                    e
                }
                None => {
                    let e = to_u32(self.search_ends.len())?;
                    self.search_ends.push(to_u32(self.search.len())?);
                    self.search_lookup.insert(h, e);
                    e
                }
            }
        };
        let mut flags = a.flags & AssetFlags::PUBLIC;
        flags |= ((a.kind as u16) << bits::KIND_SHIFT) & bits::KIND_MASK;
        let id = match a.id {
            RawId::Uuid(u) => u,
            RawId::Other(start, len) => {
                flags |= AssetFlags::FALLBACK_ID;
                let mut b = [0u8; 16];
                let (lo, hi) = b.split_at_mut(4);
                lo.copy_from_slice(&start.to_le_bytes());
                if let Some(h) = hi.get_mut(..4) {
                    h.copy_from_slice(&len.to_le_bytes());
                }
                b
            }
        };
        let name_start = self.name_ends.last().copied().unwrap_or(0) as usize;
        if !self
            .names
            .as_bytes()
            .get(name_start..)
            .is_some_and(<[u8]>::is_ascii)
        {
            flags |= AssetFlags::NAME_NON_ASCII;
        }
        let aspect = if a.aspect.is_finite() && a.aspect > 0.0 {
            a.aspect
        } else {
            1.0
        };
        let off = a
            .created_ms
            .checked_sub(a.local_ms)
            .and_then(|d| i32::try_from(d).ok());
        let off = match off {
            Some(o) => o,
            None => {
                flags |= bits::CREATED_FAR;
                self.created_far.push((pos, a.created_ms));
                0
            }
        };
        if a.stack_count != 0 {
            flags |= bits::STACKED;
            self.stacks.push((pos, a.stack_count));
        }
        if a.duration_ms != 0 {
            flags |= bits::HAS_DURATION;
            self.durations.push((pos, a.duration_ms));
        }
        self.ids.push(id);
        self.local_ms.push(a.local_ms);
        self.created_off.push(off);
        self.aspects.push(aspect);
        self.owners.push(a.owner);
        self.flags.push(flags);
        self.thumb_ends.push(thumb_end);
        self.name_ends.push(name_end);
        self.search_of.push(entry);
        Ok(pos)
    }

    /// Appends a copy of an asset of another index.
    pub(crate) fn push_view(&mut self, v: &AssetView<'_>) -> Result<u32, IndexError> {
        let id = match v.id {
            AssetId::Uuid(u) => RawId::Uuid(u),
            AssetId::Other(s) => self.push_other_id(s)?,
        };
        let owner = self.owner_index(v.owner_id)?;
        self.thumb_bytes.extend_from_slice(v.thumbhash);
        self.names.push_str(v.file_name);
        // Already lowercase: copy verbatim.
        self.search.push_str(v.search_text);
        self.commit(RawAsset {
            id,
            local_ms: v.local_ms,
            created_ms: v.file_created_ms,
            aspect: v.aspect,
            kind: v.kind,
            flags: v.flags.bits(),
            stack_count: v.stack_count,
            duration_ms: v.duration_ms,
            owner,
        })
    }

    // ---- reading ------------------------------------------------------------------

    /// A view of the asset at `i`.
    pub fn get(&self, i: usize) -> Option<AssetView<'_>> {
        let local_ms = *self.local_ms.get(i)?;
        Some(AssetView {
            id: self.id(i)?,
            local_ms,
            local_day: day_of(local_ms),
            file_created_ms: self.file_created_ms(i)?,
            aspect: *self.aspects.get(i)?,
            kind: self.kind(i)?,
            flags: self.flags(i)?,
            stack_count: self.stack_count(i)?,
            duration_ms: self.duration_ms(i)?,
            owner_id: self.owner_id(i)?,
            thumbhash: self.thumbhash(i)?,
            file_name: self.file_name(i)?,
            search_text: self.search_text(i)?,
        })
    }

    /// The id of the asset at `i`.
    pub fn id(&self, i: usize) -> Option<AssetId<'_>> {
        let raw = self.ids.get(i)?;
        if self.flags.get(i)? & AssetFlags::FALLBACK_ID == 0 {
            return Some(AssetId::Uuid(*raw));
        }
        let start = u32::from_le_bytes(raw.get(..4)?.try_into().ok()?) as usize;
        let len = u32::from_le_bytes(raw.get(4..8)?.try_into().ok()?) as usize;
        self.other_ids.get(start..start + len).map(AssetId::Other)
    }

    /// Whether the asset at `i` has this UUID (and is stored as one).
    pub(crate) fn is_uuid(&self, i: usize, u: &[u8; 16]) -> bool {
        self.ids.get(i) == Some(u)
            && self
                .flags
                .get(i)
                .is_some_and(|f| f & AssetFlags::FALLBACK_ID == 0)
    }

    pub(crate) fn local_ms(&self, i: usize) -> Option<i64> {
        self.local_ms.get(i).copied()
    }

    pub(crate) fn file_created_ms(&self, i: usize) -> Option<i64> {
        let f = *self.flags.get(i)?;
        if f & bits::CREATED_FAR != 0 {
            return sparse(&self.created_far, i);
        }
        Some(self.local_ms.get(i)? + i64::from(*self.created_off.get(i)?))
    }

    pub(crate) fn aspect(&self, i: usize) -> Option<f32> {
        self.aspects.get(i).copied()
    }

    pub(crate) fn kind(&self, i: usize) -> Option<AssetKind> {
        self.flags.get(i).map(|&f| kind_of(f))
    }

    pub(crate) fn flags(&self, i: usize) -> Option<AssetFlags> {
        self.flags
            .get(i)
            .map(|&f| AssetFlags::from_bits_truncate(f))
    }

    pub(crate) fn stack_count(&self, i: usize) -> Option<u16> {
        let f = *self.flags.get(i)?;
        Some(if f & bits::STACKED != 0 {
            sparse(&self.stacks, i).unwrap_or(0)
        } else {
            0
        })
    }

    pub(crate) fn duration_ms(&self, i: usize) -> Option<u32> {
        let f = *self.flags.get(i)?;
        Some(if f & bits::HAS_DURATION != 0 {
            sparse(&self.durations, i).unwrap_or(0)
        } else {
            0
        })
    }

    pub(crate) fn owner_id(&self, i: usize) -> Option<&str> {
        let k = *self.owners.get(i)?;
        self.owner_table.get(usize::from(k)).map(String::as_str)
    }

    pub(crate) fn thumbhash(&self, i: usize) -> Option<&[u8]> {
        self.thumb_bytes.get(span(&self.thumb_ends, i)?)
    }

    pub(crate) fn file_name(&self, i: usize) -> Option<&str> {
        self.names.get(span(&self.name_ends, i)?)
    }

    pub(crate) fn search_text(&self, i: usize) -> Option<&str> {
        let e = *self.search_of.get(i)? as usize;
        self.search.get(span(&self.search_ends, e)?)
    }

    pub(crate) fn name_is_ascii(&self, i: usize) -> bool {
        self.flags
            .get(i)
            .is_some_and(|f| f & AssetFlags::NAME_NON_ASCII == 0)
    }

    /// The distinct search texts (arena and end offsets) and each asset's entry.
    pub(crate) fn search_table(&self) -> (&str, &[u32], &[u32]) {
        (&self.search, &self.search_ends, &self.search_of)
    }

    /// The file-name arena and its end offsets.
    pub(crate) fn name_arena(&self) -> (&str, &[u32]) {
        (&self.names, &self.name_ends)
    }

    /// Raw flag bits per asset (public flags plus internal bits and the kind).
    pub(crate) fn raw_flags(&self) -> &[u16] {
        &self.flags
    }

    /// Every asset's `localDateTime`, in order.
    pub(crate) fn local_ms_column(&self) -> &[i64] {
        &self.local_ms
    }

    /// Every asset's aspect, in order.
    pub(crate) fn aspect_column(&self) -> &[f32] {
        &self.aspects
    }

    /// The owner table.
    pub(crate) fn owner_table(&self) -> &[String] {
        &self.owner_table
    }
}

/// The kind stored in a raw flags word.
pub(crate) fn kind_of(raw_flags: u16) -> AssetKind {
    AssetKind::from_u8(((raw_flags & bits::KIND_MASK) >> bits::KIND_SHIFT) as u8)
}
