//! After the commit: workflow_dispatch (with the run reported) and repository_dispatch
//! through the GitHub stand-in, rate limits honoured, failures after the commit named as such.

use super::Update;
use crate::github_standin::{Fault, GitHubStandIn, StandInOptions};
use crate::testenv::{GitOptions, GitServer};

struct World {
    git: GitServer,
    gh: GitHubStandIn,
}

fn world() -> World {
    let git = GitServer::start(GitOptions::default());
    git.create_repo("config");
    git.seed(
        "config",
        "main",
        &[("apps/shop.yaml", "image: ghcr.io/acme/shop:1.4.0\n")],
        "initial",
    );
    let gh = GitHubStandIn::start(StandInOptions {
        token: git.token().to_string(),
        ..StandInOptions::default()
    });
    gh.add_repo("acme", "config", "main");
    gh.seed_commit(
        "acme",
        "config",
        "main",
        &[("apps/shop.yaml", "image: ghcr.io/acme/shop:1.4.0\n")],
    );
    gh.add_workflow_with_inputs("acme", "config", "deploy.yml", &[("environment", true)]);
    World { git, gh }
}

fn config(w: &World, dispatch: &str) -> String {
    format!(
        "images:\n  - image: ghcr.io/acme/shop\ngit:\n  repository: {}\ngithub:\n  repository: acme/config\ndispatch:\n{dispatch}",
        w.git.repo_url("config")
    )
}

fn update<'a>(w: &'a World, dispatch: &str) -> Update<'a> {
    Update::new(&w.git)
        .file("tagbump.yaml", &config(w, dispatch))
        .env("GITHUB_API_URL", w.gh.url())
}

#[test]
fn workflow_dispatch_reports_the_run_and_repository_dispatch_lists_the_bumps() {
    let w = world();
    let run = update(
        &w,
        "  workflow: deploy.yml\n  inputs: {environment: prod}\n  event_type: images-bumped\n",
    )
    .run(&["--image", "shop:1.5.0", "--format", "json"]);
    run.code(0);
    let out = run.json();
    let commit = w.git.head("config", "main").unwrap();
    let runs = w.gh.runs("acme", "config");
    assert_eq!(runs.len(), 1, "one workflow run");
    assert_eq!(
        (runs[0].event.as_str(), runs[0].head_branch.as_str()),
        ("workflow_dispatch", "main")
    );
    assert_eq!(runs[0].inputs, serde_json::json!({"environment": "prod"}));
    assert_eq!(out["dispatch"]["workflow"], "deploy.yml");
    assert_eq!(out["dispatch"]["run_id"].as_u64(), Some(runs[0].id));
    let url = out["dispatch"]["run_url"].as_str().unwrap();
    assert!(
        url.starts_with(w.gh.web_url()) && url.ends_with(&format!("/acme/config/actions/runs/{}", runs[0].id)),
        "{url}"
    );
    let events = w.gh.repository_dispatches("acme", "config");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].event_type, "images-bumped");
    let p = &events[0].client_payload;
    assert_eq!(p["commit"].as_str(), Some(commit.as_str()));
    assert_eq!(p["branch"], "main");
    assert_eq!(p["bumps"][0]["image"], "ghcr.io/acme/shop");
    assert_eq!(p["bumps"][0]["old"], serde_json::json!(["1.4.0"]));
    assert_eq!(p["bumps"][0]["new"], "1.5.0");
    // Every request carried the documented headers; the token never shows.
    for r in w.gh.requests() {
        for h in ["x-github-api-version", "user-agent", "accept", "authorization"] {
            assert_eq!(
                r.headers.iter().filter(|(n, _)| n == h).count(),
                1,
                "{h} exactly once: {r:?}"
            );
        }
        assert_eq!(r.header("x-github-api-version"), Some("2022-11-28"), "{r:?}");
        assert_eq!(r.header("accept"), Some("application/vnd.github+json"), "{r:?}");
    }
    assert!(!run.output().contains(w.git.token()));

    // A rerun changes nothing and dispatches nothing.
    update(&w, "  workflow: deploy.yml\n  inputs: {environment: prod}\n")
        .run(&["--image", "shop:1.5.0"])
        .code(0);
    assert_eq!(w.gh.runs("acme", "config").len(), 1);
}

