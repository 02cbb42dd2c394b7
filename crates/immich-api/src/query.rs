//! `AssetQuery`: the inputs of `GET /api/asset`, validated and written in one
//! canonical form.
//!
//! The canonical query string is used both as the request's query and as a
//! cache key (equal filters must give byte-equal keys), and the app keeps it
//! in its own URL, so [`AssetQuery::from_query_string`] reads it back.
//!
//! Canonical form:
//! - keys in the fixed order `isArchived, isFavorite, skip, take, updatedAfter,
//!   updatedBefore, userId`; absent inputs are omitted; no leading `?`;
//!   no inputs gives the empty string;
//! - booleans `true`/`false`, integers in plain decimal;
//! - dates in UTC as JavaScript's `toISOString()` writes them (milliseconds,
//!   `Z`), which is also the precision the server keeps;
//! - every byte outside RFC 3986's unreserved set (`A-Z a-z 0-9 - . _ ~`) is
//!   percent-encoded with upper-case hex, so a date's `:` is written `%3A`.
//!   Encoding it is never wrong, while leaving it would make the key depend
//!   on who wrote it; `+` (which would read as a space) is always `%2B`.

use crate::{iso, Timestamp};
use std::fmt::Write as _;

/// Inputs of `GET /api/asset` (operation `getAllAssets`). All optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct AssetQuery {
    /// Only archived (`true`) or only unarchived (`false`) assets.
    pub is_archived: Option<bool>,
    /// Only favourites (`true`) or only non-favourites (`false`).
    pub is_favorite: Option<bool>,
    /// Offset into the list (server default 0).
    pub skip: Option<u64>,
    /// Page size (server default: no limit).
    pub take: Option<u64>,
    /// Only assets with `updatedAt >= updated_after` (inclusive).
    pub updated_after: Option<Timestamp>,
    /// Only assets with `updatedAt <= updated_before` (inclusive).
    pub updated_before: Option<Timestamp>,
    /// Whose assets (a UUID v4): the caller by default, or a sharing partner.
    pub user_id: Option<String>,
}

/// Why an [`AssetQuery`] or its query string was refused. Each message names
/// the input at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    /// `updatedAfter` is later than `updatedBefore`: the range is empty.
    #[error(
        "updatedAfter ({}) is later than updatedBefore ({}): the range is empty",
        iso::format(after),
        iso::format(before)
    )]
    EmptyUpdatedRange {
        /// The `updatedAfter` given.
        after: Timestamp,
        /// The `updatedBefore` given.
        before: Timestamp,
    },
    /// `userId` is not a UUID v4.
    #[error("userId must be a UUID v4 (like 0f6b2a52-6f0e-4c8e-9a4b-3b1f0c2d4e5f), got {0:?}")]
    InvalidUserId(String),
    /// A boolean input that is not `true` or `false`.
    #[error("{name} must be `true` or `false`, got {value:?}")]
    InvalidBool {
        /// The input's wire name.
        name: &'static str,
        /// The text given.
        value: String,
    },
    /// An integer input that is not a non-negative whole number.
    #[error("{name} must be a whole number, 0 or more, got {value:?}")]
    InvalidInteger {
        /// The input's wire name.
        name: &'static str,
        /// The text given.
        value: String,
    },
    /// A date input that is not RFC 3339.
    #[error("{name} must be an RFC 3339 date (like 2024-01-05T10:11:12.123Z), got {value:?}")]
    InvalidDate {
        /// The input's wire name.
        name: &'static str,
        /// The text given.
        value: String,
    },
    /// The same input appears twice.
    #[error("{name} is given more than once")]
    Duplicate {
        /// The input's wire name.
        name: &'static str,
    },
    /// Broken percent-encoding or bytes that are not UTF-8.
    #[error("query text {0:?} is not valid percent-encoded UTF-8")]
    BadEncoding(String),
}

const IS_ARCHIVED: &str = "isArchived";
const IS_FAVORITE: &str = "isFavorite";
const SKIP: &str = "skip";
const TAKE: &str = "take";
const UPDATED_AFTER: &str = "updatedAfter";
const UPDATED_BEFORE: &str = "updatedBefore";
const USER_ID: &str = "userId";

