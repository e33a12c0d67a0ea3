//! The primary rate limit, as GitHub reports it on every response: `x-ratelimit-limit`,
//! `-remaining`, `-used`, `-reset` (UTC epoch seconds, real time: a client computes its wait
//! from it) and `-resource: core`. Every request the stand-in answers spends one unit; when
//! the budget is spent, requests answer 403 "API rate limit exceeded" until the window resets.

use std::time::{SystemTime, UNIX_EPOCH};

pub fn epoch_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("the clock is after 1970")
        .as_secs()
}

#[derive(Clone, Debug)]
pub struct RateLimit {
    pub limit: u32,
    pub used: u32,
    /// When the window resets (epoch seconds).
    pub reset: u64,
    /// Length of a window in seconds (GitHub: one hour).
    pub window: u64,
}

impl RateLimit {
    pub fn new(limit: u32, window: u64) -> RateLimit {
        RateLimit {
            limit,
            used: 0,
            reset: epoch_now() + window,
            window,
        }
    }

    pub fn remaining(&self) -> u32 {
        self.limit.saturating_sub(self.used)
    }

    /// Spend one unit; `false` when none is left (the request is refused).
    pub fn take(&mut self) -> bool {
        let now = epoch_now();
        if now >= self.reset {
            self.used = 0;
            self.reset = now + self.window;
        }
        if self.remaining() == 0 {
            return false;
        }
        self.used += 1;
        true
    }

    pub fn headers(&self) -> Vec<(String, String)> {
        vec![
            ("x-ratelimit-limit".into(), self.limit.to_string()),
            ("x-ratelimit-remaining".into(), self.remaining().to_string()),
            ("x-ratelimit-used".into(), self.used.to_string()),
            ("x-ratelimit-reset".into(), self.reset.to_string()),
            ("x-ratelimit-resource".into(), "core".into()),
        ]
    }
}

/// GitHub's message for an exhausted primary limit.
pub const PRIMARY_MESSAGE: &str = "API rate limit exceeded for installation. If you reach out to GitHub Support for help, \
     please include the request ID.";

/// GitHub's message for a secondary limit.
pub const SECONDARY_MESSAGE: &str = "You have exceeded a secondary rate limit. Please wait a few minutes before you try \
     again. If you reach out to GitHub Support for help, please include the request ID.";

pub const DOCS_PRIMARY: &str =
    "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#exceeding-the-rate-limit";
pub const DOCS_SECONDARY: &str =
    "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits";
