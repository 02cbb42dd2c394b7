//! The compact, struct-of-arrays index of a library.
//!
//! One column per field, so the grid's hot loops (layout over aspect ratios, grouping
//! over day keys, filters over flags) stream through a few dense arrays instead of
//! chasing a heap object per asset. Variable-length data (file names, search text,
//! thumbhashes, ids that are not UUIDs) lives in arenas addressed by end offsets.

use std::{
    collections::{HashMap, HashSet},
    fmt,
    ops::Range,
};

use crate::time::DAY_MS;

/// Bytes of fixed-size columns an asset costs (arenas come on top).
pub const FIXED_BYTES_PER_ASSET: usize = 16 // id
    + 8 // local_ms
    + 8 // file_created_ms
    + 4 // local day
    + 4 // aspect
    + 4 // duration
    + 2 // owner
    + 2 // stack count
    + 2 // flags
    + 1 // kind
    + 4 * 3; // arena end offsets: thumbhash, file name, search text

// The budget the grid was designed for: checked at compile time.
const _: () = assert!(FIXED_BYTES_PER_ASSET <= 64);

/// The type of an asset (`AssetTypeEnum`); values a newer server invents become `Other`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[repr(u8)]
pub enum AssetKind {
    /// `IMAGE`
    Image = 0,
    /// `VIDEO`
    Video = 1,
    /// `AUDIO`
    Audio = 2,
    /// `OTHER`, or any value this build does not know.
    #[default]
    Other = 3,
}

impl AssetKind {
    /// Maps the wire value (`"IMAGE"`, `"VIDEO"`, …); unknown values map to `Other`.
    pub fn from_wire(s: &[u8]) -> Self {
        match s {
            b"IMAGE" => Self::Image,
            b"VIDEO" => Self::Video,
            b"AUDIO" => Self::Audio,
            _ => Self::Other,
        }
    }

    fn from_u8(v: u8) -> Self {
        match v {
            0 => Self::Image,
            1 => Self::Video,
            2 => Self::Audio,
            _ => Self::Other,
        }
    }
}

/// Boolean facts about an asset, as a bitset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct AssetFlags(u16);

impl AssetFlags {
    /// `isFavorite`
    pub const FAVORITE: Self = Self(1);
    /// `isArchived`
    pub const ARCHIVED: Self = Self(1 << 1);
    /// `isTrashed`
    pub const TRASHED: Self = Self(1 << 2);
    /// `isOffline`
    pub const OFFLINE: Self = Self(1 << 3);
    /// `livePhotoVideoId` is not null: the image has a motion part.
    pub const LIVE_PHOTO: Self = Self(1 << 4);
    /// `stackParentId` is not null: the asset is a non-primary member of a stack.
    pub const STACK_CHILD: Self = Self(1 << 5);
    /// The bits above; the others are the index's own bookkeeping.
    const PUBLIC: u16 = 0x3f;
    /// The id is stored in the fallback arena, not as UUID bytes.
    pub(crate) const FALLBACK_ID: u16 = 1 << 15;
    /// The file name has non-ASCII bytes, so case-insensitive matching must use Unicode.
    pub(crate) const NAME_NON_ASCII: u16 = 1 << 14;

    /// No flag set.
    pub const fn empty() -> Self {
        Self(0)
    }

    /// Whether every flag of `other` is set.
    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    /// Sets or clears the flags of `other`.
    pub fn set(&mut self, other: Self, on: bool) {
        if on {
            self.0 |= other.0;
        } else {
            self.0 &= !other.0;
        }
    }

    /// The raw bits (only the public flags).
    pub const fn bits(self) -> u16 {
        self.0 & Self::PUBLIC
    }

    /// Builds flags from raw bits; bits that are not public flags are dropped.
    pub const fn from_bits_truncate(bits: u16) -> Self {
        Self(bits & Self::PUBLIC)
    }
}

impl std::ops::BitOr for AssetFlags {
    type Output = Self;
    fn bitor(self, rhs: Self) -> Self {
        Self(self.0 | rhs.0)
    }
}

/// An asset id as the index holds it: 16 bytes for a canonical lowercase UUID, or the
/// original text for anything else (so ids of other shapes keep working).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AssetId<'a> {
    /// A lowercase hyphenated UUID, as bytes.
    Uuid([u8; 16]),
    /// Any other id, verbatim.
    Other(&'a str),
}

