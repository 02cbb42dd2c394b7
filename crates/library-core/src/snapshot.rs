//! Binary snapshots of decoded pages: what the app stores instead of raw page
//! bodies, so a reload reads the compact index (about a tenth of the JSON) and
//! copies it into place instead of parsing every page again.
//!
//! A snapshot holds the chunks of one page, the ETag of the body it was decoded
//! from, a format version and a checksum. [`decode`] checks all of it, and every
//! offset, length and string of the chunks, against the bytes it is given: a
//! truncated, corrupt, foreign or older snapshot is an error (the caller drops the
//! page's ETag and fetches it again), never a panic or an index that reads wrong.
//!
//! Layout (little-endian): magic `IGSNAP` + version u16; ETag (u32 length + bytes);
//! chunk count u32; per chunk: ten counts (u32), the fixed columns, the arenas,
//! the sparse tables and the owner table; then a u64 checksum of everything before.

use std::sync::Arc;

use crate::{chunk::Chunk, index::LibraryIndex, AssetFlags};

/// Magic bytes and the format version (bump the version when the layout changes:
/// older snapshots are then refused and their pages fetched again).
const MAGIC: &[u8; 6] = b"IGSNAP";
const VERSION: u16 = 1;

/// Why a snapshot was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotError {
    /// Not a snapshot, or one of another format version.
    #[error("not a snapshot of this format version")]
    Foreign,
    /// Built from another body than the one the ETag names.
    #[error("the snapshot was built from another version of the page")]
    OtherEtag,
    /// Shorter than its own lengths say.
    #[error("the snapshot is truncated")]
    Truncated,
    /// The checksum does not match.
    #[error("the snapshot is corrupt (checksum)")]
    Checksum,
    /// Lengths, offsets or strings that do not fit together.
    #[error("the snapshot is corrupt ({0})")]
    Invalid(&'static str),
}

/// A checksum of `b`: eight bytes a step (fast enough for a hundred megabytes in a
/// tab), for corruption, not for attackers (a snapshot is read back only by the
/// origin that wrote it).
fn checksum(b: &[u8]) -> u64 {
    const K: u64 = 0x0000_0100_0000_01b3;
    let mut h: u64 = 0x9e37_79b9_7f4a_7c15 ^ b.len() as u64;
    let mut words = b.chunks_exact(8);
    for w in &mut words {
        let mut a = [0u8; 8];
        a.copy_from_slice(w);
        h = (h ^ u64::from_le_bytes(a)).wrapping_mul(K).rotate_left(29);
    }
    for &x in words.remainder() {
        h = (h ^ u64::from(x)).wrapping_mul(K);
    }
    h ^ (h >> 31)
}

fn put_u32(out: &mut Vec<u8>, v: usize) {
    // Every count of a chunk fits u32 (the chunk refuses to grow past it).
    out.extend_from_slice(&u32::try_from(v).unwrap_or(u32::MAX).to_le_bytes());
}

/// Encodes the chunks of `page` with the ETag of the body it was decoded from.
pub fn encode(page: &LibraryIndex, etag: &str) -> Vec<u8> {
    let size: usize = page.chunks().map(|c| c.memory_bytes() + 64).sum::<usize>() + etag.len() + 32;
    let mut out = Vec::with_capacity(size);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    put_u32(&mut out, etag.len());
    out.extend_from_slice(etag.as_bytes());
    put_u32(&mut out, page.chunk_count());
    for c in page.chunks() {
        encode_chunk(c, &mut out);
    }
    let sum = checksum(&out);
    out.extend_from_slice(&sum.to_le_bytes());
    out
}

