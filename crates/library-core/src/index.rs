//! The compact, chunked index of a library.
//!
//! The library lives in chunks (see [`crate::chunk`]) of up to a page of assets, one
//! column per field in each, so the grid's hot loops (layout over aspect ratios,
//! grouping over day keys, filters over flags) stream through a few dense arrays
//! instead of chasing a heap object per asset. Variable-length data (file names,
//! search text, thumbhashes, ids that are not UUIDs) lives in arenas per chunk.
//! Chunks are shared between indexes (`Arc`), so publishing, merging pages and
//! applying a delta never copy the whole library.

use std::{collections::HashSet, fmt, sync::Arc};

use crate::{
    chunk::{Chunk, RawAsset, RawId},
    time::DAY_MS,
};

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

    pub(crate) fn from_u8(v: u8) -> Self {
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
    pub(crate) const PUBLIC: u16 = 0x3f;
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

/// Hashes a UUID's 16 bytes with one multiply. The default hasher
/// (SipHash) costs more than the rest of a merge together; a v4 UUID is
/// already random, and in wasm32 the default's keys are fixed anyway, so a
/// hostile server gains nothing it did not have.
#[derive(Clone, Copy, Debug, Default)]
pub struct UuidHasher(u64);

impl std::hash::Hasher for UuidHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for part in bytes.chunks(16) {
            let mut a = [0u8; 8];
            let mut b = [0u8; 8];
            let (lo, hi) = part.split_at(part.len().min(8));
            a[..lo.len()].copy_from_slice(lo);
            b[..hi.len()].copy_from_slice(hi);
            // One 64-bit multiply (wasm has no 128-bit one), its high half
            // folded into the low one that a 32-bit table indexes by.
            let x = (u64::from_le_bytes(a) ^ self.0 ^ u64::from_le_bytes(b).rotate_left(32))
                .wrapping_mul(0x9e37_79b9_7f4a_7c15);
            self.0 = x ^ (x >> 32);
        }
    }

    // The slice length `[u8; 16]` writes first is always 16: nothing to mix.
    fn write_usize(&mut self, _: usize) {}
}

type UuidSet = HashSet<[u8; 16], std::hash::BuildHasherDefault<UuidHasher>>;

/// The set of ids already seen, for merging segments without duplicates.
#[derive(Clone, Debug, Default)]
pub struct IdSet {
    uuids: UuidSet,
    others: HashSet<String>,
}

impl IdSet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty set with room for `n` UUIDs (no rehashing while they go in).
    pub fn with_capacity(n: usize) -> Self {
        let mut s = Self::default();
        s.uuids.reserve(n);
        s
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

/// Assets a chunk built by [`LibraryIndex::push`] holds at most (a decoded page is one
/// chunk of its own size).
pub const CHUNK_ASSETS: usize = 4096;

/// A compact index of assets in server order (`fileCreatedAt` descending), held in
/// chunks.
///
/// Chunks are shared, never copied: cloning an index, merging pages into one and
/// applying a delta that leaves a chunk untouched all take the chunk's `Arc`, so an
/// index is published to the grid in O(chunks). A chunk is written only while one
/// index alone holds it; appending to a shared one starts a new chunk.
///
/// Every accessor that takes a position returns `None` past the end instead of
/// panicking.
#[derive(Clone, Debug, Default)]
pub struct LibraryIndex {
    chunks: Vec<Arc<Chunk>>,
    /// `ends[k]`: assets in chunks `0..=k`.
    ends: Vec<usize>,
}

impl PartialEq for LibraryIndex {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && (0..self.len()).all(|i| self.get(i) == other.get(i))
    }
}

