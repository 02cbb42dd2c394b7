//! A single-pass decoder from the bytes of a `GET /api/asset` body straight into a
//! [`LibraryIndex`].
//!
//! Why hand-written: a 150 MB library body decoded into full DTOs (or a generic JSON
//! tree) costs seconds and gigabytes; the grid needs a dozen fields an asset. The
//! decoder walks the top-level array once, reads the fields it keeps (including
//! `exifInfo` and `tags[].name`), and skips everything else with a validating scanner
//! that searches strings eight bytes at a time.
//!
//! It is strict about JSON syntax (malformed, truncated or hostile input is an error,
//! never a panic, never an unbounded recursion) and about the fields the grid cannot
//! do without (`id`, `ownerId`, `localDateTime`, `fileCreatedAt`), and lenient about
//! everything else: unknown fields are skipped, unknown `type` values become
//! [`AssetKind::Other`](crate::AssetKind::Other), `null` in a nullable place means "not
//! set", an unparseable thumbhash or duration is dropped, and a lone UTF-16 surrogate
//! escape becomes U+FFFD.
//!
//! UTF-8: every string the index keeps or the app shows (file name, owner id, a
//! non-UUID id, the searchable exif fields, tag names) is validated, raw or
//! unescaped, and invalid bytes are a [`DecodeErrorKind::InvalidUtf8`] error;
//! strings parsed into numbers or enums (dates, duration, type, thumbhash) keep
//! no text, so invalid bytes there make the value invalid (an error for the
//! required dates, dropped otherwise). Skipped values are checked for JSON
//! syntax only: their bytes are never kept or shown, and not validating them is
//! part of why this is faster than a full parse (`JSON.parse` must produce
//! every string).

use crate::{
    chunk::{Chunk, RawAsset, RawId},
    index::{parse_uuid, push_lowercase, IndexError, LibraryIndex},
    time::{parse_duration_ms, parse_timestamp_ms},
    AssetFlags, AssetKind,
};

/// What went wrong while decoding, and where.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{kind} at byte {offset}")]
pub struct DecodeError {
    /// What went wrong.
    pub kind: DecodeErrorKind,
    /// Byte offset in the input where it was noticed.
    pub offset: usize,
}

