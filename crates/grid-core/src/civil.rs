//! Calendar arithmetic on "days since 1970-01-01" keys, so grouping needs no date library.

/// A calendar month; ordered chronologically.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonth {
    /// Proleptic Gregorian year (may be negative or far future for bad metadata).
    pub year: i32,
    /// 1..=12.
    pub month: u8,
}

/// Converts days since 1970-01-01 to a proleptic Gregorian `(year, month 1..=12, day 1..=31)`.
///
/// Works for every `i32` input. Uses the era decomposition (400-year cycles of
/// 146 097 days, years starting in March so the leap day is last), which is
/// branch-light and exact.
pub fn civil_from_days(days: i32) -> (i32, u8, u8) {
    // i64 so that shifting by the epoch offset cannot overflow for extreme keys.
    let z = i64::from(days) + 719_468; // days since 0000-03-01
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365], March-based
    let mp = (5 * doy + 2) / 153; // [0, 11], 0 = March
    let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let year = yoe + era * 400 + i64::from(month <= 2);
    // The year of any i32 day count fits an i32 (|days| / 365 < 2^31).
    (year as i32, month, day)
}

/// The month a day key falls in.
pub fn year_month_of_day(days: i32) -> YearMonth {
    let (year, month, _) = civil_from_days(days);
    YearMonth { year, month }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(days: i32, expected: (i32, u8, u8)) {
        assert_eq!(civil_from_days(days), expected, "days = {days}");
    }

    #[test]
    fn known_dates() {
        check(0, (1970, 1, 1));
        check(-1, (1969, 12, 31));
        check(31, (1970, 2, 1));
        check(59, (1970, 3, 1));
        check(10_957, (2000, 1, 1));
        check(11_016, (2000, 2, 29)); // 2000 is a leap year (divisible by 400)
        check(11_017, (2000, 3, 1));
        check(-25_508, (1900, 3, 1)); // 1900 is not a leap year: Feb 28 precedes
        check(-25_509, (1900, 2, 28));
        check(19_782, (2024, 2, 29));
        check(20_454, (2026, 1, 1));
        check(-719_468, (0, 3, 1));
    }

    #[test]
    fn consecutive_days_are_consecutive_dates() {
        // Walk ~1000 years through every month boundary and leap rule.
        let mut prev = civil_from_days(-200_000);
        for d in -199_999..200_000 {
            let cur = civil_from_days(d);
            let (py, pm, pd) = prev;
            let (y, m, dd) = cur;
            let ok = (y == py && m == pm && dd == pd + 1)
                || (y == py && m == pm + 1 && dd == 1)
                || (y == py + 1 && m == 1 && pm == 12 && dd == 1);
            assert!(ok, "{prev:?} -> {cur:?} at {d}");
            prev = cur;
        }
    }

    #[test]
    fn extremes_do_not_overflow() {
        let (y, m, d) = civil_from_days(i32::MAX);
        assert!(y > 5_000_000 && (1..=12).contains(&m) && (1..=31).contains(&d));
        let (y, m, d) = civil_from_days(i32::MIN);
        assert!(y < -5_000_000 && (1..=12).contains(&m) && (1..=31).contains(&d));
    }
}
