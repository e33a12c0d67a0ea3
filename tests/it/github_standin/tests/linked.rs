//! A repository linked to the bare repository of a real git server: one repository behind git
//! and the API, as on GitHub. Real git judges every answer: the server's bare repository
//! (`log`, `head`, `read_file`, `fsck --strict`) and a clone over HTTP.

use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine as _;
use serde_json::json;

use super::super::GitHubStandIn;
use super::super::state::Repo;
use super::super::state::git::Person;
use super::super::state::link::RefError;
use super::{Api, api_commit};
use crate::testenv::{CLIENT_NAME, GitOptions, GitServer, SEED_NAME};

const KUSTOMIZATION: &str = "apps/shop/kustomization.yaml";
const MAIN: &str = "/repos/acme/config/git/refs/heads/main";

/// A git server whose `config` was seeded over git, and a stand-in whose `acme/config` is
/// linked to it; returns the seeded commit.
fn linked() -> (GitServer, GitHubStandIn, Api, String) {
    let git = GitServer::start(GitOptions::default());
    git.create_repo("config");
    let files = [
        (KUSTOMIZATION, "images:\n  - name: shop\n    newTag: 1.0.0\n"),
        ("README.md", "# config\n"),
    ];
    let base = git.seed("config", "main", &files, "initial config");
    let gh = GitHubStandIn::start(Default::default());
    gh.add_repo("acme", "config", "main");
    gh.link_bare_repo("acme", "config", &git.git_dir("config"));
    let api = Api::new(&gh);
    (git, gh, api, base)
}