/// The kinds of [`DecodeError`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecodeErrorKind {
    /// The input ended inside a value.
    #[error("unexpected end of input")]
    UnexpectedEnd,
    /// A byte that cannot start or continue the expected JSON token.
    #[error("unexpected byte 0x{0:02x}")]
    UnexpectedByte(u8),
    /// A raw control character inside a string.
    #[error("control character in string")]
    ControlInString,
    /// A bad `\` escape.
    #[error("invalid escape")]
    InvalidEscape,
    /// A kept string is not valid UTF-8.
    #[error("invalid UTF-8")]
    InvalidUtf8,
    /// A number that does not follow JSON's grammar.
    #[error("invalid number")]
    InvalidNumber,
    /// A kept field holds a value of the wrong JSON type.
    #[error("field `{0}` has the wrong type")]
    WrongType(&'static str),
    /// A timestamp field that is not RFC 3339.
    #[error("field `{0}` is not a valid date-time")]
    InvalidDate(&'static str),
    /// An asset without a field the grid needs.
    #[error("an asset lacks `{0}`")]
    MissingField(&'static str),
    /// Arrays/objects nested deeper than the decoder allows.
    #[error("nesting too deep")]
    TooDeep,
    /// Bytes after the top-level array.
    #[error("trailing data after the array")]
    TrailingData,
    /// The index is full.
    #[error("{0}")]
    Index(IndexError),
}

type Result<T> = std::result::Result<T, DecodeError>;

/// Deepest nesting `skip_value` accepts below the value it starts at. The asset
/// payload needs about 5; the limit only stops hostile input.
const MAX_DEPTH: u32 = 128;

/// Decodes one page (or a whole-library body): a JSON array of `AssetResponseDto`.
///
/// The result keeps the server's order and every element (duplicates are removed only
/// when pages are merged, see [`PageSet`](crate::PageSet)).
pub fn decode_page(bytes: &[u8]) -> std::result::Result<LibraryIndex, DecodeError> {
    let mut d = Decoder {
        s: Scan { b: bytes, i: 0 },
        ix: Chunk::with_capacity(bytes.len() / 1200 + 1),
        scratch: Vec::new(),
        key: Vec::new(),
        last_owner: None,
    };
    d.page()?;
    Ok(LibraryIndex::from_chunk(d.ix))
}

// ---- the byte scanner -------------------------------------------------------------

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// High bit set in each byte of `w` that is `"`, `\` or below 0x20. Only the lowest
/// set bit is guaranteed exact (borrows can flag bytes above a true hit), which is all
/// the string scanner uses.
#[inline(always)]
fn special_mask(w: u64) -> u64 {
    let q = w ^ (LO * u64::from(b'"'));
    let bs = w ^ (LO * u64::from(b'\\'));
    let zq = q.wrapping_sub(LO) & !q;
    let zb = bs.wrapping_sub(LO) & !bs;
    let ctl = w.wrapping_sub(LO * 0x20) & !w;
    (zq | zb | ctl) & HI
}

struct Scan<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Scan<'a> {
    #[inline]
    fn err<T>(&self, kind: DecodeErrorKind) -> Result<T> {
        Err(DecodeError {
            kind,
            offset: self.i,
        })
    }

    #[inline]
    fn unexpected<T>(&self) -> Result<T> {
        match self.b.get(self.i) {
            Some(&c) => self.err(DecodeErrorKind::UnexpectedByte(c)),
            None => self.err(DecodeErrorKind::UnexpectedEnd),
        }
    }

    #[inline(always)]
    fn ws(&mut self) {
        while let Some(&c) = self.b.get(self.i) {
            if c == b' ' || c == b'\n' || c == b'\r' || c == b'\t' {
                self.i += 1;
            } else {
                break;
            }
        }
    }

    /// The next non-whitespace byte, not consumed.
    #[inline(always)]
    fn peek_ws(&mut self) -> Result<u8> {
        self.ws();
        match self.b.get(self.i) {
            Some(&c) => Ok(c),
            None => self.err(DecodeErrorKind::UnexpectedEnd),
        }
    }

    /// After a member or an element: consumes `,` (more follow: `false`) or
    /// `close` (the container ends: `true`).
    #[inline(always)]
    fn next_or_close(&mut self, close: u8) -> Result<bool> {
        match self.peek_ws()? {
            b',' => {
                self.i += 1;
                Ok(false)
            }
            c if c == close => {
                self.i += 1;
                Ok(true)
            }
            _ => self.unexpected(),
        }
    }

    #[inline(always)]
    fn eat(&mut self, c: u8) -> Result<()> {
        if self.b.get(self.i) == Some(&c) {
            self.i += 1;
            Ok(())
        } else {
            self.unexpected()
        }
    }

    /// Reads a string starting at its opening quote. Returns the raw content (escapes
    /// not decoded) and whether it holds any escape.
    #[inline]
    fn string_raw(&mut self) -> Result<(&'a [u8], bool)> {
        self.eat(b'"')?;
        let start = self.i;
        let mut i = start;
        let mut escaped = false;
        loop {
            while let Some(chunk) = self.b.get(i..i + 8) {
                let Ok(arr) = <[u8; 8]>::try_from(chunk) else {
                    break;
                };
                let m = special_mask(u64::from_le_bytes(arr));
                if m != 0 {
                    i += (m.trailing_zeros() / 8) as usize;
                    break;
                }
                i += 8;
            }
            match self.b.get(i) {
                Some(b'"') => {
                    self.i = i + 1;
                    let raw = self.b.get(start..i).unwrap_or_default();
                    return Ok((raw, escaped));
                }
                Some(b'\\') => {
                    escaped = true;
                    match self.b.get(i + 1) {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => i += 2,
                        Some(b'u') => {
                            let hex = self.b.get(i + 2..i + 6);
                            if !hex.is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) {
                                self.i = i;
                                return match hex {
                                    None => self.err(DecodeErrorKind::UnexpectedEnd),
                                    Some(_) => self.err(DecodeErrorKind::InvalidEscape),
                                };
                            }
                            i += 6;
                        }
                        Some(_) => {
                            self.i = i;
                            return self.err(DecodeErrorKind::InvalidEscape);
                        }
                        None => {
                            self.i = i;
                            return self.err(DecodeErrorKind::UnexpectedEnd);
                        }
                    }
                }
                Some(&c) if c < 0x20 => {
                    self.i = i;
                    return self.err(DecodeErrorKind::ControlInString);
                }
                Some(_) => i += 1,
                None => {
                    self.i = i;
                    return self.err(DecodeErrorKind::UnexpectedEnd);
                }
            }
        }
    }

    /// Reads a string and appends its decoded text to `out` (validated UTF-8).
    fn string_into(&mut self, out: &mut String, scratch: &mut Vec<u8>) -> Result<()> {
        let at = self.i;
        let (raw, escaped) = self.string_raw()?;
        let text = if escaped {
            unescape(raw, scratch).map_err(|kind| DecodeError { kind, offset: at })?;
            scratch.as_slice()
        } else {
            raw
        };
        match std::str::from_utf8(text) {
            Ok(s) => {
                out.push_str(s);
                Ok(())
            }
            Err(_) => Err(DecodeError {
                kind: DecodeErrorKind::InvalidUtf8,
                offset: at,
            }),
        }
    }

    /// Reads a string into `scratch` (decoded) and returns it as bytes.
    fn string_bytes<'s>(&mut self, scratch: &'s mut Vec<u8>) -> Result<&'s [u8]>
    where
        'a: 's,
    {
        let at = self.i;
        let (raw, escaped) = self.string_raw()?;
        if escaped {
            unescape(raw, scratch).map_err(|kind| DecodeError { kind, offset: at })?;
            Ok(scratch.as_slice())
        } else {
            Ok(raw)
        }
    }

    #[inline]
    fn literal(&mut self, lit: &[u8]) -> Result<()> {
        match self.b.get(self.i..self.i + lit.len()) {
            Some(s) if s == lit => {
                self.i += lit.len();
                Ok(())
            }
            Some(s) => {
                // Point at the first byte that differs.
                let k = s.iter().zip(lit).take_while(|(a, b)| a == b).count();
                self.i += k;
                self.unexpected()
            }
            None => {
                // Distinguish truncation from a wrong byte for better messages.
                let rest = self.b.get(self.i..).unwrap_or_default();
                if lit.starts_with(rest) {
                    self.i = self.b.len();
                    self.err(DecodeErrorKind::UnexpectedEnd)
                } else {
                    self.unexpected()
                }
            }
        }
    }

    /// Reads a JSON number and returns its text.
    fn number(&mut self) -> Result<&'a [u8]> {
        let start = self.i;
        let mut i = start;
        let b = self.b;
        if b.get(i) == Some(&b'-') {
            i += 1;
        }
        match b.get(i) {
            Some(b'0') => i += 1,
            Some(b'1'..=b'9') => {
                while b.get(i).is_some_and(u8::is_ascii_digit) {
                    i += 1;
                }
            }
            _ => {
                self.i = i;
                return self.number_error();
            }
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            if !b.get(i).is_some_and(u8::is_ascii_digit) {
                self.i = i;
                return self.number_error();
            }
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
        }
        if matches!(b.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(b.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            if !b.get(i).is_some_and(u8::is_ascii_digit) {
                self.i = i;
                return self.number_error();
            }
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
        }
        self.i = i;
        Ok(b.get(start..i).unwrap_or_default())
    }

    fn number_error<T>(&self) -> Result<T> {
        if self.i >= self.b.len() {
            self.err(DecodeErrorKind::UnexpectedEnd)
        } else {
            self.err(DecodeErrorKind::InvalidNumber)
        }
    }

    /// Reads `key":` of an object member (from its opening quote through the colon)
    /// into `key` when escaped; returns the raw bytes otherwise.
    #[inline]
    fn member_key<'k>(&mut self, key: &'k mut Vec<u8>) -> Result<&'k [u8]>
    where
        'a: 'k,
    {
        let at = self.i;
        let (raw, escaped) = self.string_raw()?;
        let k = if escaped {
            unescape(raw, key).map_err(|kind| DecodeError { kind, offset: at })?;
            key.as_slice()
        } else {
            raw
        };
        self.ws();
        self.eat(b':')?;
        self.ws();
        Ok(k)
    }

    /// Skips one value: scalars directly (most skipped values), containers through
    /// [`Scan::skip_value`].
    #[inline(always)]
    fn skip_fast(&mut self) -> Result<()> {
        match self.b.get(self.i) {
            Some(b'"') => self.string_raw().map(|_| ()),
            Some(b'-' | b'0'..=b'9') => self.number().map(|_| ()),
            Some(b'n') => self.literal(b"null"),
            Some(b't') => self.literal(b"true"),
            Some(b'f') => self.literal(b"false"),
            _ => self.skip_value(),
        }
    }

    /// Skips one complete value, validating its syntax. Iterative, with the open
    /// containers kept as bits of a `u128`, so hostile nesting cannot overflow the stack.
    fn skip_value(&mut self) -> Result<()> {
        let mut stack: u128 = 0; // bit set = object, clear = array
        let mut depth: u32 = 0;
        let mut scratch = Vec::new();
        'value: loop {
            match self.peek_ws()? {
                b'"' => {
                    self.string_raw()?;
                }
                b'{' | b'[' => {
                    let is_obj = self.b.get(self.i) == Some(&b'{');
                    self.i += 1;
                    let close = if is_obj { b'}' } else { b']' };
                    if self.peek_ws()? == close {
                        self.i += 1;
                    } else {
                        if depth >= MAX_DEPTH {
                            return self.err(DecodeErrorKind::TooDeep);
                        }
                        stack = (stack << 1) | u128::from(is_obj);
                        depth += 1;
                        if is_obj {
                            self.member_key(&mut scratch)?;
                        }
                        continue 'value;
                    }
                }
                b't' => self.literal(b"true")?,
                b'f' => self.literal(b"false")?,
                b'n' => self.literal(b"null")?,
                b'-' | b'0'..=b'9' => {
                    self.number()?;
                }
                _ => return self.unexpected(),
            }
            // A value is complete: close containers or move to the next element.
            loop {
                if depth == 0 {
                    return Ok(());
                }
                let in_obj = stack & 1 == 1;
                match self.peek_ws()? {
                    b',' => {
                        self.i += 1;
                        if in_obj {
                            self.ws();
                            self.member_key(&mut scratch)?;
                        }
                        continue 'value;
                    }
                    b'}' if in_obj => {}
                    b']' if !in_obj => {}
                    _ => return self.unexpected(),
                }
                self.i += 1;
                stack >>= 1;
                depth -= 1;
            }
        }
    }
}

