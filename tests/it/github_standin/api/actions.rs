//! Workflow dispatch, workflow runs and repository dispatch. A dispatch names a known workflow
//! (numeric id or file name, else 404) and an existing branch or tag (else 422 "No ref found
//! for: X"), and becomes a queued run at that ref's tip. With `return_run_details: true`, or
//! under API version 2026-03-10, the answer is 200 with the run's id and URLs; otherwise 204.

use serde_json::{Value, json};

use super::super::state::actions::{RepositoryDispatch, Run, Workflow};
use super::super::wire::{Reply, field_error};
use super::{Answer, Ctx, link_header, page_of, paging, render};

/// The workflow `{workflow_id}` names: an id or a file name (`deploy.yml`).
fn workflow(ctx: &Ctx) -> Result<Workflow, Reply> {
    let id = ctx.param("workflow_id");
    ctx.repo()
        .workflows
        .iter()
        .find(|w| w.id.to_string() == id || w.file_name() == id)
        .cloned()
        .ok_or_else(|| ctx.not_found())
}

pub fn dispatch_workflow(ctx: &mut Ctx) -> Answer {
    let w = workflow(ctx)?;
    let r = ctx.str_field("ref").unwrap_or_default().to_string();
    let repo = ctx.repo();
    let short = r
        .strip_prefix("refs/heads/")
        .or_else(|| r.strip_prefix("refs/tags/"))
        .unwrap_or(&r)
        .to_string();
    let head_sha = [format!("refs/heads/{short}"), format!("refs/tags/{short}")]
        .iter()
        .find_map(|n| repo.refs.get(n).cloned());
    let Some(head_sha) = head_sha else {
        return Err(ctx.unprocessable(&format!("No ref found for: {r}")));
    };
    let inputs = ctx.body.get("inputs").cloned().unwrap_or_else(|| json!({}));
    if let Some(declared) = &w.inputs {
        let given: Vec<&String> = inputs.as_object().map(|m| m.keys().collect()).unwrap_or_default();
        let unexpected: Vec<&&String> = given
            .iter()
            .filter(|g| !declared.iter().any(|(n, _)| n == **g))
            .collect();
        if !unexpected.is_empty() {
            return Err(ctx.unprocessable(&format!("Unexpected inputs provided: {unexpected:?}")));
        }
        if let Some((missing, _)) = declared.iter().find(|(n, req)| *req && !given.contains(&n)) {
            return Err(ctx.unprocessable(&format!("Required input '{missing}' not provided")));
        }
    }
    let details = ctx.v2026 || ctx.bool_field("return_run_details") == Some(true);
    let actor = ctx.login.to_string();
    let (repo, counters) = ctx.parts();
    let now = counters.now();
    let id = counters.id();
    let run_number = repo.runs.iter().filter(|x| x.workflow_id == w.id).count() as u64 + 1;
    repo.runs.push(Run {
        id,
        run_number,
        workflow_id: w.id,
        head_branch: short,
        head_sha,
        event: "workflow_dispatch".into(),
        status: "queued".into(),
        conclusion: None,
        actor,
        inputs,
        created_at: now,
        updated_at: now,
    });
    if !details {
        return Ok(Reply::empty(204));
    }
    let repo = ctx.repo();
    let body = json!({
        "workflow_run_id": id,
        "run_url": format!("{}/actions/runs/{id}", render::repo_api(ctx.base, repo)),
        "html_url": format!("{}/actions/runs/{id}", render::repo_html(ctx.base, repo)),
    });
    Ok(Reply::json(200, body))
}

const RUN_STATUSES: &[&str] = &[
    "completed",
    "action_required",
    "cancelled",
    "failure",
    "neutral",
    "skipped",
    "stale",
    "success",
    "timed_out",
    "in_progress",
    "queued",
    "requested",
    "waiting",
    "pending",
];

pub fn list_runs(ctx: &mut Ctx) -> Answer {
    let w = workflow(ctx)?;
    let req = ctx.req;
    let q = |name: &str| req.query_param(name);
    let status = q("status");
    if let Some(s) = &status
        && !RUN_STATUSES.contains(&s.as_str())
    {
        return Err(ctx.validation(vec![field_error("WorkflowRun", "status", "invalid")]));
    }
    let repo = ctx.repo();
    let mut runs: Vec<&Run> = repo
        .runs
        .iter()
        .filter(|r| r.workflow_id == w.id)
        .filter(|r| q("actor").is_none_or(|a| a == r.actor))
        .filter(|r| q("branch").is_none_or(|b| b == r.head_branch))
        .filter(|r| q("event").is_none_or(|e| e == r.event))
        .filter(|r| q("head_sha").is_none_or(|s| s == r.head_sha))
        .filter(|r| {
            status
                .as_deref()
                .is_none_or(|s| r.status == s || r.conclusion.as_deref() == Some(s))
        })
        .collect();
    runs.reverse(); // newest first
    let total = runs.len();
    let (page, per_page) = paging(req);
    let items: Vec<Value> = page_of(runs, page, per_page)
        .into_iter()
        .map(|r| render::run(ctx.base, repo, r, &w))
        .collect();
    let mut reply = Reply::json(200, json!({"total_count": total, "workflow_runs": items}));
    if let Some(link) = link_header(ctx.base, req, page, per_page, total) {
        reply = reply.header("link", link);
    }
    Ok(reply)
}

pub fn get_run(ctx: &mut Ctx) -> Answer {
    let id: u64 = ctx.param("run_id").parse().map_err(|_| ctx.not_found())?;
    let repo = ctx.repo();
    let run = repo.runs.iter().find(|r| r.id == id).ok_or_else(|| ctx.not_found())?;
    let w = repo
        .workflows
        .iter()
        .find(|w| w.id == run.workflow_id)
        .expect("a run's workflow exists");
    Ok(Reply::json(200, render::run(ctx.base, repo, run, w)))
}

pub fn repository_dispatch(ctx: &mut Ctx) -> Answer {
    let event_type = ctx.str_field("event_type").unwrap_or_default().to_string();
    let client_payload = ctx.body.get("client_payload").cloned().unwrap_or(Value::Null);
    if serde_json::to_vec(&client_payload).map_or(0, |b| b.len()) >= 64 * 1024 {
        return Err(ctx.validation(vec![field_error("RepositoryDispatch", "client_payload", "invalid")]));
    }
    let actor = ctx.login.to_string();
    let (repo, _) = ctx.parts();
    repo.repository_dispatches.push(RepositoryDispatch {
        event_type,
        client_payload,
        actor,
    });
    Ok(Reply::empty(204))
}