fn encode_chunk(c: &Chunk, out: &mut Vec<u8>) {
    for n in [
        c.ids.len(),
        c.search_ends.len(),
        c.owner_table.len(),
        c.created_far.len(),
        c.stacks.len(),
        c.durations.len(),
        c.thumb_bytes.len(),
        c.names.len(),
        c.search.len(),
        c.other_ids.len(),
    ] {
        put_u32(out, n);
    }
    for id in &c.ids {
        out.extend_from_slice(id);
    }
    for v in &c.local_ms {
        out.extend_from_slice(&v.to_le_bytes());
    }
    for v in &c.created_off {
        out.extend_from_slice(&v.to_le_bytes());
    }
    for v in &c.aspects {
        out.extend_from_slice(&v.to_bits().to_le_bytes());
    }
    for v in &c.owners {
        out.extend_from_slice(&v.to_le_bytes());
    }
    for v in &c.flags {
        out.extend_from_slice(&v.to_le_bytes());
    }
    for col in [&c.thumb_ends, &c.name_ends, &c.search_of, &c.search_ends] {
        for v in col {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
    out.extend_from_slice(&c.thumb_bytes);
    out.extend_from_slice(c.names.as_bytes());
    out.extend_from_slice(c.search.as_bytes());
    out.extend_from_slice(c.other_ids.as_bytes());
    for (k, v) in &c.created_far {
        out.extend_from_slice(&k.to_le_bytes());
        out.extend_from_slice(&v.to_le_bytes());
    }
    for (k, v) in &c.stacks {
        out.extend_from_slice(&k.to_le_bytes());
        out.extend_from_slice(&v.to_le_bytes());
    }
    for (k, v) in &c.durations {
        out.extend_from_slice(&k.to_le_bytes());
        out.extend_from_slice(&v.to_le_bytes());
    }
    for o in &c.owner_table {
        put_u32(out, o.len());
        out.extend_from_slice(o.as_bytes());
    }
}

/// A cursor over the snapshot's bytes; every read is bounds-checked.
struct Reader<'a> {
    b: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], SnapshotError> {
        if n > self.b.len() {
            return Err(SnapshotError::Truncated);
        }
        let (head, rest) = self.b.split_at(n);
        self.b = rest;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], SnapshotError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    fn u32(&mut self) -> Result<usize, SnapshotError> {
        Ok(u32::from_le_bytes(self.array()?) as usize)
    }

    /// `n` items of `N` bytes each, converted by `f`.
    fn column<const N: usize, T>(
        &mut self,
        n: usize,
        f: impl Fn([u8; N]) -> T,
    ) -> Result<Vec<T>, SnapshotError> {
        let bytes = self.take(n.checked_mul(N).ok_or(SnapshotError::Truncated)?)?;
        Ok(bytes
            .chunks_exact(N)
            .map(|w| {
                let mut a = [0u8; N];
                a.copy_from_slice(w);
                f(a)
            })
            .collect())
    }

    fn string(&mut self, n: usize) -> Result<String, SnapshotError> {
        let bytes = self.take(n)?;
        std::str::from_utf8(bytes)
            .map(str::to_owned)
            .map_err(|_| SnapshotError::Invalid("text is not UTF-8"))
    }
}

/// Decodes a snapshot written by [`encode`] for the body `etag` names, checking it
/// whole (see the module documentation).
pub fn decode(bytes: &[u8], etag: &str) -> Result<LibraryIndex, SnapshotError> {
    let (body, sum) = bytes
        .split_last_chunk::<8>()
        .ok_or(SnapshotError::Foreign)?;
    let mut r = Reader { b: body };
    if r.take(MAGIC.len()).ok() != Some(MAGIC.as_slice())
        || r.array::<2>().map(u16::from_le_bytes).ok() != Some(VERSION)
    {
        return Err(SnapshotError::Foreign);
    }
    if checksum(body) != u64::from_le_bytes(*sum) {
        return Err(SnapshotError::Checksum);
    }
    let etag_len = r.u32()?;
    if r.take(etag_len)? != etag.as_bytes() {
        return Err(SnapshotError::OtherEtag);
    }
    let chunks = r.u32()?;
    let mut out = LibraryIndex::new();
    for _ in 0..chunks {
        let c = decode_chunk(&mut r)?;
        out.push_shared(&Arc::new(c));
    }
    if !r.b.is_empty() {
        return Err(SnapshotError::Invalid("trailing bytes"));
    }
    Ok(out)
}

/// Whether `ends` never decrease and stay within `len`.
fn ends_fit(ends: &[u32], len: usize) -> bool {
    ends.windows(2).all(|w| w.first() <= w.last()) && ends.last().is_none_or(|&e| e as usize <= len)
}

/// Whether the positions of a sparse table increase strictly and stay below `n`.
fn sparse_fits<T>(table: &[(u32, T)], n: usize) -> bool {
    table.windows(2).all(|w| match w {
        [a, b] => a.0 < b.0,
        _ => true,
    }) && table.last().is_none_or(|&(k, _)| (k as usize) < n)
}

