//! A stand-in repository linked to a bare git repository on disk
//! ([`super::super::GitHubStandIn::link_bare_repo`]).
//!
//! On GitHub one repository answers both protocols: a commit pushed over git is at once one
//! the Git Data API can build on, and a commit made through the API can be fetched at once.
//! `tagbump update --via api` relies on that: it reads the config repository with `git fetch`,
//! then writes through the API with the fetched head as the new commit's parent and its tree
//! as `base_tree`. In the tests git is served by a real git server (testenv's `GitServer`) and
//! the API by the stand-in, two processes with two stores; the link makes them one repository
//! again, with the bare repository as the truth:
//!
//! - before every request for the repository, and every look the test takes through the
//!   handle, the stand-in reads the bare repository's branches (`for-each-ref`) and, when they
//!   moved, imports every object it lacks (`cat-file --batch`) under git's own SHA; its branch
//!   table then mirrors the bare repository's (`sync`);
//! - the objects the stand-in makes (API blobs, trees, commits; seeded commits) are written to
//!   the bare repository with the same bytes as the request that made them ends, through
//!   `hash-object -w`, which also checks them the way git checks what it stores (`flush`);
//! - a ref moves only by `update-ref NAME NEW OLD` (`OLD` all zeros to create): a
//!   compare-and-swap against the tip the stand-in checked, so a push landing between the
//!   API's check and its write is not overwritten. The handler looks again and answers as
//!   GitHub does (422 "Update is not a fast forward", "Reference already exists")
//!   (`swap_ref`). Fast-forward checks walk the imported commits.
//!
//! Each sync costs one `git` run when nothing moved, and each object written one more: the
//! test repositories are small, and the state lock keeps requests in order as before. Only
//! branches are mirrored: tags can be annotated tag objects, which the object store does not
//! hold (refs the API creates outside `refs/heads/` are still written to the bare repository).

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use super::{Repo, parse};
use crate::testenv::isolate_git;

/// The old value `update-ref` takes for "must not exist yet".
const NO_OBJECT: &str = "0000000000000000000000000000000000000000";

#[derive(Debug)]
pub struct Link {
    git_dir: PathBuf,
    /// The branches as the last sync saw them (or the stand-in last moved them): while the bare
    /// repository's are the same, a sync reads nothing else.
    seen: BTreeMap<String, String>,
}

/// Why a ref did not move.
#[derive(Debug)]
pub enum RefError {
    /// It was not where the caller last saw it (another writer moved, created or deleted it);
    /// `actual` is where it is now (`None`: nowhere).
    Moved { actual: Option<String> },
    /// The linked repository failed: a stand-in bug, or a repository it cannot mirror.
    Link(String),
}

impl std::fmt::Display for RefError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RefError::Moved { actual: Some(sha) } => write!(f, "the ref moved to {sha} meanwhile"),
            RefError::Moved { actual: None } => write!(f, "the ref was deleted or created meanwhile"),
            RefError::Link(e) => f.write_str(e),
        }
    }
}