impl LibraryIndex {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty index (chunks reserve their own room; kept for callers that know
    /// the size).
    pub fn with_capacity(_n: usize) -> Self {
        Self::default()
    }

    /// An index of one chunk (empty chunks are dropped).
    pub(crate) fn from_chunk(mut chunk: Chunk) -> Self {
        let mut ix = Self::default();
        if !chunk.is_empty() {
            chunk.shrink_to_fit();
            ix.ends.push(chunk.len());
            ix.chunks.push(Arc::new(chunk));
        }
        ix
    }

    /// Number of assets.
    pub fn len(&self) -> usize {
        self.ends.last().copied().unwrap_or(0)
    }

    /// Number of assets not in the trash: what `/api/asset/statistics` counts
    /// with `isTrashed=false` (the list holds trashed assets too).
    pub fn live_len(&self) -> usize {
        (0..self.len())
            .filter(|&i| {
                self.flags(i)
                    .is_some_and(|f| !f.contains(AssetFlags::TRASHED))
            })
            .count()
    }

    /// Whether the index holds no asset.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of chunks.
    pub fn chunk_count(&self) -> usize {
        self.chunks.len()
    }

    /// The chunks in order.
    pub(crate) fn chunks(&self) -> impl Iterator<Item = &Chunk> {
        self.chunks.iter().map(|c| &**c)
    }

    /// The shared chunks in order (for snapshots and for sharing into another index).
    pub(crate) fn chunk_arcs(&self) -> &[Arc<Chunk>] {
        &self.chunks
    }

    /// Heap bytes held (by capacity, so it is what the allocator really gave out).
    /// Chunks shared with other indexes are counted here too.
    pub fn memory_bytes(&self) -> usize {
        self.chunks.iter().map(|c| c.memory_bytes()).sum::<usize>()
            + self.chunks.capacity() * std::mem::size_of::<Arc<Chunk>>()
            + self.ends.capacity() * std::mem::size_of::<usize>()
    }

    /// Gives back spare capacity of the chunks this index alone holds.
    pub fn shrink_to_fit(&mut self) {
        for c in &mut self.chunks {
            if let Some(c) = Arc::get_mut(c) {
                c.shrink_to_fit();
            }
        }
        self.chunks.shrink_to_fit();
        self.ends.shrink_to_fit();
    }

    /// The chunk holding position `i`, and `i`'s position in it.
    fn locate(&self, i: usize) -> Option<(&Chunk, usize)> {
        let k = self.ends.partition_point(|&e| e <= i);
        let chunk = self.chunks.get(k)?;
        let start = match k.checked_sub(1) {
            Some(p) => *self.ends.get(p)?,
            None => 0,
        };
        Some((chunk, i - start))
    }

    // ---- building -------------------------------------------------------------------

    /// The chunk appends go to: the last one while this index alone holds it and it
    /// has room, else a new one.
    fn open_chunk(&mut self) -> Result<&mut Chunk, IndexError> {
        let reuse = self
            .chunks
            .last_mut()
            .is_some_and(|c| c.len() < CHUNK_ASSETS && Arc::get_mut(c).is_some());
        if !reuse {
            self.chunks
                .push(Arc::new(Chunk::with_capacity(CHUNK_ASSETS.min(1024))));
            self.ends.push(self.len());
        }
        // Just checked or just made: `make_mut` never copies here.
        self.chunks
            .last_mut()
            .map(Arc::make_mut)
            .ok_or(IndexError::TooLarge)
    }

    /// Counts one asset appended to the last chunk.
    fn grew(&mut self) {
        if let Some(e) = self.ends.last_mut() {
            *e += 1;
        }
    }

    /// Appends one asset; returns its position. The search text is lowercased.
    pub fn push(&mut self, rec: &AssetRecord<'_>) -> Result<u32, IndexError> {
        let pos = crate::chunk::to_u32(self.len())?;
        let c = self.open_chunk()?;
        let id = match parse_uuid(rec.id.as_bytes()) {
            Some(u) => RawId::Uuid(u),
            None => c.push_other_id(rec.id)?,
        };
        let owner = c.owner_index(rec.owner_id)?;
        let (thumbs, names, search) = c.arenas_mut();
        thumbs.extend_from_slice(rec.thumbhash);
        names.push_str(rec.file_name);
        push_lowercase(search, rec.search_text);
        c.commit(RawAsset {
            id,
            local_ms: rec.local_ms,
            created_ms: rec.file_created_ms,
            aspect: rec.aspect,
            kind: rec.kind,
            flags: rec.flags.bits(),
            stack_count: rec.stack_count,
            duration_ms: rec.duration_ms,
            owner,
        })?;
        self.grew();
        Ok(pos)
    }

    /// Appends a copy of the asset at `i` of `other`; `Ok(None)` when `i` is out of
    /// range.
    pub fn push_from(&mut self, other: &LibraryIndex, i: usize) -> Result<Option<u32>, IndexError> {
        match other.get(i) {
            Some(v) => self.push_view(&v).map(Some),
            None => Ok(None),
        }
    }

    fn push_view(&mut self, v: &AssetView<'_>) -> Result<u32, IndexError> {
        let pos = crate::chunk::to_u32(self.len())?;
        self.open_chunk()?.push_view(v)?;
        self.grew();
        Ok(pos)
    }

    /// Appends a chunk shared with another index (no copy).
    pub(crate) fn push_shared(&mut self, chunk: &Arc<Chunk>) {
        if chunk.is_empty() {
            return;
        }
        // The open chunk is closed: give back its spare room first.
        if let Some(c) = self.chunks.last_mut().and_then(Arc::get_mut) {
            c.shrink_to_fit();
        }
        let end = self.len() + chunk.len();
        self.chunks.push(Arc::clone(chunk));
        self.ends.push(end);
    }

    /// Appends every asset of `other` whose id is not in `seen` (adding it), keeping
    /// `other`'s order. Returns how many were appended. A chunk without a duplicate
    /// is shared, not copied.
    pub fn append_unique(
        &mut self,
        other: &LibraryIndex,
        seen: &mut IdSet,
    ) -> Result<usize, IndexError> {
        let mut added = 0;
        let mut keep = Vec::new();
        for chunk in &other.chunks {
            keep.clear();
            keep.extend((0..chunk.len()).map(|i| chunk.id(i).is_some_and(|id| seen.insert(id))));
            if keep.iter().all(|&k| k) {
                self.push_shared(chunk);
                added += chunk.len();
                continue;
            }
            added += self.push_kept(chunk, |i| keep.get(i).copied().unwrap_or(false))?;
        }
        Ok(added)
    }

    /// Appends the assets of `chunk` at the positions `keep` holds for, one
    /// by one; returns how many.
    fn push_kept(
        &mut self,
        chunk: &Chunk,
        keep: impl Fn(usize) -> bool,
    ) -> Result<usize, IndexError> {
        let mut added = 0;
        for i in (0..chunk.len()).filter(|&i| keep(i)) {
            if let Some(v) = chunk.get(i) {
                self.push_view(&v)?;
                added += 1;
            }
        }
        Ok(added)
    }

    /// Concatenates segments in order, keeping the first of any duplicated id. Chunks
    /// without a duplicate are shared with the segments.
    ///
    /// Duplicates are found in one batch over every segment (module `dedupe`):
    /// radix-partitioned by a hash, so a million ids cost a
    /// few streaming passes instead of a million cache misses into one big set.
    pub fn merge<'a>(
        segments: impl IntoIterator<Item = &'a LibraryIndex>,
    ) -> Result<LibraryIndex, IndexError> {
        let chunks: Vec<&Arc<Chunk>> = segments.into_iter().flat_map(|s| s.chunks.iter()).collect();
        let plain: Vec<&Chunk> = chunks.iter().map(|c| &***c).collect();
        let dropped = crate::dedupe::later_duplicates(&plain)?;
        drop(plain);
        let mut out = LibraryIndex::new();
        out.chunks.reserve(chunks.len());
        out.ends.reserve(chunks.len());
        let mut start = 0;
        for chunk in chunks {
            let end = start + chunk.len();
            if !dropped.any_in(start, end) {
                out.push_shared(chunk);
            } else {
                out.push_kept(chunk, |i| !dropped.contains(start + i))?;
            }
            start = end;
        }
        out.shrink_to_fit();
        Ok(out)
    }