/// Run `cmd`, which must succeed; its stdout, trimmed.
fn ok(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// Clone `config` over HTTP into `dir/name`, as another actor does.
fn clone(git: &GitServer, dir: &Path, name: &str) -> PathBuf {
    ok(git.client(dir).args(["clone", "-q", &git.repo_url("config"), name]));
    dir.join(name)
}

/// Commit `file` in clone `work` and push it over HTTP; returns the commit.
fn push(git: &GitServer, work: &Path, file: &str, message: &str) -> String {
    fs_err::write(work.join(file), "pushed\n").unwrap();
    ok(git.client(work).args(["add", file]));
    ok(git.client(work).args(["commit", "-q", "-m", message]));
    ok(git.client(work).args(["push", "-q", "origin", "HEAD"]));
    ok(git.client(work).args(["rev-parse", "HEAD"]))
}

#[test]
fn commits_seeded_over_git_are_the_apis_with_the_same_shas_and_files() {
    let (git, gh, api, base) = linked();
    let r = api.get("/repos/acme/config/git/ref/heads/main").expect(200);
    assert_eq!(r.body["object"]["sha"], base.as_str());

    let c = api.get(&format!("/repos/acme/config/git/commits/{base}")).expect(200);
    let tree = git.git("config", &["rev-parse", &format!("{base}^{{tree}}")]);
    assert_eq!(c.body["tree"]["sha"], tree.trim());
    assert_eq!(c.body["message"], "initial config\n");
    assert_eq!(c.body["author"]["name"], SEED_NAME);
    assert_eq!(c.body["parents"], json!([]));
    assert_eq!(c.body["verification"]["verified"], false);
    assert_eq!(c.body["verification"]["reason"], "unsigned");

    let view = gh.commit("acme", "config", &base).unwrap();
    assert_eq!(
        view.files.keys().collect::<Vec<_>>(),
        ["README.md", "apps/shop/kustomization.yaml"]
    );
    assert_eq!(
        view.text(KUSTOMIZATION),
        git.read_file("config", "main", KUSTOMIZATION).unwrap()
    );
    let readme = api.get("/repos/acme/config/contents/README.md").expect(200);
    assert_eq!(
        readme.body["sha"],
        git.git("config", &["rev-parse", "main:README.md"]).trim()
    );

    // Seeded after linking: the next request, and the handle, see it.
    let next = git.seed("config", "main", &[("b.yaml", "b: 1\n")], "more");
    let r = api.get("/repos/acme/config/git/ref/heads/main").expect(200);
    assert_eq!(r.body["object"]["sha"], next.as_str());
    assert_eq!(gh.branch("acme", "config", "main"), Some(next.clone()));
    assert_eq!(gh.commit("acme", "config", &next).unwrap().parents, [base]);
}

#[test]
fn an_api_commit_lands_in_the_bare_repository_verified_and_clones_over_http() {
    let (git, gh, api, base) = linked();
    let content = "images:\n  - name: shop\n    newTag: 1.1.0\n";
    let new = api_commit(&api, &base, KUSTOMIZATION, content);
    // In the bare repository as soon as the API made it; the branch has not moved yet.
    assert_eq!(git.git("config", &["cat-file", "-t", &new]).trim(), "commit");
    assert_eq!(git.head("config", "main"), Some(base.clone()));

    api.patch(MAIN, json!({"sha": new, "force": false})).expect(200);
    assert_eq!(git.head("config", "main"), Some(new.clone()));
    let log = git.log("config", "main");
    assert_eq!(log.iter().map(|c| c.sha.as_str()).collect::<Vec<_>>(), [&new, &base]);
    assert_eq!(
        (
            log[0].subject.as_str(),
            log[0].author_name.as_str(),
            log[0].committer_name.as_str()
        ),
        ("bump", "github-actions[bot]", "GitHub")
    );
    assert_eq!(log[0].parents, [base.as_str()]);
    assert_eq!(git.read_file("config", "main", KUSTOMIZATION).unwrap(), content);
    assert_eq!(git.read_file("config", "main", "README.md").unwrap(), "# config\n");
    git.git("config", &["fsck", "--strict", "--no-dangling"]);
    let raw = git.git("config", &["cat-file", "commit", &new]);
    assert!(raw.contains("\ngpgsig -----BEGIN PGP SIGNATURE-----\n"), "{raw}");

    // Verified, also once read back from git: another stand-in linked to the same repository
    // knows the signature as its own.
    let c = api.get(&format!("/repos/acme/config/git/commits/{new}")).expect(200);
    assert_eq!(c.body["verification"]["verified"], true);
    assert!(gh.commit("acme", "config", &new).unwrap().verified);
    let other = GitHubStandIn::start(Default::default());
    other.add_repo("acme", "config", "main");
    other.link_bare_repo("acme", "config", &git.git_dir("config"));
    let again = other.commit("acme", "config", &new).unwrap();
    assert!(again.verified);
    assert_eq!(again.author, gh.commit("acme", "config", &new).unwrap().author);

    let dir = tempfile::tempdir().unwrap();
    let work = clone(&git, dir.path(), "work");
    assert_eq!(ok(git.client(&work).args(["rev-parse", "HEAD"])), new);
    assert_eq!(fs_err::read_to_string(work.join(KUSTOMIZATION)).unwrap(), content);
}

#[test]
fn a_push_between_the_api_read_and_the_ref_update_makes_it_422_and_stays() {
    let (git, gh, api, base) = linked();
    let dir = tempfile::tempdir().unwrap();
    let work = clone(&git, dir.path(), "work");

    // tagbump's view: the tip it fetched, a commit built on it through the API...
    let r = api.get("/repos/acme/config/git/ref/heads/main").expect(200);
    assert_eq!(r.body["object"]["sha"], base.as_str());
    let mine = api_commit(&api, &base, KUSTOMIZATION, "newTag: 2\n");
    // ...while someone pushes over git.
    let theirs = push(&git, &work, "other.yaml", "their change");

    let r = api.patch(MAIN, json!({"sha": mine, "force": false})).expect(422);
    assert_eq!(r.body["message"], "Update is not a fast forward");
    assert_eq!(git.head("config", "main"), Some(theirs.clone()));
    let log = git.log("config", "main");
    assert_eq!(
        (log[0].subject.as_str(), log[0].author_name.as_str()),
        ("their change", CLIENT_NAME)
    );
    assert_eq!(gh.branch("acme", "config", "main"), Some(theirs.clone()));

    // Rebased on their commit it goes through, and theirs stays.
    let rebased = api_commit(&api, &theirs, KUSTOMIZATION, "newTag: 2\n");
    api.patch(MAIN, json!({"sha": rebased})).expect(200);
    let shas: Vec<String> = git.log("config", "main").into_iter().map(|c| c.sha).collect();
    assert_eq!(shas, [rebased, theirs, base.clone()]);
    assert_eq!(git.read_file("config", "main", "other.yaml").unwrap(), "pushed\n");

    // A concurrent push played by a fault goes to the bare repository too.
    let tip = git.head("config", "main").unwrap();
    let late = api_commit(&api, &tip, KUSTOMIZATION, "newTag: 3\n");
    gh.inject(super::super::Fault::advance_branch("main", &[("fault.yaml", "x\n")]).on("PATCH", MAIN));
    api.patch(MAIN, json!({"sha": late})).expect(422);
    assert_eq!(git.log("config", "main")[0].subject, "Concurrent change");
    assert_eq!(git.log("config", "main")[0].parents, [tip]);

    // Forced, the update takes the branch wherever it is, as on GitHub.
    api.patch(MAIN, json!({"sha": base, "force": true})).expect(200);
    assert_eq!(git.head("config", "main"), Some(base));
    git.git("config", &["fsck", "--strict"]);
}

/// The window inside one request, between the stand-in's look at the bare repository and its
/// write, cannot be hit from outside; this drives a linked repository directly. A push landing
/// there makes `update-ref NAME NEW OLD` refuse, and the push stays.
#[test]
fn a_ref_moves_in_the_bare_repository_only_from_where_it_was_seen() {
    let git = GitServer::start(GitOptions::default());
    git.create_repo("config");
    let base = git.seed("config", "main", &[("a.yaml", "a\n")], "initial");
    let mut repo = Repo::new(1, "acme", "config", "main", 0);
    repo.link(&git.git_dir("config")).unwrap();
    assert_eq!(repo.branch("main"), Some(base.as_str()));
    let tree = repo.odb.commit(&base).unwrap().tree.clone();
    let me = Person {
        name: "Me".into(),
        email: "me@example.com".into(),
        time: 1_704_067_200,
    };
    let mine = repo.odb.put_commit(
        &tree,
        std::slice::from_ref(&base),
        me.clone(),
        me,
        "mine\n",
        None,
        false,
    );

    let theirs = git.seed("config", "main", &[("b.yaml", "b\n")], "theirs");
    match repo.swap_ref("refs/heads/main", &mine, Some(&base)) {
        Err(RefError::Moved { actual }) => assert_eq!(actual, Some(theirs.clone())),
        other => panic!("expected a lost compare-and-swap, got {other:?}"),
    }
    assert_eq!(git.head("config", "main"), Some(theirs.clone()));
    // Creating a branch pushed meanwhile is refused the same way.
    git.git("config", &["branch", "feature", "main"]);
    match repo.swap_ref("refs/heads/feature", &mine, None) {
        Err(RefError::Moved { actual }) => assert_eq!(actual, Some(theirs.clone())),
        other => panic!("expected a lost compare-and-swap, got {other:?}"),
    }
    // From where it is now it moves (a forced move: mine is not on top of theirs).
    repo.swap_ref("refs/heads/main", &mine, Some(&theirs)).unwrap();
    assert_eq!(git.head("config", "main"), Some(mine.clone()));
    assert_eq!(git.log("config", "main")[0].subject, "mine");
    git.git("config", &["fsck", "--strict"]);
}

#[test]
fn branches_pushed_or_created_through_the_api_are_one_table_and_requests_are_logged() {
    let (git, gh, api, base) = linked();
    gh.clear_requests();
    let dir = tempfile::tempdir().unwrap();
    let work = clone(&git, dir.path(), "work");
    ok(git
        .client(&work)
        .args(["push", "-q", "origin", "HEAD:refs/heads/feature"]));

    api.get("/repos/acme/config/git/ref/heads/feature").expect(200);
    let r = api
        .post(
            "/repos/acme/config/git/refs",
            json!({"ref": "refs/heads/feature", "sha": base}),
        )
        .expect(422);
    assert_eq!(r.body["message"], "Reference already exists");

    // A work branch made through the API is a branch of the bare repository; its forced
    // update (what `update --via api` does when the branch exists) moves it there.
    let bump = api_commit(&api, &base, KUSTOMIZATION, "newTag: 3\n");
    api.post(
        "/repos/acme/config/git/refs",
        json!({"ref": "refs/heads/tagbump/shop", "sha": bump}),
    )
    .expect(201);
    assert_eq!(git.branches("config"), ["feature", "main", "tagbump/shop"]);
    assert_eq!(git.head("config", "tagbump/shop"), Some(bump));
    let again = api_commit(&api, &base, KUSTOMIZATION, "newTag: 4\n");
    api.patch(
        "/repos/acme/config/git/refs/heads/tagbump/shop",
        json!({"sha": again, "force": true}),
    )
    .expect(200);
    assert_eq!(git.head("config", "tagbump/shop"), Some(again));

    // The contents API commits into the bare repository too.
    let content = base64::engine::general_purpose::STANDARD.encode("hi\n");
    let put = api
        .put(
            "/repos/acme/config/contents/notes.txt",
            json!({"message": "notes", "content": content}),
        )
        .expect(201);
    assert_eq!(git.read_file("config", "main", "notes.txt").unwrap(), "hi\n");
    assert_eq!(
        git.head("config", "main").unwrap(),
        put.body["commit"]["sha"].as_str().unwrap()
    );
    git.git("config", &["fsck", "--strict", "--no-dangling"]);

    assert_eq!(
        gh.refs("acme", "config").keys().collect::<Vec<_>>(),
        ["refs/heads/feature", "refs/heads/main", "refs/heads/tagbump/shop"]
    );
    let flow = [
        ("git/get-commit", 200),
        ("git/create-blob", 201),
        ("git/create-tree", 201),
        ("git/create-commit", 201),
    ];
    let mut expected = vec![("git/get-ref", 200), ("git/create-ref", 422)];
    expected.extend(flow);
    expected.push(("git/create-ref", 201));
    expected.extend(flow);
    expected.push(("git/update-ref", 200));
    expected.push(("repos/create-or-update-file-contents", 201));
    let logged: Vec<(&str, u16)> = gh.requests().iter().map(|r| (r.operation.unwrap(), r.status)).collect();
    assert_eq!(logged, expected);
}
