//! A small JSON pull reader and writer, so the wasm app decodes Immich's
//! answers and its stored records without serde.
//!
//! [`Reader`] walks a byte slice value by value: the caller asks for the
//! kind it expects ([`Reader::string`], [`Reader::i64`], objects key by key
//! with [`Reader::begin_object`] / [`Reader::next_key`], arrays item by item
//! with [`Reader::begin_array`] / [`Reader::next_item`]) and skips what it
//! does not want ([`Reader::skip`]). Nothing is buffered into a value tree.
//! The grammar is RFC 8259's: strings must be valid UTF-8 (a lone `\uD800`
//! escape reads as U+FFFD), numbers are checked, nesting is bounded by
//! [`MAX_DEPTH`], and nothing may follow the top-level value. Every fault is
//! an [`Error`] with the byte offset; nothing here panics on input.
//!
//! Types read themselves through [`FromJson`]; [`from_slice`] reads one
//! whole document. The writer side is [`write_str`] (a quoted, escaped
//! string) and [`write_f64`] (a number as JavaScript writes it).
//!
//! ```
//! use immich_api::json::{from_slice, Reader};
//!
//! let v: Vec<Option<String>> = from_slice(br#"["a\u00e9", null]"#)?;
//! assert_eq!(v, [Some("aé".to_owned()), None]);
//!
//! let mut r = Reader::new(br#"{"n": 3, "skip": [1, {"x": null}]}"#);
//! r.begin_object()?;
//! let mut n = 0;
//! while let Some(key) = r.next_key()? {
//!     match &*key {
//!         "n" => n = r.i64()?,
//!         _ => r.skip()?,
//!     }
//! }
//! r.finish()?;
//! assert_eq!(n, 3);
//! # Ok::<(), immich_api::json::Error>(())
//! ```

use std::borrow::Cow;

/// The deepest nesting of arrays and objects read.
pub const MAX_DEPTH: usize = 64;

/// Why a JSON text was refused: what, and at which byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// What went wrong.
    pub message: String,
    /// Byte offset in the input where it was noticed.
    pub offset: usize,
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at byte {}", self.message, self.offset)
    }
}

impl std::error::Error for Error {}

/// The kind of the next value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool,
    /// A number.
    Number,
    /// A string.
    String,
    /// An array.
    Array,
    /// An object.
    Object,
}

/// A number as read: an integer when it has no fraction or exponent and fits
/// an `i64`, else an `f64`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    /// An integer that fits an `i64`.
    Int(i64),
    /// Any other number.
    Float(f64),
}

