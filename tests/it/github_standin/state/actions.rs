//! Workflows, their runs and repository dispatch events. A `workflow_dispatch` becomes a
//! queued run at the tip of the ref it names (the stand-in runs nothing; a test moves a run on
//! with [`super::super::GitHubStandIn::complete_run`]); a `repository_dispatch` is recorded
//! with its payload so a test can assert what was sent.

use serde_json::Value;

#[derive(Clone, Debug)]
pub struct Workflow {
    pub id: u64,
    /// `.github/workflows/deploy.yml`
    pub path: String,
    pub name: String,
    /// Declared inputs (name, required); `None` accepts any inputs.
    pub inputs: Option<Vec<(String, bool)>>,
}

impl Workflow {
    /// The file name (`deploy.yml`), which the API accepts in place of the id.
    pub fn file_name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }
}

#[derive(Clone, Debug)]
pub struct Run {
    pub id: u64,
    pub run_number: u64,
    pub workflow_id: u64,
    /// The branch (or tag) the run is for.
    pub head_branch: String,
    pub head_sha: String,
    /// `workflow_dispatch`
    pub event: String,
    /// `queued`, `in_progress` or `completed`.
    pub status: String,
    /// `success`, `failure`, ... once completed.
    pub conclusion: Option<String>,
    pub actor: String,
    /// The `inputs` of the dispatch (`{}` when none).
    pub inputs: Value,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A `POST /repos/{owner}/{repo}/dispatches` as received.
#[derive(Clone, Debug, PartialEq)]
pub struct RepositoryDispatch {
    pub event_type: String,
    /// `client_payload`, `null` when absent.
    pub client_payload: Value,
    pub actor: String,
}
