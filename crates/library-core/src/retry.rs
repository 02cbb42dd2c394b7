//! What to do when a request fails: retry soon, set the page aside and try it
//! again later, or stop. Pure policy; the glue (`src/data`) measures nothing
//! but the failure and sleeps what it is told.
//!
//! Two levels:
//! - [`quick_retry`]: inside one request, a transient failure (network, a
//!   stalled answer, `5xx`, `429`) is retried a few times at once, waiting
//!   the server's `Retry-After` when it gives one (capped), else 250 ms
//!   doubling.
//! - [`PageRetries`]: a page that still fails (or whose body cannot be read)
//!   is *set aside*: the load goes on with the other pages and shows them,
//!   and the page is asked again after a growing delay (2 s doubling up to a
//!   minute, or the server's `Retry-After`), until it answers. Only a refusal
//!   of the credentials (`401`) stops a load: retrying cannot help, and the
//!   person must reconnect.

use std::collections::BTreeMap;

/// Why a request failed, as far as the policy cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// No HTTP answer: server down, connection dropped, CORS.
    Network,
    /// The answer stalled (no bytes for too long).
    Timeout,
    /// `5xx` other than `503`, or an HTML error page from a proxy.
    Server(u16),
    /// `503` or `429`, with the server's `Retry-After` in ms when given.
    Busy {
        /// The status (`503`, `429`).
        status: u16,
        /// `Retry-After`, in ms.
        retry_after_ms: Option<u64>,
    },
    /// `401`: the credentials were refused (key revoked, session ended).
    Unauthorized,
    /// A `2xx` whose body is not what the route returns (cut off, not JSON,
    /// another content type).
    Undecodable,
    /// Anything else (`4xx`, a too-large answer): retrying the same request
    /// gives the same answer.
    Permanent,
}

impl Failure {
    /// Whether retrying the request at once may help.
    pub fn is_transient(self) -> bool {
        matches!(
            self,
            Failure::Network | Failure::Timeout | Failure::Server(_) | Failure::Busy { .. }
        )
    }
}

/// Quick retries inside one request.
pub const QUICK_RETRIES: u32 = 3;
/// The first quick retry's delay (then 500, 1000 ms).
pub const QUICK_FIRST_MS: u64 = 250;
/// The longest `Retry-After` a quick retry waits; a longer one sets the page aside.
pub const QUICK_MAX_RETRY_AFTER_MS: u64 = 10_000;
/// The first delay before a set-aside page is asked again.
pub const ASIDE_FIRST_MS: u64 = 2_000;
/// The longest delay between two tries of a set-aside page.
pub const ASIDE_MAX_MS: u64 = 60_000;
/// The longest `Retry-After` honoured (a longer one is read as this).
pub const RETRY_AFTER_CAP_MS: u64 = 10 * 60_000;

/// After failed attempt number `attempt` (0-based) of one request: the delay
/// before the next attempt, or `None` to give up (the caller then reports
/// the failure).
pub fn quick_retry(failure: Failure, attempt: u32) -> Option<u64> {
    if !failure.is_transient() || attempt >= QUICK_RETRIES {
        return None;
    }
    match failure {
        Failure::Busy {
            retry_after_ms: Some(ms),
            ..
        } if ms > QUICK_MAX_RETRY_AFTER_MS => None,
        Failure::Busy {
            retry_after_ms: Some(ms),
            ..
        } => Some(ms),
        _ => Some(QUICK_FIRST_MS.saturating_mul(1u64 << attempt.min(16))),
    }
}

/// What the load does with a page that failed after its quick retries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageDecision {
    /// Set it aside, show the rest, and ask it again after this many ms.
    Aside {
        /// Delay before the next try.
        after_ms: u64,
    },
    /// Stop the load (keep what is shown): the credentials were refused.
    Stop,
}

/// The set-aside pages of one load and how often each failed.
#[derive(Clone, Debug, Default)]
pub struct PageRetries {
    failures: BTreeMap<usize, u32>,
}

impl PageRetries {
    /// No failures yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Page `page` failed with `failure`: what to do.
    pub fn on_failure(&mut self, page: usize, failure: Failure) -> PageDecision {
        if failure == Failure::Unauthorized {
            return PageDecision::Stop;
        }
        let n = self.failures.entry(page).or_insert(0);
        let backoff = ASIDE_FIRST_MS
            .saturating_mul(1u64 << (*n).min(16))
            .min(ASIDE_MAX_MS);
        *n = n.saturating_add(1);
        let after_ms = match failure {
            Failure::Busy {
                retry_after_ms: Some(ms),
                ..
            } => ms.min(RETRY_AFTER_CAP_MS).max(backoff.min(ASIDE_FIRST_MS)),
            _ => backoff,
        };
        PageDecision::Aside { after_ms }
    }

    /// Page `page` answered: it is no longer set aside.
    pub fn on_success(&mut self, page: usize) {
        self.failures.remove(&page);
    }

    /// The pages that failed and have not answered since.
    pub fn failing(&self) -> impl Iterator<Item = usize> + '_ {
        self.failures.keys().copied()
    }

    /// Whether any page is set aside.
    pub fn any(&self) -> bool {
        !self.failures.is_empty()
    }
}