/// A pull reader over one JSON text; see the module docs.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    depth: usize,
    /// Just after `{` or `[`: the next `next_key`/`next_item` reads the first member.
    fresh: bool,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        Self {
            bytes,
            pos: 0,
            depth: 0,
            fresh: false,
        }
    }

    /// The current byte offset.
    pub fn offset(&self) -> usize {
        self.pos
    }

    /// An error at the current offset.
    pub fn error(&self, message: impl Into<String>) -> Error {
        Error {
            message: message.into(),
            offset: self.pos,
        }
    }

    /// The error for a required key that was not there.
    pub fn missing(&self, key: &str) -> Error {
        self.error(format!("missing field `{key}`"))
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
    }

    fn peek_byte(&mut self) -> Option<u8> {
        self.skip_ws();
        self.bytes.get(self.pos).copied()
    }

    fn expect_byte(&mut self, want: u8, what: &str) -> Result<(), Error> {
        match self.peek_byte() {
            Some(b) if b == want => {
                self.pos += 1;
                Ok(())
            }
            Some(_) => Err(self.error(format!("expected {what}"))),
            None => Err(self.error(format!("unexpected end of input, expected {what}"))),
        }
    }

    /// The kind of the next value (whitespace skipped, nothing consumed).
    pub fn peek(&mut self) -> Result<Kind, Error> {
        match self.peek_byte() {
            Some(b'n') => Ok(Kind::Null),
            Some(b't' | b'f') => Ok(Kind::Bool),
            Some(b'-' | b'0'..=b'9') => Ok(Kind::Number),
            Some(b'"') => Ok(Kind::String),
            Some(b'[') => Ok(Kind::Array),
            Some(b'{') => Ok(Kind::Object),
            Some(_) => Err(self.error("expected a value")),
            None => Err(self.error("unexpected end of input, expected a value")),
        }
    }

    fn literal(&mut self, word: &[u8]) -> Result<(), Error> {
        let end = self.pos.saturating_add(word.len());
        if self.bytes.get(self.pos..end) == Some(word) {
            self.pos = end;
            Ok(())
        } else {
            Err(self.error("expected a value"))
        }
    }

    /// Reads `null` if it is next (returning true); otherwise consumes nothing.
    pub fn null(&mut self) -> Result<bool, Error> {
        if self.peek_byte() == Some(b'n') {
            self.literal(b"null")?;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    /// Reads `true` or `false`.
    pub fn bool(&mut self) -> Result<bool, Error> {
        match self.peek_byte() {
            Some(b't') => self.literal(b"true").map(|()| true),
            Some(b'f') => self.literal(b"false").map(|()| false),
            _ => Err(self.type_error("a boolean")),
        }
    }

    /// An "expected …" error naming what was found instead.
    fn type_error(&mut self, expected: &str) -> Error {
        let found = match self.peek() {
            Ok(Kind::Null) => "null",
            Ok(Kind::Bool) => "a boolean",
            Ok(Kind::Number) => "a number",
            Ok(Kind::String) => "a string",
            Ok(Kind::Array) => "an array",
            Ok(Kind::Object) => "an object",
            Err(e) => return e,
        };
        self.error(format!("invalid type: {found}, expected {expected}"))
    }

    /// Checks the number grammar at the cursor; returns its text and whether
    /// it is an integer (no fraction, no exponent), and moves past it.
    fn number_text(&mut self) -> Result<(&'a str, bool), Error> {
        if !matches!(self.peek_byte(), Some(b'-' | b'0'..=b'9')) {
            return Err(self.type_error("a number"));
        }
        let bytes = self.bytes;
        let start = self.pos;
        let mut i = start;
        let digits = |i: &mut usize| {
            let from = *i;
            while bytes.get(*i).is_some_and(u8::is_ascii_digit) {
                *i += 1;
            }
            *i - from
        };
        if bytes.get(i) == Some(&b'-') {
            i += 1;
        }
        match bytes.get(i) {
            Some(b'0') => i += 1,
            Some(b'1'..=b'9') => {
                digits(&mut i);
            }
            _ => {
                self.pos = i;
                return Err(self.error("invalid number: expected a digit"));
            }
        }
        let mut integer = true;
        if bytes.get(i) == Some(&b'.') {
            i += 1;
            integer = false;
            if digits(&mut i) == 0 {
                self.pos = i;
                return Err(self.error("invalid number: expected a digit after '.'"));
            }
        }
        if let Some(b'e' | b'E') = bytes.get(i) {
            i += 1;
            integer = false;
            if let Some(b'+' | b'-') = bytes.get(i) {
                i += 1;
            }
            if digits(&mut i) == 0 {
                self.pos = i;
                return Err(self.error("invalid number: expected a digit in the exponent"));
            }
        }
        let text = bytes
            .get(start..i)
            .and_then(|s| std::str::from_utf8(s).ok())
            .ok_or_else(|| self.error("invalid number"))?;
        self.pos = i;
        Ok((text, integer))
    }

    /// Reads a number: an [`Number::Int`] when it is an integer that fits an
    /// `i64`, else a finite [`Number::Float`] (out of `f64` range is an error).
    pub fn number(&mut self) -> Result<Number, Error> {
        self.skip_ws();
        let start = self.pos;
        let (text, integer) = self.number_text()?;
        if integer {
            if let Ok(n) = text.parse::<i64>() {
                return Ok(Number::Int(n));
            }
        }
        match text.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(Number::Float(v)),
            _ => Err(Error {
                message: "number out of range".into(),
                offset: start,
            }),
        }
    }

    /// Reads any number as an `f64` (finite; out of range is an error).
    pub fn f64(&mut self) -> Result<f64, Error> {
        match self.number()? {
            // Integers beyond 2^53 round, as they do in JavaScript.
            #[allow(clippy::cast_precision_loss)] // reason: see above.
            Number::Int(n) => Ok(n as f64),
            Number::Float(v) => Ok(v),
        }
    }

    /// Reads an integer that fits an `i64`; a fraction or exponent is an error.
    pub fn i64(&mut self) -> Result<i64, Error> {
        self.integer()
    }

    /// Reads an integer that fits `T`; a fraction or exponent is an error.
    fn integer<T: std::str::FromStr>(&mut self) -> Result<T, Error> {
        self.skip_ws();
        let start = self.pos;
        let (text, integer) = self.number_text()?;
        let at = |message: &str| Error {
            message: message.to_owned(),
            offset: start,
        };
        if !integer {
            return Err(at(
                "invalid type: a number with a fraction or exponent, expected an integer",
            ));
        }
        text.parse::<T>().map_err(|_| at("integer out of range"))
    }

    /// Reads a string; borrowed when it has no escapes.
    pub fn str(&mut self) -> Result<Cow<'a, str>, Error> {
        if self.peek_byte() != Some(b'"') {
            return Err(self.type_error("a string"));
        }
        self.pos += 1;
        let bytes = self.bytes;
        let mut owned: Option<String> = None;
        let mut chunk = self.pos;
        loop {
            // Scan to the next quote, backslash or control character.
            let mut i = self.pos;
            while let Some(&b) = bytes.get(i) {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                i += 1;
            }
            let raw = bytes.get(chunk..i).unwrap_or_default();
            let text = std::str::from_utf8(raw).map_err(|e| Error {
                message: "invalid UTF-8 in a string".into(),
                offset: chunk + e.valid_up_to(),
            })?;
            self.pos = i;
            match bytes.get(i) {
                Some(b'"') => {
                    self.pos = i + 1;
                    return Ok(match owned {
                        None => Cow::Borrowed(text),
                        Some(mut s) => {
                            s.push_str(text);
                            Cow::Owned(s)
                        }
                    });
                }
                Some(b'\\') => {
                    let s = owned.get_or_insert_with(String::new);
                    s.push_str(text);
                    self.pos = i + 1;
                    self.escape(s)?;
                    chunk = self.pos;
                }
                Some(_) => return Err(self.error("control character in a string")),
                None => return Err(self.error("unexpected end of input in a string")),
            }
        }
    }

    /// Reads a string into an owned `String`.
    pub fn string(&mut self) -> Result<String, Error> {
        self.str().map(Cow::into_owned)
    }

    fn hex4(&mut self) -> Result<u32, Error> {
        let end = self.pos.saturating_add(4);
        let Some(digits) = self.bytes.get(self.pos..end) else {
            return Err(self.error("unexpected end of input in a \\u escape"));
        };
        let mut v = 0;
        for &d in digits {
            let n = match d {
                b'0'..=b'9' => d - b'0',
                b'a'..=b'f' => d - b'a' + 10,
                b'A'..=b'F' => d - b'A' + 10,
                _ => return Err(self.error("invalid \\u escape")),
            };
            v = v * 16 + u32::from(n);
        }
        self.pos = end;
        Ok(v)
    }

    /// Reads one escape (after the backslash) onto `out`.
    fn escape(&mut self, out: &mut String) -> Result<(), Error> {
        let Some(&b) = self.bytes.get(self.pos) else {
            return Err(self.error("unexpected end of input in a string"));
        };
        self.pos += 1;
        let c = match b {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let first = self.hex4()?;
                if (0xD800..0xDC00).contains(&first) {
                    // A high surrogate: combine with a following low one.
                    let next = self.pos;
                    if self.bytes.get(next..next.saturating_add(2)) == Some(b"\\u") {
                        self.pos = next + 2;
                        match self.hex4() {
                            Ok(low) if (0xDC00..0xE000).contains(&low) => {
                                let code = 0x10000 + ((first - 0xD800) << 10) + (low - 0xDC00);
                                char::from_u32(code).unwrap_or('\u{FFFD}')
                            }
                            // Not a low surrogate: this one is lone; read the next escape on its own.
                            _ => {
                                self.pos = next;
                                '\u{FFFD}'
                            }
                        }
                    } else {
                        '\u{FFFD}'
                    }
                } else {
                    char::from_u32(first).unwrap_or('\u{FFFD}')
                }
            }
            _ => {
                self.pos -= 1;
                return Err(self.error("invalid escape in a string"));
            }
        };
        out.push(c);
        Ok(())
    }

    fn enter(&mut self, open: u8, what: &str) -> Result<(), Error> {
        if self.peek_byte() != Some(open) {
            return Err(self.type_error(what));
        }
        if self.depth >= MAX_DEPTH {
            return Err(self.error(format!("nesting deeper than {MAX_DEPTH}")));
        }
        self.pos += 1;
        self.depth += 1;
        self.fresh = true;
        Ok(())
    }

    /// Reads `{`; then call [`Self::next_key`] until it gives `None`,
    /// reading (or skipping) each key's value.
    pub fn begin_object(&mut self) -> Result<(), Error> {
        self.enter(b'{', "an object")
    }

    /// Reads `[`; then call [`Self::next_item`] until it gives false,
    /// reading (or skipping) each item.
    pub fn begin_array(&mut self) -> Result<(), Error> {
        self.enter(b'[', "an array")
    }

    /// Moves to the next member of the open container: `Ok(true)` when one
    /// follows, `Ok(false)` after the closing bracket.
    fn next_member(&mut self, close: u8, what: &str) -> Result<bool, Error> {
        let b = self.peek_byte();
        if b == Some(close) {
            self.pos += 1;
            self.depth = self.depth.saturating_sub(1);
            self.fresh = false;
            return Ok(false);
        }
        if self.fresh {
            self.fresh = false;
            if b.is_none() {
                return Err(self.error(format!("unexpected end of input in {what}")));
            }
            return Ok(true);
        }
        match b {
            Some(b',') => {
                self.pos += 1;
                Ok(true)
            }
            Some(_) => {
                Err(self.error(format!("expected ',' or '{}' in {what}", char::from(close))))
            }
            None => Err(self.error(format!("unexpected end of input in {what}"))),
        }
    }

    /// The next key of the open object (the cursor then sits on its value),
    /// or `None` after the closing `}`.
    pub fn next_key(&mut self) -> Result<Option<Cow<'a, str>>, Error> {
        if !self.next_member(b'}', "an object")? {
            return Ok(None);
        }
        if self.peek_byte() != Some(b'"') {
            return Err(match self.peek_byte() {
                None => self.error("unexpected end of input in an object"),
                Some(_) => self.error("expected a key (a string)"),
            });
        }
        let key = self.str()?;
        self.expect_byte(b':', "':' after a key")?;
        Ok(Some(key))
    }

    /// Whether the open array has another item (the cursor then sits on
    /// it); false after the closing `]`.
    pub fn next_item(&mut self) -> Result<bool, Error> {
        self.next_member(b']', "an array")
    }

    /// Skips one value of any kind.
    pub fn skip(&mut self) -> Result<(), Error> {
        match self.peek()? {
            Kind::Null => self.literal(b"null"),
            Kind::Bool => self.bool().map(drop),
            Kind::Number => self.number_text().map(drop),
            Kind::String => self.str().map(drop),
            Kind::Array => {
                self.begin_array()?;
                while self.next_item()? {
                    self.skip()?;
                }
                Ok(())
            }
            Kind::Object => {
                self.begin_object()?;
                while self.next_key()?.is_some() {
                    self.skip()?;
                }
                Ok(())
            }
        }
    }

    /// Checks that only whitespace follows the value read.
    pub fn finish(&mut self) -> Result<(), Error> {
        match self.peek_byte() {
            None => Ok(()),
            Some(_) => Err(self.error("trailing characters after the value")),
        }
    }

    /// Reads a value into `slot`, refusing a key seen twice (as serde's derive does).
    pub fn field<T: FromJson>(&mut self, slot: &mut Option<T>, key: &str) -> Result<(), Error> {
        if slot.is_some() {
            return Err(self.error(format!("duplicate field `{key}`")));
        }
        *slot = Some(T::read(self)?);
        Ok(())
    }
}

