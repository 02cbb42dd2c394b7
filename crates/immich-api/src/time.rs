//! Instants and calendar dates as plain integers, without a date library.
//!
//! Immich is a Node.js server: every instant it sends was a JavaScript
//! `Date`, a whole number of milliseconds since 1970-01-01T00:00:00Z within
//! ±8.64e15 ms. [`Timestamp`] is exactly that, so it holds every value the
//! server can send and nothing it cannot. [`Civil`] is a calendar date and a
//! wall-clock time with no zone (what `localDateTime` and the browser's
//! `datetime-local` input speak), [`Date`] a calendar day (`format: date`).
//!
//! The calendar is the proleptic Gregorian one, as JavaScript's. Day counts
//! convert with the well-known era-based computation (years shifted to start
//! in March so that the leap day is the last day of a year).

/// The largest distance from the epoch a JavaScript `Date` holds, in ms.
pub const MAX_MS: i64 = 8_640_000_000_000_000;

/// Milliseconds in a day.
pub const DAY_MS: i64 = 86_400_000;

/// An instant: whole milliseconds since 1970-01-01T00:00:00Z, within the
/// range of a JavaScript `Date`. Written like `Date.prototype.toISOString()`
/// ([`crate::iso::format`]); read from any RFC 3339 timestamp
/// ([`crate::iso::parse`]). Immich's `localDateTime` is a wall-clock time
/// written as if it were UTC: the same type holds it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

/// A calendar date and a wall-clock time to the millisecond, in no zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Civil {
    /// The year (proleptic Gregorian; 0 is 1 BC).
    pub year: i32,
    /// 1 to 12.
    pub month: u32,
    /// 1 to 31.
    pub day: u32,
    /// 0 to 23.
    pub hour: u32,
    /// 0 to 59.
    pub minute: u32,
    /// 0 to 59.
    pub second: u32,
    /// 0 to 999.
    pub milli: u32,
}

/// A calendar day: days since 1970-01-01. Written `YYYY-MM-DD`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(i32);

impl Timestamp {
    /// 1970-01-01T00:00:00.000Z.
    pub const UNIX_EPOCH: Timestamp = Timestamp(0);

    /// The instant `ms` milliseconds after the epoch, if a `Date` can hold it.
    pub const fn from_timestamp_millis(ms: i64) -> Option<Self> {
        if ms >= -MAX_MS && ms <= MAX_MS {
            Some(Timestamp(ms))
        } else {
            None
        }
    }

    /// Milliseconds since the epoch.
    pub const fn timestamp_millis(self) -> i64 {
        self.0
    }

    /// The calendar date and time of this instant in UTC (for a
    /// `localDateTime`, the wall clock it stands for).
    pub fn civil(self) -> Civil {
        let days = self.0.div_euclid(DAY_MS);
        let ms = self.0.rem_euclid(DAY_MS);
        let (year, month, day) = civil_from_days(days);
        // `ms` is within a day, the year within ±275,760: all fit.
        let ms = u32::try_from(ms).unwrap_or(0);
        Civil {
            year: i32::try_from(year).unwrap_or(0),
            month,
            day,
            hour: ms / 3_600_000,
            minute: ms / 60_000 % 60,
            second: ms / 1000 % 60,
            milli: ms % 1000,
        }
    }

    /// The instant of a date and time read as UTC; `None` when a field is
    /// out of its range or the instant out of a `Date`'s.
    pub fn from_civil(c: &Civil) -> Option<Self> {
        if !(1..=12).contains(&c.month)
            || c.day < 1
            || c.day > days_in_month(i64::from(c.year), c.month)
            || c.hour > 23
            || c.minute > 59
            || c.second > 59
            || c.milli > 999
        {
            return None;
        }
        let days = days_from_civil(i64::from(c.year), c.month, c.day);
        let ms = i64::from(c.hour * 3_600_000 + c.minute * 60_000 + c.second * 1000 + c.milli);
        Self::from_timestamp_millis(days.checked_mul(DAY_MS)?.checked_add(ms)?)
    }

