//! Hand-written parsers for the two time shapes of the asset payload: RFC 3339
//! timestamps (`2024-03-01T12:34:56.789Z`) and video durations (`0:01:02.500000`).
//! They are hot (two timestamps and one duration per asset), so they work on bytes
//! and never allocate.

/// Milliseconds in a day: `day key = local_ms.div_euclid(DAY_MS)`.
pub const DAY_MS: i64 = 86_400_000;

/// Parses an RFC 3339 / ISO 8601 timestamp into milliseconds since the Unix epoch.
///
/// Accepts `YYYY-MM-DDTHH:MM:SS`, an optional fraction of any length (kept to the
/// millisecond, truncated), and `Z`, `z`, `+HH:MM`, `-HH:MM` or `+HHMM`; `t`/space are
/// accepted for `T`. Returns `None` for anything else, including out-of-range fields.
///
/// Immich's `localDateTime` is the wall clock of the place the photo was taken written
/// as if it were UTC, so for it the result's UTC calendar day is the local day.
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
        || day > days_in_month(year, month)
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
        let start = i;
        while let Some(c) = s.get(i).filter(|c| c.is_ascii_digit()) {
            if i - start < 3 {
                millis = millis * 10 + i64::from(c - b'0');
            }
            i += 1;
        }
        let n = i - start;
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

/// Parses a duration `H:MM:SS` with an optional fraction (`0:00:12.345678`) into whole
/// milliseconds, saturating at `u32::MAX` (~49 days). Hours may have any number of digits.
/// Returns `None` for any other shape.
pub fn parse_duration_ms(s: &[u8]) -> Option<u32> {
    let mut parts = s.splitn(3, |&c| c == b':');
    let h = parse_uint(parts.next()?)?;
    let m = parse_uint(parts.next()?)?;
    let rest = parts.next()?;
    let (sec, frac) = match rest.iter().position(|&c| c == b'.') {
        Some(p) => (rest.get(..p)?, rest.get(p + 1..)),
        None => (rest, None),
    };
    let sec = parse_uint(sec)?;
    let mut ms: u64 = 0;
    if let Some(frac) = frac {
        if frac.is_empty() || !frac.iter().all(u8::is_ascii_digit) {
            return None;
        }
        for k in 0..3 {
            ms = ms * 10 + frac.get(k).map_or(0, |c| u64::from(c - b'0'));
        }
    }
    let total = h
        .saturating_mul(3_600_000)
        .saturating_add(m.saturating_mul(60_000))
        .saturating_add(sec.saturating_mul(1000))
        .saturating_add(ms);
    Some(u32::try_from(total).unwrap_or(u32::MAX))
}

fn parse_uint(s: &[u8]) -> Option<u64> {
    if s.is_empty() || s.len() > 12 {
        return None;
    }
    s.iter().try_fold(0u64, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u64::from(c - b'0'))
    })
}

/// Reads `n` ASCII digits at `at`.
#[inline]
fn digits(s: &[u8], at: usize, n: usize) -> Option<u32> {
    let d = s.get(at..at + n)?;
    d.iter().try_fold(0u32, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (the well-known era-based
/// computation: shift the year to start in March so the leap day is last).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_ts(input: &str, expected: Option<i64>) {
        assert_eq!(parse_timestamp_ms(input.as_bytes()), expected, "{input}");
        if let Some(ms) = expected {
            // Cross-check against chrono, which the rest of the app uses.
            let c = chrono::DateTime::parse_from_rfc3339(input).unwrap();
            assert_eq!(c.timestamp_millis(), ms, "{input}");
        }
    }

    #[test]
    fn timestamps() {
        check_ts("1970-01-01T00:00:00.000Z", Some(0));
        check_ts("2024-03-01T12:34:56.789Z", Some(1_709_296_496_789));
        check_ts("2024-02-29T00:00:00Z", Some(1_709_164_800_000));
        check_ts("1969-12-31T23:59:59.999Z", Some(-1));
        check_ts("2024-03-01T12:34:56.7891234+01:00", Some(1_709_292_896_789));
        check_ts("2024-03-01T12:34:56-05:30", Some(1_709_316_296_000));
        check_ts("1900-03-01T00:00:00Z", Some(-2_203_891_200_000));
        check_ts("2023-02-29T00:00:00Z", None);
        check_ts("2024-13-01T00:00:00Z", None);
        check_ts("2024-03-01T12:34:56", None);
        check_ts("2024-03-01T12:34:56.Z", None);
        check_ts("2024-03-01T12:34:56ZZ", None);
        check_ts("2024-03-01", None);
        check_ts("", None);
        assert_eq!(
            parse_timestamp_ms(b"2024-03-01T12:34:56+0100"),
            Some(1_709_292_896_000)
        );
    }

    fn check_dur(input: &str, expected: Option<u32>) {
        assert_eq!(parse_duration_ms(input.as_bytes()), expected, "{input}");
    }

    #[test]
    fn durations() {
        check_dur("0:00:00.00000", Some(0));
        check_dur("0:00:12.345678", Some(12_345));
        check_dur("1:02:03.5", Some(3_723_500));
        check_dur("0:00:05", Some(5_000));
        check_dur("100:00:00.000", Some(360_000_000));
        check_dur("99999999999:00:00", Some(u32::MAX));
        check_dur("0:00", None);
        check_dur("a:00:00", None);
        check_dur("0:00:00.", None);
        check_dur("0:00:00.1x", None);
        check_dur("", None);
    }
}
