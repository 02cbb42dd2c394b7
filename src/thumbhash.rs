//! Thumbhash placeholders: a thumbhash (≈25 bytes from the server) becomes a
//! tiny RGBA image (at most 32×32) and then a `data:image/png` URL that a tile
//! shows as its background until the real thumbnail has loaded.
//!
//! The PNG is written by hand (stored, uncompressed deflate blocks): the image
//! is at most 4 KiB, so compression would save little and cost a dependency;
//! and a pure encoder needs no canvas, so it is tested on the host.

use std::{cell::RefCell, collections::HashMap, rc::Rc};

use base64::Engine as _;

/// Decodes `hash` (raw thumbhash bytes) into a `data:image/png;base64,…` URL,
/// or `None` when the hash is empty or malformed (the tile then shows a flat
/// colour instead).
pub fn placeholder_data_url(hash: &[u8]) -> Option<String> {
    if hash.is_empty() {
        return None;
    }
    let (w, h, rgba) = ::thumbhash::thumb_hash_to_rgba(hash).ok()?;
    let png = encode_png(w as u32, h as u32, &rgba)?;
    let mut url = String::with_capacity(22 + png.len() * 4 / 3 + 4);
    url.push_str("data:image/png;base64,");
    base64::engine::general_purpose::STANDARD.encode_string(&png, &mut url);
    Some(url)
}

/// The hash's average colour as a CSS colour (`rgb(r g b / a)`), or `None`
/// when the hash is empty or malformed. Costs a few multiplications, no
/// image: tiles show it while the grid scrolls too fast to decode images.
pub fn average_color(hash: &[u8]) -> Option<String> {
    // thumbhash 0.1 reads byte 5 for an alpha hash without checking the length.
    if hash.len() < 5 || (hash[2] & 0x80 != 0 && hash.len() < 6) {
        return None;
    }
    let (r, g, b, a) = ::thumbhash::thumb_hash_to_average_rgba(hash).ok()?;
    let c = |v: f32| (v.clamp(0.0, 1.0) * 255.0).round() as u8;
    Some(format!(
        "rgb({} {} {} / {:.2})",
        c(r),
        c(g),
        c(b),
        a.clamp(0.0, 1.0)
    ))
}

/// Entries kept by [`PlaceholderCache`] (per generation; up to twice this in all).
pub const PLACEHOLDER_CACHE: usize = 256;

/// A small least-recently-used cache of placeholder URLs keyed by the hash
/// bytes, so tiles scrolling back into view (or re-created by a relayout)
/// skip the decode. Two generations: lookups promote to the young one, and
/// when it is full the old one is dropped whole: O(1) without a linked list.
/// Cloning shares the cache (single-threaded).
#[derive(Clone, Default)]
pub struct PlaceholderCache {
    inner: Rc<RefCell<Generations>>,
}

#[derive(Default)]
struct Generations {
    young: HashMap<Box<[u8]>, Option<Rc<str>>>,
    old: HashMap<Box<[u8]>, Option<Rc<str>>>,
}

impl PlaceholderCache {
    /// The `url("data:…")` CSS value for `hash` (`None` = no placeholder),
    /// decoded on a miss.
    pub fn css_url(&self, hash: &[u8]) -> Option<Rc<str>> {
        let mut g = self.inner.borrow_mut();
        if let Some(v) = g.young.get(hash) {
            return v.clone();
        }
        let v = match g.old.remove(hash) {
            Some(v) => v,
            None => placeholder_data_url(hash).map(|u| Rc::from(format!("url(\"{u}\")"))),
        };
        if g.young.len() >= PLACEHOLDER_CACHE {
            g.old = std::mem::take(&mut g.young);
        }
        g.young.insert(hash.into(), v.clone());
        v
    }

    /// Number of cached entries (both generations), for tests.
    pub fn len(&self) -> usize {
        let g = self.inner.borrow();
        g.young.len() + g.old.len()
    }