/// Decodes the escapes of a raw string body into `out` (replacing its contents).
fn unescape(raw: &[u8], out: &mut Vec<u8>) -> std::result::Result<(), DecodeErrorKind> {
    out.clear();
    let mut i = 0;
    while let Some(rel) = raw
        .get(i..)
        .and_then(|r| r.iter().position(|&c| c == b'\\'))
    {
        out.extend_from_slice(raw.get(i..i + rel).unwrap_or_default());
        i += rel;
        let c = *raw.get(i + 1).ok_or(DecodeErrorKind::InvalidEscape)?;
        i += 2;
        let simple = match c {
            b'"' => b'"',
            b'\\' => b'\\',
            b'/' => b'/',
            b'b' => 0x08,
            b'f' => 0x0c,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'u' => {
                let hi = hex4(raw.get(i..i + 4))?;
                i += 4;
                let ch = if (0xD800..0xDC00).contains(&hi) {
                    // A high surrogate must be followed by `\u` and a low surrogate.
                    let next = raw.get(i..i + 2) == Some(b"\\u");
                    let lo = if next {
                        hex4(raw.get(i + 2..i + 6)).ok()
                    } else {
                        None
                    };
                    match lo {
                        Some(lo) if (0xDC00..0xE000).contains(&lo) => {
                            i += 6;
                            char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
                        }
                        _ => None,
                    }
                } else {
                    char::from_u32(hi)
                };
                let ch = ch.unwrap_or(char::REPLACEMENT_CHARACTER);
                let mut buf = [0u8; 4];
                out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                continue;
            }
            _ => return Err(DecodeErrorKind::InvalidEscape),
        };
        out.push(simple);
    }
    out.extend_from_slice(raw.get(i..).unwrap_or_default());
    Ok(())
}

fn hex4(h: Option<&[u8]>) -> std::result::Result<u32, DecodeErrorKind> {
    let h = h.ok_or(DecodeErrorKind::InvalidEscape)?;
    h.iter().try_fold(0u32, |acc, &c| {
        let v = char::from(c)
            .to_digit(16)
            .ok_or(DecodeErrorKind::InvalidEscape)?;
        Ok(acc * 16 + v)
    })
}

