//! The test-side API: start a stand-in, seed repositories, inject faults, and inspect what the
//! client left behind. Every method takes `&self` and locks the shared state briefly, so a
//! test can call them from its own thread while the server answers requests (that is how
//! [`GitHubStandIn::advance_branch`] plays a concurrent writer).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use super::faults::Fault;
use super::ratelimit::RateLimit;
use super::server::{self, Server};
use super::state::actions::{RepositoryDispatch, Run, Workflow};
use super::state::git::Person;
use super::state::pulls::{Label, Pull, PullState};
use super::state::{Repo, State, iso, repo_key};
use super::wire::LoggedRequest;

/// How a stand-in is set up.
#[derive(Clone, Debug)]
pub struct StandInOptions {
    /// The token requests must carry (`Authorization: Bearer T` or `token T`).
    pub token: String,
    /// The login the token belongs to: the author of API commits and pull requests. The default
    /// is the Actions bot, whose `GITHUB_TOKEN` the Action uses.
    pub login: String,
    /// The primary rate limit per hour (GitHub: 1,000 for `GITHUB_TOKEN`, 5,000 and up for
    /// other tokens).
    pub rate_limit: u32,
    /// Where the API lives under the server: `""` like api.github.com, `"/api/v3"` like
    /// GitHub Enterprise Server. Requests outside it get 404.
    pub api_prefix: String,
}

impl Default for StandInOptions {
    fn default() -> StandInOptions {
        StandInOptions {
            token: "ghs_test".into(),
            login: "github-actions[bot]".into(),
            rate_limit: 5000,
            api_prefix: String::new(),
        }
    }
}

/// What the server thread and the test thread share.
pub struct Shared {
    pub state: Mutex<State>,
    pub options: StandInOptions,
    /// `http://127.0.0.1:PORT`: the base of `html_url`s (and of API `url`s).
    pub base_url: String,
    /// `base_url` + the API prefix: what clients put in `GITHUB_API_URL`.
    pub api_url: String,
}

/// The author and committer of seeded commits.
pub fn seed_person(time: i64) -> Person {
    Person {
        name: "Seed".into(),
        email: "seed@example.com".into(),
        time,
    }
}

/// A commit with its files resolved from its tree.
#[derive(Clone, Debug)]
pub struct CommitView {
    pub sha: String,
    pub tree: String,
    pub parents: Vec<String>,
    pub message: String,
    /// Name, email and ISO 8601 date.
    pub author: (String, String, String),
    pub committer: (String, String, String),
    /// What GitHub would show: true for the commits GitHub signed itself.
    pub verified: bool,
    /// Path → bytes of every file in the commit's tree.
    pub files: BTreeMap<String, Vec<u8>>,
}

impl CommitView {
    /// A file's content as text (panics, naming the path, when absent or not UTF-8).
    pub fn text(&self, path: &str) -> String {
        let bytes = self
            .files
            .get(path)
            .unwrap_or_else(|| panic!("{path} is not in commit {}: {:?}", self.sha, self.files.keys()));
        String::from_utf8(bytes.clone()).unwrap_or_else(|_| panic!("{path} is not UTF-8"))
    }
}

/// A running stand-in; dropping it stops the server.
pub struct GitHubStandIn {
    shared: Arc<Shared>,
    _server: Server,
}

impl GitHubStandIn {
    pub fn start(options: StandInOptions) -> GitHubStandIn {
        let listener = server::bind();
        let base_url = format!("http://{}", server::addr(&listener));
        let api_url = format!("{base_url}{}", options.api_prefix);
        let shared = Arc::new(Shared {
            state: Mutex::new(State::new(RateLimit::new(options.rate_limit, 3600))),
            options,
            base_url,
            api_url,
        });
        let server = Server::start(listener, shared.clone());
        GitHubStandIn {
            shared,
            _server: server,
        }
    }

    /// The API base URL, for `GITHUB_API_URL` (no trailing slash; with the API prefix).
    pub fn url(&self) -> &str {
        &self.shared.api_url
    }

    /// The web base URL (`html_url`s start with it).
    pub fn web_url(&self) -> &str {
        &self.shared.base_url
    }