impl<'a> AssetId<'a> {
    /// Parses an id: the 36-character lowercase hyphenated form becomes `Uuid` (and
    /// prints back identically); anything else is kept verbatim as `Other`.
    pub fn parse(s: &'a str) -> Self {
        match parse_uuid(s.as_bytes()) {
            Some(u) => Self::Uuid(u),
            None => Self::Other(s),
        }
    }
}

impl fmt::Display for AssetId<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Uuid(u) => {
                for (k, b) in u.iter().enumerate() {
                    if matches!(k, 4 | 6 | 8 | 10) {
                        f.write_str("-")?;
                    }
                    write!(f, "{b:02x}")?;
                }
                Ok(())
            }
            Self::Other(s) => f.write_str(s),
        }
    }
}

/// Parses the canonical lowercase `8-4-4-4-12` UUID text. Uppercase is refused on
/// purpose: the index must print ids back byte for byte as the server sent them.
pub(crate) fn parse_uuid(s: &[u8]) -> Option<[u8; 16]> {
    const fn table() -> [u8; 256] {
        let mut t = [0xffu8; 256];
        let mut c = 0;
        while c < 10 {
            t[b'0' as usize + c] = c as u8;
            c += 1;
        }
        let mut c = 0;
        while c < 6 {
            t[b'a' as usize + c] = 10 + c as u8;
            c += 1;
        }
        t
    }
    const HEX: [u8; 256] = table();
    // Byte offsets of the 16 hex pairs in `8-4-4-4-12`.
    const AT: [usize; 16] = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
    let s: &[u8; 36] = s.try_into().ok()?;
    if s[8] != b'-' || s[13] != b'-' || s[18] != b'-' || s[23] != b'-' {
        return None;
    }
    let mut out = [0u8; 16];
    let mut bad = 0u8;
    for (o, &at) in out.iter_mut().zip(AT.iter()) {
        // `at + 1 <= 35` for every entry of AT, and `s` is exactly 36 bytes.
        let hi = HEX[usize::from(s[at])];
        let lo = HEX[usize::from(s[at + 1])];
        bad |= hi | lo;
        *o = (hi << 4) | (lo & 0x0f);
    }
    // Valid digits are < 16; 0xff marks anything else.
    (bad < 16).then_some(out)
}

/// Everything the index keeps about one asset, for [`LibraryIndex::push`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AssetRecord<'a> {
    /// `id`
    pub id: &'a str,
    /// `localDateTime` in ms since the epoch (local wall clock written as UTC).
    pub local_ms: i64,
    /// `fileCreatedAt` in ms since the epoch: the server's sort key.
    pub file_created_ms: i64,
    /// Width / height as displayed (already swapped for rotated orientations).
    pub aspect: f32,
    /// `type`
    pub kind: AssetKind,
    /// Boolean facts.
    pub flags: AssetFlags,
    /// `stackCount` (0 when null), saturated to `u16::MAX`.
    pub stack_count: u16,
    /// `duration` in ms.
    pub duration_ms: u32,
    /// `ownerId`
    pub owner_id: &'a str,
    /// `thumbhash`, base64-decoded (empty when null).
    pub thumbhash: &'a [u8],
    /// `originalFileName`
    pub file_name: &'a str,
    /// Searchable text; `push` lowercases it.
    pub search_text: &'a str,
}

/// A borrowed view of one asset of a [`LibraryIndex`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AssetView<'a> {
    /// The asset's id.
    pub id: AssetId<'a>,
    /// `localDateTime` in ms since the epoch.
    pub local_ms: i64,
    /// Days since the epoch of the local date taken (for grouping).
    pub local_day: i32,
    /// `fileCreatedAt` in ms since the epoch.
    pub file_created_ms: i64,
    /// Displayed width / height; 1.0 when unknown.
    pub aspect: f32,
    /// The asset type.
    pub kind: AssetKind,
    /// Boolean facts.
    pub flags: AssetFlags,
    /// `stackCount`, 0 when null.
    pub stack_count: u16,
    /// Video duration in ms (0 for images).
    pub duration_ms: u32,
    /// `ownerId`.
    pub owner_id: &'a str,
    /// Decoded thumbhash bytes; empty when there is none.
    pub thumbhash: &'a [u8],
    /// `originalFileName`.
    pub file_name: &'a str,
    /// Lowercase search text (city, country, make, model, lens, tag names), fields
    /// separated by `\u{1f}`.
    pub search_text: &'a str,
}