fn decode_chunk(r: &mut Reader<'_>) -> Result<Chunk, SnapshotError> {
    let n = r.u32()?;
    let entries = r.u32()?;
    let owners = r.u32()?;
    let far = r.u32()?;
    let stacks = r.u32()?;
    let durations = r.u32()?;
    let thumb_len = r.u32()?;
    let names_len = r.u32()?;
    let search_len = r.u32()?;
    let other_len = r.u32()?;
    let le_u32 = u32::from_le_bytes;
    let mut c = Chunk {
        ids: r.column::<16, _>(n, |a| a)?,
        local_ms: r.column(n, i64::from_le_bytes)?,
        created_off: r.column(n, i32::from_le_bytes)?,
        aspects: r.column(n, |a| f32::from_bits(u32::from_le_bytes(a)))?,
        owners: r.column(n, u16::from_le_bytes)?,
        flags: r.column(n, u16::from_le_bytes)?,
        thumb_ends: r.column(n, le_u32)?,
        name_ends: r.column(n, le_u32)?,
        search_of: r.column(n, le_u32)?,
        search_ends: r.column(entries, le_u32)?,
        thumb_bytes: r.take(thumb_len)?.to_vec(),
        names: r.string(names_len)?,
        search: r.string(search_len)?,
        other_ids: r.string(other_len)?,
        created_far: r.column::<12, _>(far, |a| {
            let (k, v) = a.split_at(4);
            let mut kk = [0u8; 4];
            kk.copy_from_slice(k);
            let mut vv = [0u8; 8];
            vv.copy_from_slice(v);
            (u32::from_le_bytes(kk), i64::from_le_bytes(vv))
        })?,
        stacks: r.column::<6, _>(stacks, |a| {
            let [a0, a1, a2, a3, b0, b1] = a;
            (
                u32::from_le_bytes([a0, a1, a2, a3]),
                u16::from_le_bytes([b0, b1]),
            )
        })?,
        durations: r.column::<8, _>(durations, |a| {
            let [a0, a1, a2, a3, b0, b1, b2, b3] = a;
            (
                u32::from_le_bytes([a0, a1, a2, a3]),
                u32::from_le_bytes([b0, b1, b2, b3]),
            )
        })?,
        ..Chunk::default()
    };
    for _ in 0..owners {
        let len = r.u32()?;
        c.owner_table.push(r.string(len)?);
    }
    let fits = ends_fit(&c.thumb_ends, c.thumb_bytes.len())
        && ends_fit(&c.name_ends, c.names.len())
        && ends_fit(&c.search_ends, c.search.len())
        && c.search_of.iter().all(|&e| (e as usize) < entries)
        && c.owners.iter().all(|&o| usize::from(o) < owners)
        && sparse_fits(&c.created_far, n)
        && sparse_fits(&c.stacks, n)
        && sparse_fits(&c.durations, n);
    if !fits {
        return Err(SnapshotError::Invalid("offsets out of range"));
    }
    // Every string must read back whole: the arenas are valid UTF-8, so a span
    // is valid when both its ends are character boundaries (the starts are the
    // previous ends); ids of other shapes must lie inside their arena.
    let boundaries =
        |text: &str, ends: &[u32]| ends.iter().all(|&e| text.is_char_boundary(e as usize));
    let whole = boundaries(&c.names, &c.name_ends)
        && boundaries(&c.search, &c.search_ends)
        && c.flags
            .iter()
            .enumerate()
            .all(|(i, &f)| f & AssetFlags::FALLBACK_ID == 0 || c.id(i).is_some());
    if !whole {
        return Err(SnapshotError::Invalid("a string is cut"));
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{decode_page, AssetKind, AssetRecord, DAY_MS};

    fn sample() -> LibraryIndex {
        let mut ix = LibraryIndex::new();
        for k in 0..50u32 {
            let id = if k == 7 {
                "not-a-uuid".to_owned()
            } else {
                format!("{k:08x}-4b5a-4978-8695-a4b3c2d1e0f9")
            };
            let name = format!("Été_{k}.jpg");
            let local = 1_709_296_496_789 + i64::from(k) * 1000;
            ix.push(&AssetRecord {
                id: &id,
                local_ms: local,
                file_created_ms: if k == 3 {
                    local - 90 * DAY_MS
                } else {
                    local - 3_600_000
                },
                aspect: 1.5,
                kind: if k % 5 == 0 {
                    AssetKind::Video
                } else {
                    AssetKind::Image
                },
                flags: if k % 3 == 0 {
                    AssetFlags::FAVORITE
                } else {
                    AssetFlags::empty()
                },
                stack_count: if k == 9 { 4 } else { 0 },
                duration_ms: if k % 5 == 0 { 1234 + k } else { 0 },
                owner_id: if k < 25 { "owner-a" } else { "owner-b" },
                thumbhash: &[1, 2, 3, k as u8],
                file_name: &name,
                search_text: if k % 2 == 0 {
                    "Paris\u{1f}Canon"
                } else {
                    "Oslo"
                },
            })
            .unwrap();
        }
        ix.shrink_to_fit();
        ix
    }

    #[test]
    fn round_trips_every_field() {
        let ix = sample();
        let bytes = encode(&ix, "\"6a-abc\"");
        let back = decode(&bytes, "\"6a-abc\"").unwrap();
        assert_eq!(back, ix);
        assert_eq!(back.len(), 50);
        assert_eq!(back.id_string(7).as_deref(), Some("not-a-uuid"));
        assert_eq!(back.stack_count(9), Some(4));
        assert_eq!(back.duration_ms(10), Some(1244));
        assert_eq!(back.file_created_ms(3), ix.file_created_ms(3));
        assert_eq!(back.owner_id(30), Some("owner-b"));
        // A decoded real page round-trips too, and is far smaller than its body.
        let body = br#"[{"id":"0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9","ownerId":"o","type":"IMAGE","localDateTime":"2024-03-01T12:34:56.789Z","fileCreatedAt":"2024-03-01T11:34:56.789Z","originalFileName":"IMG_1.jpg","thumbhash":"AQID","exifInfo":{"city":"Paris","exifImageWidth":4000,"exifImageHeight":3000}}]"#;
        let page = decode_page(body).unwrap();
        let snap = encode(&page, "e");
        assert_eq!(decode(&snap, "e").unwrap(), page);
    }

    #[test]
    fn refuses_other_etags_versions_and_corruption() {
        let ix = sample();
        let bytes = encode(&ix, "\"6a-abc\"");
        assert_eq!(decode(&bytes, "\"6a-abd\""), Err(SnapshotError::OtherEtag));
        // Another format version.
        let mut v2 = bytes.clone();
        v2[6] = 2;
        assert_eq!(decode(&v2, "\"6a-abc\""), Err(SnapshotError::Foreign));
        // A raw JSON body where a snapshot was expected.
        assert_eq!(decode(b"[{\"id\":1}]", "x"), Err(SnapshotError::Foreign));
        assert_eq!(decode(b"", "x"), Err(SnapshotError::Foreign));
        // Every single flipped byte is caught, and every truncation.
        for at in (0..bytes.len()).step_by(7) {
            let mut bad = bytes.clone();
            bad[at] ^= 0x40;
            assert!(decode(&bad, "\"6a-abc\"").is_err(), "flip at {at}");
        }
        for len in 0..bytes.len() {
            assert!(decode(&bytes[..len], "\"6a-abc\"").is_err(), "cut at {len}");
        }
    }

    #[test]
    fn refuses_inconsistent_offsets_with_a_valid_checksum() {
        // Forge a snapshot whose checksum is right but whose name ends run past
        // the arena: the structural checks catch it.
        let ix = sample();
        let mut c = ix.chunks().next().unwrap().clone();
        if let Some(e) = c.name_ends.last_mut() {
            *e += 1000;
        }
        let forged = LibraryIndex::from_chunk(c);
        let bytes = encode(&forged, "t");
        assert_eq!(
            decode(&bytes, "t"),
            Err(SnapshotError::Invalid("offsets out of range"))
        );
        // A name end inside a multi-byte character.
        let mut c = ix.chunks().next().unwrap().clone();
        if let Some(e) = c.name_ends.first_mut() {
            *e = 1; // inside "É"
        }
        let bytes = encode(&LibraryIndex::from_chunk(c), "t");
        assert_eq!(
            decode(&bytes, "t"),
            Err(SnapshotError::Invalid("a string is cut"))
        );
    }
}
