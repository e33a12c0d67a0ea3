//! When and how long to wait before trying a request again.
//!
//! Registries shed load with `429` (Docker Hub's pull limits, GHCR's secondary limits) and
//! `502/503/504` behind load balancers, and connections get reset. Retrying those is what
//! keeps a CI job green; retrying anything else (`401`, `404`) only hides the real problem.
//! Waits grow exponentially with random jitter, so a fleet of CI jobs that failed together
//! does not retry together; a `Retry-After` from the registry is honoured as a floor, up to a
//! limit beyond which waiting is worse than failing with a clear message.

use std::time::{Duration, SystemTime};

#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts per request in all, first one included (at least 1).
    pub attempts: u32,
    /// The first backoff; each further one doubles, up to `max_backoff`.
    pub base: Duration,
    pub max_backoff: Duration,
    /// The longest `Retry-After` we wait for; a longer one fails the request at once.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 5,
            base: Duration::from_millis(250),
            max_backoff: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// The wait before attempt `attempt + 1` (0-based `attempt` that just failed): half the
    /// exponential step plus a random share of the other half ("equal jitter"), so it is
    /// never zero and never more than the step.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let step = self
            .base
            .saturating_mul(1u32.checked_shl(attempt.min(16)).unwrap_or(u32::MAX))
            .min(self.max_backoff);
        let half = step / 2;
        half + half.mul_f64(fastrand::f64())
    }
}

/// Whether a status is worth another attempt.
pub fn retryable_status(status: u16) -> bool {
    matches!(status, 408 | 429 | 500 | 502 | 503 | 504)
}

/// `Retry-After` as seconds or an HTTP date (RFC 9110 §10.2.3); a date in the past is zero.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_with_jitter_within_bounds() {
        let p = RetryPolicy {
            attempts: 10,
            base: Duration::from_millis(100),
            max_backoff: Duration::from_secs(1),
            max_retry_after: Duration::from_secs(5),
        };
        for _ in 0..200 {
            let d0 = p.backoff(0);
            assert!(
                d0 >= Duration::from_millis(50) && d0 <= Duration::from_millis(100),
                "{d0:?}"
            );
            let d3 = p.backoff(3);
            assert!(
                d3 >= Duration::from_millis(400) && d3 <= Duration::from_millis(800),
                "{d3:?}"
            );
            let d9 = p.backoff(9);
            assert!(
                d9 >= Duration::from_millis(500) && d9 <= Duration::from_secs(1),
                "{d9:?}"
            );
            assert!(p.backoff(u32::MAX) <= Duration::from_secs(1));
        }
        let spread: std::collections::HashSet<_> = (0..50).map(|_| p.backoff(2)).collect();
        assert!(spread.len() > 10, "backoff has no jitter: {spread:?}");
    }

    #[test]
    fn retry_after_forms() {
        let now = httpdate::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        assert_eq!(parse_retry_after("120", now), Some(Duration::from_secs(120)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:50:07 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-5", now), None);
    }

    #[test]
    fn which_statuses_retry() {
        for s in [408, 429, 500, 502, 503, 504] {
            assert!(retryable_status(s), "{s}");
        }
        for s in [200, 400, 401, 403, 404, 405, 501] {
            assert!(!retryable_status(s), "{s}");
        }
    }
}
