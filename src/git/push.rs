//! Pushing, and telling a lost race from a refusal.
//!
//! A push to the target branch is never forced. When another run pushed first, the server
//! refuses ours as not a fast-forward (or, when both raced inside the server, fails to lock
//! or update the ref); that is a lost race, and the caller fetches the new head, re-applies
//! the edit and tries again. Anything else the server refuses (a hook, a protected branch,
//! credentials) is final.

use std::path::Path;

use super::{Git, GitError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushOutcome {
    Pushed,
    /// Another push moved the branch first; fetch and redo.
    LostRace(String),
}

/// Reasons (from `git push --porcelain`) that mean "someone else pushed first".
const RACE: &[&str] = &[
    "fetch first",
    "non-fast-forward",
    "stale info",
    "cannot lock ref",
    "failed to update ref",
    "incorrect old value",
    "reference already exists",
];

/// Push `HEAD` to `refs/heads/<branch>`. `lease` (`Some(old)`) force-pushes only if the
/// branch is still at `old` (or absent for `Some("")`): for tagbump's own work branches.
pub fn push(git: &Git, dir: &Path, branch: &str, lease: Option<&str>) -> Result<PushOutcome, GitError> {
    let refspec = format!("HEAD:refs/heads/{branch}");
    let lease_arg = lease.map(|old| format!("--force-with-lease=refs/heads/{branch}:{old}"));
    let mut args = vec!["push", "--porcelain", "--no-verify"];
    if let Some(l) = &lease_arg {
        args.push(l);
    }
    args.extend(["origin", &refspec]);
    let out = git.output(dir, &args, None)?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.success() {
        return Ok(PushOutcome::Pushed);
    }
    // Porcelain: `!\tHEAD:refs/heads/main\t[rejected] (fetch first)`.
    let reason = stdout
        .lines()
        .find(|l| l.starts_with('!'))
        .and_then(|l| l.splitn(3, '\t').nth(2))
        .map(str::to_string);
    let text = reason.clone().unwrap_or_else(|| stderr.trim().to_string());
    if RACE.iter().any(|r| text.contains(r)) {
        return Ok(PushOutcome::LostRace(text));
    }
    if let Some(reason) = reason {
        let hook = stderr
            .lines()
            .filter(|l| l.starts_with("remote:"))
            .map(|l| l.trim_start_matches("remote:").trim())
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("; ");
        return Err(GitError::Rejected {
            url: git.url().to_string(),
            branch: branch.to_string(),
            reason: if hook.is_empty() {
                reason
            } else {
                format!("{reason}: {hook}")
            },
        });
    }
    Err(git.failure(dir, &args, &out))
}