impl Link {
    /// `git --git-dir DIR ARGS` with `stdin`, isolated from the machine's and the user's git
    /// config; its output whatever the exit status.
    fn run(&self, args: &[&str], stdin: &[u8]) -> Result<Output, String> {
        let mut cmd = Command::new("git");
        // No HOME: the link must not depend on who runs the tests.
        isolate_git(&mut cmd, Path::new("/nonexistent"))
            .env("GIT_COMMITTER_NAME", "GitHub stand-in")
            .env("GIT_COMMITTER_EMAIL", "stand-in@github.invalid")
            .arg("--git-dir")
            .arg(&self.git_dir)
            .args(args)
            .stdin(if stdin.is_empty() {
                Stdio::null()
            } else {
                Stdio::piped()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().map_err(|e| format!("cannot run git: {e}"))?;
        // Written from a thread: `cat-file --batch` answers while it still reads.
        let writer = child.stdin.take().map(|mut pipe| {
            let input = stdin.to_vec();
            std::thread::spawn(move || pipe.write_all(&input))
        });
        let out = child.wait_with_output().map_err(|e| format!("git {}: {e}", args[0]))?;
        if let Some(w) = writer {
            let _ = w.join();
        }
        Ok(out)
    }

    /// [`Link::run`], failing with git's message when git fails.
    fn ok(&self, args: &[&str], stdin: &[u8]) -> Result<Vec<u8>, String> {
        let out = self.run(args, stdin)?;
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            return Err(format!("git {} failed: {}", args.join(" "), stderr.trim()));
        }
        Ok(out.stdout)
    }

    /// Every branch: `refs/heads/NAME` → SHA.
    fn heads(&self) -> Result<BTreeMap<String, String>, String> {
        let out = self.ok(
            &["for-each-ref", "--format=%(objectname) %(refname)", "refs/heads/"],
            b"",
        )?;
        let text = String::from_utf8_lossy(&out);
        Ok(text
            .lines()
            .filter_map(|l| l.split_once(' '))
            .map(|(sha, name)| (name.to_string(), sha.to_string()))
            .collect())
    }

    /// Every object in the repository: (SHA, kind).
    fn objects(&self) -> Result<Vec<(String, String)>, String> {
        let args = [
            "cat-file",
            "--batch-all-objects",
            "--unordered",
            "--batch-check=%(objectname) %(objecttype)",
        ];
        let out = self.ok(&args, b"")?;
        let text = String::from_utf8_lossy(&out);
        Ok(text
            .lines()
            .filter_map(|l| l.split_once(' '))
            .map(|(sha, kind)| (sha.to_string(), kind.to_string()))
            .collect())
    }

    /// The objects `shas`: (SHA, kind, bytes).
    fn read(&self, shas: &[String]) -> Result<Vec<(String, String, Vec<u8>)>, String> {
        if shas.is_empty() {
            return Ok(Vec::new());
        }
        let input: String = shas.iter().map(|s| format!("{s}\n")).collect();
        let out = self.ok(&["cat-file", "--batch"], input.as_bytes())?;
        let mut rest = out.as_slice();
        let mut objects = Vec::new();
        while !rest.is_empty() {
            let eol = rest
                .iter()
                .position(|&b| b == b'\n')
                .ok_or("cat-file: a header without newline")?;
            let header = String::from_utf8_lossy(&rest[..eol]).into_owned();
            let fields: Vec<&str> = header.split(' ').collect();
            let [sha, kind, size] = fields[..] else {
                return Err(format!("cat-file --batch: {header:?}"));
            };
            let size: usize = size.parse().map_err(|_| format!("cat-file --batch: {header:?}"))?;
            let body = rest
                .get(eol + 1..eol + 1 + size)
                .ok_or("cat-file: an object cut short")?;
            objects.push((sha.to_string(), kind.to_string(), body.to_vec()));
            rest = rest.get(eol + 2 + size..).unwrap_or_default();
        }
        Ok(objects)
    }

    /// Store an object; returns the SHA git gave it. Without `--literally`: git refuses an
    /// object it would not write itself, which makes a malformed stand-in object loud.
    fn write(&self, kind: &str, bytes: &[u8]) -> Result<String, String> {
        let out = self.ok(&["hash-object", "-w", "-t", kind, "--stdin"], bytes)?;
        Ok(String::from_utf8_lossy(&out).trim().to_string())
    }

    /// Where ref `name` points (`None`: it does not exist).
    fn resolve(&self, name: &str) -> Result<Option<String>, String> {
        let out = self.run(&["rev-parse", "--verify", "--quiet", name], b"")?;
        Ok(out
            .status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string()))
    }

    /// `update-ref NAME NEW OLD`: moves `name` only if it is at `old` (`None`: absent).
    fn update_ref(&self, name: &str, new: &str, old: Option<&str>) -> Result<(), RefError> {
        let out = self
            .run(&["update-ref", name, new, old.unwrap_or(NO_OBJECT)], b"")
            .map_err(RefError::Link)?;
        if out.status.success() {
            return Ok(());
        }
        let actual = self.resolve(name).map_err(RefError::Link)?;
        if actual.as_deref() != old {
            return Err(RefError::Moved { actual });
        }
        let stderr = String::from_utf8_lossy(&out.stderr);
        Err(RefError::Link(format!(
            "git update-ref {name} failed: {}",
            stderr.trim()
        )))
    }
}