impl AssetQuery {
    /// Checks what the server would refuse (a non-UUID-v4 `userId`) and what
    /// can only give an empty answer (`updatedAfter` later than `updatedBefore`).
    pub fn validate(&self) -> Result<(), QueryError> {
        if let Some(user_id) = &self.user_id {
            if !is_uuid_v4(user_id) {
                return Err(QueryError::InvalidUserId(user_id.clone()));
            }
        }
        if let (Some(after), Some(before)) = (self.updated_after, self.updated_before) {
            if after > before {
                return Err(QueryError::EmptyUpdatedRange { after, before });
            }
        }
        Ok(())
    }

    /// True when no input is set (the query string is empty).
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// The canonical query string, without a leading `?` (see the module docs).
    pub fn to_query_string(&self) -> String {
        let mut out = String::new();
        let mut push = |name: &str, value: &str| {
            if !out.is_empty() {
                out.push('&');
            }
            out.push_str(name);
            out.push('=');
            percent_encode_into(value, &mut out);
        };
        let bool_text = |b: bool| if b { "true" } else { "false" };
        if let Some(v) = self.is_archived {
            push(IS_ARCHIVED, bool_text(v));
        }
        if let Some(v) = self.is_favorite {
            push(IS_FAVORITE, bool_text(v));
        }
        if let Some(v) = self.skip {
            push(SKIP, &v.to_string());
        }
        if let Some(v) = self.take {
            push(TAKE, &v.to_string());
        }
        if let Some(v) = &self.updated_after {
            push(UPDATED_AFTER, &iso::format(v));
        }
        if let Some(v) = &self.updated_before {
            push(UPDATED_BEFORE, &iso::format(v));
        }
        if let Some(v) = &self.user_id {
            push(USER_ID, v);
        }
        out
    }

    /// The cache key for this query: the canonical query string.
    pub fn canonical(&self) -> String {
        self.to_query_string()
    }

    /// Reads a query string (with or without a leading `?`) back into a query,
    /// then [`validate`](Self::validate)s it.
    ///
    /// Accepts any order, `%XX` escapes in either case, `+` as a space (as
    /// browsers' `URLSearchParams` do), dates with any RFC 3339 offset (kept to
    /// millisecond precision, as the server does). Keys this query does not
    /// know are ignored, because the app's URL carries its own parameters too.
    /// A known key given twice, an empty value, a negative or non-numeric
    /// integer, or a boolean other than `true`/`false` is an error.
    pub fn from_query_string(text: &str) -> Result<AssetQuery, QueryError> {
        let text = text.strip_prefix('?').unwrap_or(text);
        let mut query = AssetQuery::default();
        for pair in text.split('&').filter(|p| !p.is_empty()) {
            let (raw_key, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
            let key = percent_decode(raw_key)?;
            let value = percent_decode(raw_value)?;
            match key.as_str() {
                IS_ARCHIVED => set_once(
                    &mut query.is_archived,
                    IS_ARCHIVED,
                    parse_bool(IS_ARCHIVED, value)?,
                )?,
                IS_FAVORITE => set_once(
                    &mut query.is_favorite,
                    IS_FAVORITE,
                    parse_bool(IS_FAVORITE, value)?,
                )?,
                SKIP => set_once(&mut query.skip, SKIP, parse_u64(SKIP, value)?)?,
                TAKE => set_once(&mut query.take, TAKE, parse_u64(TAKE, value)?)?,
                UPDATED_AFTER => set_once(
                    &mut query.updated_after,
                    UPDATED_AFTER,
                    parse_date(UPDATED_AFTER, value)?,
                )?,
                UPDATED_BEFORE => set_once(
                    &mut query.updated_before,
                    UPDATED_BEFORE,
                    parse_date(UPDATED_BEFORE, value)?,
                )?,
                USER_ID => set_once(&mut query.user_id, USER_ID, value)?,
                _ => {}
            }
        }
        query.validate()?;
        Ok(query)
    }
}

impl std::str::FromStr for AssetQuery {
    type Err = QueryError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::from_query_string(s)
    }
}

