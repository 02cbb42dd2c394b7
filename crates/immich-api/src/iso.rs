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
//! [`Timestamp`] serializes and deserializes through these two functions;
//! `Option<Timestamp>` is nullable (`None` is written as `null`).

use crate::time::{parse_timestamp_ms, push_padded, push_year, Timestamp};

/// Formats `t` exactly like JavaScript's `Date.prototype.toISOString()`.
///
/// Years outside 0..=9999 use the six-digit signed form JS uses
/// (`+010000-01-01T…`).
pub fn format(t: &Timestamp) -> String {
    let c = t.civil();
    let mut out = String::with_capacity(27);
    push_year(&mut out, c.year);
    for (sep, n) in [
        ('-', c.month),
        ('-', c.day),
        ('T', c.hour),
        (':', c.minute),
        (':', c.second),
    ] {
        out.push(sep);
        push_padded(&mut out, n, 2);
    }
    out.push('.');
    push_padded(&mut out, c.milli, 3);
    out.push('Z');
    out
}

/// Parses any RFC 3339 timestamp (any offset) into UTC, kept to the
/// millisecond (truncated, as a JS `Date`); `None` for anything else.
pub fn parse(text: &str) -> Option<Timestamp> {
    parse_timestamp_ms(text.as_bytes()).and_then(Timestamp::from_timestamp_millis)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Civil;

    fn at(year: i32, month: u32, day: u32, milli: u32) -> Timestamp {
        let c = Civil {
            year,
            month,
            day,
            hour: 10,
            minute: 11,
            second: 12,
            milli,
        };
        Timestamp::from_civil(&c).unwrap()
    }

    #[test]
    fn formats_like_to_iso_string() {
        assert_eq!(format(&at(2024, 1, 5, 0)), "2024-01-05T10:11:12.000Z");
        assert_eq!(format(&at(2024, 1, 5, 123)), "2024-01-05T10:11:12.123Z");
        assert_eq!(format(&at(2024, 1, 5, 7)), "2024-01-05T10:11:12.007Z");
        assert_eq!(format(&at(5, 3, 4, 0)), "0005-03-04T10:11:12.000Z");
        assert_eq!(format(&at(10000, 1, 1, 0)), "+010000-01-01T10:11:12.000Z");
        assert_eq!(format(&at(-1, 1, 1, 0)), "-000001-01-01T10:11:12.000Z");
        // Before the epoch the millisecond part still counts forward within the second.
        let before_epoch = Timestamp::from_timestamp_millis(-1).unwrap();
        assert_eq!(format(&before_epoch), "1969-12-31T23:59:59.999Z");
        assert_eq!(format(&Timestamp::UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
    }

    /// Against chrono's `to_rfc3339` with milliseconds and `Z`, which is
    /// `toISOString()` for years 0 to 9999, over the whole range.
    #[test]
    fn formats_like_chrono() {
        let mut ms = -62_167_219_200_000; // 0000-01-01
        while ms < 253_402_300_800_000 {
            let want = chrono::DateTime::from_timestamp_millis(ms)
                .unwrap()
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            let t = Timestamp::from_timestamp_millis(ms).unwrap();
            assert_eq!(format(&t), want);
            assert_eq!(parse(&want), Some(t));
            ms += 9_876_543_211;
        }
    }

    fn check_parse(text: &str, expected: Option<&str>) {
        assert_eq!(
            parse(text).map(|d| format(&d)).as_deref(),
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
        check_parse("2024-01-05T10:11:12.Z", None);
        check_parse("2024-02-30T10:11:12Z", None);
    }
}
