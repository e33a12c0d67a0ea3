//! `tagbump update`: resolve every image, edit the config repo, write the change back as
//! one commit (push, pull request, or GitHub API commit), then wake the CD side.
//!
//! The phases are separate functions over plain data, so the CLI, the Action and the
//! tests drive the same code: [`resolve_all`] (registry; nothing written yet), then
//! [`write`] (git or GitHub; the only phase with side effects), then dispatch.
//!
//! Safety properties, each tested against a real git server:
//! - one commit per run for all images; a run that changes nothing commits nothing;
//! - the target branch is never force-pushed: a push that loses a race fetches the new
//!   head, re-applies the edits to it (the edit, not a textual rebase of the old commit, so
//!   it can never conflict or resurrect an old value), and tries again with backoff;
//! - edits happen in a scratch checkout, so a run that fails leaves nothing behind.

mod api;
mod attempt;
mod dispatch;
mod edits;
mod message;
mod outcome;
mod pull_request;
pub mod repository;
pub mod resolve_all;
mod writers;

use std::time::Duration;

pub use edits::Bump;
pub use outcome::{DispatchOutcome, Outcome, PullRequestOutcome};
pub use repository::Repository;
pub use resolve_all::{ImageError, Resolved, resolve_all};

use crate::config::{Config, Mode, Via};
use crate::git::{GitAuth, GitError};
use crate::github::{GitHubError, GitHubOptions};

/// How the write phase reaches the outside world.
#[derive(Debug, Clone, Default)]
pub struct WriteOptions {
    /// Show what would change; write nothing.
    pub dry_run: bool,
    /// Credentials for git over HTTP(S).
    pub git_auth: Option<GitAuth>,
    /// Base delay between attempts after a lost race (doubles each time, with jitter).
    pub backoff: Option<Duration>,
    /// GitHub access, for pull requests, API commits and dispatch.
    pub github: Option<GitHubOptions>,
}

#[derive(Debug, thiserror::Error)]
pub enum UpdateError {
    #[error(transparent)]
    Plan(#[from] edits::PlanError),
    #[error(transparent)]
    Git(#[from] GitError),
    #[error(transparent)]
    Repository(#[from] repository::RepositoryError),
    #[error("writing the edited files in the scratch checkout: {0}")]
    Io(#[source] std::io::Error),
    #[error(transparent)]
    GitHub(#[from] GitHubError),
    #[error(
        "{0} needs GitHub: set `github.repository` (OWNER/NAME) when the repository URL is not on GitHub, and a token (GITHUB_TOKEN or TAGBUMP_GIT_TOKEN)"
    )]
    NeedsGitHub(&'static str),
    #[error("work branch `{branch}`: {problem}\nhint: check pull_request.branch and the config's name")]
    WorkBranch { branch: String, problem: &'static str },
    /// The change was committed, but what follows failed.
    #[error("{what} after commit {commit}")]
    AfterCommit {
        what: &'static str,
        commit: String,
        #[source]
        source: Box<UpdateError>,
    },
    #[error(
        "{url}: lost the race for `{branch}` {attempts} times in a row (last: {last}); nothing was pushed\nhint: raise write.attempts, or use the pull-request mode for busy branches"
    )]
    Contended {
        url: String,
        branch: String,
        attempts: u32,
        last: String,
    },
}

impl UpdateError {
    /// Whether the user's input (config, files) is at fault, as opposed to a server.
    pub fn is_edit_failure(&self) -> bool {
        matches!(self, UpdateError::Plan(_))
    }

    /// Whether the configuration cannot work (missing GitHub access, a bad work branch).
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            UpdateError::NeedsGitHub(_) | UpdateError::WorkBranch { .. } | UpdateError::Repository(_)
        )
    }

    pub fn is_github(&self) -> bool {
        match self {
            UpdateError::GitHub(_) => true,
            UpdateError::AfterCommit { source, .. } => source.is_github(),
            _ => false,
        }
    }
}

/// The delay before attempt `attempt + 1`: exponential from `base`, capped at 8 s, with
/// full jitter so that racing runs spread out instead of colliding again.
pub fn backoff(base: Duration, attempt: u32) -> Duration {
    let exp = base.saturating_mul(1 << attempt.saturating_sub(1).min(6));
    let cap = exp.min(Duration::from_secs(8));
    let millis = cap.as_millis() as u64;
    Duration::from_millis(millis / 2 + fastrand::u64(0..=millis / 2 + 1))
}

/// A run's access to the config repo, checked before anything is resolved: the token may
/// travel to the repository's URL, and GitHub is reachable with it when the configuration
/// needs GitHub (pull requests, API commits, dispatch). A wrong token fails here, before
/// the registry is asked and before any commit.
pub struct Session<'a> {
    config: &'a Config,
    repo: &'a Repository,
    opts: &'a WriteOptions,
    api: Option<api::Api>,
}

impl<'a> Session<'a> {
    pub fn open(config: &'a Config, repo: &'a Repository, opts: &'a WriteOptions) -> Result<Session<'a>, UpdateError> {
        if opts.git_auth.is_some() {
            repository::check_token_transport(&repo.url)?;
        }
        let wants_github = config.write.mode == Mode::PullRequest
            || config.write.via == Via::Api
            || config.dispatch.workflow.is_some()
            || config.dispatch.event.is_some();
        let api = match (wants_github, &opts.github, &repo.github) {
            (false, _, _) => None,
            (true, Some(gh), Some(name)) => Some(api::Api::new(gh, name)?),
            // A dry run writes nothing, so it needs no GitHub access.
            (true, _, _) if opts.dry_run => None,
            (true, _, _) => {
                return Err(UpdateError::NeedsGitHub(match (config.write.mode, config.write.via) {
                    (Mode::PullRequest, _) => "write.mode: pull-request",
                    (_, Via::Api) => "write.via: api",
                    _ => "dispatch",
                }));
            }
        };
        if let (Some(api), false) = (&api, opts.dry_run) {
            api.block(api.gh.repository())?;
        }
        Ok(Session {
            config,
            repo,
            opts,
            api,
        })
    }

    /// Write the change to the config repo as configured, then open or refresh the pull
    /// request and dispatch.
    pub fn write(&self, resolved: &[Resolved]) -> Result<Outcome, UpdateError> {
        let (config, opts) = (self.config, self.opts);
        let api = self.api.as_ref();
        let mut outcome = attempt::run(config, self.repo, resolved, opts, api)?;
        if opts.dry_run || !outcome.changed {
            return Ok(outcome);
        }
        let commit = outcome.commit.clone().unwrap_or_default();
        let after = |what: &'static str| {
            let commit = commit.clone();
            move |e: UpdateError| UpdateError::AfterCommit {
                what,
                commit,
                source: Box::new(e),
            }
        };
        if let (Mode::PullRequest, Some(api)) = (config.write.mode, api) {
            outcome.pull_request =
                Some(pull_request::ensure(api, config, &outcome).map_err(after("opening the pull request"))?);
        }
        if let Some(api) = api
            && !outcome.unchanged
        {
            outcome.dispatch = dispatch::send(api, config, &outcome).map_err(after("dispatching"))?;
        }
        Ok(outcome)
    }
}
