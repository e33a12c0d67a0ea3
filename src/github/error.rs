//! GitHub API failures, with what GitHub said (its `message` and validation errors), never
//! the request's credentials.

#[derive(Debug, thiserror::Error)]
pub enum GitHubError {
    #[error("GitHub API at {api}: cannot build the client: {message}")]
    Setup { api: String, message: String },
    #[error("GitHub API: {method} {path}: {message}")]
    Transport {
        method: String,
        path: String,
        message: String,
    },
    #[error("GitHub API: {method} {path}: HTTP {status}: {message}{hint}")]
    Status {
        method: String,
        path: String,
        status: u16,
        message: String,
        /// A sentence on what to do, for the statuses that have one.
        hint: String,
    },
    #[error(
        "GitHub API: {method} {path}: rate limit exhausted; it resets in {wait_secs} s, more than tagbump waits ({max_secs} s)"
    )]
    RateLimited {
        method: String,
        path: String,
        wait_secs: u64,
        max_secs: u64,
    },
    #[error("GitHub API: {method} {path}: unexpected response: {message}")]
    Invalid {
        method: String,
        path: String,
        message: String,
    },
}

impl GitHubError {
    pub fn status(&self) -> Option<u16> {
        match self {
            GitHubError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// GitHub's message (for matching known 422 texts).
    pub fn message(&self) -> &str {
        match self {
            GitHubError::Status { message, .. }
            | GitHubError::Transport { message, .. }
            | GitHubError::Invalid { message, .. } => message,
            _ => "",
        }
    }
}

/// What to tell the user for a status.
pub fn hint(status: u16) -> &'static str {
    match status {
        401 => "\nhint: the token is invalid or expired",
        403 => {
            "\nhint: the token lacks a permission (contents: write, pull-requests: write, actions: write), or the repository forbids it"
        }
        404 => "\nhint: the repository, branch or workflow does not exist, or the token cannot see it",
        _ => "",
    }
}