/// A type read from JSON by hand (the same shape its serde derive reads).
pub trait FromJson: Sized {
    /// Reads one value at the reader's cursor.
    fn read(r: &mut Reader<'_>) -> Result<Self, Error>;
}

/// Reads a whole JSON document as `T` (nothing but whitespace may follow).
pub fn from_slice<T: FromJson>(bytes: &[u8]) -> Result<T, Error> {
    let mut r = Reader::new(bytes);
    let value = T::read(&mut r)?;
    r.finish()?;
    Ok(value)
}

impl FromJson for String {
    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        r.string()
    }
}

impl FromJson for bool {
    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        r.bool()
    }
}

impl FromJson for i64 {
    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        r.i64()
    }
}

impl FromJson for u64 {
    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        r.integer()
    }
}

impl FromJson for u32 {
    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        let at = r.offset();
        let n = u64::read(r)?;
        u32::try_from(n).map_err(|_| Error {
            message: "integer out of range".into(),
            offset: at,
        })
    }
}

impl FromJson for u16 {
    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        let at = r.offset();
        let n = u64::read(r)?;
        u16::try_from(n).map_err(|_| Error {
            message: "integer out of range".into(),
            offset: at,
        })
    }
}

impl FromJson for f64 {
    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        r.f64()
    }
}