/// `Retry-After` (seconds, or an HTTP date) in ms from `now_ms`; `None`
/// when absent or unreadable. A date in the past is 0.
pub fn parse_retry_after(value: &str, now_ms: i64) -> Option<u64> {
    let v = value.trim();
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        let secs: u64 = v.parse().unwrap_or(u64::MAX);
        return Some(secs.saturating_mul(1000).min(RETRY_AFTER_CAP_MS));
    }
    let at = crate::sync::parse_http_date(v)?;
    let ms = at.saturating_sub(now_ms).max(0);
    Some(u64::try_from(ms).unwrap_or(0).min(RETRY_AFTER_CAP_MS))
}

/// Plain words for a failure, as the status line says it.
pub fn failure_words(failure: Failure) -> &'static str {
    match failure {
        Failure::Network => "the server could not be reached",
        Failure::Timeout => "the server stopped answering",
        Failure::Server(_) => "the server had an error",
        Failure::Busy { status: 429, .. } => "the server asked to slow down",
        Failure::Busy { .. } => "the server is busy or restarting",
        Failure::Unauthorized => "the server no longer accepts the credentials",
        Failure::Undecodable => "the server's answer could not be read",
        Failure::Permanent => "the server refused the request",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quick_retries_back_off_and_honour_retry_after() {
        let d: Vec<_> = (0..4).map(|a| quick_retry(Failure::Network, a)).collect();
        assert_eq!(d, [Some(250), Some(500), Some(1000), None]);
        assert_eq!(quick_retry(Failure::Server(500), 0), Some(250));
        assert_eq!(quick_retry(Failure::Timeout, 2), Some(1000));
        let busy = |ms| Failure::Busy {
            status: 503,
            retry_after_ms: ms,
        };
        assert_eq!(quick_retry(busy(Some(3000)), 0), Some(3000));
        assert_eq!(quick_retry(busy(Some(0)), 1), Some(0));
        assert_eq!(quick_retry(busy(None), 1), Some(500));
        // Too long to wait inside a request: the page is set aside instead.
        assert_eq!(quick_retry(busy(Some(60_000)), 0), None);
        for f in [
            Failure::Unauthorized,
            Failure::Undecodable,
            Failure::Permanent,
        ] {
            assert_eq!(quick_retry(f, 0), None, "{f:?}");
        }
    }

    #[test]
    fn pages_are_set_aside_with_growing_delays() {
        let mut r = PageRetries::new();
        let ms = |d| match d {
            PageDecision::Aside { after_ms } => after_ms,
            PageDecision::Stop => u64::MAX,
        };
        let seq: Vec<u64> = (0..8)
            .map(|_| ms(r.on_failure(3, Failure::Undecodable)))
            .collect();
        assert_eq!(seq, [2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000]);
        assert_eq!(r.failing().collect::<Vec<_>>(), [3]);
        // Another page has its own count.
        assert_eq!(ms(r.on_failure(5, Failure::Network)), 2000);
        r.on_success(3);
        assert_eq!(r.failing().collect::<Vec<_>>(), [5]);
        assert_eq!(ms(r.on_failure(3, Failure::Network)), 2000);
        // The server's Retry-After wins, capped.
        let busy = |ms| Failure::Busy {
            status: 429,
            retry_after_ms: Some(ms),
        };
        assert_eq!(ms(r.on_failure(7, busy(120_000))), 120_000);
        assert_eq!(ms(r.on_failure(7, busy(u64::MAX))), RETRY_AFTER_CAP_MS);
        // A refusal stops the load.
        assert_eq!(r.on_failure(9, Failure::Unauthorized), PageDecision::Stop);
        for p in [3, 5, 7] {
            r.on_success(p);
        }
        assert!(!r.any());
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let now = 1_700_000_000_000;
        assert_eq!(parse_retry_after("3", now), Some(3000));
        assert_eq!(parse_retry_after(" 0 ", now), Some(0));
        assert_eq!(
            parse_retry_after("99999999999999999999999", now),
            Some(RETRY_AFTER_CAP_MS)
        );
        assert_eq!(parse_retry_after("", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
        assert_eq!(parse_retry_after("soon", now), None);
        // 1_700_000_000 s is Tue, 14 Nov 2023 22:13:20 GMT.
        assert_eq!(
            parse_retry_after("Tue, 14 Nov 2023 22:13:50 GMT", now),
            Some(30_000)
        );
        assert_eq!(
            parse_retry_after("Tue, 14 Nov 2023 22:00:00 GMT", now),
            Some(0)
        );
    }

    #[test]
    fn every_failure_has_words() {
        for f in [
            Failure::Network,
            Failure::Timeout,
            Failure::Server(502),
            Failure::Busy {
                status: 503,
                retry_after_ms: None,
            },
            Failure::Busy {
                status: 429,
                retry_after_ms: None,
            },
            Failure::Unauthorized,
            Failure::Undecodable,
            Failure::Permanent,
        ] {
            assert!(!failure_words(f).is_empty());
        }
    }
}