    /// True when nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Encodes an 8-bit RGBA image as a PNG with uncompressed deflate blocks.
/// `None` when `rgba` is not exactly `w * h * 4` bytes or the image is empty.
pub fn encode_png(w: u32, h: u32, rgba: &[u8]) -> Option<Vec<u8>> {
    let row = (w as usize).checked_mul(4)?;
    if w == 0 || h == 0 || rgba.len() != row.checked_mul(h as usize)? {
        return None;
    }
    // Scanlines: filter byte 0 (None) before each row.
    let mut raw = Vec::with_capacity((row + 1) * h as usize);
    for line in rgba.chunks_exact(row) {
        raw.push(0);
        raw.extend_from_slice(line);
    }

    // zlib stream: header, stored blocks of at most 65 535 bytes, Adler-32.
    let mut z = Vec::with_capacity(raw.len() + raw.len() / 65_535 * 5 + 11);
    z.extend_from_slice(&[0x78, 0x01]);
    let mut blocks = raw.chunks(65_535).peekable();
    while let Some(block) = blocks.next() {
        z.push(u8::from(blocks.peek().is_none())); // BFINAL, BTYPE = 00 (stored)
        let len = block.len() as u16;
        z.extend_from_slice(&len.to_le_bytes());
        z.extend_from_slice(&(!len).to_le_bytes());
        z.extend_from_slice(block);
    }
    z.extend_from_slice(&adler32(&raw).to_be_bytes());

    let mut png = Vec::with_capacity(z.len() + 57);
    png.extend_from_slice(b"\x89PNG\r\n\x1a\n");
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    // Bit depth 8, colour type 6 (RGBA), deflate, adaptive filtering, no interlace.
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    chunk(&mut png, b"IHDR", &ihdr);
    chunk(&mut png, b"IDAT", &z);
    chunk(&mut png, b"IEND", &[]);
    Some(png)
}

/// Appends one PNG chunk: length, type, data, CRC-32 of type and data.
fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32_update(crc32_update(0xffff_ffff, kind), data) ^ 0xffff_ffff;
    out.extend_from_slice(&crc.to_be_bytes());
}

/// The CRC-32 (IEEE, reflected) table, built at compile time.
const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut n = 0;
    while n < 256 {
        let mut c = n as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xedb8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        table[n] = c;
        n += 1;
    }
    table
};

fn crc32_update(mut crc: u32, data: &[u8]) -> u32 {
    for &b in data {
        crc = CRC_TABLE[((crc ^ u32::from(b)) & 0xff) as usize] ^ (crc >> 8);
    }
    crc
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    // 5552 bytes is the longest run before `b` could overflow a u32.
    for block in data.chunks(5552) {
        for &x in block {
            a += u32::from(x);
            b += a;
        }
        a %= 65_521;
        b %= 65_521;
    }
    (b << 16) | a
}

