//! GitHub's rate limits, as its documentation describes them:
//!
//! - primary limit exceeded: 403 or 429 with `x-ratelimit-remaining: 0`; wait until
//!   `x-ratelimit-reset` (epoch seconds);
//! - secondary limit: 403 or 429 whose message says so; wait `retry-after` seconds when
//!   given, else until the reset when remaining is 0, else at least a minute, backing off
//!   exponentially.
//!
//! A pure function of the response, so every rule is unit-tested.

use std::time::Duration;

/// What a response means for the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Limit {
    /// Not rate-limited.
    None,
    /// Wait this long, then try again.
    Wait(Duration),
}

/// The headers and message of a 403/429 response.
pub struct Seen<'a> {
    pub status: u16,
    pub remaining: Option<u64>,
    pub reset_epoch: Option<u64>,
    pub retry_after: Option<u64>,
    pub message: &'a str,
    /// Seconds since the epoch, now.
    pub now_epoch: u64,
    /// How many times this request was already rate-limited (for the backoff).
    pub previous: u32,
}

pub fn classify(s: &Seen) -> Limit {
    if s.status != 403 && s.status != 429 {
        return Limit::None;
    }
    let secondary = s.message.to_ascii_lowercase().contains("secondary rate limit");
    let until_reset = || {
        let reset = s.reset_epoch.unwrap_or(s.now_epoch + 60);
        // One second of margin: the reset is a whole second, clocks drift.
        Duration::from_secs(reset.saturating_sub(s.now_epoch) + 1)
    };
    if secondary {
        if let Some(secs) = s.retry_after {
            return Limit::Wait(Duration::from_secs(secs));
        }
        if s.remaining == Some(0) {
            return Limit::Wait(until_reset());
        }
        return Limit::Wait(Duration::from_secs(60u64.saturating_mul(1 << s.previous.min(4))));
    }
    if s.remaining == Some(0) {
        return Limit::Wait(until_reset());
    }
    if s.status == 429 {
        return Limit::Wait(Duration::from_secs(s.retry_after.unwrap_or(60)));
    }
    // A 403 with tokens left is a permission problem, not a limit.
    Limit::None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(status: u16, remaining: Option<u64>, retry_after: Option<u64>, message: &str, previous: u32) -> Seen<'_> {
        Seen {
            status,
            remaining,
            reset_epoch: Some(1_000_030),
            retry_after,
            message,
            now_epoch: 1_000_000,
            previous,
        }
    }

    #[test]
    fn primary_waits_for_the_reset() {
        assert_eq!(
            classify(&seen(403, Some(0), None, "API rate limit exceeded", 0)),
            Limit::Wait(Duration::from_secs(31))
        );
        assert_eq!(
            classify(&seen(429, Some(0), None, "", 0)),
            Limit::Wait(Duration::from_secs(31))
        );
    }

    #[test]
    fn secondary_prefers_retry_after_then_reset_then_backoff() {
        let m = "You have exceeded a secondary rate limit. Please wait a few minutes.";
        assert_eq!(
            classify(&seen(403, Some(10), Some(7), m, 0)),
            Limit::Wait(Duration::from_secs(7))
        );
        assert_eq!(
            classify(&seen(403, Some(0), None, m, 0)),
            Limit::Wait(Duration::from_secs(31))
        );
        assert_eq!(
            classify(&seen(403, Some(10), None, m, 0)),
            Limit::Wait(Duration::from_secs(60))
        );
        assert_eq!(
            classify(&seen(403, Some(10), None, m, 2)),
            Limit::Wait(Duration::from_secs(240))
        );
    }

    #[test]
    fn forbidden_is_not_a_limit() {
        assert_eq!(
            classify(&seen(
                403,
                Some(4999),
                None,
                "Resource not accessible by integration",
                0
            )),
            Limit::None
        );
        assert_eq!(classify(&seen(404, Some(0), None, "Not Found", 0)), Limit::None);
    }
}
