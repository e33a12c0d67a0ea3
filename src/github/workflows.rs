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
        let reply = if reply.status == 422
            && GitHub::status_error(&Method::POST, &path, &reply)
                .message()
                .contains("return_run_details")
        {
            body.as_object_mut().map(|o| o.remove("return_run_details"));
            self.call(Method::POST, &path, Some(&body)).await?
        } else {
            reply
        };
        match reply.status {
            200 => Ok(Some(super::decode(&Method::POST, &path, reply.body)?)),
            204 => Ok(None),
            _ => Err(GitHub::status_error(&Method::POST, &path, &reply)),
        }
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