#[cfg(test)]
// A failed unwrap is a failed test.
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn checksums_match_published_values() {
        assert_eq!(adler32(b"Wikipedia"), 0x11e6_0398);
        assert_eq!(
            crc32_update(0xffff_ffff, b"IEND") ^ 0xffff_ffff,
            0xae42_6082
        );
        assert_eq!(
            crc32_update(0xffff_ffff, b"123456789") ^ 0xffff_ffff,
            0xcbf4_3926
        );
    }

    /// Walks the chunks of `png` and checks structure, lengths and CRCs;
    /// returns (width, height, inflated scanlines) for the stored-block stream.
    fn parse(png: &[u8]) -> (u32, u32, Vec<u8>) {
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let mut at = 8;
        let (mut w, mut h, mut idat) = (0, 0, Vec::new());
        let mut kinds = Vec::new();
        while at < png.len() {
            let len = u32::from_be_bytes(png[at..at + 4].try_into().unwrap()) as usize;
            let kind = &png[at + 4..at + 8];
            let data = &png[at + 8..at + 8 + len];
            let crc = u32::from_be_bytes(png[at + 8 + len..at + 12 + len].try_into().unwrap());
            assert_eq!(crc, crc32_update(crc32_update(!0, kind), data) ^ !0);
            if kind == b"IHDR" {
                w = u32::from_be_bytes(data[0..4].try_into().unwrap());
                h = u32::from_be_bytes(data[4..8].try_into().unwrap());
                assert_eq!(&data[8..], &[8, 6, 0, 0, 0]);
            }
            if kind == b"IDAT" {
                idat.extend_from_slice(data);
            }
            kinds.push(String::from_utf8(kind.to_vec()).unwrap());
            at += 12 + len;
        }
        assert_eq!(kinds, ["IHDR", "IDAT", "IEND"]);
        // Inflate the stored blocks.
        assert_eq!(&idat[..2], &[0x78, 0x01]);
        let mut p = 2;
        let mut raw = Vec::new();
        loop {
            let last = idat[p] & 1 == 1;
            let len = u16::from_le_bytes([idat[p + 1], idat[p + 2]]);
            let nlen = u16::from_le_bytes([idat[p + 3], idat[p + 4]]);
            assert_eq!(len, !nlen);
            raw.extend_from_slice(&idat[p + 5..p + 5 + len as usize]);
            p += 5 + len as usize;
            if last {
                break;
            }
        }
        assert_eq!(
            u32::from_be_bytes(idat[p..p + 4].try_into().unwrap()),
            adler32(&raw)
        );
        (w, h, raw)
    }

    fn check_png(w: u32, h: u32) {
        let rgba: Vec<u8> = (0..w * h * 4).map(|i| (i * 7 % 251) as u8).collect();
        let png = encode_png(w, h, &rgba).unwrap();
        let (pw, ph, raw) = parse(&png);
        assert_eq!((pw, ph), (w, h));
        let rows: Vec<u8> = raw
            .chunks_exact(w as usize * 4 + 1)
            .flat_map(|r| {
                assert_eq!(r[0], 0, "filter type None");
                r[1..].to_vec()
            })
            .collect();
        assert_eq!(rows, rgba);
    }

    #[test]
    fn png_round_trips_small_and_multi_block_images() {
        check_png(1, 1);
        check_png(32, 24);
        // 200×100×4 + 100 filter bytes > 65 535: several stored blocks.
        check_png(200, 100);
    }

    #[test]
    fn png_rejects_mismatched_buffers() {
        assert!(encode_png(2, 2, &[0; 15]).is_none());
        assert!(encode_png(0, 2, &[]).is_none());
    }

    #[test]
    fn placeholder_from_a_real_hash() {
        // A 40×20 horizontal gradient with alpha, hashed by the reference encoder.
        let (w, h) = (40usize, 20usize);
        let mut rgba = Vec::with_capacity(w * h * 4);
        for _y in 0..h {
            for x in 0..w {
                rgba.extend_from_slice(&[(x * 6) as u8, 80, 200, 255]);
            }
        }
        let hash = ::thumbhash::rgba_to_thumb_hash(w, h, &rgba);
        let url = placeholder_data_url(&hash).unwrap();
        let b64 = url.strip_prefix("data:image/png;base64,").unwrap();
        let png = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap();
        let (pw, ph, _) = parse(&png);
        assert_eq!(pw, 32, "landscape placeholders are 32 wide");
        assert!((14..=18).contains(&ph), "keeps the 2:1 aspect, got {ph}");
    }

    fn gradient_hash(shift: usize) -> Vec<u8> {
        let (w, h) = (24usize, 16usize);
        let mut rgba = Vec::with_capacity(w * h * 4);
        for _y in 0..h {
            for x in 0..w {
                rgba.extend_from_slice(&[((x * 9 + shift) % 256) as u8, 120, 40, 255]);
            }
        }
        ::thumbhash::rgba_to_thumb_hash(w, h, &rgba)
    }

    #[test]
    fn average_colour_is_css() {
        let c = average_color(&gradient_hash(0)).unwrap();
        assert!(c.starts_with("rgb(") && c.ends_with(" / 1.00)"), "{c}");
        // Green is flat at 120 in the source image.
        let g: i32 = c[4..].split(' ').nth(1).unwrap().parse().unwrap();
        assert!((g - 120).abs() <= 8, "{c}");
        assert!(average_color(&[]).is_none());
        assert!(average_color(&[1]).is_none());
        // The alpha bit set but no alpha byte: malformed, not a panic.
        assert!(average_color(&[0xff; 5]).is_none());
    }

    #[test]
    fn cache_hits_and_evicts_by_generation() {
        let cache = PlaceholderCache::default();
        let a = gradient_hash(0);
        let first = cache.css_url(&a).unwrap();
        assert!(first.starts_with("url(\"data:image/png;base64,"));
        // A hit returns the same allocation, not a fresh decode.
        assert!(Rc::ptr_eq(&first, &cache.css_url(&a).unwrap()));
        assert!(cache.css_url(&[]).is_none());
        // Fill past two generations with other keys: `a` is gone.
        for i in 0..(2 * PLACEHOLDER_CACHE as u32 + 1) {
            let _ = cache.css_url(&i.to_le_bytes());
        }
        assert!(cache.len() <= 2 * PLACEHOLDER_CACHE);
        assert!(!Rc::ptr_eq(&first, &cache.css_url(&a).unwrap()));
        // A key used within the last generation survives one turnover.
        let b = gradient_hash(7);
        let kept = cache.css_url(&b).unwrap();
        for i in 0..(PLACEHOLDER_CACHE as u32) {
            let _ = cache.css_url(&(i + 10_000).to_le_bytes());
        }
        assert!(Rc::ptr_eq(&kept, &cache.css_url(&b).unwrap()));
    }

    #[test]
    fn malformed_hashes_give_no_placeholder() {
        for bad in [&[][..], &[1, 2, 3], &[0xff; 5]] {
            assert!(placeholder_data_url(bad).is_none(), "{bad:?}");
        }
    }
}
