//! Pull requests: create, the duplicate and no-commits rules, list filters and paging, update,
//! labels, reviewers.

use serde_json::json;

use super::{Api, setup};

/// `acme/config` with branch `tagbump/shop` one commit ahead of `main`.
fn with_branch() -> (super::super::GitHubStandIn, Api) {
    let (gh, api, _) = setup();
    gh.seed_commit(
        "acme",
        "config",
        "tagbump/shop",
        &[("apps/shop/kustomization.yaml", "newTag: 1.1.0\n")],
    );
    (gh, api)
}

fn new_pull(head: &str) -> serde_json::Value {
    json!({"title": "Bump shop to 1.1.0", "head": head, "base": "main", "body": "From tagbump."})
}

#[test]
fn create_answers_201_with_location_and_a_duplicate_is_422() {
    let (gh, api) = with_branch();
    let r = api
        .post("/repos/acme/config/pulls", new_pull("tagbump/shop"))
        .expect(201);
    assert_eq!(r.body["number"], 1);
    assert_eq!(r.body["state"], "open");
    assert_eq!(r.body["head"]["ref"], "tagbump/shop");
    assert_eq!(r.body["head"]["label"], "acme:tagbump/shop");
    assert_eq!(
        r.body["head"]["sha"],
        gh.branch("acme", "config", "tagbump/shop").unwrap().as_str()
    );
    assert_eq!(r.body["base"]["ref"], "main");
    assert_eq!(r.body["commits"], 1);
    assert_eq!(r.body["changed_files"], 1);
    assert_eq!(r.body["user"]["login"], "github-actions[bot]");
    assert_eq!(r.body["html_url"], format!("{}/acme/config/pull/1", gh.url()));
    assert_eq!(
        r.header("location"),
        Some(format!("{}/repos/acme/config/pulls/1", gh.url()).as_str())
    );

    // The owner-qualified head names the same branch.
    let dup = api
        .post("/repos/acme/config/pulls", new_pull("acme:tagbump/shop"))
        .expect(422);
    assert_eq!(dup.body["message"], "Validation Failed");
    assert_eq!(
        dup.body["errors"][0]["message"],
        "A pull request already exists for acme:tagbump/shop."
    );
    assert_eq!(gh.pulls("acme", "config").len(), 1);
}

#[test]
fn create_refuses_missing_branches_no_commits_and_other_owners() {
    let (gh, api) = with_branch();
    let r = api.post("/repos/acme/config/pulls", new_pull("nope")).expect(422);
    assert_eq!(
        r.body["errors"],
        json!([{"resource": "PullRequest", "field": "head", "code": "invalid"}])
    );
    let r = api
        .post("/repos/acme/config/pulls", new_pull("someone:tagbump/shop"))
        .expect(422);
    assert_eq!(r.body["errors"][0]["field"], "head");
    let mut body = new_pull("tagbump/shop");
    body["base"] = json!("release");
    let r = api.post("/repos/acme/config/pulls", body).expect(422);
    assert_eq!(r.body["errors"][0]["field"], "base");
    let tip = gh.branch("acme", "config", "main").unwrap();
    api.post(
        "/repos/acme/config/git/refs",
        json!({"ref": "refs/heads/level", "sha": tip}),
    )
    .expect(201);
    let r = api.post("/repos/acme/config/pulls", new_pull("level")).expect(422);
    assert_eq!(r.body["errors"][0]["message"], "No commits between main and level");
    let r = api
        .post(
            "/repos/acme/config/pulls",
            json!({"head": "tagbump/shop", "base": "main"}),
        )
        .expect(422);
    assert_eq!(
        r.body["errors"][0],
        json!({"resource": "PullRequest", "field": "title", "code": "missing_field"})
    );
}

#[test]
fn list_filters_by_owner_qualified_head_state_and_base() {
    let (gh, api) = with_branch();
    gh.seed_commit("acme", "config", "other", &[("x", "1")]);
    api.post("/repos/acme/config/pulls", new_pull("tagbump/shop"))
        .expect(201);
    api.post("/repos/acme/config/pulls", new_pull("other")).expect(201);
    let numbers = |q: &str| -> Vec<u64> {
        let r = api.get(&format!("/repos/acme/config/pulls{q}")).expect(200);
        r.body
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["number"].as_u64().unwrap())
            .collect()
    };
    assert_eq!(numbers(""), [2, 1]); // newest first
    assert_eq!(numbers("?head=acme:tagbump/shop"), [1]);
    assert_eq!(numbers("?head=acme%3Atagbump%2Fshop&state=open"), [1]);
    // A bare branch name does not filter at all, as on GitHub.
    assert_eq!(numbers("?head=tagbump/shop"), [2, 1]);
    assert_eq!(numbers("?head=someone:tagbump/shop"), Vec::<u64>::new());
    assert_eq!(numbers("?base=release"), Vec::<u64>::new());
    api.patch("/repos/acme/config/pulls/1", json!({"state": "closed"}))
        .expect(200);
    assert_eq!(numbers("?head=acme:tagbump/shop"), Vec::<u64>::new());
    assert_eq!(numbers("?head=acme:tagbump/shop&state=closed"), [1]);
    assert_eq!(numbers("?state=all&direction=asc"), [1, 2]);
    api.get("/repos/acme/config/pulls?state=merged").expect(422);
}

