//! Faults a test injects: the next matching request (or the next `times` of them) gets an
//! error GitHub could send instead of its real answer, or a concurrent writer moves a branch
//! just before the request is handled. Faults fire in the order they were injected; a spent
//! fault is dropped. Matching is on method and path (exact, or a prefix ending in `*`).
//!
//! ```ignore
//! gh.inject(Fault::status(409).on("PATCH", "/repos/acme/config/git/refs/heads/main"));
//! gh.inject(Fault::secondary_rate_limit().retry_after(1).on("POST", "/repos/acme/config/*").times(2));
//! gh.inject(Fault::primary_rate_limit().status_code(429).reset_in(2));
//! gh.inject(Fault::advance_branch("main", &[("other.yaml", "x: 1\n")]).on("PATCH", "/repos/acme/config/git/refs/heads/main"));
//! ```

use super::ratelimit::{DOCS_PRIMARY, DOCS_SECONDARY, PRIMARY_MESSAGE, SECONDARY_MESSAGE, epoch_now};
use super::wire::{DOCS, Reply};

#[derive(Clone, Debug, PartialEq)]
pub enum FaultKind {
    /// Answer this status with GitHub's error body for it (`message` replaces the default).
    Status { code: u16, message: Option<String> },
    /// The primary limit is spent: 403 (or 429), `x-ratelimit-remaining: 0`, reset in
    /// `reset_in` seconds.
    PrimaryRateLimit { code: u16, reset_in: u64 },
    /// A secondary limit: 403 (or 429) with GitHub's message, and `retry-after` if set.
    SecondaryRateLimit { code: u16, retry_after: Option<u64> },
    /// Another writer pushes a commit changing `files` to `branch` of the request's repository,
    /// then the request is handled as usual.
    AdvanceBranch {
        branch: String,
        files: Vec<(String, Vec<u8>)>,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Fault {
    pub kind: FaultKind,
    /// `None`: any method.
    pub method: Option<String>,
    /// `None`: any path; a trailing `*` matches by prefix.
    pub path: Option<String>,
    /// How many more requests it fires on.
    pub times: u32,
}

impl Fault {
    fn new(kind: FaultKind) -> Fault {
        Fault {
            kind,
            method: None,
            path: None,
            times: 1,
        }
    }

    /// Answer `code` with GitHub's body for it: 401 "Bad credentials", 403 "Resource not
    /// accessible by integration", 404 "Not Found", 409 "Conflict", 422 "Validation Failed"
    /// (with empty `errors`), 5xx "Server Error".
    pub fn status(code: u16) -> Fault {
        Fault::new(FaultKind::Status { code, message: None })
    }

    /// The primary limit, spent (403; see [`Fault::status_code`] for 429). Resets in 60 s.
    pub fn primary_rate_limit() -> Fault {
        Fault::new(FaultKind::PrimaryRateLimit {
            code: 403,
            reset_in: 60,
        })
    }

    /// A secondary limit (403 without `retry-after`; see [`Fault::retry_after`]).
    pub fn secondary_rate_limit() -> Fault {
        Fault::new(FaultKind::SecondaryRateLimit {
            code: 403,
            retry_after: None,
        })
    }

    /// A concurrent push to `branch` just before the matching request is handled.
    pub fn advance_branch<B: AsRef<[u8]>>(branch: &str, files: &[(&str, B)]) -> Fault {
        Fault::new(FaultKind::AdvanceBranch {
            branch: branch.to_string(),
            files: files
                .iter()
                .map(|(p, b)| (p.to_string(), b.as_ref().to_vec()))
                .collect(),
        })
    }

    /// Only requests with this method (`*`: any) and path (exact; a trailing `*` is a prefix).
    pub fn on(mut self, method: &str, path: &str) -> Fault {
        self.method = (method != "*").then(|| method.to_string());
        self.path = Some(path.to_string());
        self
    }

    pub fn times(mut self, n: u32) -> Fault {
        self.times = n;
        self
    }

    /// The error message of a [`Fault::status`].
    pub fn message(mut self, text: &str) -> Fault {
        if let FaultKind::Status { message, .. } = &mut self.kind {
            *message = Some(text.to_string());
        }
        self
    }

    /// 403 or 429 for a rate-limit fault.
    pub fn status_code(mut self, status: u16) -> Fault {
        match &mut self.kind {
            FaultKind::PrimaryRateLimit { code, .. } | FaultKind::SecondaryRateLimit { code, .. } => *code = status,
            other => panic!("status_code on {other:?}: use Fault::status"),
        }
        self
    }

    pub fn reset_in(mut self, seconds: u64) -> Fault {
        if let FaultKind::PrimaryRateLimit { reset_in, .. } = &mut self.kind {
            *reset_in = seconds;
        }
        self
    }

    pub fn retry_after(mut self, seconds: u64) -> Fault {
        if let FaultKind::SecondaryRateLimit { retry_after, .. } = &mut self.kind {
            *retry_after = Some(seconds);
        }
        self
    }

    pub fn matches(&self, method: &str, path: &str) -> bool {
        let method_ok = self.method.as_deref().is_none_or(|m| m.eq_ignore_ascii_case(method));
        let path_ok = match self.path.as_deref() {
            None => true,
            Some(p) => match p.strip_suffix('*') {
                Some(prefix) => path.starts_with(prefix),
                None => p == path,
            },
        };
        method_ok && path_ok
    }

    /// The answer of a fault that replaces the response (`None` for [`FaultKind::AdvanceBranch`]).
    /// Rate-limit faults set their own `x-ratelimit-*` headers, which win over the usual ones.
    pub fn reply(&self, limit: u32) -> Option<Reply> {
        Some(match &self.kind {
            FaultKind::Status { code, message } => {
                let default = match code {
                    401 => "Bad credentials",
                    403 => "Resource not accessible by integration",
                    404 => "Not Found",
                    409 => "Conflict",
                    422 => "Validation Failed",
                    500 => "Internal Server Error",
                    502 => "Server Error",
                    503 => "Service Unavailable",
                    _ => "Error",
                };
                let message = message.as_deref().unwrap_or(default);
                if *code == 422 {
                    Reply::validation(message, Vec::new(), DOCS)
                } else {
                    Reply::error(*code, message, DOCS)
                }
            }
            FaultKind::PrimaryRateLimit { code, reset_in } => Reply::error(*code, PRIMARY_MESSAGE, DOCS_PRIMARY)
                .header("x-ratelimit-remaining", "0")
                .header("x-ratelimit-used", limit.to_string())
                .header("x-ratelimit-reset", (epoch_now() + reset_in).to_string()),
            FaultKind::SecondaryRateLimit { code, retry_after } => {
                let r = Reply::error(*code, SECONDARY_MESSAGE, DOCS_SECONDARY);
                match retry_after {
                    Some(s) => r.header("retry-after", s.to_string()),
                    None => r,
                }
            }
            FaultKind::AdvanceBranch { .. } => return None,
        })
    }
}