/// True for the UUID v4 text form Immich's validator accepts:
/// `xxxxxxxx-xxxx-4xxx-Yxxx-xxxxxxxxxxxx`, hex digits in either case, where
/// the version nibble is `4` and `Y` (the variant) is one of `8 9 a b`.
pub fn is_uuid_v4(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.len() != 36 {
        return false;
    }
    bytes.iter().enumerate().all(|(i, &b)| match i {
        8 | 13 | 18 | 23 => b == b'-',
        14 => b == b'4',
        19 => matches!(b, b'8' | b'9' | b'a' | b'b' | b'A' | b'B'),
        _ => b.is_ascii_hexdigit(),
    })
}

fn set_once<T>(slot: &mut Option<T>, name: &'static str, value: T) -> Result<(), QueryError> {
    if slot.is_some() {
        return Err(QueryError::Duplicate { name });
    }
    *slot = Some(value);
    Ok(())
}

fn parse_bool(name: &'static str, value: String) -> Result<bool, QueryError> {
    match value.as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(QueryError::InvalidBool { name, value }),
    }
}

fn parse_u64(name: &'static str, value: String) -> Result<u64, QueryError> {
    // `u64::from_str` accepts a leading `+`; only plain digits are canonical-compatible.
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(QueryError::InvalidInteger { name, value });
    }
    value
        .parse()
        .map_err(|_| QueryError::InvalidInteger { name, value })
}