#[test]
fn list_pages_with_a_link_header_that_carries_per_page() {
    let (gh, api, _) = setup();
    for i in 0..5 {
        let b = format!("b{i}");
        gh.seed_commit("acme", "config", &b, &[("f", &b)]);
        gh.seed_pull("acme", "config", &b, "main", &b);
    }
    let page1 = api.get("/repos/acme/config/pulls?per_page=2").expect(200);
    assert_eq!(page1.body.as_array().unwrap().len(), 2);
    let u = |page: u32| format!("<{}/repos/acme/config/pulls?per_page=2&page={page}>", gh.url());
    assert_eq!(
        page1.header("link").unwrap(),
        format!("{}; rel=\"next\", {}; rel=\"last\"", u(2), u(3))
    );
    let page2 = api.get("/repos/acme/config/pulls?per_page=2&page=2").expect(200);
    assert_eq!(
        page2.header("link").unwrap(),
        format!(
            "{}; rel=\"prev\", {}; rel=\"next\", {}; rel=\"last\", {}; rel=\"first\"",
            u(1),
            u(3),
            u(3),
            u(1)
        )
    );
    let page3 = api.get("/repos/acme/config/pulls?per_page=2&page=3").expect(200);
    assert_eq!(page3.body.as_array().unwrap().len(), 1);
    assert!(!page3.header("link").unwrap().contains("rel=\"next\""));
    // Everything on one page: no Link header.
    let all = api.get("/repos/acme/config/pulls").expect(200);
    assert_eq!(all.body.as_array().unwrap().len(), 5);
    assert_eq!(all.header("link"), None);
}

#[test]
fn update_changes_title_body_state_and_base() {
    let (gh, api) = with_branch();
    api.post("/repos/acme/config/pulls", new_pull("tagbump/shop"))
        .expect(201);
    gh.seed_commit("acme", "config", "release", &[("r", "1")]);
    let r = api
        .patch(
            "/repos/acme/config/pulls/1",
            json!({"title": "Bump shop to 1.2.0", "body": "new", "base": "release"}),
        )
        .expect(200);
    assert_eq!(r.body["title"], "Bump shop to 1.2.0");
    assert_eq!(r.body["body"], "new");
    assert_eq!(r.body["base"]["ref"], "release");
    let r = api
        .patch("/repos/acme/config/pulls/1", json!({"state": "closed"}))
        .expect(200);
    assert_eq!(r.body["state"], "closed");
    assert!(r.body["closed_at"].is_string());
    api.patch("/repos/acme/config/pulls/1", json!({"base": "nope"}))
        .expect(422);
    api.patch("/repos/acme/config/pulls/9", json!({"title": "x"}))
        .expect(404);
    let pull = &gh.pulls("acme", "config")[0];
    assert_eq!(pull.title, "Bump shop to 1.2.0");
    assert_eq!(pull.state, super::super::PullState::Closed);
}

#[test]
fn labels_are_created_on_first_use_and_the_answer_lists_all_on_the_issue() {
    let (gh, api) = with_branch();
    api.post("/repos/acme/config/pulls", new_pull("tagbump/shop"))
        .expect(201);
    let r = api
        .post(
            "/repos/acme/config/issues/1/labels",
            json!({"labels": ["tagbump", {"name": "deploy"}]}),
        )
        .expect(200);
    let names: Vec<&str> = r
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["tagbump", "deploy"]);
    assert_eq!(r.body[0]["color"], "ededed");
    assert_eq!(r.body[0]["default"], false);
    // The bare-array form; an existing label matched case-insensitively is not duplicated.
    let r = api
        .post("/repos/acme/config/issues/1/labels", json!(["TagBump", "prod"]))
        .expect(200);
    assert_eq!(r.body.as_array().unwrap().len(), 3);
    assert_eq!(gh.labels("acme", "config").len(), 3);
    assert_eq!(gh.pulls("acme", "config")[0].labels, ["tagbump", "deploy", "prod"]);
    api.post("/repos/acme/config/issues/1/labels", json!({"labels": []}))
        .expect(422);
    api.post("/repos/acme/config/issues/7/labels", json!({"labels": ["x"]}))
        .expect(404);
    let listed = api.get("/repos/acme/config/pulls").expect(200);
    assert_eq!(listed.body[0]["labels"].as_array().unwrap().len(), 3);
}

#[test]
fn reviewers_must_be_collaborators_or_known_teams() {
    let (gh, api) = with_branch();
    gh.add_collaborator("acme", "config", "alice");
    gh.add_team("acme", "config", "platform");
    api.post("/repos/acme/config/pulls", new_pull("tagbump/shop"))
        .expect(201);
    let r = api
        .post(
            "/repos/acme/config/pulls/1/requested_reviewers",
            json!({"reviewers": ["alice"], "team_reviewers": ["platform"]}),
        )
        .expect(201);
    assert_eq!(r.body["requested_reviewers"][0]["login"], "alice");
    assert_eq!(r.body["requested_teams"][0]["slug"], "platform");
    let r = api
        .post(
            "/repos/acme/config/pulls/1/requested_reviewers",
            json!({"reviewers": ["mallory"]}),
        )
        .expect(422);
    assert!(
        r.body["message"]
            .as_str()
            .unwrap()
            .starts_with("Reviews may only be requested from collaborators.")
    );
    api.post(
        "/repos/acme/config/pulls/1/requested_reviewers",
        json!({"team_reviewers": ["nope"]}),
    )
    .expect(422);
    let r = api
        .post("/repos/acme/config/pulls/1/requested_reviewers", json!({}))
        .expect(422);
    assert_eq!(r.body["errors"].as_array().unwrap().len(), 2);
    assert_eq!(gh.pulls("acme", "config")[0].requested_reviewers, ["alice"]);
}
