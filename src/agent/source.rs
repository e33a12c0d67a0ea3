//! A source: one branch of a config repo, fetched shallow into the agent's own directory.
//!
//! Each sync fetches the branch's head (depth 1: the agent never needs history) and reads
//! two things: the commit and the digest of the source's path in it (git's tree id of that
//! directory). When both equal the last successful sync's, nothing under the path changed
//! and the render and apply are skipped; a commit that touched only other paths of the
//! repository costs one fetch. Credentials reach git as in `tagbump update` (environment
//! only, see [`crate::git::auth`]).

use std::path::{Path, PathBuf};

use crate::git::{Git, GitAuth, GitError};

/// What a fetch found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revision {
    pub commit: String,
    /// Git's tree id of the source's path (the whole tree for `.`).
    pub path_digest: String,
    /// The commit's committer time, seconds since the epoch (for commit-to-applied).
    pub committed_at: i64,
}

pub struct Source {
    git: Git,
    dir: PathBuf,
    branch: String,
    path: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error(transparent)]
    Git(#[from] GitError),
    #[error("{url}: branch `{branch}` has no path `{path}`")]
    NoPath { url: String, branch: String, path: String },
    #[error("{}: {source}", dir.display())]
    Dir {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl Source {
    /// A source whose checkout lives in `dir` (created on first fetch, reused after).
    pub fn new(url: &str, branch: &str, path: &str, dir: &Path, auth: Option<&GitAuth>) -> Source {
        let path = path.trim_matches('/');
        Source {
            git: Git::new(url, auth),
            dir: dir.to_path_buf(),
            branch: branch.to_string(),
            path: if path.is_empty() { ".".into() } else { path.to_string() },
        }
    }

    /// The directory to render: the path inside the checkout.
    pub fn render_dir(&self) -> PathBuf {
        self.dir.join(&self.path)
    }

    /// Fetch the branch's head and check it out; the revision found.
    pub fn fetch(&self) -> Result<Revision, SourceError> {
        let d = &self.dir;
        if !d.join(".git").is_dir() {
            fs_err::create_dir_all(d).map_err(|source| SourceError::Dir { dir: d.clone(), source })?;
            self.git.run(d, &["init", "-q"])?;
            self.git.run(d, &["remote", "add", "origin", self.git.url()])?;
        }
        let refspec = format!("+refs/heads/{b}:refs/remotes/origin/{b}", b = self.branch);
        let out = self
            .git
            .output(d, &["fetch", "-q", "--depth=1", "--no-tags", "origin", &refspec], None)?;
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            if stderr.contains("couldn't find remote ref") {
                return Err(GitError::NoBranch {
                    url: self.git.url().to_string(),
                    branch: self.branch.clone(),
                }
                .into());
            }
            return Err(self.git.failure(d, &["fetch", "origin", &refspec], &out).into());
        }
        let remote = format!("refs/remotes/origin/{}", self.branch);
        let commit = self.git.run(d, &["rev-parse", &remote])?.trim().to_string();
        let spec = if self.path == "." {
            format!("{commit}^{{tree}}")
        } else {
            format!("{commit}:{}", self.path)
        };
        let digest = self.git.output(d, &["rev-parse", "--verify", "-q", &spec], None)?;
        if !digest.status.success() {
            return Err(SourceError::NoPath {
                url: self.git.url().to_string(),
                branch: self.branch.clone(),
                path: self.path.clone(),
            });
        }
        self.git.run(d, &["checkout", "-q", "--force", "--detach", &commit])?;
        // Files the render may have left (a KCL cache, a generated file) go too.
        self.git.run(d, &["clean", "-q", "-d", "-f", "-x"])?;
        let time = self.git.run(d, &["log", "-1", "--format=%ct", &commit])?;
        Ok(Revision {
            commit,
            path_digest: String::from_utf8_lossy(&digest.stdout).trim().to_string(),
            committed_at: time.trim().parse().unwrap_or(0),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn git(dir: &Path, args: &[&str]) -> String {
        let out = std::process::Command::new("git")
            .args(args)
            .current_dir(dir)
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@x")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@x")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// A local repository (file transport: the git server tests cover HTTP and auth).
    #[test]
    fn path_digest_changes_only_when_the_path_does() {
        let tmp = tempfile::tempdir().unwrap();
        let up = tmp.path().join("up");
        fs_err::create_dir_all(up.join("envs/prod")).unwrap();
        git(&up, &["init", "-q", "-b", "main"]);
        fs_err::write(up.join("envs/prod/cm.yaml"), "a: 1\n").unwrap();
        fs_err::write(up.join("README.md"), "x\n").unwrap();
        git(&up, &["add", "-A"]);
        git(&up, &["commit", "-q", "-m", "one"]);
        let src = Source::new(up.to_str().unwrap(), "main", "envs/prod/", &tmp.path().join("co"), None);
        let r1 = src.fetch().unwrap();
        assert_eq!(r1.commit, git(&up, &["rev-parse", "HEAD"]));
        assert_eq!(
            fs_err::read_to_string(src.render_dir().join("cm.yaml")).unwrap(),
            "a: 1\n"
        );
        // Another path changes: new commit, same digest.
        fs_err::write(up.join("README.md"), "y\n").unwrap();
        git(&up, &["commit", "-q", "-am", "docs"]);
        let r2 = src.fetch().unwrap();
        assert_ne!(r2.commit, r1.commit);
        assert_eq!(r2.path_digest, r1.path_digest);
        // The path changes: new digest, new content checked out.
        fs_err::write(up.join("envs/prod/cm.yaml"), "a: 2\n").unwrap();
        git(&up, &["commit", "-q", "-am", "bump"]);
        let r3 = src.fetch().unwrap();
        assert_ne!(r3.path_digest, r2.path_digest);
        assert_eq!(
            fs_err::read_to_string(src.render_dir().join("cm.yaml")).unwrap(),
            "a: 2\n"
        );
        assert!(r3.committed_at > 1_600_000_000);
        // A path the branch lacks, a branch the repo lacks.
        let e = Source::new(up.to_str().unwrap(), "main", "envs/nope", &tmp.path().join("co2"), None)
            .fetch()
            .unwrap_err();
        assert!(e.to_string().contains("has no path `envs/nope`"), "{e}");
        let e = Source::new(up.to_str().unwrap(), "nope", ".", &tmp.path().join("co3"), None)
            .fetch()
            .unwrap_err();
        assert!(e.to_string().contains("branch `nope` does not exist"), "{e}");
    }
}
