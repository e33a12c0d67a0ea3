//! What the stand-in remembers between requests: repositories (each with its git objects,
//! refs, pull requests, labels, collaborators, teams, workflows, runs and dispatch events),
//! the injected faults, the rate-limit budget and the request log. One `Mutex` guards it all,
//! so requests are answered one at a time, in arrival order, like a single consistent server.
//!
//! Time is a counter, not the clock: it starts at 2024-01-01T00:00:00Z and moves one second
//! per object created, so the same flow yields the same commit SHAs on every run. (Rate-limit
//! reset times are real epoch seconds: clients compute waits from them.)

pub mod actions;
pub mod git;
pub mod link;
pub mod parse;
pub mod pulls;

use std::collections::{BTreeMap, BTreeSet};

use self::actions::{RepositoryDispatch, Run, Workflow};
use self::git::{Leaf, Odb, Person};
use self::link::{Link, RefError};
use self::pulls::{Label, Pull};
use super::faults::Fault;
use super::ratelimit::RateLimit;
use super::wire::LoggedRequest;

/// Ids and the logical clock, apart from the repositories so both can be borrowed at once.
#[derive(Debug)]
pub struct Counters {
    next_id: u64,
    clock: i64,
}

impl Counters {
    /// A new id, unique across every kind of object.
    pub fn id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// The current time (epoch seconds); each call is one second later.
    pub fn now(&mut self) -> i64 {
        self.clock += 1;
        self.clock
    }
}