    /// An [`IdSet`] of every id in the index (for appending more segments
    /// with [`LibraryIndex::append_unique`] after a [`LibraryIndex::merge`]),
    /// with room for `extra` more.
    pub fn id_set(&self, extra: usize) -> IdSet {
        let mut seen = IdSet::with_capacity(self.len() + extra);
        for c in &self.chunks {
            for (i, (id, f)) in c.ids.iter().zip(&c.flags).enumerate() {
                if f & AssetFlags::FALLBACK_ID == 0 {
                    seen.uuids.insert(*id);
                } else if let Some(id) = c.id(i) {
                    seen.insert(id);
                }
            }
        }
        seen
    }

    /// Whether this index begins with `old`'s assets at the same positions (shared
    /// chunks compare by pointer).
    pub fn starts_with(&self, old: &LibraryIndex) -> bool {
        if old.len() > self.len() {
            return false;
        }
        let shared = self
            .chunks
            .iter()
            .zip(&old.chunks)
            .take_while(|(a, b)| Arc::ptr_eq(a, b))
            .count();
        let from = match shared.checked_sub(1) {
            Some(k) => old.ends.get(k).copied().unwrap_or(0),
            None => 0,
        };
        (from..old.len()).all(|i| self.id(i) == old.id(i))
    }

    // ---- reading ------------------------------------------------------------------