/// `null` reads as `None`.
impl<T: FromJson> FromJson for Option<T> {
    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        if r.null()? {
            Ok(None)
        } else {
            T::read(r).map(Some)
        }
    }
}

impl<T: FromJson> FromJson for Vec<T> {
    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        r.begin_array()?;
        let mut out = Vec::new();
        while r.next_item()? {
            out.push(T::read(r)?);
        }
        Ok(out)
    }
}

/// Appends `s` as a quoted JSON string: `"` and `\` escaped, control
/// characters as `\n`-style or `\u00XX` escapes, everything else as is.
pub fn write_str(out: &mut String, s: &str) {
    out.push('"');
    let mut rest = s;
    while let Some(i) = rest.find(|c: char| c == '"' || c == '\\' || c < ' ') {
        let (head, tail) = rest.split_at(i);
        out.push_str(head);
        let mut chars = tail.chars();
        if let Some(c) = chars.next() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                '\u{8}' => out.push_str("\\b"),
                '\u{c}' => out.push_str("\\f"),
                c => {
                    const HEX: &[u8; 16] = b"0123456789abcdef";
                    let n = c as usize;
                    out.push_str("\\u00");
                    out.push(char::from(HEX[(n >> 4) & 0xF]));
                    out.push(char::from(HEX[n & 0xF]));
                }
            }
        }
        rest = chars.as_str();
    }
    out.push_str(rest);
    out.push('"');
}

