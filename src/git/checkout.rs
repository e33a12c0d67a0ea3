//! A scratch checkout of one branch of the config repo, in a temporary directory.
//!
//! tagbump never edits the user's own working tree when it commits: it fetches the branch
//! (shallow: one commit is all an edit needs) into a directory of its own, edits, commits
//! and pushes from there, and deletes it at the end. A run that fails leaves nothing
//! behind, and a race is retried by fetching the new head into the same directory.

use std::path::Path;

use super::{Git, GitError};

pub struct Checkout {
    dir: tempfile::TempDir,
    /// The branch checked out (the target branch).
    pub branch: String,
    /// The commit it is at.
    pub head: String,
}

impl Checkout {
    /// Fetch `branch` (the remote's default branch when `None`) into a new scratch
    /// directory.
    pub fn open(git: &Git, branch: Option<&str>) -> Result<Checkout, GitError> {
        let dir = tempfile::Builder::new()
            .prefix("tagbump-")
            .tempdir()
            .map_err(|source| GitError::Spawn { source })?;
        let d = dir.path();
        git.run(d, &["init", "-q"])?;
        git.run(d, &["remote", "add", "origin", git.url()])?;
        let branch = match branch {
            Some(b) => b.strip_prefix("refs/heads/").unwrap_or(b).to_string(),
            None => default_branch(git, d)?,
        };
        let mut checkout = Checkout {
            dir,
            branch,
            head: String::new(),
        };
        checkout.refresh(git)?;
        Ok(checkout)
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Fetch the branch's current head and reset the work tree to it (after a lost race).
    pub fn refresh(&mut self, git: &Git) -> Result<(), GitError> {
        let d = self.dir.path();
        let refspec = format!("+refs/heads/{b}:refs/remotes/origin/{b}", b = self.branch);
        let out = git.output(d, &["fetch", "-q", "--depth=1", "--no-tags", "origin", &refspec], None)?;
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            if stderr.contains("couldn't find remote ref") {
                return Err(GitError::NoBranch {
                    url: git.url().to_string(),
                    branch: self.branch.clone(),
                });
            }
            return Err(git.failure(d, &["fetch", "origin", &refspec], &out));
        }
        let remote = format!("refs/remotes/origin/{}", self.branch);
        git.run(d, &["checkout", "-q", "--force", "-B", &self.branch, &remote])?;
        self.head = git.run(d, &["rev-parse", "HEAD"])?.trim().to_string();
        Ok(())
    }

    /// The head of another branch on the remote, `None` when it does not exist.
    pub fn remote_head(&self, git: &Git, branch: &str) -> Result<Option<String>, GitError> {
        let out = git.run(
            self.dir(),
            &["ls-remote", "--heads", "origin", &format!("refs/heads/{branch}")],
        )?;
        Ok(out.split_whitespace().next().map(str::to_string))
    }

    /// Fetch another branch (shallow) and return its head; `None` when it does not exist.
    pub fn fetch_branch(&self, git: &Git, branch: &str) -> Result<Option<String>, GitError> {
        if self.remote_head(git, branch)?.is_none() {
            return Ok(None);
        }
        let refspec = format!("+refs/heads/{branch}:refs/remotes/origin/{branch}");
        git.run(
            self.dir(),
            &["fetch", "-q", "--depth=2", "--no-tags", "origin", &refspec],
        )?;
        let head = git.run(self.dir(), &["rev-parse", &format!("refs/remotes/origin/{branch}")])?;
        Ok(Some(head.trim().to_string()))
    }

    /// Stage `paths` and commit them with `message`, as `author` (also the committer).
    /// Returns the new commit's id.
    pub fn commit(&self, git: &Git, paths: &[&Path], message: &str, author: (&str, &str)) -> Result<String, GitError> {
        let d = self.dir();
        let mut args: Vec<String> = vec!["add".into(), "--".into()];
        args.extend(paths.iter().map(|p| p.to_string_lossy().into_owned()));
        git.run(d, &args.iter().map(String::as_str).collect::<Vec<_>>())?;
        let (name, email) = author;
        let ident = [format!("user.name={name}"), format!("user.email={email}")];
        git.run_with_stdin(
            d,
            &[
                "-c",
                &ident[0],
                "-c",
                &ident[1],
                "commit",
                "-q",
                "--no-verify",
                "--cleanup=verbatim",
                "-F",
                "-",
            ],
            Some(message),
        )?;
        Ok(git.run(d, &["rev-parse", "HEAD"])?.trim().to_string())
    }

    /// The tree id of a commit.
    pub fn tree_of(&self, git: &Git, commit: &str) -> Result<String, GitError> {
        Ok(git
            .run(self.dir(), &["rev-parse", &format!("{commit}^{{tree}}")])?
            .trim()
            .to_string())
    }
}

fn default_branch(git: &Git, dir: &Path) -> Result<String, GitError> {
    let out = git.run(dir, &["ls-remote", "--symref", "origin", "HEAD"])?;
    out.lines()
        .find_map(|l| l.strip_prefix("ref: refs/heads/").and_then(|r| r.split('\t').next()))
        .map(str::to_string)
        .ok_or_else(|| GitError::NoBranch {
            url: git.url().to_string(),
            branch: "(default branch: the repository is empty)".into(),
        })
}
