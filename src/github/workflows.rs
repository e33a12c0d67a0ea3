//! Waking the CD side: `workflow_dispatch` and `repository_dispatch`.
//!
//! A push made with `GITHUB_TOKEN` starts no other workflow (GitHub's rule against
//! recursive runs); these two events are the exceptions, which is why tagbump sends one
//! after its commit. `workflow_dispatch` asks for the run's details
//! (`return_run_details`), so the run URL can be reported; a server that does not know
//! the parameter (older GitHub Enterprise Server) gets the request again without it.

use std::collections::BTreeMap;

use http::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{GitHub, GitHubError};

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct DispatchedRun {
    pub workflow_run_id: u64,
    pub run_url: String,
    pub html_url: String,
}

#[derive(Deserialize)]
struct RunList {
    workflow_runs: Vec<ListedRun>,
}

#[derive(Deserialize)]
struct ListedRun {
    id: u64,
    url: String,
    html_url: String,
}

impl GitHub {
    /// Dispatch `workflow` (file name or id) on `git_ref`; the run when GitHub says.
    pub async fn dispatch_workflow(
        &self,
        workflow: &str,
        git_ref: &str,
        inputs: &BTreeMap<String, String>,
    ) -> Result<Option<DispatchedRun>, GitHubError> {
        let path = self.path(&format!(
            "/actions/workflows/{}/dispatches",
            super::pulls::urlencode(workflow)
        ));
        let mut body = json!({"ref": git_ref, "inputs": inputs, "return_run_details": true});
        let reply = self.call(Method::POST, &path, Some(&body)).await?;
        let mut before = None;
        let reply = if reply.status == 422
            && GitHub::status_error(&Method::POST, &path, &reply)
                .message()
                .contains("return_run_details")
        {
            // The runs there are now, to tell the new one apart (clocks need not agree).
            before = Some(self.dispatch_runs(workflow, git_ref).await?);
            body.as_object_mut().map(|o| o.remove("return_run_details"));
            self.call(Method::POST, &path, Some(&body)).await?
        } else {
            reply
        };
        match (reply.status, before) {
            (200, _) => Ok(Some(super::decode(&Method::POST, &path, reply.body)?)),
            (204, Some(before)) => self.find_dispatched_run(workflow, git_ref, &before).await,
            (204, None) => Ok(None),
            _ => Err(GitHub::status_error(&Method::POST, &path, &reply)),
        }
    }

    /// The newest `workflow_dispatch` runs of a workflow on a ref.
    async fn dispatch_runs(&self, workflow: &str, git_ref: &str) -> Result<Vec<ListedRun>, GitHubError> {
        let path = self.path(&format!(
            "/actions/workflows/{}/runs?event=workflow_dispatch&branch={}&per_page=20",
            super::pulls::urlencode(workflow),
            super::pulls::urlencode(git_ref)
        ));
        let runs: RunList = self.expect(Method::GET, &path, None, &[200]).await?;
        Ok(runs.workflow_runs)
    }

    /// Without run details (a server that does not know `return_run_details`), find the
    /// run in the workflow's list: one that was not there before the dispatch (polled a few
    /// times: a run appears a moment after its dispatch). `None` when it does not show up.
    async fn find_dispatched_run(
        &self,
        workflow: &str,
        git_ref: &str,
        before: &[ListedRun],
    ) -> Result<Option<DispatchedRun>, GitHubError> {
        for attempt in 0..5 {
            let found = self
                .dispatch_runs(workflow, git_ref)
                .await?
                .into_iter()
                .filter(|r| !before.iter().any(|b| b.id == r.id))
                .max_by_key(|r| r.id);
            if let Some(r) = found {
                return Ok(Some(DispatchedRun {
                    workflow_run_id: r.id,
                    run_url: r.url,
                    html_url: r.html_url,
                }));
            }
            tokio::time::sleep(std::time::Duration::from_millis(500 * (attempt + 1))).await;
        }
        Ok(None)
    }

    pub async fn repository_dispatch(&self, event_type: &str, payload: &Value) -> Result<(), GitHubError> {
        let path = self.path("/dispatches");
        let body = json!({"event_type": event_type, "client_payload": payload});
        let reply = self.call(Method::POST, &path, Some(&body)).await?;
        if reply.status == 204 {
            Ok(())
        } else {
            Err(GitHub::status_error(&Method::POST, &path, &reply))
        }
    }
}
