//! workflow_dispatch (204, or 200 with run details), workflow runs, repository_dispatch.

use serde_json::json;

use super::super::GitHubStandIn;
use super::{Api, STANDARD_HEADERS, setup};

fn with_workflow() -> (GitHubStandIn, Api, u64) {
    let (gh, api, _) = setup();
    let id = gh.add_workflow("acme", "config", "deploy.yml");
    (gh, api, id)
}

#[test]
fn dispatch_is_204_and_records_a_queued_run_at_the_branch_tip() {
    let (gh, api, id) = with_workflow();
    let r = api
        .post(
            "/repos/acme/config/actions/workflows/deploy.yml/dispatches",
            json!({"ref": "main", "inputs": {"image": "shop:1.1.0"}}),
        )
        .expect(204);
    assert_eq!(r.body, serde_json::Value::Null);
    let runs = gh.runs("acme", "config");
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].workflow_id, id);
    assert_eq!(runs[0].event, "workflow_dispatch");
    assert_eq!(runs[0].status, "queued");
    assert_eq!(runs[0].head_branch, "main");
    assert_eq!(runs[0].head_sha, gh.branch("acme", "config", "main").unwrap());
    assert_eq!(runs[0].inputs, json!({"image": "shop:1.1.0"}));
    // By numeric id and with a full ref name too.
    api.post(
        &format!("/repos/acme/config/actions/workflows/{id}/dispatches"),
        json!({"ref": "refs/heads/main"}),
    )
    .expect(204);
    assert_eq!(gh.runs("acme", "config")[1].run_number, 2);
}

#[test]
fn return_run_details_answers_200_with_the_run_which_can_then_be_read() {
    let (gh, api, _) = with_workflow();
    let r = api
        .post(
            "/repos/acme/config/actions/workflows/deploy.yml/dispatches",
            json!({"ref": "main", "return_run_details": true}),
        )
        .expect(200);
    let id = r.body["workflow_run_id"].as_u64().unwrap();
    assert_eq!(
        r.body["run_url"],
        format!("{}/repos/acme/config/actions/runs/{id}", gh.url())
    );
    assert_eq!(
        r.body["html_url"],
        format!("{}/acme/config/actions/runs/{id}", gh.url())
    );
    let run = api.get(&format!("/repos/acme/config/actions/runs/{id}")).expect(200);
    assert_eq!(run.body["status"], "queued");
    assert_eq!(run.body["conclusion"], serde_json::Value::Null);
    assert_eq!(run.body["path"], ".github/workflows/deploy.yml@main");
    gh.complete_run("acme", "config", id, "success");
    let run = api.get(&format!("/repos/acme/config/actions/runs/{id}")).expect(200);
    assert_eq!(run.body["status"], "completed");
    assert_eq!(run.body["conclusion"], "success");
    api.get("/repos/acme/config/actions/runs/999999").expect(404);
}

#[test]
fn under_api_version_2026_03_10_dispatch_always_answers_200() {
    let (_gh, api, _) = with_workflow();
    let mut headers: Vec<(&str, &str)> = STANDARD_HEADERS[..2].to_vec();
    headers.extend([
        ("x-github-api-version", "2026-03-10"),
        ("authorization", "Bearer ghs_test"),
    ]);
    let r = api.raw(
        "POST",
        "/repos/acme/config/actions/workflows/deploy.yml/dispatches",
        &headers,
        br#"{"ref":"main"}"#,
    );
    assert_eq!(r.status, 200, "{:#}", r.body);
    assert!(r.body["workflow_run_id"].is_u64());
}