/// Whole numbers this large are still exact in an `i64` (and below 1e21,
/// where JavaScript would switch to exponent form).
const MAX_AS_INTEGER: f64 = 9.0e18;

/// Appends `value` as JavaScript's `String(value)` writes it: whole numbers
/// without `.0`, exponent form below 1e-6 and from 1e21 up (`1.5e+300`),
/// the shortest digits that read back to the same `f64`. JSON has no
/// NaN or infinity: those are written as `null` (as `JSON.stringify` does).
pub fn write_f64(out: &mut String, value: f64) {
    use std::fmt::Write;
    if !value.is_finite() {
        out.push_str("null");
        return;
    }
    if value.fract() == 0.0 && value.abs() < MAX_AS_INTEGER {
        // Exact: a whole number within i64 range. (-0.0 becomes 0, as in JS.)
        #[allow(clippy::cast_possible_truncation)] // reason: see above.
        let n = value as i64;
        let _ = write!(out, "{n}");
        return;
    }
    // Rust's `{:e}` gives the shortest round-trip digits: `d[.ddd]e[-]x`.
    let sci = format!("{:e}", value.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let k = i32::try_from(digits.len()).unwrap_or(i32::MAX);
    let n = exp + 1;
    if value < 0.0 {
        out.push('-');
    }
    if k <= n && n <= 21 {
        out.push_str(&digits);
        for _ in k..n {
            out.push('0');
        }
    } else if 0 < n && n <= 21 {
        let (a, b) = digits.split_at(usize::try_from(n).unwrap_or(0).min(digits.len()));
        out.push_str(a);
        out.push('.');
        out.push_str(b);
    } else if -6 < n && n <= 0 {
        out.push_str("0.");
        for _ in n..0 {
            out.push('0');
        }
        out.push_str(&digits);
    } else {
        let (first, rest) = digits.split_at(1.min(digits.len()));
        out.push_str(first);
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        let e = n - 1;
        let _ = write!(
            out,
            "e{}{}",
            if e < 0 { '-' } else { '+' },
            e.unsigned_abs()
        );
    }
}

#[cfg(test)]
mod tests;
