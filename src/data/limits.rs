//! How many bytes one answer may have. Everything read from a server is
//! bounded: a huge answer (a misconfigured proxy, a hostile server) would
//! otherwise end in an allocation failure, which aborts a release build
//! (`panic = "abort"`) and takes the grid on screen with it. Over the limit,
//! the request fails with [`TooLarge`], the body is not read further, and
//! what is on screen stays.
//!
//! The limits leave a wide margin over what Immich sends: one asset is
//! 1.2–1.7 KB of JSON, so a page of 1,000 assets is ~1.5 MB and the largest
//! page the app asks for (`take` = 100,000) ~170 MB.

use std::fmt;

const MIB: u64 = 1024 * 1024;

/// The most one `GET /api/asset` page may be: 256 MiB (the largest page the
/// app asks for, 100,000 assets, is ~170 MB).
pub const LISTING_BYTES: u64 = 256 * MIB;
/// The most any other JSON answer may be (users, partners, statistics, one
/// asset, server info): 4 MiB, over a thousand times what they hold.
pub const SMALL_JSON_BYTES: u64 = 4 * MIB;
/// The most one thumbnail or preview image may be: 16 MiB (Immich's are
/// tens of kilobytes, previews a few hundred).
pub const IMAGE_BYTES: u64 = 16 * MIB;
/// The most one original file may be when it must be fetched (an API-key
/// session cannot stream it into `<video>` or `<img>`, which cannot send the
/// header): 512 MiB. A cookie session streams originals and reads no body.
pub const ORIGINAL_BYTES: u64 = 512 * MIB;
/// The most read of an error answer, for its message: 64 KiB.
pub const ERROR_BYTES: u64 = 64 * 1024;

/// An answer larger than its limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TooLarge {
    /// The limit that was passed.
    pub limit: u64,
    /// What the server declared (`Content-Length`) or what had arrived when
    /// reading stopped.
    pub seen: u64,
}

impl fmt::Display for TooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the answer is larger than {} (the most this app reads for one request); \
             it was not read",
            human(self.limit)
        )
    }
}

/// `n` bytes in words: `256 MiB`, `64 KiB`, `17 bytes`.
pub fn human(n: u64) -> String {
    if n >= MIB && n.is_multiple_of(MIB) {
        format!("{} MiB", n / MIB)
    } else if n >= 1024 && n.is_multiple_of(1024) {
        format!("{} KiB", n / 1024)
    } else {
        format!("{n} bytes")
    }
}

/// Checks a `Content-Length` header before anything is read. A missing or
/// unreadable header passes (the count while reading still applies).
pub fn check_declared(content_length: Option<&str>, limit: u64) -> Result<Option<u64>, TooLarge> {
    let Some(n) = content_length.and_then(|v| v.trim().parse::<u64>().ok()) else {
        return Ok(None);
    };
    if n > limit {
        Err(TooLarge { limit, seen: n })
    } else {
        Ok(Some(n))
    }
}

/// Checks the running count after a chunk of `chunk` bytes arrives on top of
/// `so_far`; returns the new count.
pub fn check_read(so_far: u64, chunk: u64, limit: u64) -> Result<u64, TooLarge> {
    let total = so_far.saturating_add(chunk);
    if total > limit {
        Err(TooLarge { limit, seen: total })
    } else {
        Ok(total)
    }
}

/// How much to reserve up front for a body the server declared: the
/// declared size, never more than the limit (a wrong header cannot make the
/// app reserve more than it would accept).
pub fn initial_capacity(declared: Option<u64>, limit: u64) -> usize {
    usize::try_from(declared.unwrap_or(0).min(limit)).unwrap_or(0)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests fail loudly on purpose")]
mod tests {
    use super::*;

    #[test]
    fn declared_lengths() {
        let check = |h: Option<&str>, limit, expected: Result<Option<u64>, TooLarge>| {
            assert_eq!(check_declared(h, limit), expected, "{h:?}");
        };
        check(None, 10, Ok(None));
        check(Some("garbage"), 10, Ok(None));
        check(Some("-1"), 10, Ok(None));
        check(Some("10"), 10, Ok(Some(10)));
        check(Some(" 7 "), 10, Ok(Some(7)));
        check(
            Some("11"),
            10,
            Err(TooLarge {
                limit: 10,
                seen: 11,
            }),
        );
        check(
            Some("99999999999999999999999"),
            10,
            Ok(None), // not a u64: the count while reading decides
        );
        check(
            Some("18446744073709551615"),
            LISTING_BYTES,
            Err(TooLarge {
                limit: LISTING_BYTES,
                seen: u64::MAX,
            }),
        );
    }

    #[test]
    fn counting_while_reading() {
        assert_eq!(check_read(0, 5, 10), Ok(5));
        assert_eq!(check_read(5, 5, 10), Ok(10));
        assert_eq!(
            check_read(10, 1, 10),
            Err(TooLarge {
                limit: 10,
                seen: 11
            })
        );
        assert_eq!(
            check_read(u64::MAX, 1, 10),
            Err(TooLarge {
                limit: 10,
                seen: u64::MAX
            })
        );
        // Many small chunks add up.
        let mut n = 0;
        let mut failed = None;
        for i in 0..100 {
            match check_read(n, 64 * 1024, 4 * MIB) {
                Ok(t) => n = t,
                Err(e) => {
                    failed = Some((i, e));
                    break;
                }
            }
        }
        assert_eq!(failed.map(|(i, _)| i), Some(64));
    }

    #[test]
    fn limits_leave_room_for_real_answers() {
        // 1,000 assets at the largest size seen (1.7 KB) fit 150 times over;
        // the largest page the app asks for fits too.
        const {
            assert!(LISTING_BYTES > 1_000 * 1_700 * 150);
            assert!(LISTING_BYTES > 100_000 * 1_700);
            assert!(SMALL_JSON_BYTES > 1_000 * 2_000);
        }
        assert_eq!(human(LISTING_BYTES), "256 MiB");
        assert_eq!(human(ERROR_BYTES), "64 KiB");
        assert_eq!(human(17), "17 bytes");
        let e = TooLarge {
            limit: SMALL_JSON_BYTES,
            seen: 5 * MIB,
        };
        assert!(e.to_string().contains("larger than 4 MiB"), "{e}");
    }

    #[test]
    fn reservations_are_bounded() {
        assert_eq!(initial_capacity(None, 10), 0);
        assert_eq!(initial_capacity(Some(7), 10), 7);
        assert_eq!(initial_capacity(Some(u64::MAX), 10), 10);
    }
}