/// `2024-01-01T00:00:00Z`
pub fn iso(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .expect("a time in range")
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

#[derive(Debug)]
pub struct Repo {
    pub id: u64,
    pub owner: String,
    pub name: String,
    pub default_branch: String,
    pub odb: Odb,
    /// Full ref name (`refs/heads/main`) → commit SHA.
    pub refs: BTreeMap<String, String>,
    pub pulls: Vec<Pull>,
    pub labels: Vec<Label>,
    pub collaborators: BTreeSet<String>,
    pub teams: BTreeSet<String>,
    pub workflows: Vec<Workflow>,
    pub runs: Vec<Run>,
    pub repository_dispatches: Vec<RepositoryDispatch>,
    /// The last issue or pull request number given out.
    pub last_number: u64,
    pub created_at: i64,
    pub pushed_at: i64,
    /// The bare git repository this one is (see `link.rs`); `None`: the stand-in alone holds it.
    pub link: Option<Link>,
}

impl Repo {
    /// An empty repository (no commits yet) whose owner is a collaborator.
    pub fn new(id: u64, owner: &str, name: &str, default_branch: &str, now: i64) -> Repo {
        Repo {
            id,
            owner: owner.into(),
            name: name.into(),
            default_branch: default_branch.into(),
            odb: Odb::default(),
            refs: BTreeMap::new(),
            pulls: Vec::new(),
            labels: Vec::new(),
            collaborators: [owner.to_string()].into(),
            teams: BTreeSet::new(),
            workflows: Vec::new(),
            runs: Vec::new(),
            repository_dispatches: Vec::new(),
            last_number: 0,
            created_at: now,
            pushed_at: now,
            link: None,
        }
    }

    pub fn full_name(&self) -> String {
        format!("{}/{}", self.owner, self.name)
    }

    /// The tip of branch `name`.
    pub fn branch(&self, name: &str) -> Option<&str> {
        self.refs.get(&format!("refs/heads/{name}")).map(String::as_str)
    }

    /// A repository without any ref has no git data yet: GitHub answers 409 "Git Repository is
    /// empty." to the Git Data API there.
    pub fn is_empty(&self) -> bool {
        self.refs.is_empty()
    }

    /// A commit for a ref as the API accepts one: a branch or tag name, a full ref, or a SHA.
    pub fn resolve(&self, r: &str) -> Option<String> {
        let candidates = [r.to_string(), format!("refs/heads/{r}"), format!("refs/tags/{r}")];
        if let Some(sha) = candidates.iter().find_map(|c| self.refs.get(c)) {
            return Some(sha.clone());
        }
        self.odb.commit(r).map(|_| r.to_string())
    }

    /// The files of commit `sha` (path → bytes; submodules left out).
    pub fn files(&self, sha: &str) -> BTreeMap<String, Vec<u8>> {
        let Some(c) = self.odb.commit(sha) else {
            return BTreeMap::new();
        };
        self.odb
            .flatten(&c.tree)
            .into_iter()
            .filter_map(|(p, l)| self.odb.blob(&l.sha).map(|b| (p, b.to_vec())))
            .collect()
    }

    /// Commit `changes` (path → new bytes, or `None` to delete) on top of branch `branch` and
    /// move the branch, as a push would. A missing branch starts at the default branch's tip
    /// (or as a root commit in an empty repository). Returns the new commit's SHA; fails only
    /// in a linked repository: the branch moved there since the last sync, or git failed.
    pub fn commit_files(
        &mut self,
        branch: &str,
        changes: &[(String, Option<Vec<u8>>)],
        message: &str,
        who: &Person,
    ) -> Result<String, RefError> {
        self.commit_files_as(branch, changes, message, who.clone(), who.clone(), false)
    }

    /// [`Repo::commit_files`] with a separate author and committer, and `sign` for a commit
    /// GitHub signs (the contents API without author or committer).
    pub fn commit_files_as(
        &mut self,
        branch: &str,
        changes: &[(String, Option<Vec<u8>>)],
        message: &str,
        author: Person,
        committer: Person,
        sign: bool,
    ) -> Result<String, RefError> {
        let tip = self.branch(branch).map(str::to_string);
        let parent = tip
            .clone()
            .or_else(|| self.branch(&self.default_branch).map(str::to_string));
        let mut leaves: BTreeMap<String, Leaf> = match &parent {
            Some(p) => {
                let tree = self.odb.commit(p).expect("a branch points at a commit").tree.clone();
                self.odb.flatten(&tree)
            }
            None => BTreeMap::new(),
        };
        for (path, content) in changes {
            match content {
                Some(bytes) => {
                    let sha = self.odb.put_blob(bytes.clone());
                    let mode = "100644".to_string();
                    leaves.insert(path.clone(), Leaf { mode, sha });
                }
                None => {
                    leaves.remove(path);
                }
            }
        }
        let tree = self.odb.build_tree(&leaves);
        let parents: Vec<String> = parent.into_iter().collect();
        let time = committer.time;
        let sha = self
            .odb
            .put_commit(&tree, &parents, author, committer, message, None, sign);
        self.swap_ref(&format!("refs/heads/{branch}"), &sha, tip.as_deref())?;
        self.pushed_at = time;
        Ok(sha)
    }
}

#[derive(Debug)]
pub struct State {
    /// Keyed by `owner/name` lower-cased: GitHub's names are case-insensitive.
    pub repos: BTreeMap<String, Repo>,
    pub counters: Counters,
    pub faults: Vec<Fault>,
    pub log: Vec<LoggedRequest>,
    pub rate: RateLimit,
}

pub fn repo_key(owner: &str, name: &str) -> String {
    format!("{owner}/{name}").to_lowercase()
}

impl State {
    pub fn new(rate: RateLimit) -> State {
        State {
            repos: BTreeMap::new(),
            counters: Counters {
                next_id: 1000,
                clock: 1_704_067_200,
            },
            faults: Vec::new(),
            log: Vec::new(),
            rate,
        }
    }

    pub fn repo(&self, owner: &str, name: &str) -> Option<&Repo> {
        self.repos.get(&repo_key(owner, name))
    }

    pub fn repo_mut(&mut self, owner: &str, name: &str) -> Option<&mut Repo> {
        self.repos.get_mut(&repo_key(owner, name))
    }
}
