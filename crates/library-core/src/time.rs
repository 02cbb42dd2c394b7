//! Hand-written parsers for the two time shapes of the asset payload: RFC 3339
//! timestamps (`2024-03-01T12:34:56.789Z`) and video durations (`0:01:02.500000`).
//! They are hot (two timestamps and one duration per asset), so they work on bytes
//! and never allocate.

/// Milliseconds in a day: `day key = local_ms.div_euclid(DAY_MS)`.
pub use immich_api::time::DAY_MS;

/// Parses an RFC 3339 timestamp into milliseconds since the Unix epoch: immich-api's
/// parser (one for the app; `#[inline]`, so compiled here at this crate's speed).
pub use immich_api::time::parse_timestamp_ms;

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

#[cfg(test)]
mod tests {
    use super::*;

    fn check_ts(input: &str, expected: Option<i64>) {
        assert_eq!(parse_timestamp_ms(input.as_bytes()), expected, "{input}");
        if let Some(ms) = expected {
            // Cross-check against chrono (an independent parser).
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