#[test]
fn rate_limits_are_waited_out() {
    let w = world();
    w.gh.inject(
        Fault::secondary_rate_limit()
            .retry_after(1)
            .on("POST", "/repos/acme/config/actions/workflows/*"),
    );
    w.gh.inject(
        Fault::primary_rate_limit()
            .status_code(429)
            .reset_in(1)
            .on("POST", "/repos/acme/config/dispatches"),
    );
    let started = std::time::Instant::now();
    let run = update(
        &w,
        "  workflow: deploy.yml\n  inputs: {environment: prod}\n  event_type: bumped\n",
    )
    .run(&["--image", "shop:1.5.0"]);
    run.code(0);
    assert!(
        started.elapsed() >= std::time::Duration::from_secs(2),
        "both limits were waited out"
    );
    assert_eq!(w.gh.runs("acme", "config").len(), 1);
    assert_eq!(w.gh.repository_dispatches("acme", "config").len(), 1);
    assert_eq!(w.gh.pending_faults(), 0);
    assert!(run.stderr().contains("GitHub rate limit"), "{}", run.stderr());
}

#[test]
fn a_failed_dispatch_after_the_commit_says_the_commit_was_made() {
    let w = world();
    let run = update(&w, "  workflow: missing.yml\n").run(&["--image", "shop:1.5.0"]);
    run.code(8);
    let commit = w.git.head("config", "main").unwrap();
    let err = run.stderr();
    assert!(err.contains(&format!("dispatching after commit {commit}")), "{err}");
    assert!(err.contains("HTTP 404"), "{err}");
    assert!(!err.contains("nothing was written"), "{err}");
}

#[test]
fn a_bad_api_token_fails_before_anything_is_written() {
    let w = world();
    // git accepts the token, the API does not (a token for the wrong host).
    let gh = GitHubStandIn::start(StandInOptions::default());
    gh.add_repo("acme", "config", "main");
    gh.seed_commit("acme", "config", "main", &[("x", "y")]);
    gh.add_workflow("acme", "config", "deploy.yml");
    let run = Update::new(&w.git)
        .file("tagbump.yaml", &config(&w, "  workflow: deploy.yml\n"))
        .env("GITHUB_API_URL", gh.url())
        .run(&["--image", "shop:1.5.0"]);
    run.code(8);
    let err = run.stderr();
    assert!(
        err.contains("HTTP 401: Bad credentials") && err.contains("hint: the token is invalid"),
        "{err}"
    );
    assert!(err.contains("nothing was written"), "{err}");
    assert!(!err.contains(w.git.token()));
    assert_eq!(w.git.log("config", "main").len(), 1, "no commit");
}

#[test]
fn without_run_details_the_run_is_found_in_the_list() {
    let w = world();
    // An older GitHub Enterprise Server that does not know `return_run_details`.
    w.gh.inject(
        Fault::status(422)
            .message("Invalid request. \"return_run_details\" is not a permitted key.")
            .on("POST", "/repos/acme/config/actions/workflows/deploy.yml/dispatches"),
    );
    let run = update(&w, "  workflow: deploy.yml\n  inputs: {environment: prod}\n").run(&[
        "--image",
        "shop:1.5.0",
        "--format",
        "json",
    ]);
    run.code(0);
    let runs = w.gh.runs("acme", "config");
    assert_eq!(runs.len(), 1);
    let out = run.json();
    assert_eq!(out["dispatch"]["run_id"].as_u64(), Some(runs[0].id), "{out}");
    let posts: Vec<_> =
        w.gh.requests()
            .into_iter()
            .filter(|r| r.method == "POST" && r.target.ends_with("/dispatches"))
            .collect();
    assert_eq!(posts.len(), 2, "asked again without return_run_details");
    assert!(posts[1].body.as_ref().unwrap().get("return_run_details").is_none());
    assert!(
        w.gh.requests()
            .iter()
            .any(|r| r.method == "GET" && r.target.contains("/actions/workflows/deploy.yml/runs?"))
    );
}

#[test]
fn github_enterprise_server_api_prefix_is_kept() {
    let git = GitServer::start(GitOptions::default());
    git.create_repo("config");
    git.seed(
        "config",
        "main",
        &[("apps/shop.yaml", "image: ghcr.io/acme/shop:1.4.0\n")],
        "initial",
    );
    let gh = GitHubStandIn::start(StandInOptions {
        token: git.token().to_string(),
        api_prefix: "/api/v3".into(),
        ..StandInOptions::default()
    });
    gh.add_repo("acme", "config", "main");
    gh.seed_commit("acme", "config", "main", &[("x", "y")]);
    gh.add_workflow("acme", "config", "deploy.yml");
    assert!(gh.url().ends_with("/api/v3"));
    let w = World { git, gh };
    let run = update(&w, "  workflow: deploy.yml\n").run(&["--image", "shop:1.5.0"]);
    run.code(0);
    assert_eq!(w.gh.runs("acme", "config").len(), 1);
    assert!(w.gh.requests().iter().all(|r| r.status < 400), "{:?}", w.gh.requests());
}
