//! The pull-request mode (work branch by git or by the API) and API commits on the target
//! branch, against the real git server with the GitHub stand-in linked to the same bare
//! repository (on GitHub, one repository answers both protocols).

use serde_json::json;

use super::Update;
use crate::github_standin::{Fault, GitHubStandIn, PullState, StandInOptions};
use crate::testenv::{GitOptions, GitServer};

const SHOP: &str = "apps/shop.yaml";
const API: &str = "apps/api.yaml";

struct World {
    git: GitServer,
    gh: GitHubStandIn,
}

fn world() -> World {
    let git = GitServer::start(GitOptions::default());
    git.create_repo("config");
    let gh = GitHubStandIn::start(StandInOptions {
        token: git.token().to_string(),
        ..StandInOptions::default()
    });
    gh.add_repo("acme", "config", "main");
    gh.link_bare_repo("acme", "config", &git.git_dir("config"));
    git.seed(
        "config",
        "main",
        &[
            (SHOP, "# shop\nimage: ghcr.io/acme/shop:1.4.0 # pinned by tagbump\n"),
            (API, "image: ghcr.io/acme/api:2.0.0\n"),
        ],
        "initial",
    );
    gh.add_collaborator("acme", "config", "alice");
    World { git, gh }
}

fn shop(tag: &str) -> String {
    format!("# shop\nimage: ghcr.io/acme/shop:{tag} # pinned by tagbump\n")
}

fn update<'a>(w: &'a World, extra: &str) -> Update<'a> {
    let config = format!(
        "images:\n  - image: ghcr.io/acme/shop\n  - image: ghcr.io/acme/api\ngit:\n  repository: {}\ngithub:\n  repository: acme/config\n{extra}",
        w.git.repo_url("config")
    );
    Update::new(&w.git)
        .file("tagbump.yaml", &config)
        .env("GITHUB_API_URL", w.gh.url())
}

const PR: &str =
    "write:\n  mode: pull-request\npull_request:\n  labels: [deploy, images]\n  reviewers: [alice]\n  draft: true\n";

#[test]
fn pull_request_is_opened_then_refreshed_never_duplicated() {
    let w = world();
    let main = w.git.head("config", "main").unwrap();
    let up = update(&w, PR);

    // First run: a work branch with one commit on main, and a pull request.
    let out = up.run(&["--image", "shop:1.5.0", "--format", "json"]);
    out.code(0);
    let j = out.json();
    assert_eq!(
        (j["branch"].as_str(), j["base"].as_str()),
        (Some("tagbump/shop"), Some("main"))
    );
    assert_eq!(j["pull_request"]["action"], "created");
    let work = w.git.head("config", "tagbump/shop").unwrap();
    assert_eq!(j["commit"].as_str(), Some(work.as_str()));
    assert_eq!(w.git.log("config", "tagbump/shop")[0].parents, vec![main.clone()]);
    assert_eq!(
        w.git.head("config", "main").unwrap(),
        main,
        "the target branch is untouched"
    );
    assert_eq!(w.git.read_file("config", "tagbump/shop", SHOP).unwrap(), shop("1.5.0"));
    let pulls = w.gh.pulls("acme", "config");
    assert_eq!(pulls.len(), 1);
    let p = &pulls[0];
    assert_eq!(j["pull_request"]["number"].as_u64(), Some(p.number));
    assert_eq!(
        (p.head.as_str(), p.base.as_str(), p.draft),
        ("tagbump/shop", "main", true)
    );
    assert_eq!(p.title, "chore(tagbump): bump shop to 1.5.0");
    assert!(
        p.body
            .as_deref()
            .unwrap()
            .contains("- ghcr.io/acme/shop: 1.4.0 → 1.5.0"),
        "{:?}",
        p.body
    );
    assert_eq!(p.labels, ["deploy", "images"]);
    assert_eq!(p.requested_reviewers, ["alice"]);
    assert_eq!(
        j["pull_request"]["url"].as_str().unwrap(),
        format!("{}/acme/config/pull/{}", w.gh.url(), p.number)
    );

    // Same again: nothing pushed, the pull request left as it is.
    let pushes = w.git.access_log().iter().filter(|e| e.is_push()).count();
    let again = up.run(&["--image", "shop:1.5.0", "--format", "json"]);
    again.code(0);
    assert_eq!(again.json()["pull_request"]["action"], "unchanged");
    assert_eq!(w.git.head("config", "tagbump/shop").unwrap(), work);
    assert_eq!(
        w.git.access_log().iter().filter(|e| e.is_push()).count(),
        pushes,
        "no push when nothing changed"
    );

    // A newer tag, and meanwhile someone pushed to main: the work branch is rebuilt on the
    // new main (one commit), the same pull request retitled.
    let main2 = w.git.seed("config", "main", &[("README.md", "# config\n")], "docs");
    let third = up.run(&["--image", "shop:1.6.0", "--format", "json"]);
    third.code(0);
    assert_eq!(third.json()["pull_request"]["action"], "updated");
    let log = w.git.log("config", "tagbump/shop");
    assert_eq!(log[0].parents, vec![main2]);
    assert_eq!(w.git.read_file("config", "tagbump/shop", SHOP).unwrap(), shop("1.6.0"));
    assert_eq!(
        w.git.read_file("config", "tagbump/shop", "README.md").unwrap(),
        "# config\n"
    );
    let pulls = w.gh.pulls("acme", "config");
    assert_eq!(pulls.len(), 1, "never a second pull request");
    assert_eq!(pulls[0].title, "chore(tagbump): bump shop to 1.6.0");
    assert_eq!(pulls[0].state, PullState::Open);
}