/// Standard base64 (with or without padding) into `out`; `false` when invalid, in
/// which case `out` may hold a partial result the caller discards.
pub(crate) fn base64_into(s: &[u8], out: &mut Vec<u8>) -> bool {
    const fn table() -> [u8; 256] {
        let mut t = [0xffu8; 256];
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut k = 0;
        while k < 64 {
            t[alphabet[k] as usize] = k as u8;
            k += 1;
        }
        t
    }
    const T: [u8; 256] = table();
    let s = match s {
        [rest @ .., b'=', b'='] | [rest @ .., b'='] => rest,
        _ => s,
    };
    if s.len() % 4 == 1 {
        return false;
    }
    let mut acc: u32 = 0;
    let mut bits = 0;
    for &c in s {
        let v = T[usize::from(c)];
        if v == 0xff {
            return false;
        }
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    true
}

// ---- the asset walker ---------------------------------------------------------------

struct Decoder<'a> {
    s: Scan<'a>,
    ix: Chunk,
    scratch: Vec<u8>,
    key: Vec<u8>,
    /// Assets of a page nearly always share their owner: remember the last one to
    /// skip the owner table lookup.
    last_owner: Option<(&'a [u8], u16)>,
}

/// The fields of the asset object the decoder acts on.
#[derive(Clone, Copy)]
enum Field {
    Id,
    OwnerId,
    Type,
    LocalDateTime,
    FileCreatedAt,
    IsFavorite,
    IsArchived,
    IsTrashed,
    IsOffline,
    LivePhotoVideoId,
    StackParentId,
    StackCount,
    Duration,
    Thumbhash,
    OriginalFileName,
    ExifInfo,
    Tags,
    Other,
}

#[inline]
fn field_of(key: &[u8]) -> Field {
    match key {
        b"id" => Field::Id,
        b"ownerId" => Field::OwnerId,
        b"type" => Field::Type,
        b"localDateTime" => Field::LocalDateTime,
        b"fileCreatedAt" => Field::FileCreatedAt,
        b"isFavorite" => Field::IsFavorite,
        b"isArchived" => Field::IsArchived,
        b"isTrashed" => Field::IsTrashed,
        b"isOffline" => Field::IsOffline,
        b"livePhotoVideoId" => Field::LivePhotoVideoId,
        b"stackParentId" => Field::StackParentId,
        b"stackCount" => Field::StackCount,
        b"duration" => Field::Duration,
        b"thumbhash" => Field::Thumbhash,
        b"originalFileName" => Field::OriginalFileName,
        b"exifInfo" => Field::ExifInfo,
        b"tags" => Field::Tags,
        _ => Field::Other,
    }
}

#[derive(Clone, Copy)]
enum ExifField {
    Width,
    Height,
    Orientation,
    Searchable,
    Other,
}

#[inline]
fn exif_field_of(key: &[u8]) -> ExifField {
    match key {
        b"exifImageWidth" => ExifField::Width,
        b"exifImageHeight" => ExifField::Height,
        b"orientation" => ExifField::Orientation,
        b"city" | b"country" | b"make" | b"model" | b"lensModel" => ExifField::Searchable,
        _ => ExifField::Other,
    }
}

/// What has been read of the asset being decoded.
struct Pending {
    id: Option<RawId>,
    owner: Option<u16>,
    local_ms: Option<i64>,
    created_ms: Option<i64>,
    kind: AssetKind,
    flags: u16,
    stack_count: u16,
    duration_ms: u32,
    width: Option<f64>,
    height: Option<f64>,
    rotated: bool,
    thumb_start: usize,
    name_start: usize,
    search_start: usize,
}

impl<'a> Decoder<'a> {
    fn index_err<T>(&self, e: IndexError) -> Result<T> {
        self.s.err(DecodeErrorKind::Index(e))
    }

    fn page(&mut self) -> Result<()> {
        // A UTF-8 byte order mark is not JSON, but `Response.json()` tolerates one.
        if self.s.b.starts_with(b"\xEF\xBB\xBF") {
            self.s.i = 3;
        }
        self.s.ws();
        self.s.eat(b'[')?;
        if self.s.peek_ws()? == b']' {
            self.s.i += 1;
        } else {
            loop {
                self.s.ws();
                self.asset()?;
                if self.s.next_or_close(b']')? {
                    break;
                }
            }
        }
        self.s.ws();
        if self.s.i != self.s.b.len() {
            return self.s.err(DecodeErrorKind::TrailingData);
        }
        Ok(())
    }

    fn asset(&mut self) -> Result<()> {
        let (thumb_start, name_start, search_start) = self.ix.arena_lens();
        let mut p = Pending {
            id: None,
            owner: None,
            local_ms: None,
            created_ms: None,
            kind: AssetKind::Other,
            flags: 0,
            stack_count: 0,
            duration_ms: 0,
            width: None,
            height: None,
            rotated: false,
            thumb_start,
            name_start,
            search_start,
        };
        self.s.eat(b'{')?;
        if self.s.peek_ws()? == b'}' {
            self.s.i += 1;
        } else {
            loop {
                self.s.ws();
                let field = field_of(self.s.member_key(&mut self.key)?);
                self.field(field, &mut p)?;
                if self.s.next_or_close(b'}')? {
                    break;
                }
            }
        }
        let missing = |name| DecodeError {
            kind: DecodeErrorKind::MissingField(name),
            offset: self.s.i,
        };
        let id = p.id.ok_or_else(|| missing("id"))?;
        let owner = p.owner.ok_or_else(|| missing("ownerId"))?;
        let local_ms = p.local_ms.ok_or_else(|| missing("localDateTime"))?;
        let created_ms = p.created_ms.ok_or_else(|| missing("fileCreatedAt"))?;
        let aspect = match (p.width, p.height) {
            (Some(w), Some(h)) if w > 0.0 && h > 0.0 && w.is_finite() && h.is_finite() => {
                if p.rotated {
                    (h / w) as f32
                } else {
                    (w / h) as f32
                }
            }
            _ => 1.0,
        };
        let r = self.ix.commit(RawAsset {
            id,
            local_ms,
            created_ms,
            aspect,
            kind: p.kind,
            flags: p.flags,
            stack_count: p.stack_count,
            duration_ms: p.duration_ms,
            owner,
        });
        match r {
            Ok(_) => Ok(()),
            Err(e) => self.index_err(e),
        }
    }

    /// `true`/`false`; `null` reads as `false`.
    fn bool_value(&mut self, name: &'static str) -> Result<bool> {
        match self.s.b.get(self.s.i) {
            Some(b't') => self.s.literal(b"true").map(|()| true),
            Some(b'f') => self.s.literal(b"false").map(|()| false),
            Some(b'n') => self.s.literal(b"null").map(|()| false),
            Some(_) => self.s.err(DecodeErrorKind::WrongType(name)),
            None => self.s.err(DecodeErrorKind::UnexpectedEnd),
        }
    }

    /// Consumes `null` if it is next; returns whether it was.
    #[inline]
    fn null(&mut self) -> Result<bool> {
        if self.s.b.get(self.s.i) == Some(&b'n') {
            self.s.literal(b"null")?;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    fn expect_string(&self, name: &'static str) -> Result<()> {
        match self.s.b.get(self.s.i) {
            Some(b'"') => Ok(()),
            Some(_) => self.s.err(DecodeErrorKind::WrongType(name)),
            None => self.s.err(DecodeErrorKind::UnexpectedEnd),
        }
    }

    fn timestamp(&mut self, name: &'static str) -> Result<i64> {
        self.expect_string(name)?;
        let at = self.s.i;
        let raw = self.s.string_bytes(&mut self.scratch)?;
        parse_timestamp_ms(raw).ok_or(DecodeError {
            kind: DecodeErrorKind::InvalidDate(name),
            offset: at,
        })
    }

    fn field(&mut self, field: Field, p: &mut Pending) -> Result<()> {
        let flag = |on: bool, f: AssetFlags, p: &mut Pending| {
            if on {
                p.flags |= f.bits();
            } else {
                p.flags &= !f.bits();
            }
        };
        match field {
            Field::Other => self.s.skip_fast()?,
            Field::Id => {
                self.expect_string("id")?;
                let (raw, escaped) = self.s.string_raw()?;
                let uuid = if escaped { None } else { parse_uuid(raw) };
                p.id = Some(match uuid {
                    Some(u) => RawId::Uuid(u),
                    None => {
                        let text = if escaped {
                            unescape(raw, &mut self.scratch).map_err(|kind| DecodeError {
                                kind,
                                offset: self.s.i,
                            })?;
                            self.scratch.as_slice()
                        } else {
                            raw
                        };
                        let Ok(text) = std::str::from_utf8(text) else {
                            return self.s.err(DecodeErrorKind::InvalidUtf8);
                        };
                        match self.ix.push_other_id(text) {
                            Ok(id) => id,
                            Err(e) => return self.index_err(e),
                        }
                    }
                });
            }
            Field::OwnerId => {
                self.expect_string("ownerId")?;
                let (raw, escaped) = self.s.string_raw()?;
                p.owner = Some(match self.last_owner {
                    Some((last, k)) if !escaped && last == raw => k,
                    _ => {
                        let text = if escaped {
                            unescape(raw, &mut self.scratch).map_err(|kind| DecodeError {
                                kind,
                                offset: self.s.i,
                            })?;
                            self.scratch.as_slice()
                        } else {
                            raw
                        };
                        let Ok(text) = std::str::from_utf8(text) else {
                            return self.s.err(DecodeErrorKind::InvalidUtf8);
                        };
                        let k = match self.ix.owner_index(text) {
                            Ok(k) => k,
                            Err(e) => return self.index_err(e),
                        };
                        if !escaped {
                            self.last_owner = Some((raw, k));
                        }
                        k
                    }
                });
            }
            Field::Type => {
                if !self.null()? {
                    self.expect_string("type")?;
                    p.kind = AssetKind::from_wire(self.s.string_bytes(&mut self.scratch)?);
                }
            }
            Field::LocalDateTime => p.local_ms = Some(self.timestamp("localDateTime")?),
            Field::FileCreatedAt => p.created_ms = Some(self.timestamp("fileCreatedAt")?),
            Field::IsFavorite => flag(self.bool_value("isFavorite")?, AssetFlags::FAVORITE, p),
            Field::IsArchived => flag(self.bool_value("isArchived")?, AssetFlags::ARCHIVED, p),
            Field::IsTrashed => flag(self.bool_value("isTrashed")?, AssetFlags::TRASHED, p),
            Field::IsOffline => flag(self.bool_value("isOffline")?, AssetFlags::OFFLINE, p),
            Field::LivePhotoVideoId | Field::StackParentId => {
                let (name, f) = if matches!(field, Field::LivePhotoVideoId) {
                    ("livePhotoVideoId", AssetFlags::LIVE_PHOTO)
                } else {
                    ("stackParentId", AssetFlags::STACK_CHILD)
                };
                let set = !self.null()?;
                if set {
                    self.expect_string(name)?;
                    self.s.string_raw()?;
                }
                flag(set, f, p);
            }
            Field::StackCount => {
                p.stack_count = 0;
                if !self.null()? {
                    if !matches!(self.s.b.get(self.s.i), Some(b'-' | b'0'..=b'9')) {
                        return self.s.err(DecodeErrorKind::WrongType("stackCount"));
                    }
                    let n = self.s.number()?;
                    let v = std::str::from_utf8(n)
                        .ok()
                        .and_then(|t| t.parse::<f64>().ok())
                        .unwrap_or(0.0);
                    // `as` saturates, and maps NaN to 0.
                    p.stack_count = v as u16;
                }
            }
            Field::Duration => {
                p.duration_ms = 0;
                if !self.null()? {
                    self.expect_string("duration")?;
                    let raw = self.s.string_bytes(&mut self.scratch)?;
                    p.duration_ms = parse_duration_ms(raw).unwrap_or(0);
                }
            }
            Field::Thumbhash => {
                let (thumbs, _, _) = self.ix.arenas_mut();
                thumbs.truncate(p.thumb_start);
                if !self.null()? {
                    self.expect_string("thumbhash")?;
                    let raw = self.s.string_bytes(&mut self.scratch)?;
                    let (thumbs, _, _) = self.ix.arenas_mut();
                    if !base64_into(raw, thumbs) {
                        thumbs.truncate(p.thumb_start);
                    }
                }
            }
            Field::OriginalFileName => {
                let (_, names, _) = self.ix.arenas_mut();
                if names.is_char_boundary(p.name_start) {
                    names.truncate(p.name_start);
                }
                if !self.null()? {
                    self.expect_string("originalFileName")?;
                    let (_, names, _) = self.ix.arenas_mut();
                    self.s.string_into(names, &mut self.scratch)?;
                }
            }
            Field::ExifInfo => {
                if !self.null()? {
                    if self.s.b.get(self.s.i) != Some(&b'{') {
                        return self.s.err(DecodeErrorKind::WrongType("exifInfo"));
                    }
                    self.exif(p)?;
                }
            }
            Field::Tags => {
                if !self.null()? {
                    if self.s.b.get(self.s.i) != Some(&b'[') {
                        return self.s.err(DecodeErrorKind::WrongType("tags"));
                    }
                    self.tags(p)?;
                }
            }
        }
        Ok(())
    }

    /// Appends a searchable string, lowercased, to the asset's search text.
    fn search_part(&mut self, p: &Pending) -> Result<()> {
        let raw = self.s.string_bytes(&mut self.scratch)?;
        let Ok(text) = std::str::from_utf8(raw) else {
            return self.s.err(DecodeErrorKind::InvalidUtf8);
        };
        if text.is_empty() {
            return Ok(());
        }
        let (_, _, search) = self.ix.arenas_mut();
        if search.len() > p.search_start {
            search.push('\u{1f}');
        }
        push_lowercase(search, text);
        Ok(())
    }

    fn number_or_null(&mut self, name: &'static str) -> Result<Option<f64>> {
        if self.null()? {
            return Ok(None);
        }
        if !matches!(self.s.b.get(self.s.i), Some(b'-' | b'0'..=b'9')) {
            return self.s.err(DecodeErrorKind::WrongType(name));
        }
        let n = self.s.number()?;
        Ok(std::str::from_utf8(n).ok().and_then(|t| t.parse().ok()))
    }

    /// An EXIF dimension: a number, or unknown (`null`, or a value of another
    /// type such as `"NaN"`, checked for JSON syntax and dropped: one odd
    /// field must not cost the page).
    fn dimension(&mut self, name: &'static str) -> Result<Option<f64>> {
        if matches!(self.s.b.get(self.s.i), Some(b'-' | b'0'..=b'9' | b'n')) {
            return self.number_or_null(name);
        }
        self.s.skip_fast()?;
        Ok(None)
    }

    fn exif(&mut self, p: &mut Pending) -> Result<()> {
        self.s.eat(b'{')?;
        if self.s.peek_ws()? == b'}' {
            self.s.i += 1;
            return Ok(());
        }
        loop {
            self.s.ws();
            let field = exif_field_of(self.s.member_key(&mut self.key)?);
            match field {
                ExifField::Other => self.s.skip_fast()?,
                ExifField::Width => p.width = self.dimension("exifImageWidth")?,
                ExifField::Height => p.height = self.dimension("exifImageHeight")?,
                ExifField::Orientation => {
                    // A string in this API ("6"); accept a number from other servers.
                    p.rotated = match self.s.b.get(self.s.i) {
                        Some(b'"') => {
                            let raw = self.s.string_bytes(&mut self.scratch)?;
                            matches!(raw.trim_ascii(), b"5" | b"6" | b"7" | b"8")
                        }
                        Some(b'-' | b'0'..=b'9') => {
                            matches!(self.s.number()?, b"5" | b"6" | b"7" | b"8")
                        }
                        _ => {
                            self.s.literal(b"null")?;
                            false
                        }
                    };
                }
                ExifField::Searchable => {
                    if !self.null()? {
                        self.expect_string("exifInfo")?;
                        self.search_part(p)?;
                    }
                }
            }
            if self.s.next_or_close(b'}')? {
                return Ok(());
            }
        }
    }

    fn tags(&mut self, p: &mut Pending) -> Result<()> {
        self.s.eat(b'[')?;
        if self.s.peek_ws()? == b']' {
            self.s.i += 1;
            return Ok(());
        }
        loop {
            if self.s.peek_ws()? == b'{' {
                self.tag(p)?;
            } else {
                // Not a tag object: tolerate and skip.
                self.s.skip_value()?;
            }
            if self.s.next_or_close(b']')? {
                return Ok(());
            }
        }
    }

    fn tag(&mut self, p: &mut Pending) -> Result<()> {
        self.s.eat(b'{')?;
        if self.s.peek_ws()? == b'}' {
            self.s.i += 1;
            return Ok(());
        }
        loop {
            self.s.ws();
            let is_name = self.s.member_key(&mut self.key)? == b"name";
            if is_name && self.s.b.get(self.s.i) == Some(&b'"') {
                self.search_part(p)?;
            } else {
                self.s.skip_value()?;
            }
            if self.s.next_or_close(b'}')? {
                return Ok(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_err(input: &str, kind: DecodeErrorKind) {
        match decode_page(input.as_bytes()) {
            Err(e) => assert_eq!(e.kind, kind, "{input}"),
            Ok(ix) => panic!("{input} decoded to {} assets", ix.len()),
        }
    }

    const MIN: &str = r#"{"id":"0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9","ownerId":"u","localDateTime":"2024-03-01T12:00:00.000Z","fileCreatedAt":"2024-03-01T11:00:00.000Z""#;

    fn one(extra: &str) -> LibraryIndex {
        let json = format!("[{MIN}{extra}}}]");
        decode_page(json.as_bytes()).unwrap()
    }

    #[test]
    fn empty_and_minimal() {
        assert_eq!(decode_page(b"[]").unwrap().len(), 0);
        assert_eq!(decode_page(b" \n[ ] \n").unwrap().len(), 0);
        assert_eq!(decode_page(b"\xEF\xBB\xBF[]").unwrap().len(), 0);
        let ix = one("");
        assert_eq!(ix.len(), 1);
        assert_eq!(ix.kind(0), Some(AssetKind::Other));
        assert_eq!(ix.aspect(0), Some(1.0));
        assert_eq!(ix.thumbhash(0), Some(&[][..]));
    }

    #[test]
    fn fields() {
        let ix = one(
            r#","type":"VIDEO","isFavorite":true,"isArchived":false,"isTrashed":true,"isOffline":null,
            "livePhotoVideoId":"x","stackParentId":null,"stackCount":4,"duration":"0:01:02.250000",
            "thumbhash":"AQID","originalFileName":"Caf\u00e9 \"1\".mov",
            "exifInfo":{"exifImageWidth":4000,"exifImageHeight":3000,"orientation":"6","city":"Zürich","make":null,"model":"X100V","unknown":{"deep":[1,2,{"a":null}]}},
            "tags":[{"id":"t","name":"Summer \ud83c\udf1e"},{"name":"Trip"}],"people":[],"future":{"x":[true,false]}"#,
        );
        let v = ix.get(0).unwrap();
        assert_eq!(v.kind, AssetKind::Video);
        assert!(v.flags.contains(AssetFlags::FAVORITE));
        assert!(v.flags.contains(AssetFlags::TRASHED));
        assert!(v.flags.contains(AssetFlags::LIVE_PHOTO));
        assert!(!v.flags.contains(AssetFlags::ARCHIVED));
        assert!(!v.flags.contains(AssetFlags::OFFLINE));
        assert!(!v.flags.contains(AssetFlags::STACK_CHILD));
        assert_eq!(v.stack_count, 4);
        assert_eq!(v.duration_ms, 62_250);
        assert_eq!(v.thumbhash, &[1, 2, 3]);
        assert_eq!(v.file_name, "Café \"1\".mov");
        assert!((v.aspect - 0.75).abs() < 1e-6, "rotated: {}", v.aspect);
        assert_eq!(v.search_text, "zürich\u{1f}x100v\u{1f}summer 🌞\u{1f}trip");
        assert_eq!(v.local_day, 19_783);
        assert_eq!(v.local_ms, 1_709_294_400_000);
        assert_eq!(v.file_created_ms, 1_709_290_800_000);
        assert_eq!(v.owner_id, "u");
    }

    #[test]
    fn unknown_type_and_lone_surrogate() {
        let ix = one(r#","type":"HOLOGRAM","originalFileName":"a\ud800b""#);
        assert_eq!(ix.kind(0), Some(AssetKind::Other));
        assert_eq!(ix.file_name(0), Some("a\u{fffd}b"));
    }

    #[test]
    fn duplicate_keys_last_wins() {
        let ix = one(
            r#","originalFileName":"a","originalFileName":"b","thumbhash":"AQID","thumbhash":null"#,
        );
        assert_eq!(ix.file_name(0), Some("b"));
        assert_eq!(ix.thumbhash(0), Some(&[][..]));
    }

    #[test]
    fn errors() {
        check_err("", DecodeErrorKind::UnexpectedEnd);
        check_err("{}", DecodeErrorKind::UnexpectedByte(b'{'));
        check_err("[] x", DecodeErrorKind::TrailingData);
        check_err("[{}]", DecodeErrorKind::MissingField("id"));
        check_err(
            &format!("[{MIN},\"x\":tru}}]"),
            DecodeErrorKind::UnexpectedByte(b'}'),
        );
        check_err(
            &format!("[{MIN},\"x\":01}}]"),
            DecodeErrorKind::UnexpectedByte(b'1'),
        );
        check_err(
            &format!("[{MIN},\"x\":1.}}]"),
            DecodeErrorKind::InvalidNumber,
        );
        check_err(
            &format!("[{MIN},\"x\":\"\\q\"}}]"),
            DecodeErrorKind::InvalidEscape,
        );
        check_err(
            &format!("[{MIN},\"x\":\"a\nb\"}}]"),
            DecodeErrorKind::ControlInString,
        );
        check_err(
            &format!("[{MIN},\"isFavorite\":\"yes\"}}]"),
            DecodeErrorKind::WrongType("isFavorite"),
        );
        check_err(
            &format!("[{MIN},\"x\":[1 2]}}]"),
            DecodeErrorKind::UnexpectedByte(b'2'),
        );
        check_err(
            &format!("[{MIN},\"x\":{{\"a\" 1}}}}]"),
            DecodeErrorKind::UnexpectedByte(b'1'),
        );
        check_err(
            &format!("[{MIN},\"x\":[1,]}}]"),
            DecodeErrorKind::UnexpectedByte(b']'),
        );
        check_err(
            &format!("[{MIN}}},]"),
            DecodeErrorKind::UnexpectedByte(b']'),
        );
        let deep = format!("[{MIN},\"x\":{}{}}}]", "[".repeat(200), "]".repeat(200));
        check_err(&deep, DecodeErrorKind::TooDeep);
        let bad_date = MIN.replace("2024-03-01T12:00:00.000Z", "yesterday");
        check_err(
            &format!("[{bad_date}}}]"),
            DecodeErrorKind::InvalidDate("localDateTime"),
        );
    }

    #[test]
    fn odd_dimensions_are_unknown_not_fatal() {
        for (w, h) in [
            ("\"NaN\"", "3000"),
            ("true", "{\"a\":[1]}"),
            ("[4000]", "null"),
            ("0", "-5"),
            ("1e308", "\"\""),
        ] {
            let ix = one(&format!(
                ",\"exifInfo\":{{\"exifImageWidth\":{w},\"exifImageHeight\":{h}}}"
            ));
            assert_eq!(ix.len(), 1, "{w} {h}");
        }
        // Still checked for syntax.
        check_err(
            &format!("[{MIN},\"exifInfo\":{{\"exifImageWidth\":tru}}}}]"),
            DecodeErrorKind::UnexpectedByte(b'}'),
        );
    }

    #[test]
    fn invalid_utf8_in_kept_string() {
        let mut json = format!("[{MIN},\"originalFileName\":\"ab\"}}]").into_bytes();
        let at = json.windows(2).position(|w| w == b"ab").unwrap();
        json[at] = 0xff;
        assert_eq!(
            decode_page(&json).unwrap_err().kind,
            DecodeErrorKind::InvalidUtf8
        );
    }

    /// Decodes one asset whose extra members are `extra`, with every `@@`
    /// replaced by the bytes `0xC3 0x28` (a lead byte without its
    /// continuation: invalid UTF-8), and checks the outcome.
    fn check_utf8(extra: &str, expected: std::result::Result<fn(&LibraryIndex), DecodeErrorKind>) {
        let json = format!("[{MIN}{extra}}}]").replace("@@", "\u{1}\u{2}");
        let bytes: Vec<u8> = json
            .bytes()
            .map(|b| match b {
                1 => 0xC3,
                2 => 0x28,
                b => b,
            })
            .collect();
        match (decode_page(&bytes), expected) {
            (Ok(ix), Ok(f)) => f(&ix),
            (Err(e), Err(kind)) => assert_eq!(e.kind, kind, "{extra}"),
            (got, _) => panic!("{extra}: {got:?}"),
        }
    }

    #[test]
    fn invalid_utf8_in_every_kept_or_shown_string() {
        use DecodeErrorKind::{InvalidDate, InvalidUtf8};
        // Strings the app keeps or shows: a clear error.
        check_utf8(r#","originalFileName":"a@@.jpg""#, Err(InvalidUtf8));
        check_utf8(r#","originalFileName":"caf\u00e9@@""#, Err(InvalidUtf8));
        check_utf8(r#","exifInfo":{"city":"Z@@rich"}"#, Err(InvalidUtf8));
        check_utf8(r#","exifInfo":{"lensModel":"@@"}"#, Err(InvalidUtf8));
        check_utf8(r#","tags":[{"name":"tr@@p"}]"#, Err(InvalidUtf8));
        check_utf8(r#","ownerId":"owner-@@""#, Err(InvalidUtf8));
        check_utf8(r#","id":"not-a-uuid-@@""#, Err(InvalidUtf8));
        check_utf8(
            r#","localDateTime":"2024-03-01T12:00@@""#,
            Err(InvalidDate("localDateTime")),
        );
        // Strings parsed into numbers or enums keep nothing of the text: an
        // unparseable value is dropped, as other bad values are.
        check_utf8(
            r#","type":"IM@@GE""#,
            Ok(|ix| assert_eq!(ix.kind(0), Some(AssetKind::Other))),
        );
        check_utf8(
            r#","duration":"0:00:0@@""#,
            Ok(|ix| assert_eq!(ix.get(0).unwrap().duration_ms, 0)),
        );
        check_utf8(
            r#","thumbhash":"AQ@@""#,
            Ok(|ix| assert_eq!(ix.thumbhash(0), Some(&[][..]))),
        );
        // Presence only (the id itself is neither kept nor shown).
        check_utf8(
            r#","livePhotoVideoId":"@@""#,
            Ok(|ix| assert!(ix.get(0).unwrap().flags.contains(AssetFlags::LIVE_PHOTO))),
        );
        // Skipped fields are checked for JSON syntax only: never kept, never shown.
        check_utf8(
            r#","deviceId":"@@","people":[{"name":"@@"}]"#,
            Ok(|ix| assert_eq!(ix.len(), 1)),
        );
        // A multi-byte sequence cut by the closing quote.
        let mut cut = format!("[{MIN},\"originalFileName\":\"ab\"}}]").into_bytes();
        let at = cut.windows(2).position(|w| w == b"ab").unwrap();
        cut[at + 1] = 0xE2;
        assert_eq!(decode_page(&cut).unwrap_err().kind, InvalidUtf8);
    }

    #[test]
    fn corrupted_bytes_never_panic() {
        let page = format!(
            r#"[{MIN},"originalFileName":"Café \u00e9 🌞.jpg","exifInfo":{{"city":"Zürich","exifImageWidth":4000,"exifImageHeight":3000}},"tags":[{{"name":"a"}}]}},{MIN}}}]"#
        );
        let base = page.into_bytes();
        assert_eq!(decode_page(&base).unwrap().len(), 2);
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        for _ in 0..3000 {
            let mut b = base.clone();
            for _ in 0..3 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let at = (seed % b.len() as u64) as usize;
                b[at] = (seed >> 32) as u8;
            }
            // Any outcome but a panic; a decoded index only holds valid text.
            if let Ok(ix) = decode_page(&b) {
                for i in 0..ix.len() {
                    let v = ix.get(i).unwrap();
                    assert!(std::str::from_utf8(v.file_name.as_bytes()).is_ok());
                }
            }
        }
    }

    #[test]
    fn base64() {
        fn check(s: &str, expected: Option<&[u8]>) {
            let mut out = Vec::new();
            let ok = base64_into(s.as_bytes(), &mut out);
            assert_eq!(ok.then_some(out.as_slice()), expected, "{s}");
        }
        check("", Some(b""));
        check("AQID", Some(&[1, 2, 3]));
        check("AQI=", Some(&[1, 2]));
        check("AQ==", Some(&[1]));
        check("AQ", Some(&[1]));
        check("A", None);
        check("A*==", None);
        check("////", Some(&[0xff, 0xff, 0xff]));
    }

    #[test]
    fn special_mask_finds_first() {
        for k in 0..8 {
            for c in [b'"', b'\\', 0u8, 0x1f] {
                let mut b = *b"abcdefgh";
                b[k] = c;
                let m = special_mask(u64::from_le_bytes(b));
                assert_eq!((m.trailing_zeros() / 8) as usize, k);
            }
        }
        assert_eq!(special_mask(u64::from_le_bytes(*b"\x20\x7f\xff ~!#[")), 0);
    }
}