    /// The token requests must carry, for `GITHUB_TOKEN`.
    pub fn token(&self) -> &str {
        &self.shared.options.token
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.shared.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `f` on a repository; a linked one is synced from its bare repository first and gets
    /// the objects `f` made after.
    fn with_repo<T>(&self, owner: &str, repo: &str, f: impl FnOnce(&mut Repo, &mut super::state::Counters) -> T) -> T {
        let mut st = self.state();
        let State { repos, counters, .. } = &mut *st;
        let r = repos
            .get_mut(&repo_key(owner, repo))
            .unwrap_or_else(|| panic!("no repository {owner}/{repo} in the stand-in: add_repo it first"));
        r.sync().unwrap_or_else(|e| panic!("{e}"));
        let out = f(r, counters);
        r.flush().unwrap_or_else(|e| panic!("{e}"));
        out
    }

    // Seeding.

    /// An empty repository (no commits yet: seed one) whose default branch is `default_branch`.
    /// Its owner is a collaborator.
    pub fn add_repo(&self, owner: &str, repo: &str, default_branch: &str) {
        let mut st = self.state();
        let id = st.counters.id();
        let now = st.counters.now();
        st.repos
            .insert(repo_key(owner, repo), Repo::new(id, owner, repo, default_branch, now));
    }

    /// Make repository `owner/repo` (added, no commits yet) and the bare git repository
    /// `git_dir` one repository, as GitHub is one repository behind git and the API: for a
    /// test that reads over git (a [`crate::testenv::GitServer`]'s `git_dir(name)`) and writes
    /// through the API, as `tagbump update --via api` does. The bare repository's HEAD becomes
    /// the default branch. From then on its branches are the truth: every request, and every
    /// method here, first imports what was pushed or seeded there (same SHAs); the objects the
    /// API or [`GitHubStandIn::seed_commit`] make are written there, and refs move there by
    /// compare-and-swap (`git update-ref NAME NEW OLD`), so a push that lands between a
    /// request's check and its write makes the update fail as on GitHub instead of undoing the
    /// push. See `state/link.rs`. Panics, saying why, when the repository cannot be linked.
    pub fn link_bare_repo(&self, owner: &str, repo: &str, git_dir: &Path) {
        let mut st = self.state();
        let r = st.repo_mut(owner, repo).unwrap_or_else(|| {
            panic!("link_bare_repo: no repository {owner}/{repo} in the stand-in: add_repo it first")
        });
        assert!(
            r.is_empty() && r.link.is_none(),
            "link_bare_repo: {owner}/{repo} already has commits or a link; link it right after add_repo \
             (and seed it through the git server, or with seed_commit after linking)"
        );
        r.link(git_dir)
            .unwrap_or_else(|e| panic!("link_bare_repo {owner}/{repo} to {}: {e}", git_dir.display()));
    }

    /// Push a commit that writes `files` to `branch` (created from the default branch, or as
    /// the first commit, when missing). Returns the commit's SHA.
    pub fn seed_commit<B: AsRef<[u8]>>(&self, owner: &str, repo: &str, branch: &str, files: &[(&str, B)]) -> String {
        let changes: Vec<(String, Option<Vec<u8>>)> = files
            .iter()
            .map(|(p, b)| (p.to_string(), Some(b.as_ref().to_vec())))
            .collect();
        self.with_repo(owner, repo, |r, c| {
            r.commit_files(branch, &changes, "Seed", &seed_person(c.now()))
                .unwrap_or_else(|e| panic!("seed_commit on {owner}/{repo} {branch}: {e}"))
        })
    }

    /// Push a commit that deletes `paths` from `branch`. Returns its SHA.
    pub fn seed_delete(&self, owner: &str, repo: &str, branch: &str, paths: &[&str]) -> String {
        let changes: Vec<(String, Option<Vec<u8>>)> = paths.iter().map(|p| (p.to_string(), None)).collect();
        self.with_repo(owner, repo, |r, c| {
            r.commit_files(branch, &changes, "Seed: delete", &seed_person(c.now()))
                .unwrap_or_else(|e| panic!("seed_delete on {owner}/{repo} {branch}: {e}"))
        })
    }

    /// Another writer pushes to `branch` (which must exist) while the client works: its next
    /// fast-forward-only ref update from the old tip answers 422. Returns the new tip.
    pub fn advance_branch<B: AsRef<[u8]>>(&self, owner: &str, repo: &str, branch: &str, files: &[(&str, B)]) -> String {
        assert!(
            self.branch(owner, repo, branch).is_some(),
            "advance_branch: no branch {branch} in {owner}/{repo}"
        );
        self.seed_commit(owner, repo, branch, files)
    }

    /// A workflow `.github/workflows/{file}` that accepts any inputs. Returns its id.
    pub fn add_workflow(&self, owner: &str, repo: &str, file: &str) -> u64 {
        self.add_workflow_inner(owner, repo, file, None)
    }

    /// A workflow that declares `inputs` (name, required): a dispatch with an undeclared input,
    /// or without a required one, answers 422 as GitHub does. Returns its id.
    pub fn add_workflow_with_inputs(&self, owner: &str, repo: &str, file: &str, inputs: &[(&str, bool)]) -> u64 {
        let inputs = inputs.iter().map(|(n, r)| (n.to_string(), *r)).collect();
        self.add_workflow_inner(owner, repo, file, Some(inputs))
    }

    fn add_workflow_inner(&self, owner: &str, repo: &str, file: &str, inputs: Option<Vec<(String, bool)>>) -> u64 {
        self.with_repo(owner, repo, |r, c| {
            let id = c.id();
            let name = file.rsplit_once('.').map_or(file, |(n, _)| n).to_string();
            r.workflows.push(Workflow {
                id,
                path: format!(".github/workflows/{file}"),
                name,
                inputs,
            });
            id
        })
    }

    /// A user who may be requested as a reviewer.
    pub fn add_collaborator(&self, owner: &str, repo: &str, login: &str) {
        self.with_repo(owner, repo, |r, _| r.collaborators.insert(login.to_string()));
    }

    /// A team (by slug) that may be requested as a reviewer.
    pub fn add_team(&self, owner: &str, repo: &str, slug: &str) {
        self.with_repo(owner, repo, |r, _| r.teams.insert(slug.to_string()));
    }

    /// An open pull request from `head` to `base` (both must exist), as if someone opened it
    /// earlier. Returns its number.
    pub fn seed_pull(&self, owner: &str, repo: &str, head: &str, base: &str, title: &str) -> u64 {
        let login = self.shared.options.login.clone();
        self.with_repo(owner, repo, |r, c| {
            assert!(
                r.branch(head).is_some() && r.branch(base).is_some(),
                "seed_pull: {head} and {base} must exist"
            );
            r.last_number += 1;
            let now = c.now();
            let pull = Pull {
                number: r.last_number,
                id: c.id(),
                title: title.into(),
                body: None,
                head: head.into(),
                base: base.into(),
                state: PullState::Open,
                draft: false,
                maintainer_can_modify: false,
                labels: Vec::new(),
                requested_reviewers: Vec::new(),
                requested_teams: Vec::new(),
                user: login,
                created_at: now,
                updated_at: now,
                closed_at: None,
            };
            r.pulls.push(pull);
            r.last_number
        })
    }

    /// Move a run to `completed` with `conclusion` (`success`, `failure`, ...).
    pub fn complete_run(&self, owner: &str, repo: &str, run_id: u64, conclusion: &str) {
        self.with_repo(owner, repo, |r, c| {
            let now = c.now();
            let run = r
                .runs
                .iter_mut()
                .find(|x| x.id == run_id)
                .unwrap_or_else(|| panic!("no run {run_id}"));
            run.status = "completed".into();
            run.conclusion = Some(conclusion.into());
            run.updated_at = now;
        });
    }

    // Faults.

    /// Queue a fault; see [`Fault`].
    pub fn inject(&self, fault: Fault) {
        self.state().faults.push(fault);
    }

    /// Faults not yet spent.
    pub fn pending_faults(&self) -> usize {
        self.state().faults.len()
    }

    // Inspection.

    /// The tip of a branch.
    pub fn branch(&self, owner: &str, repo: &str, branch: &str) -> Option<String> {
        let mut st = self.state();
        let r = st.repo_mut(owner, repo)?;
        r.sync().unwrap_or_else(|e| panic!("{e}"));
        r.branch(branch).map(str::to_string)
    }

    /// Every ref (`refs/heads/main` → SHA).
    pub fn refs(&self, owner: &str, repo: &str) -> BTreeMap<String, String> {
        self.with_repo(owner, repo, |r, _| r.refs.clone())
    }

    /// A commit, with its files.
    pub fn commit(&self, owner: &str, repo: &str, sha: &str) -> Option<CommitView> {
        self.with_repo(owner, repo, |r, _| {
            let c = r.odb.commit(sha)?;
            let person = |p: &Person| (p.name.clone(), p.email.clone(), iso(p.time));
            Some(CommitView {
                sha: sha.to_string(),
                tree: c.tree.clone(),
                parents: c.parents.clone(),
                message: c.message.clone(),
                author: person(&c.author),
                committer: person(&c.committer),
                verified: c.verified,
                files: r.files(sha),
            })
        })
    }

    /// A file on a branch.
    pub fn file(&self, owner: &str, repo: &str, branch: &str, path: &str) -> Option<Vec<u8>> {
        self.with_repo(owner, repo, |r, _| {
            let tip = r.branch(branch)?.to_string();
            r.files(&tip).remove(path)
        })
    }

    /// The raw git object (kind, bytes) for `sha`, to hand to real git.
    pub fn raw_object(&self, owner: &str, repo: &str, sha: &str) -> Option<(&'static str, Vec<u8>)> {
        self.with_repo(owner, repo, |r, _| r.odb.raw(sha))
    }

    pub fn pulls(&self, owner: &str, repo: &str) -> Vec<Pull> {
        self.with_repo(owner, repo, |r, _| r.pulls.clone())
    }

    /// The repository's labels.
    pub fn labels(&self, owner: &str, repo: &str) -> Vec<Label> {
        self.with_repo(owner, repo, |r, _| r.labels.clone())
    }

    /// Workflow runs, oldest first (each `workflow_dispatch` made one).
    pub fn runs(&self, owner: &str, repo: &str) -> Vec<Run> {
        self.with_repo(owner, repo, |r, _| r.runs.clone())
    }

    pub fn repository_dispatches(&self, owner: &str, repo: &str) -> Vec<RepositoryDispatch> {
        self.with_repo(owner, repo, |r, _| r.repository_dispatches.clone())
    }

    /// Every request answered so far, in order (tokens redacted).
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.state().log.clone()
    }

    pub fn clear_requests(&self) {
        self.state().log.clear();
    }

    /// `x-ratelimit-remaining` as the next response would report it before spending.
    pub fn rate_limit_remaining(&self) -> u32 {
        self.state().rate.remaining()
    }
}
