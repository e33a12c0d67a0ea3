//! The four ways a prepared change reaches the config repo: a commit made by `git` or by
//! GitHub's API, on the target branch (push mode) or on a work branch (pull-request mode).
//!
//! Each returns [`Written::LostRace`] when someone else moved the branch first; the loop
//! in [`super::attempt`] then fetches the new head and re-applies the edits.

use std::path::Path;

use super::UpdateError;
use super::api::Api;
use crate::edit::file::FileEdit;
use crate::git::push::{self, PushOutcome};
use crate::git::{Checkout, Git};
use crate::github::{RefUpdate, TreeEntry};

pub enum Written {
    /// The branch now holds this commit.
    Done {
        commit: String,
        verified: Option<bool>,
    },
    /// The work branch already held exactly this change: nothing was written.
    Unchanged {
        commit: String,
    },
    LostRace(String),
}

pub struct Target<'a> {
    /// The branch to write: the target branch (push) or the work branch.
    pub branch: &'a str,
    /// Pull-request mode: the work branch is tagbump's own, replaced on each run.
    pub work_branch: bool,
}

/// Commit with git (in the scratch checkout, edits already written there) and push.
pub fn by_git(
    git: &Git,
    co: &Checkout,
    files: &[FileEdit],
    message: &str,
    author: (&str, &str),
    t: &Target,
) -> Result<Written, UpdateError> {
    let paths: Vec<&Path> = files.iter().map(|f| f.path.as_path()).collect();
    let commit = co.commit(git, &paths, message, author)?;
    let lease = if t.work_branch {
        let old = co.fetch_branch(git, t.branch)?;
        if let Some(old) = &old
            && same_change(git, co, old, &commit)?
        {
            return Ok(Written::Unchanged { commit: old.clone() });
        }
        Some(old.unwrap_or_default())
    } else {
        None
    };
    match push::push(git, co.dir(), t.branch, lease.as_deref())? {
        PushOutcome::Pushed => Ok(Written::Done { commit, verified: None }),
        PushOutcome::LostRace(why) => Ok(Written::LostRace(why)),
    }
}

/// Whether `old` (the work branch) is `new`'s change already: same parent, same tree.
fn same_change(git: &Git, co: &Checkout, old: &str, new: &str) -> Result<bool, UpdateError> {
    let parent = |c: &str| -> Result<Option<String>, UpdateError> {
        let out = git.output(co.dir(), &["rev-parse", "--verify", "-q", &format!("{c}^")], None)?;
        Ok(out
            .status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string()))
    };
    Ok(co.tree_of(git, old)? == co.tree_of(git, new)? && parent(old)? == parent(new)?)
}

/// Create the commit through the Git Data API (GitHub signs it) and move the branch.
pub fn by_api(
    api: &Api,
    git: &Git,
    co: &Checkout,
    files: &[FileEdit],
    message: &str,
    t: &Target,
) -> Result<Written, UpdateError> {
    let gh = &api.gh;
    let mut entries = Vec::new();
    for f in files {
        let path = f.path.to_string_lossy().replace('\\', "/");
        let blob = api.block(gh.create_blob(f.updated.as_bytes()))?;
        entries.push(TreeEntry {
            mode: file_mode(git, co, &path)?,
            path,
            blob,
        });
    }
    let base_tree = co.tree_of(git, &co.head)?;
    let tree = api.block(gh.create_tree(&base_tree, &entries))?;
    if t.work_branch
        && let Some(old) = api.block(gh.branch_head(t.branch))?
    {
        // Unchanged when the work branch is already this change on this base. The old
        // commit is read through git (already fetched or cheap to fetch).
        if let Some(old_local) = co.fetch_branch(git, t.branch)?
            && old_local == old
            && co.tree_of(git, &old)? == tree
        {
            let out = git.output(co.dir(), &["rev-parse", "--verify", "-q", &format!("{old}^")], None)?;
            if String::from_utf8_lossy(&out.stdout).trim() == co.head {
                return Ok(Written::Unchanged { commit: old });
            }
        }
        let commit = api.block(gh.create_commit(message, &tree, &co.head))?;
        let verified = commit.verification.map(|v| v.verified);
        return match api.block(gh.update_branch(t.branch, &commit.sha, true))? {
            RefUpdate::Moved => Ok(Written::Done {
                commit: commit.sha,
                verified,
            }),
            RefUpdate::Conflict(why) => Ok(Written::LostRace(why)),
        };
    }
    let commit = api.block(gh.create_commit(message, &tree, &co.head))?;
    let verified = commit.verification.map(|v| v.verified);
    let moved = if t.work_branch {
        api.block(gh.create_branch(t.branch, &commit.sha))?
    } else {
        api.block(gh.update_branch(t.branch, &commit.sha, false))?
    };
    match moved {
        RefUpdate::Moved => Ok(Written::Done {
            commit: commit.sha,
            verified,
        }),
        RefUpdate::Conflict(why) => Ok(Written::LostRace(why)),
    }
}

/// The git mode of a file in the checkout (`100644`, `100755`).
fn file_mode(git: &Git, co: &Checkout, path: &str) -> Result<String, UpdateError> {
    let out = git.run(co.dir(), &["ls-files", "-s", "--", path])?;
    Ok(out.split_whitespace().next().unwrap_or("100644").to_string())
}