    /// The calendar day of this instant in UTC.
    pub fn date(self) -> Date {
        // Within ±100,000,000 days for every instant a `Date` holds.
        Date(i32::try_from(self.0.div_euclid(DAY_MS)).unwrap_or(0))
    }
}

impl Civil {
    /// The day of the week: 0 for Monday to 6 for Sunday.
    pub fn weekday_from_monday(&self) -> u32 {
        let days = days_from_civil(i64::from(self.year), self.month, self.day);
        // 1970-01-01 was a Thursday (3 from Monday); the result is within 0..7.
        u32::try_from((days + 3).rem_euclid(7)).unwrap_or(0)
    }
}

impl Date {
    /// The day `days` after 1970-01-01.
    pub const fn from_days(days: i32) -> Self {
        Date(days)
    }

    /// Days since 1970-01-01.
    pub const fn days(self) -> i32 {
        self.0
    }

    /// The day of a year, month and day; `None` when there is no such day
    /// or it is beyond a `Date`'s range.
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Option<Self> {
        let c = Civil {
            year,
            month,
            day,
            hour: 0,
            minute: 0,
            second: 0,
            milli: 0,
        };
        Timestamp::from_civil(&c).map(Timestamp::date)
    }

    /// The year, month (1 to 12) and day (1 to 31).
    pub fn ymd(self) -> (i32, u32, u32) {
        let (y, m, d) = civil_from_days(i64::from(self.0));
        (i32::try_from(y).unwrap_or(0), m, d)
    }

    /// Reads `YYYY-MM-DD` exactly (four-digit year, padded month and day).
    pub fn parse(text: &str) -> Option<Self> {
        let s = text.as_bytes();
        if s.len() != 10 || s.get(4) != Some(&b'-') || s.get(7) != Some(&b'-') {
            return None;
        }
        let year = digits(s, 0, 4)?;
        Self::from_ymd(
            i32::try_from(year).ok()?,
            digits(s, 5, 2)?,
            digits(s, 8, 2)?,
        )
    }

    /// `YYYY-MM-DD` (a signed six-digit year outside 0 to 9999, as JS).
    pub fn format(self) -> String {
        let (y, m, d) = self.ymd();
        let mut out = String::with_capacity(13);
        push_year(&mut out, y);
        out.push('-');
        push_padded(&mut out, m, 2);
        out.push('-');
        push_padded(&mut out, d, 2);
        out
    }
}

/// As `toISOString()` writes it.
impl std::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&crate::iso::format(self))
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&crate::iso::format(self))
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de;
        // An owned String: JSON strings with escapes cannot be borrowed, and
        // dates are short.
        let text = String::deserialize(deserializer)?;
        crate::iso::parse(&text)
            .ok_or_else(|| de::Error::custom(format_args!("invalid RFC 3339 date {text:?}")))
    }
}

/// Appends `year` as JavaScript writes it: four digits within 0 to 9999,
/// else a sign and six digits.
pub(crate) fn push_year(out: &mut String, year: i32) {
    if (0..=9999).contains(&year) {
        push_padded(out, year.unsigned_abs(), 4);
    } else {
        out.push(if year < 0 { '-' } else { '+' });
        push_padded(out, year.unsigned_abs(), 6);
    }
}