/// Why an asset could not be added to an index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IndexError {
    /// An arena or the asset count would pass `u32::MAX`.
    #[error("the library index is full (more than 4 GiB of text or 4 G assets)")]
    TooLarge,
    /// More than 65 536 distinct owners.
    #[error("more than 65536 distinct owners")]
    TooManyOwners,
}

/// The set of ids already seen, for merging segments without duplicates.
#[derive(Clone, Debug, Default)]
pub struct IdSet {
    uuids: HashSet<[u8; 16]>,
    others: HashSet<String>,
}

impl IdSet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an id; returns whether it was new.
    pub fn insert(&mut self, id: AssetId<'_>) -> bool {
        match id {
            AssetId::Uuid(u) => self.uuids.insert(u),
            AssetId::Other(s) => {
                if self.others.contains(s) {
                    false
                } else {
                    self.others.insert(s.to_owned())
                }
            }
        }
    }

    /// Whether the id is in the set.
    pub fn contains(&self, id: AssetId<'_>) -> bool {
        match id {
            AssetId::Uuid(u) => self.uuids.contains(&u),
            AssetId::Other(s) => self.others.contains(s),
        }
    }

    /// Number of ids in the set.
    pub fn len(&self) -> usize {
        self.uuids.len() + self.others.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A compact, append-only index of assets in server order (`fileCreatedAt` descending).
///
/// Every accessor that takes a position returns `None` past the end instead of
/// panicking. Column accessors (`aspects`, `local_days`, …) give whole slices for hot
/// loops.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LibraryIndex {
    ids: Vec<[u8; 16]>,
    local_ms: Vec<i64>,
    created_ms: Vec<i64>,
    days: Vec<i32>,
    aspects: Vec<f32>,
    durations: Vec<u32>,
    owners: Vec<u16>,
    stack_counts: Vec<u16>,
    flags: Vec<u16>,
    kinds: Vec<u8>,
    thumb_ends: Vec<u32>,
    name_ends: Vec<u32>,
    search_ends: Vec<u32>,
    thumb_bytes: Vec<u8>,
    names: String,
    search: String,
    other_ids: String,
    owner_table: Vec<String>,
    owner_lookup: HashMap<String, u16>,
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

fn to_u32(n: usize) -> Result<u32, IndexError> {
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

impl LibraryIndex {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty index with room for `n` assets in every fixed column.
    pub fn with_capacity(n: usize) -> Self {
        let mut s = Self::default();
        s.reserve(n);
        s
    }

    /// Reserves room for `n` more assets in every fixed column.
    pub fn reserve(&mut self, n: usize) {
        self.ids.reserve(n);
        self.local_ms.reserve(n);
        self.created_ms.reserve(n);
        self.days.reserve(n);
        self.aspects.reserve(n);
        self.durations.reserve(n);
        self.owners.reserve(n);
        self.stack_counts.reserve(n);
        self.flags.reserve(n);
        self.kinds.reserve(n);
        self.thumb_ends.reserve(n);
        self.name_ends.reserve(n);
        self.search_ends.reserve(n);
    }

    /// Number of assets.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether the index holds no asset.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Heap bytes held (by capacity, so it is what the allocator really gave out).
    pub fn memory_bytes(&self) -> usize {
        self.ids.capacity() * 16
            + (self.local_ms.capacity() + self.created_ms.capacity()) * 8
            + self.days.capacity() * 4
            + self.aspects.capacity() * 4
            + self.durations.capacity() * 4
            + (self.owners.capacity() + self.stack_counts.capacity() + self.flags.capacity()) * 2
            + self.kinds.capacity()
            + (self.thumb_ends.capacity() + self.name_ends.capacity() + self.search_ends.capacity())
                * 4
            + self.thumb_bytes.capacity()
            + self.names.capacity()
            + self.search.capacity()
            + self.other_ids.capacity()
            + self
                .owner_table
                .iter()
                .map(|s| s.capacity() * 2 + 32)
                .sum::<usize>()
    }

    /// Gives back spare capacity (after the last page of a load).
    pub fn shrink_to_fit(&mut self) {
        self.ids.shrink_to_fit();
        self.local_ms.shrink_to_fit();
        self.created_ms.shrink_to_fit();
        self.days.shrink_to_fit();
        self.aspects.shrink_to_fit();
        self.durations.shrink_to_fit();
        self.owners.shrink_to_fit();
        self.stack_counts.shrink_to_fit();
        self.flags.shrink_to_fit();
        self.kinds.shrink_to_fit();
        self.thumb_ends.shrink_to_fit();
        self.name_ends.shrink_to_fit();
        self.search_ends.shrink_to_fit();
        self.thumb_bytes.shrink_to_fit();
        self.names.shrink_to_fit();
        self.search.shrink_to_fit();
        self.other_ids.shrink_to_fit();
    }

    /// Reserves exactly the room `segments` need on top of what is held (an upper
    /// bound when they share ids), so appending them never reallocates.
    fn reserve_exact_for(&mut self, segments: &[&LibraryIndex]) {
        let sum = |f: fn(&LibraryIndex) -> usize| segments.iter().map(|s| f(s)).sum::<usize>();
        let n = sum(LibraryIndex::len);
        self.ids.reserve_exact(n);
        self.local_ms.reserve_exact(n);
        self.created_ms.reserve_exact(n);
        self.days.reserve_exact(n);
        self.aspects.reserve_exact(n);
        self.durations.reserve_exact(n);
        self.owners.reserve_exact(n);
        self.stack_counts.reserve_exact(n);
        self.flags.reserve_exact(n);
        self.kinds.reserve_exact(n);
        self.thumb_ends.reserve_exact(n);
        self.name_ends.reserve_exact(n);
        self.search_ends.reserve_exact(n);
        self.thumb_bytes.reserve_exact(sum(|s| s.thumb_bytes.len()));
        self.names.reserve_exact(sum(|s| s.names.len()));
        self.search.reserve_exact(sum(|s| s.search.len()));
        self.other_ids.reserve_exact(sum(|s| s.other_ids.len()));
    }

    // ---- building -------------------------------------------------------------------

    /// Appends one asset; returns its position. The search text is lowercased.
    pub fn push(&mut self, rec: &AssetRecord<'_>) -> Result<u32, IndexError> {
        let id = match parse_uuid(rec.id.as_bytes()) {
            Some(u) => RawId::Uuid(u),
            None => self.push_other_id(rec.id)?,
        };
        let owner = self.owner_index(rec.owner_id)?;
        self.thumb_bytes.extend_from_slice(rec.thumbhash);
        self.names.push_str(rec.file_name);
        push_lowercase(&mut self.search, rec.search_text);
        self.commit(RawAsset {
            id,
            local_ms: rec.local_ms,
            created_ms: rec.file_created_ms,
            aspect: rec.aspect,
            kind: rec.kind,
            flags: rec.flags.bits(),
            stack_count: rec.stack_count,
            duration_ms: rec.duration_ms,
            owner,
        })
    }

    pub(crate) fn push_other_id(&mut self, s: &str) -> Result<RawId, IndexError> {
        let start = to_u32(self.other_ids.len())?;
        self.other_ids.push_str(s);
        let end = to_u32(self.other_ids.len())?;
        Ok(RawId::Other(start, end - start))
    }

    /// The owner table position of `owner_id`, adding it when new.
    pub(crate) fn owner_index(&mut self, owner_id: &str) -> Result<u16, IndexError> {
        if let Some(&k) = self.owner_lookup.get(owner_id) {
            return Ok(k);
        }
        let k = u16::try_from(self.owner_table.len()).map_err(|_| IndexError::TooManyOwners)?;
        self.owner_table.push(owner_id.to_owned());
        self.owner_lookup.insert(owner_id.to_owned(), k);
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
    /// fixed columns.
    pub(crate) fn commit(&mut self, a: RawAsset) -> Result<u32, IndexError> {
        let pos = to_u32(self.ids.len())?;
        let thumb_end = to_u32(self.thumb_bytes.len())?;
        let name_end = to_u32(self.names.len())?;
        let search_end = to_u32(self.search.len())?;
        let mut flags = a.flags & AssetFlags::PUBLIC;
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
        self.ids.push(id);
        self.local_ms.push(a.local_ms);
        self.created_ms.push(a.created_ms);
        self.days.push(day_of(a.local_ms));
        self.aspects.push(aspect);
        self.durations.push(a.duration_ms);
        self.owners.push(a.owner);
        self.stack_counts.push(a.stack_count);
        self.flags.push(flags);
        self.kinds.push(a.kind as u8);
        self.thumb_ends.push(thumb_end);
        self.name_ends.push(name_end);
        self.search_ends.push(search_end);
        Ok(pos)
    }

    /// Appends every asset of `other` whose id is not in `seen` (adding it), keeping
    /// `other`'s order. Returns how many were appended.
    pub fn append_unique(
        &mut self,
        other: &LibraryIndex,
        seen: &mut IdSet,
    ) -> Result<usize, IndexError> {
        let mut added = 0;
        self.reserve(other.len());
        for i in 0..other.len() {
            let Some(v) = other.get(i) else { break };
            if !seen.insert(v.id) {
                continue;
            }
            self.push_view(&v)?;
            added += 1;
        }
        Ok(added)
    }

    /// Appends a copy of the asset at `i` of `other`; `Ok(None)` when `i` is out of
    /// range.
    pub fn push_from(&mut self, other: &LibraryIndex, i: usize) -> Result<Option<u32>, IndexError> {
        match other.get(i) {
            Some(v) => self.push_view(&v).map(Some),
            None => Ok(None),
        }
    }

    /// Appends a copy of an asset of another index.
    fn push_view(&mut self, v: &AssetView<'_>) -> Result<u32, IndexError> {
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

    /// Concatenates segments in order, keeping the first of any duplicated id.
    ///
    /// Every column is reserved once, exactly, from the segments' sizes: growing by
    /// doubling would hold up to twice the result (and a copy while shrinking), and
    /// a merge of a large library is the app's memory high-water mark.
    pub fn merge<'a>(
        segments: impl IntoIterator<Item = &'a LibraryIndex>,
    ) -> Result<LibraryIndex, IndexError> {
        let segments: Vec<&LibraryIndex> = segments.into_iter().collect();
        let mut out = LibraryIndex::new();
        out.reserve_exact_for(&segments);
        let mut seen = IdSet::new();
        seen.uuids.reserve(out.ids.capacity());
        for s in segments {
            out.append_unique(s, &mut seen)?;
        }
        Ok(out)
    }

    // ---- reading ------------------------------------------------------------------

    /// A view of the asset at `i`.
    pub fn get(&self, i: usize) -> Option<AssetView<'_>> {
        Some(AssetView {
            id: self.id(i)?,
            local_ms: *self.local_ms.get(i)?,
            local_day: *self.days.get(i)?,
            file_created_ms: *self.created_ms.get(i)?,
            aspect: *self.aspects.get(i)?,
            kind: self.kind(i)?,
            flags: self.flags(i)?,
            stack_count: *self.stack_counts.get(i)?,
            duration_ms: *self.durations.get(i)?,
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

    /// The id of the asset at `i` as the server wrote it.
    pub fn id_string(&self, i: usize) -> Option<String> {
        self.id(i).map(|id| id.to_string())
    }

    /// The position of the first asset with this id (a linear scan).
    pub fn position(&self, id: &str) -> Option<usize> {
        let want = AssetId::parse(id);
        match want {
            AssetId::Uuid(u) => (0..self.len()).find(|&i| {
                self.ids.get(i) == Some(&u)
                    && self
                        .flags
                        .get(i)
                        .is_some_and(|f| f & AssetFlags::FALLBACK_ID == 0)
            }),
            AssetId::Other(_) => (0..self.len()).find(|&i| self.id(i) == Some(want)),
        }
    }

    /// `localDateTime` of the asset at `i`, ms since the epoch.
    pub fn local_ms(&self, i: usize) -> Option<i64> {
        self.local_ms.get(i).copied()
    }

    /// `fileCreatedAt` of the asset at `i`, ms since the epoch.
    pub fn file_created_ms(&self, i: usize) -> Option<i64> {
        self.created_ms.get(i).copied()
    }

    /// The local day (days since the epoch) of the asset at `i`.
    pub fn local_day(&self, i: usize) -> Option<i32> {
        self.days.get(i).copied()
    }

    /// Displayed aspect ratio (width / height) of the asset at `i`.
    pub fn aspect(&self, i: usize) -> Option<f32> {
        self.aspects.get(i).copied()
    }

    /// The type of the asset at `i`.
    pub fn kind(&self, i: usize) -> Option<AssetKind> {
        self.kinds.get(i).map(|&k| AssetKind::from_u8(k))
    }

    /// The flags of the asset at `i`.
    pub fn flags(&self, i: usize) -> Option<AssetFlags> {
        self.flags
            .get(i)
            .map(|&f| AssetFlags::from_bits_truncate(f))
    }

    /// `stackCount` of the asset at `i` (0 when null).
    pub fn stack_count(&self, i: usize) -> Option<u16> {
        self.stack_counts.get(i).copied()
    }

    /// Video duration of the asset at `i` in ms.
    pub fn duration_ms(&self, i: usize) -> Option<u32> {
        self.durations.get(i).copied()
    }

    /// `ownerId` of the asset at `i`.
    pub fn owner_id(&self, i: usize) -> Option<&str> {
        let k = *self.owners.get(i)?;
        self.owner_table.get(usize::from(k)).map(String::as_str)
    }

    /// Decoded thumbhash of the asset at `i`; empty when the server sent none.
    pub fn thumbhash(&self, i: usize) -> Option<&[u8]> {
        self.thumb_bytes.get(span(&self.thumb_ends, i)?)
    }

    /// `originalFileName` of the asset at `i`.
    pub fn file_name(&self, i: usize) -> Option<&str> {
        self.names.get(span(&self.name_ends, i)?)
    }

    /// Lowercase search text of the asset at `i` (fields separated by `\u{1f}`).
    pub fn search_text(&self, i: usize) -> Option<&str> {
        self.search.get(span(&self.search_ends, i)?)
    }

    /// Whether the file name at `i` is pure ASCII (lets filters skip Unicode folding).
    pub(crate) fn name_is_ascii(&self, i: usize) -> bool {
        self.flags
            .get(i)
            .is_some_and(|f| f & AssetFlags::NAME_NON_ASCII == 0)
    }

    /// The whole search-text arena and its end offsets (for arena-wide search).
    pub(crate) fn search_arena(&self) -> (&str, &[u32]) {
        (&self.search, &self.search_ends)
    }

    /// The whole file-name arena and its end offsets.
    pub(crate) fn name_arena(&self) -> (&str, &[u32]) {
        (&self.names, &self.name_ends)
    }

    /// Every asset's displayed aspect ratio, in order (for layout).
    pub fn aspects(&self) -> &[f32] {
        &self.aspects
    }

    /// Every asset's local day, in order (for grouping).
    pub fn local_days(&self) -> &[i32] {
        &self.days
    }

    /// The owner table: `owner_index` values point into it.
    pub fn owners(&self) -> &[String] {
        &self.owner_table
    }

    /// Raw flag bits per asset (public flags plus internal bits; mask with
    /// [`AssetFlags::bits`] semantics via [`LibraryIndex::flags`] for one asset).
    pub(crate) fn raw_flags(&self) -> &[u16] {
        &self.flags
    }

    /// Raw kind bytes per asset.
    pub(crate) fn raw_kinds(&self) -> &[u8] {
        &self.kinds
    }
}

/// The local day of a local timestamp, saturated into `i32`.
pub(crate) fn day_of(local_ms: i64) -> i32 {
    let d = local_ms.div_euclid(DAY_MS);
    i32::try_from(d).unwrap_or(if d < 0 { i32::MIN } else { i32::MAX })
}

/// Appends `s` lowercased (ASCII fast path, Unicode otherwise).
pub(crate) fn push_lowercase(out: &mut String, s: &str) {
    if s.is_ascii() {
        let start = out.len();
        out.push_str(s);
        if let Some(t) = out.get_mut(start..) {
            t.make_ascii_lowercase();
        }
    } else {
        out.push_str(&s.to_lowercase());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record<'a>(id: &'a str, name: &'a str) -> AssetRecord<'a> {
        AssetRecord {
            id,
            local_ms: 1_709_296_496_789,
            file_created_ms: 1_709_296_496_000,
            aspect: 1.5,
            kind: AssetKind::Video,
            flags: AssetFlags::FAVORITE | AssetFlags::LIVE_PHOTO,
            stack_count: 3,
            duration_ms: 12_345,
            owner_id: "owner-a",
            thumbhash: &[1, 2, 3],
            file_name: name,
            search_text: "Paris\u{1f}Canon",
        }
    }

    #[test]
    fn push_and_read_back() {
        let mut ix = LibraryIndex::new();
        let uuid = "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9";
        ix.push(&record(uuid, "IMG_1.jpg")).unwrap();
        ix.push(&record("not-a-uuid", "Été.heic")).unwrap();
        ix.push(&record("0F1E2D3C-4B5A-4978-8695-A4B3C2D1E0F9", ""))
            .unwrap();
        assert_eq!(ix.len(), 3);
        assert_eq!(ix.id_string(0).as_deref(), Some(uuid));
        assert!(matches!(ix.id(0), Some(AssetId::Uuid(_))));
        assert_eq!(ix.id_string(1).as_deref(), Some("not-a-uuid"));
        // Uppercase UUIDs are kept verbatim rather than normalised.
        assert_eq!(
            ix.id_string(2).as_deref(),
            Some("0F1E2D3C-4B5A-4978-8695-A4B3C2D1E0F9")
        );
        assert_eq!(ix.file_name(1), Some("Été.heic"));
        assert!(ix.name_is_ascii(0));
        assert!(!ix.name_is_ascii(1));
        assert_eq!(ix.search_text(0), Some("paris\u{1f}canon"));
        assert_eq!(ix.thumbhash(1), Some(&[1u8, 2, 3][..]));
        assert_eq!(ix.local_day(0), Some(19_783));
        assert_eq!(ix.kind(0), Some(AssetKind::Video));
        let f = ix.flags(0).unwrap();
        assert!(f.contains(AssetFlags::FAVORITE) && f.contains(AssetFlags::LIVE_PHOTO));
        assert!(!f.contains(AssetFlags::TRASHED));
        assert_eq!(ix.owner_id(2), Some("owner-a"));
        assert_eq!(ix.owners().len(), 1);
        assert_eq!(ix.position("not-a-uuid"), Some(1));
        assert_eq!(ix.position(uuid), Some(0));
        assert_eq!(ix.get(3), None);
        assert_eq!(ix.file_name(99), None);
    }

    #[test]
    fn merge_keeps_first_of_duplicates() {
        let mut a = LibraryIndex::new();
        a.push(&record("a", "1")).unwrap();
        a.push(&record("b", "2")).unwrap();
        let mut b = LibraryIndex::new();
        b.push(&record("b", "dup")).unwrap();
        b.push(&record("c", "3")).unwrap();
        let m = LibraryIndex::merge([&a, &b]).unwrap();
        let names: Vec<_> = (0..m.len()).map(|i| m.file_name(i).unwrap()).collect();
        assert_eq!(names, ["1", "2", "3"]);
        assert_eq!(m.id_string(2).as_deref(), Some("c"));
    }

    #[test]
    fn merge_allocates_once_and_exactly() {
        // 300 pages of 7 assets: doubling growth would leave spare capacity.
        let pages: Vec<LibraryIndex> = (0..300)
            .map(|p| {
                let mut ix = LibraryIndex::new();
                for k in 0..7 {
                    let id = format!("id-{p}-{k}");
                    ix.push(&record(&id, "name.jpg")).unwrap();
                }
                ix
            })
            .collect();
        let m = LibraryIndex::merge(&pages).unwrap();
        assert_eq!(m.len(), 2100);
        assert_eq!(m.ids.capacity(), m.len());
        assert_eq!(m.search_ends.capacity(), m.len());
        assert_eq!(m.names.capacity(), m.names.len());
        assert_eq!(m.other_ids.capacity(), m.other_ids.len());
    }

    #[test]
    fn memory_per_asset_within_budget() {
        let mut ix = LibraryIndex::new();
        for k in 0..1000 {
            let id = format!("{k:08x}-4b5a-4978-8695-a4b3c2d1e0f9");
            ix.push(&AssetRecord {
                id: &id,
                owner_id: "o",
                ..AssetRecord::default()
            })
            .unwrap();
        }
        ix.shrink_to_fit();
        // Fixed columns only (empty strings): within 64 bytes an asset.
        assert!(ix.memory_bytes() <= 64 * 1000 + 64, "{}", ix.memory_bytes());
    }

    #[test]
    fn day_keys_floor_before_epoch() {
        assert_eq!(day_of(-1), -1);
        assert_eq!(day_of(0), 0);
        assert_eq!(day_of(DAY_MS), 1);
    }
}