fn parse_date(name: &'static str, value: String) -> Result<Timestamp, QueryError> {
    iso::parse(&value).ok_or(QueryError::InvalidDate { name, value })
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

pub(crate) fn percent_encode_into(text: &str, out: &mut String) {
    for &b in text.as_bytes() {
        if is_unreserved(b) {
            out.push(char::from(b));
        } else {
            // Writing into a String cannot fail.
            let _ = write!(out, "%{b:02X}");
        }
    }
}

/// Decodes a query-string component: `%XX` escapes (exactly two hex digits)
/// and `+` as a space, as `URLSearchParams` reads them; the result must be
/// UTF-8.
pub fn percent_decode(text: &str) -> Result<String, QueryError> {
    let bad = || QueryError::BadEncoding(text.to_owned());
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes.get(i + 1..i + 3).ok_or_else(bad)?;
                let hex = std::str::from_utf8(hex).map_err(|_| bad())?;
                // from_str_radix would accept a sign; require two hex digits.
                if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(bad());
                }
                out.push(u8::from_str_radix(hex, 16).map_err(|_| bad())?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    const USER: &str = "0f6b2a52-6f0e-4c8e-9a4b-3b1f0c2d4e5f";

    fn date(text: &str) -> Timestamp {
        iso::parse(text).unwrap()
    }

    fn full() -> AssetQuery {
        AssetQuery {
            is_archived: Some(false),
            is_favorite: Some(true),
            skip: Some(2000),
            take: Some(1000),
            updated_after: Some(date("2024-01-05T10:11:12.123Z")),
            updated_before: Some(date("2024-02-01T00:00:00.000Z")),
            user_id: Some(USER.to_owned()),
        }
    }

    fn check_string(query: AssetQuery, expected: &str) {
        assert_eq!(query.to_query_string(), expected);
        assert_eq!(query.canonical(), expected);
        // Every canonical string reads back to the same query.
        assert_eq!(AssetQuery::from_query_string(expected), Ok(query));
    }

    #[test]
    fn canonical_strings() {
        check_string(AssetQuery::default(), "");
        check_string(
            AssetQuery {
                take: Some(0),
                ..Default::default()
            },
            "take=0",
        );
        check_string(
            AssetQuery {
                is_favorite: Some(false),
                ..Default::default()
            },
            "isFavorite=false",
        );
        check_string(
            full(),
            "isArchived=false&isFavorite=true&skip=2000&take=1000\
             &updatedAfter=2024-01-05T10%3A11%3A12.123Z\
             &updatedBefore=2024-02-01T00%3A00%3A00.000Z\
             &userId=0f6b2a52-6f0e-4c8e-9a4b-3b1f0c2d4e5f",
        );
        check_string(
            AssetQuery {
                take: Some(u64::MAX),
                user_id: Some(USER.to_uppercase()),
                ..Default::default()
            },
            "take=18446744073709551615&userId=0F6B2A52-6F0E-4C8E-9A4B-3B1F0C2D4E5F",
        );
    }

    #[test]
    fn every_subset_round_trips() {
        let f = full();
        for mask in 0u32..128 {
            let on = |bit: u32| mask & (1 << bit) != 0;
            let q = AssetQuery {
                is_archived: f.is_archived.filter(|_| on(0)),
                is_favorite: f.is_favorite.filter(|_| on(1)),
                skip: f.skip.filter(|_| on(2)),
                take: f.take.filter(|_| on(3)),
                updated_after: f.updated_after.filter(|_| on(4)),
                updated_before: f.updated_before.filter(|_| on(5)),
                user_id: f.user_id.clone().filter(|_| on(6)),
            };
            let text = q.to_query_string();
            assert_eq!(text.is_empty(), mask == 0);
            assert_eq!(q.is_empty(), mask == 0);
            assert_eq!(
                text.matches('&').count() + usize::from(mask != 0),
                mask.count_ones() as usize
            );
            assert_eq!(
                AssetQuery::from_query_string(&text).as_ref(),
                Ok(&q),
                "{text}"
            );
            assert_eq!(AssetQuery::from_query_string(&format!("?{text}")), Ok(q));
        }
    }

    fn check_parse(text: &str, expected_canonical: &str) {
        let q = AssetQuery::from_query_string(text).unwrap();
        assert_eq!(q.canonical(), expected_canonical, "{text}");
    }

    #[test]
    fn parsing_normalises() {
        // Any order, leading '?', lower-case escapes, raw ':'.
        check_parse("?take=5&isFavorite=true", "isFavorite=true&take=5");
        check_parse(
            "updatedAfter=2024-01-05T10%3a11%3a12Z",
            "updatedAfter=2024-01-05T10%3A11%3A12.000Z",
        );
        check_parse(
            "updatedAfter=2024-01-05T10:11:12Z",
            "updatedAfter=2024-01-05T10%3A11%3A12.000Z",
        );
        // An offset is converted to UTC; '+' must be escaped, as URLSearchParams does.
        check_parse(
            "updatedBefore=2024-01-05T12:11:12.5%2B02:00",
            "updatedBefore=2024-01-05T10%3A11%3A12.500Z",
        );
        // Sub-millisecond precision is dropped, like the server's JS Date does.
        check_parse(
            "updatedAfter=2024-01-05T10:11:12.123999Z",
            "updatedAfter=2024-01-05T10%3A11%3A12.123Z",
        );
        // Leading zeros are read as decimal.
        check_parse("skip=007", "skip=7");
        // Unknown keys (the app's own URL parameters) and empty pairs are ignored.
        check_parse("view=grid&&size=3&isArchived=false&", "isArchived=false");
        check_parse("", "");
        check_parse("?", "");
    }

    fn check_error(text: &str, expected: QueryError, message_mentions: &str) {
        let err = AssetQuery::from_query_string(text).unwrap_err();
        assert_eq!(err, expected, "{text}");
        let message = err.to_string();
        assert!(
            message.contains(message_mentions),
            "{message:?} lacks {message_mentions:?}"
        );
    }

    #[test]
    fn parsing_errors_name_the_input() {
        let int = |name, value: &str| QueryError::InvalidInteger {
            name,
            value: value.into(),
        };
        check_error("skip=-1", int("skip", "-1"), "skip");
        check_error("take=-1", int("take", "-1"), "take");
        check_error("take=%2B5", int("take", "+5"), "take");
        check_error("take=1.5", int("take", "1.5"), "take");
        check_error("take=", int("take", ""), "take");
        check_error("take", int("take", ""), "take");
        check_error(
            "take=18446744073709551616",
            int("take", "18446744073709551616"),
            "take",
        );
        let boolean = |name, value: &str| QueryError::InvalidBool {
            name,
            value: value.into(),
        };
        check_error("isFavorite=1", boolean("isFavorite", "1"), "isFavorite");
        check_error(
            "isArchived=True",
            boolean("isArchived", "True"),
            "isArchived",
        );
        check_error(
            "updatedAfter=yesterday",
            QueryError::InvalidDate {
                name: "updatedAfter",
                value: "yesterday".into(),
            },
            "updatedAfter",
        );
        // A '+' left unescaped reads as a space, so the offset is lost: refused, not misread.
        check_error(
            "updatedBefore=2024-01-05T12:11:12+02:00",
            QueryError::InvalidDate {
                name: "updatedBefore",
                value: "2024-01-05T12:11:12 02:00".into(),
            },
            "updatedBefore",
        );
        check_error(
            "userId=42",
            QueryError::InvalidUserId("42".into()),
            "userId",
        );
        check_error(
            "take=1&take=2",
            QueryError::Duplicate { name: "take" },
            "take",
        );
        check_error("userId=%ZZ", QueryError::BadEncoding("%ZZ".into()), "%ZZ");
        check_error("userId=%4", QueryError::BadEncoding("%4".into()), "%4");
        check_error("userId=%FF", QueryError::BadEncoding("%FF".into()), "%FF");
        check_error(
            "updatedAfter=2024-02-01T00:00:00.001Z&updatedBefore=2024-02-01T00:00:00Z",
            QueryError::EmptyUpdatedRange {
                after: date("2024-02-01T00:00:00.001Z"),
                before: date("2024-02-01T00:00:00Z"),
            },
            "updatedAfter (2024-02-01T00:00:00.001Z) is later than updatedBefore",
        );
    }

    #[test]
    fn validate_checks_range_and_user_id() {
        assert_eq!(full().validate(), Ok(()));
        assert_eq!(AssetQuery::default().validate(), Ok(()));
        // Equal bounds are a valid, inclusive, one-instant range.
        let t = date("2024-01-01T00:00:00Z");
        let same = AssetQuery {
            updated_after: Some(t),
            updated_before: Some(t),
            ..Default::default()
        };
        assert_eq!(same.validate(), Ok(()));
        let swapped = AssetQuery {
            updated_after: full().updated_before,
            updated_before: full().updated_after,
            ..Default::default()
        };
        assert!(matches!(
            swapped.validate(),
            Err(QueryError::EmptyUpdatedRange { .. })
        ));
        let bad_user = AssetQuery {
            user_id: Some("not-a-uuid".into()),
            ..Default::default()
        };
        assert_eq!(
            bad_user.validate(),
            Err(QueryError::InvalidUserId("not-a-uuid".into()))
        );
    }

    fn check_uuid(text: &str, expected: bool) {
        assert_eq!(is_uuid_v4(text), expected, "{text}");
    }

    #[test]
    fn uuid_v4_check() {
        check_uuid(USER, true);
        check_uuid("0F6B2A52-6F0E-4C8E-BA4B-3B1F0C2D4E5F", true);
        check_uuid("0f6b2a52-6f0e-4c8e-8a4b-3b1f0c2d4e5f", true);
        check_uuid("0f6b2a52-6f0e-4c8e-9a4b-3b1f0c2d4e5", false); // short
        check_uuid("0f6b2a52-6f0e-4c8e-9a4b-3b1f0c2d4e5f0", false); // long
        check_uuid("0f6b2a52-6f0e-1c8e-9a4b-3b1f0c2d4e5f", false); // version 1
        check_uuid("0f6b2a52-6f0e-4c8e-ca4b-3b1f0c2d4e5f", false); // variant c
        check_uuid("0f6b2a52-6f0e-4c8e-7a4b-3b1f0c2d4e5f", false); // variant 7
        check_uuid("0f6b2a52x6f0e-4c8e-9a4b-3b1f0c2d4e5f", false); // separator
        check_uuid("0f6b2a52-6f0e-4c8e-9a4b-3b1f0c2d4e5g", false); // not hex
        check_uuid("0f6b2a526f0e4c8e9a4b3b1f0c2d4e5f", false); // no dashes
        check_uuid("{0f6b2a52-6f0e-4c8e-9a4b-3b1f0c2d4e}", false);
        check_uuid("00000000-0000-0000-0000-000000000000", false); // nil UUID
        check_uuid("", false);
        check_uuid("0f6b2a52-6f0e-4c8e-9a4b-3b1f0c2d4é5f", false); // multibyte, 36 bytes
    }

    #[test]
    fn encoding_escapes_everything_but_unreserved() {
        let mut out = String::new();
        percent_encode_into("a-Z_0.~ :/+&=?%é", &mut out);
        assert_eq!(out, "a-Z_0.~%20%3A%2F%2B%26%3D%3F%25%C3%A9");
        assert_eq!(percent_decode(&out).unwrap(), "a-Z_0.~ :/+&=?%é");
        assert_eq!(percent_decode("a+b").unwrap(), "a b");
    }
}