#[test]
fn dispatch_needs_a_known_workflow_an_existing_ref_and_at_most_25_inputs() {
    let (gh, api, _) = with_workflow();
    api.post(
        "/repos/acme/config/actions/workflows/nope.yml/dispatches",
        json!({"ref": "main"}),
    )
    .expect(404);
    let r = api
        .post(
            "/repos/acme/config/actions/workflows/deploy.yml/dispatches",
            json!({"ref": "nope"}),
        )
        .expect(422);
    assert_eq!(r.body["message"], "No ref found for: nope");
    let inputs: serde_json::Map<String, serde_json::Value> = (0..26).map(|i| (format!("k{i}"), json!("v"))).collect();
    let r = api
        .post(
            "/repos/acme/config/actions/workflows/deploy.yml/dispatches",
            json!({"ref": "main", "inputs": inputs}),
        )
        .expect(422);
    assert_eq!(r.body["errors"][0]["field"], "inputs");
    gh.add_workflow_with_inputs("acme", "config", "promote.yaml", &[("image", true), ("env", false)]);
    let r = api
        .post(
            "/repos/acme/config/actions/workflows/promote.yaml/dispatches",
            json!({"ref": "main", "inputs": {"imgae": "x"}}),
        )
        .expect(422);
    assert_eq!(r.body["message"], "Unexpected inputs provided: [\"imgae\"]");
    let r = api
        .post(
            "/repos/acme/config/actions/workflows/promote.yaml/dispatches",
            json!({"ref": "main"}),
        )
        .expect(422);
    assert_eq!(r.body["message"], "Required input 'image' not provided");
    assert!(gh.runs("acme", "config").is_empty());
}

#[test]
fn runs_list_filters_and_pages_newest_first() {
    let (gh, api, _) = with_workflow();
    gh.seed_commit("acme", "config", "staging", &[("s", "1")]);
    for r in ["main", "staging", "main"] {
        api.post(
            "/repos/acme/config/actions/workflows/deploy.yml/dispatches",
            json!({"ref": r}),
        )
        .expect(204);
    }
    let list = api
        .get("/repos/acme/config/actions/workflows/deploy.yml/runs")
        .expect(200);
    assert_eq!(list.body["total_count"], 3);
    let numbers: Vec<u64> = list.body["workflow_runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["run_number"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, [3, 2, 1]);
    let main = api
        .get("/repos/acme/config/actions/workflows/deploy.yml/runs?branch=main")
        .expect(200);
    assert_eq!(main.body["total_count"], 2);
    let paged = api
        .get("/repos/acme/config/actions/workflows/deploy.yml/runs?per_page=1&page=2")
        .expect(200);
    assert_eq!(paged.body["total_count"], 3);
    assert_eq!(paged.body["workflow_runs"][0]["run_number"], 2);
    assert!(
        paged
            .header("link")
            .unwrap()
            .contains("per_page=1&page=3>; rel=\"next\"")
    );
    let first = gh.runs("acme", "config")[0].id;
    gh.complete_run("acme", "config", first, "failure");
    let failed = api
        .get("/repos/acme/config/actions/workflows/deploy.yml/runs?status=failure")
        .expect(200);
    assert_eq!(failed.body["total_count"], 1);
    api.get("/repos/acme/config/actions/workflows/deploy.yml/runs?status=exploded")
        .expect(422);
    api.get("/repos/acme/config/actions/workflows/nope.yml/runs")
        .expect(404);
}

#[test]
fn repository_dispatch_is_204_and_recorded_within_the_documented_limits() {
    let (gh, api, _) = setup();
    api.post(
        "/repos/acme/config/dispatches",
        json!({"event_type": "tagbump-bumped", "client_payload": {"image": "shop", "tag": "1.1.0"}}),
    )
    .expect(204);
    let events = gh.repository_dispatches("acme", "config");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].event_type, "tagbump-bumped");
    assert_eq!(events[0].client_payload, json!({"image": "shop", "tag": "1.1.0"}));
    assert_eq!(events[0].actor, "github-actions[bot]");
    api.post("/repos/acme/config/dispatches", json!({"event_type": ""}))
        .expect(422);
    api.post("/repos/acme/config/dispatches", json!({"event_type": "x".repeat(101)}))
        .expect(422);
    let eleven: serde_json::Map<String, serde_json::Value> = (0..11).map(|i| (format!("k{i}"), json!(i))).collect();
    let r = api
        .post(
            "/repos/acme/config/dispatches",
            json!({"event_type": "e", "client_payload": eleven}),
        )
        .expect(422);
    assert_eq!(r.body["errors"][0]["field"], "client_payload");
    assert_eq!(gh.repository_dispatches("acme", "config").len(), 1);
}