#[test]
fn a_reviewer_github_refuses_fails_after_the_commit() {
    let w = world();
    let run = update(&w, &PR.replace("[alice]", "[mallory]")).run(&["--image", "shop:1.5.0"]);
    run.code(8);
    let err = run.stderr();
    assert!(err.contains("opening the pull request after commit"), "{err}");
    assert!(err.contains("HTTP 422"), "{err}");
}

#[test]
fn api_commit_is_verified_single_and_byte_exact() {
    let w = world();
    let main = w.git.head("config", "main").unwrap();
    let run =
        update(&w, "write:\n  via: api\n").run(&["--image", "shop:1.5.0", "--image", "api:2.1.0", "--format", "json"]);
    run.code(0);
    let j = run.json();
    let head = w.git.head("config", "main").unwrap();
    assert_eq!(
        (j["commit"].as_str(), j["verified"].as_bool()),
        (Some(head.as_str()), Some(true))
    );
    let c = w.gh.commit("acme", "config", &head).unwrap();
    assert!(c.verified, "GitHub signed it");
    assert_eq!(c.parents, vec![main]);
    assert_eq!(c.text(SHOP), shop("1.5.0"));
    assert_eq!(
        w.git.read_file("config", "main", API).unwrap(),
        "image: ghcr.io/acme/api:2.1.0\n"
    );
    // The commit request carried no author, committer or signature (that is what gets it
    // signed), and nothing went through a git push.
    let commits: Vec<_> =
        w.gh.requests()
            .into_iter()
            .filter(|r| r.method == "POST" && r.target.ends_with("/git/commits"))
            .collect();
    assert_eq!(commits.len(), 1);
    let body = commits[0].body.as_ref().unwrap();
    for k in ["author", "committer", "signature"] {
        assert!(body.get(k).is_none(), "{k} sent: {body}");
    }
    assert!(!w.git.access_log().iter().any(|e| e.is_push()));
}

#[test]
fn api_ref_conflict_reapplies_on_the_new_head() {
    let w = world();
    // Another writer lands on main just before tagbump moves the ref.
    w.gh.inject(
        Fault::advance_branch("main", &[("README.md", "# moved\n")])
            .on("PATCH", "/repos/acme/config/git/refs/heads/main"),
    );
    let run = update(&w, "write:\n  via: api\n").run(&["--image", "shop:1.5.0", "--format", "json"]);
    run.code(0);
    let j = run.json();
    assert_eq!(j["attempts"].as_u64(), Some(2), "{j}");
    let log = w.git.log("config", "main");
    assert_eq!(log.len(), 3, "seed, the other writer, tagbump");
    assert_eq!(
        w.git.read_file("config", "main", "README.md").unwrap(),
        "# moved\n",
        "the other change survives"
    );
    assert_eq!(w.git.read_file("config", "main", SHOP).unwrap(), shop("1.5.0"));
}

#[test]
fn api_pull_request_mode_creates_the_work_branch_by_api() {
    let w = world();
    let run = update(
        &w,
        &PR.replace(
            "write:\n  mode: pull-request\n",
            "write:\n  mode: pull-request\n  via: api\n",
        ),
    )
    .run(&["--image", "shop:1.5.0", "--format", "json"]);
    run.code(0);
    let j = run.json();
    assert_eq!(j["pull_request"]["action"], "created");
    assert_eq!(j["verified"], json!(true));
    let work = w.git.head("config", "tagbump/shop").unwrap();
    assert!(w.gh.commit("acme", "config", &work).unwrap().verified);
    assert_eq!(w.gh.pulls("acme", "config").len(), 1);
    // Rerun: the work branch already holds the change.
    let again = update(
        &w,
        &PR.replace(
            "write:\n  mode: pull-request\n",
            "write:\n  mode: pull-request\n  via: api\n",
        ),
    )
    .run(&["--image", "shop:1.5.0", "--format", "json"]);
    again.code(0);
    assert_eq!(again.json()["pull_request"]["action"], "unchanged");
    assert_eq!(w.git.head("config", "tagbump/shop").unwrap(), work);
}

#[test]
fn api_409_on_the_ref_update_is_retried_and_a_5xx_too() {
    let w = world();
    w.gh.inject(Fault::status(409).on("PATCH", "/repos/acme/config/git/refs/heads/main"));
    w.gh.inject(Fault::status(502).on("POST", "/repos/acme/config/git/trees"));
    let run = update(&w, "write:\n  via: api\n").run(&["--image", "shop:1.5.0", "--format", "json"]);
    run.code(0);
    assert_eq!(run.json()["attempts"].as_u64(), Some(2), "the 409 cost one attempt");
    assert_eq!(w.gh.pending_faults(), 0);
    assert_eq!(w.git.read_file("config", "main", SHOP).unwrap(), shop("1.5.0"));
    assert_eq!(w.git.log("config", "main").len(), 2, "one commit, not two");
}
