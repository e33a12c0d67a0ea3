//! After a commit: run the CD workflow, or send a repository_dispatch event listing the
//! bumps. (A push made with `GITHUB_TOKEN` triggers no workflow by itself.)

use serde_json::json;

use super::UpdateError;
use super::api::Api;
use super::outcome::{DispatchOutcome, Outcome};
use crate::config::Config;

pub fn send(api: &Api, config: &Config, outcome: &Outcome) -> Result<Option<DispatchOutcome>, UpdateError> {
    let d = &config.dispatch;
    if d.workflow.is_none() && d.event.is_none() {
        return Ok(None);
    }
    let gh = match &d.repository {
        Some(r) => api.gh.for_repo(r),
        None => api.gh.clone(),
    };
    let mut result = DispatchOutcome::default();
    if let Some(w) = &d.workflow {
        let git_ref = w.git_ref.clone().unwrap_or_else(|| outcome.branch.clone());
        let run = api.block(gh.dispatch_workflow(&w.workflow, &git_ref, &w.inputs))?;
        result.workflow = Some(w.workflow.clone());
        if let Some(run) = run {
            result.run_id = Some(run.workflow_run_id);
            result.run_url = Some(run.html_url);
        }
    }
    if let Some(e) = &d.event {
        // At most 10 top-level keys in client_payload (GitHub's limit): these are 5.
        let payload = json!({
            "repository": outcome.repository,
            "branch": outcome.branch,
            "commit": outcome.commit,
            "pull_request": outcome.pull_request.as_ref().map(|p| p.number),
            "bumps": outcome.bumps.iter().map(|b| json!({"name": b.name, "image": b.image, "old": b.old, "new": b.new, "reference": b.reference})).collect::<Vec<_>>(),
        });
        api.block(gh.repository_dispatch(&e.event_type, &payload))?;
        result.event_type = Some(e.event_type.clone());
    }
    Ok(Some(result))
}