/// Appends `n` in decimal, padded with zeros to `width` digits.
pub(crate) fn push_padded(out: &mut String, n: u32, width: usize) {
    let mut buf = [b'0'; 10];
    let mut i = buf.len();
    let mut n = n;
    loop {
        i -= 1;
        // A digit: always ASCII.
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let start = i.min(buf.len().saturating_sub(width));
    for &b in &buf[start..] {
        out.push(char::from(b));
    }
}

/// Parses an RFC 3339 / ISO 8601 timestamp into milliseconds since the Unix epoch.
///
/// Accepts `YYYY-MM-DDTHH:MM:SS`, an optional fraction of any length (kept to the
/// millisecond, truncated), and `Z`, `z`, `+HH:MM`, `-HH:MM` or `+HHMM`; `t`/space are
/// accepted for `T`. Returns `None` for anything else, including out-of-range fields.
/// Works on bytes and never allocates: the asset decoder calls it twice an asset
/// (`#[inline]`: compiled with its caller's optimisation).
///
/// Immich's `localDateTime` is the wall clock of the place the photo was taken written
/// as if it were UTC, so for it the result's UTC calendar day is the local day.
#[inline]
pub fn parse_timestamp_ms(s: &[u8]) -> Option<i64> {
    let year = digits(s, 0, 4)?;
    let month = digits(s, 5, 2)?;
    let day = digits(s, 8, 2)?;
    let hour = digits(s, 11, 2)?;
    let minute = digits(s, 14, 2)?;
    let second = digits(s, 17, 2)?;
    if s.get(4) != Some(&b'-')
        || s.get(7) != Some(&b'-')
        || !matches!(s.get(10), Some(b'T' | b't' | b' '))
        || s.get(13) != Some(&b':')
        || s.get(16) != Some(&b':')
    {
        return None;
    }
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(i64::from(year), month)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut i = 19;
    let mut millis: i64 = 0;
    if s.get(i) == Some(&b'.') {
        i += 1;
        let mut n = 0usize;
        while let Some(c) = s.get(i).filter(|c| c.is_ascii_digit()) {
            if n < 3 {
                millis = millis * 10 + i64::from(c - b'0');
            }
            n += 1;
            i += 1;
        }
        if n == 0 {
            return None;
        }
        for _ in n..3 {
            millis *= 10;
        }
    }
    let offset_minutes: i64 = match s.get(i) {
        Some(b'Z' | b'z') => {
            i += 1;
            0
        }
        Some(&sign @ (b'+' | b'-')) => {
            let oh = digits(s, i + 1, 2)?;
            let (om, len) = if s.get(i + 3) == Some(&b':') {
                (digits(s, i + 4, 2)?, 6)
            } else {
                (digits(s, i + 3, 2)?, 5)
            };
            if oh > 23 || om > 59 {
                return None;
            }
            i += len;
            let m = i64::from(oh * 60 + om);
            if sign == b'-' {
                -m
            } else {
                m
            }
        }
        _ => return None,
    };
    if i != s.len() {
        return None;
    }
    let days = days_from_civil(i64::from(year), month, day);
    let secs = days * 86_400 + i64::from(hour * 3600 + minute * 60 + second) - offset_minutes * 60;
    Some(secs * 1000 + millis)
}

/// Reads `n` ASCII digits at `at`.
#[inline]
pub(crate) fn digits(s: &[u8], at: usize, n: usize) -> Option<u32> {
    let d = s.get(at..at.checked_add(n)?)?;
    d.iter().try_fold(0u32, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

/// Days in a month of a year (proleptic Gregorian).
#[inline]
pub fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if year.rem_euclid(4) == 0
            && (year.rem_euclid(100) != 0 || year.rem_euclid(400) == 0) =>
        {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
#[inline]
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The year, month and day of a day counted from 1970-01-01 (the inverse
/// of [`days_from_civil`]).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    // Both are within 1..=31 and 1..=12 by construction.
    (
        year,
        u32::try_from(month).unwrap_or(1),
        u32::try_from(day).unwrap_or(1),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, NaiveDate, Timelike};

    /// Every field against chrono, over the whole range in uneven steps and
    /// around the epoch, leap days and century years.
    #[test]
    fn civil_matches_chrono() {
        let mut ms = -MAX_MS;
        let mut checked = 0;
        while ms <= MAX_MS {
            for probe in [ms, ms / 977, ms / 1_000_003] {
                let c = Timestamp::from_timestamp_millis(probe).unwrap().civil();
                // chrono stops at ±262,143 years, a JS `Date` at ±275,760.
                let Some(want) = chrono::DateTime::from_timestamp_millis(probe) else {
                    continue;
                };
                assert_eq!(
                    (c.year, c.month, c.day, c.hour, c.minute, c.second, c.milli),
                    (
                        want.year(),
                        want.month(),
                        want.day(),
                        want.hour(),
                        want.minute(),
                        want.second(),
                        want.timestamp_subsec_millis()
                    ),
                    "{probe}"
                );
                assert_eq!(
                    c.weekday_from_monday(),
                    want.weekday().num_days_from_monday()
                );
                assert_eq!(
                    Timestamp::from_civil(&c).map(Timestamp::timestamp_millis),
                    Some(probe)
                );
                checked += 1;
            }
            ms += 345_600_000_017;
        }
        assert!(checked > 140_000, "{checked}");
    }

    #[test]
    fn days_round_trip_over_every_day_of_ten_thousand_years() {
        let start = days_from_civil(-2000, 1, 1);
        let end = days_from_civil(8000, 1, 1);
        for days in start..end {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
            assert!(d <= days_in_month(y, m));
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }

    #[test]
    fn range_is_a_js_date() {
        assert!(Timestamp::from_timestamp_millis(MAX_MS).is_some());
        assert!(Timestamp::from_timestamp_millis(-MAX_MS).is_some());
        assert!(Timestamp::from_timestamp_millis(MAX_MS + 1).is_none());
        assert!(Timestamp::from_timestamp_millis(i64::MIN).is_none());
        let c = Civil {
            year: 275_761,
            month: 1,
            day: 1,
            hour: 0,
            minute: 0,
            second: 0,
            milli: 0,
        };
        assert!(Timestamp::from_civil(&c).is_none());
    }

    #[test]
    fn civil_fields_are_checked() {
        let ok = Civil {
            year: 2024,
            month: 2,
            day: 29,
            hour: 23,
            minute: 59,
            second: 59,
            milli: 999,
        };
        assert!(Timestamp::from_civil(&ok).is_some());
        for bad in [
            Civil { year: 2023, ..ok },
            Civil { month: 0, ..ok },
            Civil { month: 13, ..ok },
            Civil { day: 0, ..ok },
            Civil { hour: 24, ..ok },
            Civil { minute: 60, ..ok },
            Civil { second: 60, ..ok },
            Civil { milli: 1000, ..ok },
        ] {
            assert_eq!(Timestamp::from_civil(&bad), None, "{bad:?}");
        }
    }

    #[test]
    fn dates() {
        let d = Date::parse("2024-02-29").unwrap();
        assert_eq!(d.ymd(), (2024, 2, 29));
        assert_eq!(d.format(), "2024-02-29");
        assert_eq!(
            d.days(),
            i32::try_from(
                NaiveDate::from_ymd_opt(2024, 2, 29)
                    .unwrap()
                    .signed_duration_since(NaiveDate::from_ymd_opt(1970, 1, 1).unwrap())
                    .num_days()
            )
            .unwrap()
        );
        assert_eq!(Date::from_days(-1).format(), "1969-12-31");
        assert_eq!(Date::from_days(-719_529).format(), "-000001-12-31");
        assert_eq!(Date::from_days(2_932_897).format(), "+010000-01-01");
        for bad in [
            "2023-02-29",
            "2024-1-05",
            "2024-01-5",
            "24-01-05",
            "2024/01/05",
            "",
            "2024-01-05 ",
        ] {
            assert_eq!(Date::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn padded() {
        let mut s = String::new();
        push_padded(&mut s, 7, 3);
        push_padded(&mut s, 12_345, 2);
        push_padded(&mut s, u32::MAX, 2);
        assert_eq!(s, "00712345".to_owned() + &u32::MAX.to_string());
    }
}