/// What a repository does about its link. Unlinked, `sync` and `flush` do nothing (beyond
/// forgetting which objects are new) and `swap_ref` compares and sets the stand-in's table.
impl Repo {
    /// Link this repository, which has no commits yet, to the bare repository `git_dir`: point
    /// its HEAD at the default branch (GitHub's default branch is its HEAD) and import it.
    pub fn link(&mut self, git_dir: &Path) -> Result<(), String> {
        let link = Link {
            git_dir: git_dir.to_path_buf(),
            seen: BTreeMap::new(),
        };
        let bare = link.ok(&["rev-parse", "--is-bare-repository"], b"")?;
        if String::from_utf8_lossy(&bare).trim() != "true" {
            return Err(format!("{} is not a bare git repository", git_dir.display()));
        }
        link.ok(
            &["symbolic-ref", "HEAD", &format!("refs/heads/{}", self.default_branch)],
            b"",
        )?;
        self.link = Some(link);
        self.sync().map(|_| ())
    }

    /// Import what moved in the linked repository: new objects, then its branches, which
    /// replace the stand-in's. Returns whether anything moved.
    pub fn sync(&mut self) -> Result<bool, String> {
        let Some(link) = &mut self.link else {
            return Ok(false);
        };
        let in_repo = |e: String| format!("linked repository {}: {e}", link.git_dir.display());
        let heads = link.heads().map_err(in_repo)?;
        if heads == link.seen {
            return Ok(false);
        }
        let missing: Vec<String> = link
            .objects()
            .map_err(in_repo)?
            .into_iter()
            // Tag objects are not mirrored (only branches are), and nothing the API does needs them.
            .filter(|(sha, kind)| kind != "tag" && self.odb.get(sha).is_none())
            .map(|(sha, _)| sha)
            .collect();
        for (sha, kind, bytes) in link.read(&missing).map_err(in_repo)? {
            let object = parse::object(&kind, &bytes).map_err(|e| in_repo(format!("{kind} {sha}: {e}")))?;
            self.odb.import(&sha, object).map_err(in_repo)?;
        }
        if let Some((name, sha)) = heads.iter().find(|(_, sha)| self.odb.commit(sha).is_none()) {
            return Err(in_repo(format!("{name} points at {sha}, which is not a commit")));
        }
        self.refs.retain(|name, _| !name.starts_with("refs/heads/"));
        self.refs.extend(heads.iter().map(|(n, s)| (n.clone(), s.clone())));
        link.seen = heads;
        Ok(true)
    }

    /// Write the objects made since the last flush to the linked repository.
    pub fn flush(&mut self) -> Result<(), String> {
        let fresh = self.odb.take_fresh();
        let Some(link) = &self.link else {
            return Ok(());
        };
        for sha in fresh {
            let (kind, bytes) = self.odb.raw(&sha).expect("a fresh object is stored");
            let in_repo = |e: String| format!("linked repository {}: {e}", link.git_dir.display());
            let written = link.write(kind, &bytes).map_err(in_repo)?;
            if written != sha {
                return Err(in_repo(format!("git stored the stand-in's {kind} {sha} as {written}")));
            }
        }
        Ok(())
    }

    /// Move ref `name` (full name) to `new` if it is at `old` (`None`: create it, it must not
    /// exist): in the linked repository, `update-ref NAME NEW OLD` after writing the new
    /// objects there; else in the stand-in's table.
    pub fn swap_ref(&mut self, name: &str, new: &str, old: Option<&str>) -> Result<(), RefError> {
        if self.link.is_some() {
            self.flush().map_err(RefError::Link)?;
            let link = self.link.as_mut().expect("checked");
            link.update_ref(name, new, old).map_err(|e| match e {
                RefError::Link(e) => RefError::Link(format!("linked repository {}: {e}", link.git_dir.display())),
                moved => moved,
            })?;
            if name.starts_with("refs/heads/") {
                link.seen.insert(name.to_string(), new.to_string());
            }
        } else if self.refs.get(name).map(String::as_str) != old {
            return Err(RefError::Moved {
                actual: self.refs.get(name).cloned(),
            });
        }
        self.refs.insert(name.to_string(), new.to_string());
        Ok(())
    }
}