    /// A view of the asset at `i`.
    pub fn get(&self, i: usize) -> Option<AssetView<'_>> {
        let (c, j) = self.locate(i)?;
        c.get(j)
    }

    /// The id of the asset at `i`.
    pub fn id(&self, i: usize) -> Option<AssetId<'_>> {
        let (c, j) = self.locate(i)?;
        c.id(j)
    }

    /// The id of the asset at `i` as the server wrote it.
    pub fn id_string(&self, i: usize) -> Option<String> {
        self.id(i).map(|id| id.to_string())
    }

    /// The position of the first asset with this id (a linear scan).
    pub fn position(&self, id: &str) -> Option<usize> {
        self.position_from(id, 0)
    }

    /// The position of the first asset at or after `from` with this id (a
    /// linear scan of the rest): a search that already covered the first
    /// `from` assets of an index that only grew need not cover them again.
    pub fn position_from(&self, id: &str, from: usize) -> Option<usize> {
        let want = AssetId::parse(id);
        let mut start = 0;
        for c in &self.chunks {
            let end = start + c.len();
            if end > from {
                let first = from.saturating_sub(start);
                let found = match want {
                    AssetId::Uuid(u) => (first..c.len()).find(|&j| c.is_uuid(j, &u)),
                    AssetId::Other(_) => (first..c.len()).find(|&j| c.id(j) == Some(want)),
                };
                if let Some(j) = found {
                    return Some(start + j);
                }
            }
            start = end;
        }
        None
    }

    /// `localDateTime` of the asset at `i`, ms since the epoch.
    pub fn local_ms(&self, i: usize) -> Option<i64> {
        let (c, j) = self.locate(i)?;
        c.local_ms(j)
    }

    /// `fileCreatedAt` of the asset at `i`, ms since the epoch.
    pub fn file_created_ms(&self, i: usize) -> Option<i64> {
        let (c, j) = self.locate(i)?;
        c.file_created_ms(j)
    }

    /// The local day (days since the epoch) of the asset at `i`.
    pub fn local_day(&self, i: usize) -> Option<i32> {
        self.local_ms(i).map(day_of)
    }

    /// Displayed aspect ratio (width / height) of the asset at `i`.
    pub fn aspect(&self, i: usize) -> Option<f32> {
        let (c, j) = self.locate(i)?;
        c.aspect(j)
    }

    /// The type of the asset at `i`.
    pub fn kind(&self, i: usize) -> Option<AssetKind> {
        let (c, j) = self.locate(i)?;
        c.kind(j)
    }

    /// The flags of the asset at `i`.
    pub fn flags(&self, i: usize) -> Option<AssetFlags> {
        let (c, j) = self.locate(i)?;
        c.flags(j)
    }

    /// `stackCount` of the asset at `i` (0 when null).
    pub fn stack_count(&self, i: usize) -> Option<u16> {
        let (c, j) = self.locate(i)?;
        c.stack_count(j)
    }

    /// Video duration of the asset at `i` in ms.
    pub fn duration_ms(&self, i: usize) -> Option<u32> {
        let (c, j) = self.locate(i)?;
        c.duration_ms(j)
    }

    /// `ownerId` of the asset at `i`.
    pub fn owner_id(&self, i: usize) -> Option<&str> {
        let (c, j) = self.locate(i)?;
        c.owner_id(j)
    }

    /// Decoded thumbhash of the asset at `i`; empty when the server sent none.
    pub fn thumbhash(&self, i: usize) -> Option<&[u8]> {
        let (c, j) = self.locate(i)?;
        c.thumbhash(j)
    }

    /// `originalFileName` of the asset at `i`.
    pub fn file_name(&self, i: usize) -> Option<&str> {
        let (c, j) = self.locate(i)?;
        c.file_name(j)
    }

    /// Lowercase search text of the asset at `i` (fields separated by `\u{1f}`).
    pub fn search_text(&self, i: usize) -> Option<&str> {
        let (c, j) = self.locate(i)?;
        c.search_text(j)
    }

    /// Whether the file name at `i` is pure ASCII (lets filters skip Unicode folding).
    #[cfg(test)]
    pub(crate) fn name_is_ascii(&self, i: usize) -> bool {
        self.locate(i).is_some_and(|(c, j)| c.name_is_ascii(j))
    }

    /// Aspects and local days of the assets at `order` (positions, ascending as the
    /// refinements give them; any order works), for layout. Reads chunk by chunk.
    pub fn aspects_and_days(&self, order: &[u32]) -> (Vec<f32>, Vec<i32>) {
        let mut aspects = Vec::with_capacity(order.len());
        let mut days = Vec::with_capacity(order.len());
        // The chunk of the last position: consecutive positions rarely leave it.
        let mut cur: Option<(usize, usize, usize)> = None; // (chunk, start, end)
        for &p in order {
            let p = p as usize;
            let hit = cur.filter(|&(_, s, e)| p >= s && p < e);
            let (k, s) = match hit {
                Some((k, s, _)) => (k, s),
                None => {
                    let k = self.ends.partition_point(|&e| e <= p);
                    let s = k
                        .checked_sub(1)
                        .and_then(|q| self.ends.get(q).copied())
                        .unwrap_or(0);
                    let e = self.ends.get(k).copied().unwrap_or(s);
                    cur = Some((k, s, e));
                    (k, s)
                }
            };
            let c = self.chunks.get(k);
            aspects.push(
                c.and_then(|c| c.aspect_column().get(p - s).copied())
                    .unwrap_or(1.0),
            );
            days.push(
                c.and_then(|c| c.local_ms_column().get(p - s).copied())
                    .map_or(0, day_of),
            );
        }
        (aspects, days)
    }

    /// Every asset's displayed aspect ratio, in order.
    pub fn aspects(&self) -> Vec<f32> {
        self.chunks()
            .flat_map(|c| c.aspect_column().iter().copied())
            .collect()
    }

    /// Every asset's local day, in order.
    pub fn local_days(&self) -> Vec<i32> {
        self.chunks()
            .flat_map(|c| c.local_ms_column().iter().map(|&t| day_of(t)))
            .collect()
    }

    /// The distinct owner ids, in order of first appearance.
    pub fn owners(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for c in self.chunks() {
            for o in c.owner_table() {
                if !out.contains(&o.as_str()) {
                    out.push(o);
                }
            }
        }
        out
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

    #[test]
    fn id_set_keeps_each_uuid_once() {
        let mut set = IdSet::with_capacity(4);
        let ids: Vec<String> = (0..3000u32)
            .map(|i| {
                format!(
                    "{:08x}-0000-4000-8000-{:012x}",
                    i.wrapping_mul(2_654_435_761),
                    i
                )
            })
            .collect();
        for id in &ids {
            assert!(set.insert(AssetId::parse(id)), "{id}");
        }
        for id in &ids {
            assert!(!set.insert(AssetId::parse(id)));
            assert!(set.contains(AssetId::parse(id)));
        }
        assert!(!set.contains(AssetId::parse("ffffffff-0000-4000-8000-ffffffffffff")));
        assert_eq!(set.len(), 3000);
    }

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
        assert_eq!(ix.owners(), ["owner-a"]);
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
    fn merge_shares_chunks_without_duplicates() {
        // 30 pages of 7 assets, page 3 repeating an id of page 2.
        let pages: Vec<LibraryIndex> = (0..30)
            .map(|p| {
                let mut ix = LibraryIndex::new();
                for k in 0..7 {
                    let id = if p == 3 && k == 0 {
                        "id-2-6".to_owned()
                    } else {
                        format!("id-{p}-{k}")
                    };
                    ix.push(&record(&id, "name.jpg")).unwrap();
                }
                ix
            })
            .collect();
        let m = LibraryIndex::merge(&pages).unwrap();
        assert_eq!(m.len(), 209);
        assert_eq!(m.chunk_count(), 30);
        for (k, page) in pages.iter().enumerate() {
            let shared = m
                .chunk_arcs()
                .iter()
                .any(|c| Arc::ptr_eq(c, &page.chunk_arcs()[0]));
            assert_eq!(shared, k != 3, "page {k}");
        }
        assert_eq!(m.id_string(21).as_deref(), Some("id-3-1"));
        assert_eq!(m.id_string(20).as_deref(), Some("id-2-6"));
        // A clone shares every chunk, and an index built on it starts with it.
        let mut grown = m.clone();
        assert!(grown.starts_with(&m));
        grown.push(&record("new", "n")).unwrap();
        assert_eq!(grown.chunk_count(), 31, "a shared chunk is never written");
        assert_eq!(m.len(), 209);
        assert!(grown.starts_with(&m) && !m.starts_with(&grown));
        assert_eq!(grown.file_name(209), Some("n"));
    }

    /// The merge as it was before the batch dedupe: one big set, segment by
    /// segment. The reference the batch merge must equal.
    fn merge_reference<'a>(segments: impl IntoIterator<Item = &'a LibraryIndex>) -> LibraryIndex {
        let mut out = LibraryIndex::new();
        let mut seen = IdSet::new();
        for s in segments {
            out.append_unique(s, &mut seen).unwrap();
        }
        out.shrink_to_fit();
        out
    }

    /// An index of the given pages' chunks, shared (one chunk a page).
    fn segment_of(pages: &[LibraryIndex]) -> LibraryIndex {
        let mut ix = LibraryIndex::new();
        for p in pages {
            for c in p.chunk_arcs() {
                ix.push_shared(c);
            }
        }
        ix
    }

    fn page_of(ids: &[&str]) -> LibraryIndex {
        let mut ix = LibraryIndex::new();
        for (k, id) in ids.iter().enumerate() {
            let name = format!("{id}#{k}");
            ix.push(&record(id, &name)).unwrap();
        }
        ix
    }

    /// For each chunk of `m`: the input chunk it shares, by number, or `None`
    /// when it is a copy.
    fn sharing(m: &LibraryIndex, segments: &[LibraryIndex]) -> Vec<(usize, Option<usize>)> {
        let inputs: Vec<&Arc<Chunk>> = segments.iter().flat_map(|s| s.chunk_arcs()).collect();
        m.chunk_arcs()
            .iter()
            .map(|c| (c.len(), inputs.iter().position(|i| Arc::ptr_eq(i, c))))
            .collect()
    }

    fn check_merge(segments: &[LibraryIndex]) -> LibraryIndex {
        let m = LibraryIndex::merge(segments).unwrap();
        let r = merge_reference(segments);
        assert_eq!(m.len(), r.len());
        for i in 0..m.len() {
            assert_eq!(m.get(i), r.get(i), "at {i}");
        }
        assert_eq!(sharing(&m, segments), sharing(&r, segments));
        m
    }

    fn names(m: &LibraryIndex) -> Vec<&str> {
        (0..m.len()).map(|i| m.file_name(i).unwrap()).collect()
    }

    const U1: &str = "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9";
    const U2: &str = "11111111-2222-4333-8444-555555555555";
    const U3: &str = "00000000-0000-4000-8000-000000000003";

    #[test]
    fn batch_merge_drops_later_duplicates_within_and_across_segments() {
        // Within one segment (one page), the first kept.
        let a = page_of(&[U1, U2, U1, "x", U3, "x", U2]);
        let m = check_merge(std::slice::from_ref(&a));
        assert_eq!(
            names(&m),
            [
                format!("{U1}#0"),
                format!("{U2}#1"),
                "x#3".to_owned(),
                format!("{U3}#4")
            ]
        );
        // Across segments, with empty segments and empty pages between.
        let b = page_of(&[U3, "y", U2, "x"]);
        let c = page_of(&["y", "z", U1]);
        let empty = LibraryIndex::new();
        let segs = [
            empty.clone(),
            page_of(&[U1, "x"]),
            empty.clone(),
            b,
            segment_of(&[empty.clone(), c, page_of(&[])]),
            empty,
        ];
        let m = check_merge(&segs);
        assert_eq!(
            names(&m),
            [
                format!("{U1}#0"),
                "x#1".to_owned(),
                format!("{U3}#0"),
                "y#1".to_owned(),
                format!("{U2}#2"),
                "z#1".to_owned()
            ]
        );
        // Nothing at all.
        assert!(check_merge(&[]).is_empty());
        assert!(check_merge(&[LibraryIndex::new(), LibraryIndex::new()]).is_empty());
    }

    #[test]
    fn batch_merge_at_chunk_boundaries() {
        // A duplicate as the last asset of a chunk and the first of the next,
        // in one segment of two chunks and across segments.
        let p0 = page_of(&["a", U1, U2]);
        let p1 = page_of(&[U2, "b", U3]);
        let p2 = page_of(&[U3, "a"]);
        let p3 = page_of(&["c"]);
        let segs = [
            segment_of(&[p0.clone(), p1.clone()]),
            segment_of(&[p2, p3.clone()]),
        ];
        let m = check_merge(&segs);
        assert_eq!(
            names(&m),
            [
                "a#0",
                &format!("{U1}#1"),
                &format!("{U2}#2"),
                "b#1",
                &format!("{U3}#2"),
                "c#0"
            ]
        );
        // p0 and p3 are shared; p1 and p2 are copies without their repeats.
        let sh = sharing(&m, &segs);
        assert_eq!(sh.iter().filter(|(_, s)| s.is_some()).count(), 2);
        assert!(Arc::ptr_eq(&m.chunk_arcs()[0], &p0.chunk_arcs()[0]));
        assert!(Arc::ptr_eq(
            m.chunk_arcs().last().unwrap(),
            &p3.chunk_arcs()[0]
        ));
        // A duplicate across full chunks of `CHUNK_ASSETS`.
        let ids: Vec<String> = (0..CHUNK_ASSETS + 5)
            .map(|k| format!("{k:08x}-4b5a-4978-8695-a4b3c2d1e0f9"))
            .collect();
        let mut big = LibraryIndex::new();
        for id in &ids {
            big.push(&record(id, "n")).unwrap();
        }
        let next = page_of(&[&ids[CHUNK_ASSETS - 1], &ids[CHUNK_ASSETS], "new"]);
        let m = check_merge(&[big.clone(), next]);
        assert_eq!(m.len(), CHUNK_ASSETS + 6);
        assert_eq!(m.id_string(CHUNK_ASSETS + 5).as_deref(), Some("new"));
        assert!(Arc::ptr_eq(&m.chunk_arcs()[0], &big.chunk_arcs()[0]));
        assert!(Arc::ptr_eq(&m.chunk_arcs()[1], &big.chunk_arcs()[1]));
    }

    #[test]
    fn batch_merge_tells_other_ids_from_uuid_bytes() {
        // An id kept as text is stored as (start, len) in the id column: the
        // UUID with those very bytes is a different id. An uppercase UUID is
        // text too, not the lowercase one.
        let raw = "00000000-0500-0000-0000-000000000000";
        let upper = U1.to_uppercase();
        let a = page_of(&["abcde", raw, &upper, U1]);
        let b = page_of(&[raw, "abcde", U1, &upper]);
        let m = check_merge(&[a.clone(), b]);
        assert_eq!(m.len(), 4);
        assert!(Arc::ptr_eq(&m.chunk_arcs()[0], &a.chunk_arcs()[0]));
        assert_eq!(m.chunk_count(), 1);
    }

    #[test]
    fn batch_merge_shares_every_chunk_of_a_reload_without_duplicates() {
        let pages: Vec<LibraryIndex> = (0..40)
            .map(|p| {
                let ids: Vec<String> = (0..50)
                    .map(|k| format!("{p:08x}-0000-4000-8000-{k:012x}"))
                    .collect();
                page_of(&ids.iter().map(String::as_str).collect::<Vec<_>>())
            })
            .collect();
        let m = check_merge(&pages);
        assert_eq!((m.len(), m.chunk_count()), (2000, 40));
        for (c, p) in m.chunk_arcs().iter().zip(&pages) {
            assert!(Arc::ptr_eq(c, &p.chunk_arcs()[0]));
        }
        // Appending more after a merge: the set of what is held drops repeats.
        let mut seen = m.id_set(3);
        assert_eq!(seen.len(), 2000);
        let mut grown = m.clone();
        let more = page_of(&["00000003-0000-4000-8000-000000000007", "fresh"]);
        assert_eq!(grown.append_unique(&more, &mut seen).unwrap(), 1);
        assert_eq!(grown.id_string(2000).as_deref(), Some("fresh"));
    }

    #[test]
    fn batch_merge_equals_the_one_set_reference_on_random_input() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut rnd = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n.max(1)
        };
        for round in 0..300 {
            // A pool of ids, many repeated: skewed UUIDs (equal leading
            // bytes, counting up), random ones, text ids, uppercase UUIDs.
            let pool_size = 1 + rnd(if round % 10 == 0 { 3000 } else { 60 });
            let pool: Vec<String> = (0..pool_size)
                .map(|k| match rnd(5) {
                    0 => format!("00000000-0000-4000-8000-{k:012x}"),
                    1 => format!("{k:08x}-0000-4000-8000-000000000000"),
                    2 => format!(
                        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
                        rnd(1 << 32),
                        rnd(1 << 16),
                        rnd(1 << 12),
                        rnd(1 << 12),
                        rnd(1 << 48)
                    ),
                    3 => format!("other-{k}"),
                    _ => format!("{k:08X}-0000-4000-8000-00000000000A"),
                })
                .collect();
            let mut segments = Vec::new();
            for _ in 0..rnd(6) {
                let pages: Vec<LibraryIndex> = (0..rnd(5))
                    .map(|_| {
                        let n = if round % 10 == 0 { rnd(2000) } else { rnd(12) };
                        let ids: Vec<&str> = (0..n)
                            .map(|_| pool[rnd(pool.len() as u64) as usize].as_str())
                            .collect();
                        page_of(&ids)
                    })
                    .collect();
                segments.push(segment_of(&pages));
            }
            let m = check_merge(&segments);
            // No id twice.
            let mut ids: Vec<String> = (0..m.len()).map(|i| m.id_string(i).unwrap()).collect();
            ids.sort_unstable();
            let n = ids.len();
            ids.dedup();
            assert_eq!(ids.len(), n, "round {round}");
        }
    }

    #[test]
    fn chunks_fill_to_their_size_and_read_across_boundaries() {
        let mut ix = LibraryIndex::new();
        let n = CHUNK_ASSETS * 2 + 3;
        for k in 0..n {
            let id = format!("{k:08x}-4b5a-4978-8695-a4b3c2d1e0f9");
            let name = format!("IMG_{k}.jpg");
            ix.push(&AssetRecord {
                id: &id,
                owner_id: "o",
                local_ms: k as i64 * 1000,
                file_created_ms: k as i64 * 1000 - 3_600_000,
                file_name: &name,
                aspect: 1.0 + k as f32,
                ..AssetRecord::default()
            })
            .unwrap();
        }
        assert_eq!(ix.chunk_count(), 3);
        for k in [0, CHUNK_ASSETS - 1, CHUNK_ASSETS, n - 1] {
            assert_eq!(ix.file_name(k), Some(format!("IMG_{k}.jpg").as_str()));
            assert_eq!(ix.file_created_ms(k), Some(k as i64 * 1000 - 3_600_000));
            let id = ix.id_string(k).unwrap();
            assert_eq!(ix.position(&id), Some(k));
            // A search resumed anywhere up to `k` finds it; one resumed past it does not.
            assert_eq!(ix.position_from(&id, k), Some(k));
            assert_eq!(ix.position_from(&id, k / 2), Some(k));
            assert_eq!(ix.position_from(&id, k + 1), None);
        }
        assert_eq!(ix.get(n), None);
        let order = [0, 5, CHUNK_ASSETS as u32, n as u32 - 1, n as u32];
        let (a, d) = ix.aspects_and_days(&order);
        assert_eq!(a, [1.0, 6.0, 1.0 + CHUNK_ASSETS as f32, n as f32, 1.0]);
        assert_eq!(d.len(), 5);
        assert_eq!(ix.aspects().len(), n);
    }

    #[test]
    fn rare_values_and_far_times_round_trip() {
        let mut ix = LibraryIndex::new();
        let mut r = record("a", "x");
        r.file_created_ms = r.local_ms - 40 * DAY_MS; // beyond an i32 of ms
        ix.push(&r).unwrap();
        let mut r2 = record("b", "y");
        r2.stack_count = 0;
        r2.duration_ms = 0;
        r2.kind = AssetKind::Audio;
        ix.push(&r2).unwrap();
        let v = ix.get(0).unwrap();
        assert_eq!(v.file_created_ms, r.file_created_ms);
        assert_eq!((v.stack_count, v.duration_ms), (3, 12_345));
        assert_eq!(v.kind, AssetKind::Video);
        let w = ix.get(1).unwrap();
        assert_eq!((w.stack_count, w.duration_ms), (0, 0));
        assert_eq!(w.kind, AssetKind::Audio);
        assert_eq!(w.file_created_ms, r2.file_created_ms);
        assert_eq!(w.flags, r2.flags);
    }

    #[test]
    fn repeated_search_texts_are_stored_once_a_chunk() {
        let mut ix = LibraryIndex::new();
        for k in 0..100 {
            let id = format!("id-{k}");
            let mut r = record(&id, "n");
            r.search_text = if k % 2 == 0 {
                "Paris\u{1f}Canon"
            } else {
                "Oslo"
            };
            ix.push(&r).unwrap();
        }
        assert_eq!(ix.search_text(98), Some("paris\u{1f}canon"));
        assert_eq!(ix.search_text(99), Some("oslo"));
        let c = ix.chunks().next().unwrap();
        assert_eq!(c.search_table().0, "paris\u{1f}canonoslo");
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
        // Fixed columns only (empty strings): within 48 bytes an asset, plus the
        // chunk's owner table and one empty search text.
        assert!(
            ix.memory_bytes() <= 48 * 1000 + 128,
            "{}",
            ix.memory_bytes()
        );
    }

    #[test]
    fn day_keys_floor_before_epoch() {
        assert_eq!(day_of(-1), -1);
        assert_eq!(day_of(0), 0);
        assert_eq!(day_of(DAY_MS), 1);
    }
}
