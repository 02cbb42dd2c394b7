//! Dates on the wire, written the way Immich writes them.
//!
//! Immich is a Node.js server: every `date-time` it sends went through
//! `Date.prototype.toISOString()`, which always writes UTC with a `Z` suffix
//! and exactly three fractional digits (`2024-01-05T10:11:12.123Z`). Writing
//! the same shape keeps the fixture server byte-compatible with Immich (ETags
//! hash the body, so every byte matters). Reading is lenient: any RFC 3339
//! timestamp with any offset (`+02:00`, `Z`, any number of fractional digits)
//! is accepted and converted to UTC.
//!
//! Use with `#[serde(with = "immich_api::iso")]` on a `DateTime<Utc>` and
//! `#[serde(with = "immich_api::iso::option")]` on an `Option<DateTime<Utc>>`
//! (nullable: `None` is written as `null`).

use chrono::{DateTime, Datelike, Timelike, Utc};
use serde::{de, Deserialize, Deserializer, Serializer};
use std::fmt::Write as _;

/// Formats `dt` exactly like JavaScript's `Date.prototype.toISOString()`.
///
/// Sub-millisecond precision is truncated (a JS `Date` holds whole
/// milliseconds, so that is what the server would have). Years outside
/// 0..=9999 use the six-digit signed form JS uses (`+010000-01-01T…`).
pub fn format(dt: &DateTime<Utc>) -> String {
    let mut out = String::with_capacity(24);
    let year = dt.year();
    // `write!` into a String cannot fail; the results are ignored on purpose.
    if (0..=9999).contains(&year) {
        let _ = write!(out, "{year:04}");
    } else if year < 0 {
        let _ = write!(out, "-{:06}", year.unsigned_abs());
    } else {
        let _ = write!(out, "+{year:06}");
    }
    // A leap second (nanosecond >= 1e9) has no JS representation; clamp it to .999.
    let millis = (dt.nanosecond() / 1_000_000).min(999);
    let _ = write!(
        out,
        "-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        dt.month(),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second(),
        millis
    );
    out
}

/// Parses any RFC 3339 timestamp (any offset) into UTC.
pub fn parse(text: &str) -> Result<DateTime<Utc>, chrono::ParseError> {
    DateTime::parse_from_rfc3339(text).map(|dt| dt.with_timezone(&Utc))
}

/// Serde `serialize` for `#[serde(with = "iso")]`.
pub fn serialize<S: Serializer>(dt: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&format(dt))
}

/// Serde `deserialize` for `#[serde(with = "iso")]`.
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<DateTime<Utc>, D::Error> {
    // Borrowing `&str` would fail on JSON strings containing escapes; a Cow-free
    // String is simplest and dates are short.
    let text = String::deserialize(deserializer)?;
    parse(&text).map_err(|e| de::Error::custom(format_args!("invalid RFC 3339 date {text:?}: {e}")))
}

/// Nullable dates: `None` is written as `null` and `null` reads as `None`.
///
/// Pair with `#[serde(default)]` when the field may also be absent.
pub mod option {
    use super::*;

    /// Serde `serialize` for `#[serde(with = "iso::option")]`.
    pub fn serialize<S: Serializer>(
        dt: &Option<DateTime<Utc>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match dt {
            Some(dt) => serializer.serialize_str(&format(dt)),
            None => serializer.serialize_none(),
        }
    }

    /// Serde `deserialize` for `#[serde(with = "iso::option")]`.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<DateTime<Utc>>, D::Error> {
        match Option::<String>::deserialize(deserializer)? {
            None => Ok(None),
            Some(text) => parse(&text).map(Some).map_err(|e| {
                de::Error::custom(format_args!("invalid RFC 3339 date {text:?}: {e}"))
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn check_format(dt: DateTime<Utc>, expected: &str) {
        assert_eq!(format(&dt), expected);
    }

    #[test]
    fn formats_like_to_iso_string() {
        let base = Utc.with_ymd_and_hms(2024, 1, 5, 10, 11, 12).single();
        let Some(base) = base else {
            panic!("valid date")
        };
        check_format(base, "2024-01-05T10:11:12.000Z");
        check_format(
            base + chrono::Duration::microseconds(123_999),
            "2024-01-05T10:11:12.123Z",
        );
        check_format(
            base + chrono::Duration::milliseconds(7),
            "2024-01-05T10:11:12.007Z",
        );
        let Some(early) = Utc.with_ymd_and_hms(5, 3, 4, 0, 0, 0).single() else {
            panic!()
        };
        check_format(early, "0005-03-04T00:00:00.000Z");
        let Some(far) = Utc.with_ymd_and_hms(10000, 1, 1, 0, 0, 0).single() else {
            panic!()
        };
        check_format(far, "+010000-01-01T00:00:00.000Z");
        let Some(neg) = Utc.with_ymd_and_hms(-1, 1, 1, 0, 0, 0).single() else {
            panic!()
        };
        check_format(neg, "-000001-01-01T00:00:00.000Z");
        // Before the epoch the millisecond part still counts forward within the second.
        let before_epoch = DateTime::<Utc>::from_timestamp_millis(-1);
        let Some(before_epoch) = before_epoch else {
            panic!()
        };
        check_format(before_epoch, "1969-12-31T23:59:59.999Z");
    }

    fn check_parse(text: &str, expected: Option<&str>) {
        assert_eq!(
            parse(text).ok().map(|d| format(&d)).as_deref(),
            expected,
            "{text}"
        );
    }

    #[test]
    fn parses_any_offset() {
        check_parse(
            "2024-01-05T12:11:12.123+02:00",
            Some("2024-01-05T10:11:12.123Z"),
        );
        check_parse("2024-01-05T10:11:12Z", Some("2024-01-05T10:11:12.000Z"));
        check_parse(
            "2024-01-05T05:11:12.5-05:00",
            Some("2024-01-05T10:11:12.500Z"),
        );
        check_parse(
            "2024-01-05T10:11:12.123456789Z",
            Some("2024-01-05T10:11:12.123Z"),
        );
        check_parse(
            "2024-01-05T00:30:00+01:00",
            Some("2024-01-04T23:30:00.000Z"),
        );
        check_parse("2024-01-05", None);
        check_parse("2024-01-05T10:11:12", None);
        check_parse("", None);
        check_parse("yesterday", None);
    }
}
