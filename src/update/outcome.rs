//! What a run did, as `--format json` prints it and the Action's outputs carry it.

use serde::Serialize;

use super::edits::Bump;
use crate::config::{Mode, Via};

#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// Whether the run changed the config repo (or, with `dry_run`, would).
    pub changed: bool,
    pub dry_run: bool,
    pub mode: Mode,
    pub via: Via,
    /// The config repo's URL.
    pub repository: String,
    /// The branch written to (the work branch in pull-request mode).
    pub branch: String,
    /// The target branch.
    pub base: String,
    /// The commit made (or, when nothing changed, `None`).
    pub commit: Option<String>,
    /// The head of the branch the edit was made on.
    pub parent: Option<String>,
    /// Whether GitHub marked the commit Verified (API commits only).
    pub verified: Option<bool>,
    /// Pull-request mode: the work branch already held exactly this change.
    pub unchanged: bool,
    /// Attempts at writing (more than 1 after lost races).
    pub attempts: u32,
    pub pull_request: Option<PullRequestOutcome>,
    pub dispatch: Option<DispatchOutcome>,
    pub bumps: Vec<Bump>,
    /// The unified diff of the change (dry runs print it).
    #[serde(skip)]
    pub diff: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PullRequestOutcome {
    pub number: u64,
    pub url: String,
    /// `created`, `updated` or `unchanged`.
    pub action: String,
}

#[derive(Debug, Clone, Serialize, Default, PartialEq, Eq)]
pub struct DispatchOutcome {
    /// The workflow dispatched, when one was.
    pub workflow: Option<String>,
    pub run_id: Option<u64>,
    pub run_url: Option<String>,
    /// The `repository_dispatch` event type sent, when one was.
    pub event_type: Option<String>,
}
