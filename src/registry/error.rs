//! Registry errors: each names the registry and says what it answered, so a user can tell
//! a typo (unknown repository) from a credential problem from a registry having a bad day.

use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The registry (or its token server) answered with a status we cannot continue from.
    #[error("{registry}: {what} answered HTTP {status}{detail}{attempts}", attempts = Attempts(*.attempts))]
    Status {
        registry: String,
        what: String,
        status: u16,
        /// ` (CODE: message)` from the registry's error body, or empty.
        detail: String,
        attempts: u32,
    },

    /// No usable HTTP response: connection refused or reset, timeout, TLS failure.
    #[error("{registry}: {what} failed: {detail}{attempts}", attempts = Attempts(*.attempts))]
    Transport {
        registry: String,
        what: String,
        detail: String,
        attempts: u32,
    },

    /// A response arrived but is not what the protocol promises (bad JSON, digest mismatch).
    #[error("{registry}: {what}: {detail}{attempts}", attempts = Attempts(*.attempts))]
    Invalid {
        registry: String,
        what: String,
        detail: String,
        attempts: u32,
    },

    /// The registry asked us to wait longer than we are willing to.
    #[error("{registry}: {what} is rate limited (HTTP 429); the registry asks to retry after {}s, more than the {}s allowed{attempts}", .retry_after.as_secs(), .limit.as_secs(), attempts = Attempts(*.attempts))]
    RateLimited {
        registry: String,
        what: String,
        retry_after: Duration,
        limit: Duration,
        attempts: u32,
    },

    /// Authentication failed or is needed and impossible.
    #[error("{registry}: {detail}")]
    Auth { registry: String, detail: String },

    /// The repository, tag or digest does not exist.
    #[error("{registry}: {what} not found{detail}")]
    NotFound {
        registry: String,
        what: String,
        detail: String,
    },

    /// Bad configuration (CA bundle, credentials lookup).
    #[error("{0}")]
    Config(String),
}

/// Renders ` (after N attempts)` when there was more than one.
struct Attempts(u32);

impl std::fmt::Display for Attempts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0 > 1 {
            write!(f, " (gave up after {} attempts)", self.0)
        } else {
            Ok(())
        }
    }
}

/// The ` (CODE: message; ...)` suffix for an error body of the distribution spec
/// (`{"errors":[{"code":..,"message":..}]}`), or empty when the body is not one. Kept short:
/// a registry may echo a lot.
pub(crate) fn error_body_detail(body: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    struct Body {
        errors: Vec<Item>,
    }
    #[derive(serde::Deserialize)]
    struct Item {
        code: Option<String>,
        message: Option<String>,
    }
    let Ok(parsed) = serde_json::from_slice::<Body>(body) else {
        return String::new();
    };
    let parts: Vec<String> = parsed
        .errors
        .iter()
        .take(3)
        .map(|e| match (&e.code, &e.message) {
            (Some(c), Some(m)) if !m.is_empty() => format!("{c}: {}", truncate(m, 200)),
            (Some(c), _) => c.clone(),
            (None, Some(m)) => truncate(m, 200).to_string(),
            (None, None) => String::new(),
        })
        .filter(|s| !s.is_empty())
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join("; "))
    }
}

fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_become_a_short_suffix() {
        let body = br#"{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry","detail":{"name":"x"}}]}"#;
        assert_eq!(
            error_body_detail(body),
            " (NAME_UNKNOWN: repository name not known to registry)"
        );
        assert_eq!(error_body_detail(b"<html>502</html>"), "");
        assert_eq!(error_body_detail(br#"{"errors":[]}"#), "");
    }

    #[test]
    fn messages_name_the_registry_and_attempts() {
        let e = RegistryError::Status {
            registry: "ghcr.io".into(),
            what: "GET /v2/a/tags/list".into(),
            status: 503,
            detail: String::new(),
            attempts: 5,
        };
        assert_eq!(
            e.to_string(),
            "ghcr.io: GET /v2/a/tags/list answered HTTP 503 (gave up after 5 attempts)"
        );
    }
}
