//! A GitHub REST API stand-in for the `tagbump update` tests: GitHub cannot be reached from the
//! machines that run them, and a client that only ever met a lenient mock passes tests that
//! api.github.com would fail. So the stand-in is strict where GitHub is strict and keeps state
//! where GitHub keeps state:
//!
//! - every request is checked the way GitHub checks it: `User-Agent` present, `Authorization:
//!   Bearer T` or `token T` with the configured token, `X-GitHub-Api-Version` one of the two
//!   versions GitHub serves, an `Accept` that allows JSON, a known (method, path), a JSON body
//!   with the required fields, types and enum values (`shape.rs`);
//! - answers carry the documented status, body and headers: `Location` on 201s, `Link` on the
//!   two paginated lists, the `x-ratelimit-*` headers on every response with a budget that
//!   runs down;
//! - a repository is a real little git object store (blob, tree and commit SHAs are what git
//!   computes), with refs that only move fast-forward unless forced, pull requests with labels
//!   and reviewers, workflows whose dispatches become runs, and repository dispatch events, so
//!   a test can follow `tagbump update` end to end and then inspect what it left behind;
//! - faults can be injected per request (401, 403/429 primary and secondary rate limits, 404,
//!   409, 422, 5xx) and a concurrent writer simulated, so retry and compare-and-swap paths run;
//! - a repository can be linked to a bare git repository on disk
//!   ([`GitHubStandIn::link_bare_repo`], `state/link.rs`), because on GitHub one repository
//!   answers both git and the API: `tagbump update --via api` fetches over git and commits
//!   through the API on top of what it fetched, which only works if both see the same
//!   objects and refs. Linked, the bare repository (a testenv `GitServer`'s) is the truth:
//!   each request first imports its branches and the objects the stand-in lacks (same SHAs),
//!   the objects the API makes are written there, and refs move there only by compare-and-swap
//!   (`git update-ref NAME NEW OLD`), so a push that lands mid-request makes the update answer
//!   422 as GitHub does and is never overwritten.
//!
//! It is hand-written Rust and needs nothing outside the crate: the project's GitHub workflows
//! have no `../shared`. The contract it follows is `../shared/github-api/github-rest-subset.json`
//! (19 operations from GitHub's OpenAPI description); `contract.rs` reads that file at test time
//! (`$TAGBUMP_GITHUB_API`, `off` to skip) and checks the route table and real answers against it,
//! so the stand-in cannot drift from the spec unnoticed.
//!
//! ```ignore
//! let gh = GitHubStandIn::start(StandInOptions::default()); // token "ghs_test"
//! gh.add_repo("acme", "config", "main");
//! let base = gh.seed_commit("acme", "config", "main", &[("apps/shop.yaml", "image: shop:1.0\n")]);
//! gh.add_workflow("acme", "config", "deploy.yml");
//! gh.inject(Fault::status(409).on("PATCH", "/repos/acme/config/git/refs/heads/main"));
//! // ... run `tagbump update` with GITHUB_API_URL=gh.url(), GITHUB_TOKEN=gh.token() ...
//! let head = gh.branch("acme", "config", "main").unwrap();
//! let commit = gh.commit("acme", "config", &head).unwrap();
//! assert!(commit.verified);
//! assert_eq!(commit.parents, [base]);
//! assert_eq!(commit.files["apps/shop.yaml"], b"image: shop:1.1\n");
//!
//! // One repository behind git and the API, as on GitHub:
//! let git = GitServer::start(GitOptions::default());
//! git.create_repo("config");
//! let base = git.seed("config", "main", &[("apps/shop.yaml", "image: shop:1.0\n")], "initial");
//! gh.add_repo("acme", "app", "main");
//! gh.link_bare_repo("acme", "app", &git.git_dir("config"));
//! // ... `tagbump update --via api` with git.repo_url("config") and gh.url() ...
//! assert_eq!(git.log("config", "main")[0].parents, [base]); // the API's commit, in git
//! ```
//!
//! Layout: `server` (HTTP/1.1 with keep-alive on a background thread), `dispatch` (the checks
//! every request passes, in GitHub's order), `routes` (the table of the 19 operations), `shape`
//! (request bodies), `faults`, `ratelimit`, `state/` (repositories, git objects, pull requests,
//! actions; `link` and `parse` for a linked bare repository), `api/` (one file per API area:
//! what each operation does and answers), `handle` (the test-side API), `schema` + `contract`
//! (the check against the spec), `tests/`.

mod api;
mod contract;
mod dispatch;
mod faults;
mod handle;
mod ratelimit;
mod routes;
mod schema;
mod server;
mod shape;
mod state;
mod tests;
mod wire;

#[allow(unused_imports)] // the stand-in's API, used by the `tagbump update` tests as they come
pub use self::{
    faults::Fault,
    handle::{CommitView, GitHubStandIn, StandInOptions},
    state::{
        actions::{RepositoryDispatch, Run, Workflow},
        pulls::{Label, Pull, PullState},
    },
    wire::LoggedRequest,
};
