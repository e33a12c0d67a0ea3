//! What can go wrong running `git`, in words a user can act on.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("cannot run `git`: {source}\nhint: install git (it is on every GitHub runner; `apt-get install git`)")]
    Spawn {
        #[source]
        source: std::io::Error,
    },
    /// The server refused the credentials (or there were none and it wanted some).
    #[error(
        "{url}: the git server refused the credentials (HTTP 401/403)\nhint: check that the token is valid and may write to the repository (GITHUB_TOKEN needs `contents: write`)\ngit said: {stderr}"
    )]
    Auth { url: String, stderr: String },
    #[error("{url}: branch `{branch}` does not exist")]
    NoBranch { url: String, branch: String },
    /// The server refused the push for a reason a retry will not fix (a hook, a
    /// protected branch).
    #[error("{url}: the server rejected the push to `{branch}`: {reason}")]
    Rejected {
        url: String,
        branch: String,
        reason: String,
    },
    #[error("`git {args}` failed in {}: {stderr}", dir.display())]
    Failed { args: String, dir: PathBuf, stderr: String },
}
