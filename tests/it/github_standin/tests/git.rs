//! The Git Data API flow `tagbump update` uses (blob → tree → commit → fast-forward ref
//! update), the rules that keep it safe, and real git as the judge of every object's SHA.

use std::io::Write as _;
use std::process::{Command, Stdio};

use serde_json::json;

use super::super::GitHubStandIn;
use super::{Api, api_commit, setup};

#[test]
fn blob_tree_commit_and_fast_forward_update_make_a_verified_commit() {
    let (gh, api, base) = setup();
    let r = api.get("/repos/acme/config/git/ref/heads/main").expect(200);
    assert_eq!(r.body["ref"], "refs/heads/main");
    assert_eq!(r.body["object"]["sha"], base.as_str());
    assert_eq!(r.body["object"]["type"], "commit");

    let content = "images:\n  - name: shop\n    newTag: 1.1.0\n";
    let blob = api
        .post(
            "/repos/acme/config/git/blobs",
            json!({"content": content, "encoding": "utf-8"}),
        )
        .expect(201);
    // A blob's SHA is git's: sha1("blob 40\0" + content).
    assert_eq!(blob.body["sha"], git_hash("blob", content.as_bytes()));
    assert_eq!(
        blob.header("location"),
        Some(
            format!(
                "{}/repos/acme/config/git/blobs/{}",
                gh.url(),
                blob.body["sha"].as_str().unwrap()
            )
            .as_str()
        )
    );

    let new = api_commit(&api, &base, "apps/shop/kustomization.yaml", content);
    let commit = api.get(&format!("/repos/acme/config/git/commits/{new}")).expect(200);
    assert_eq!(commit.body["verification"]["verified"], true);
    assert_eq!(commit.body["verification"]["reason"], "valid");
    assert_eq!(commit.body["author"]["name"], "github-actions[bot]");
    assert_eq!(commit.body["committer"]["name"], "GitHub");
    assert_eq!(commit.body["parents"][0]["sha"], base.as_str());

    // Not on the branch until the ref moves.
    assert_eq!(gh.branch("acme", "config", "main").unwrap(), base);
    let r = api
        .patch(
            "/repos/acme/config/git/refs/heads/main",
            json!({"sha": new, "force": false}),
        )
        .expect(200);
    assert_eq!(r.body["object"]["sha"], new.as_str());
    assert_eq!(gh.branch("acme", "config", "main").unwrap(), new);

    let view = gh.commit("acme", "config", &new).unwrap();
    assert!(view.verified);
    assert_eq!(view.parents, [base]);
    assert_eq!(view.message, "bump");
    assert_eq!(view.tree, commit.body["tree"]["sha"].as_str().unwrap());
    assert_eq!(
        view.author,
        (
            "github-actions[bot]".to_string(),
            "41898282+github-actions[bot]@users.noreply.github.com".to_string(),
            commit.body["author"]["date"].as_str().unwrap().to_string()
        )
    );
    assert_eq!(view.committer.0, "GitHub");
    assert_eq!(view.text("apps/shop/kustomization.yaml"), content);
    assert_eq!(view.text("README.md"), "# config\n"); // kept from base_tree
}

#[test]
fn a_commit_with_author_committer_or_signature_is_not_verified() {
    let (_gh, api, base) = setup();
    let tree = api.get(&format!("/repos/acme/config/git/commits/{base}")).body["tree"]["sha"].clone();
    let person = json!({"name": "Bot", "email": "bot@example.com", "date": "2024-05-01T10:00:00Z"});
    for extra in [
        json!({"author": person}),
        json!({"committer": person}),
        json!({"signature": "-----BEGIN PGP SIGNATURE-----\nx\n-----END PGP SIGNATURE-----\n"}),
    ] {
        let mut body = json!({"message": "m", "tree": tree, "parents": [base]});
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        let r = api.post("/repos/acme/config/git/commits", body.clone()).expect(201);
        assert_eq!(r.body["verification"]["verified"], false, "{body}");
        if body.get("author").is_some() {
            assert_eq!(r.body["author"]["date"], "2024-05-01T10:00:00Z");
            assert_eq!(r.body["committer"]["email"], "bot@example.com");
            assert_eq!(r.body["verification"]["reason"], "unsigned");
        }
    }
}

#[test]
fn a_ref_update_that_is_not_a_fast_forward_is_422_unless_forced() {
    let (gh, api, base) = setup();
    let mine = api_commit(&api, &base, "a.yaml", "mine\n");
    // Someone else pushes first.
    let theirs = gh.advance_branch("acme", "config", "main", &[("b.yaml", "theirs\n")]);
    let r = api
        .patch("/repos/acme/config/git/refs/heads/main", json!({"sha": mine}))
        .expect(422);
    assert_eq!(r.body["message"], "Update is not a fast forward");
    assert_eq!(gh.branch("acme", "config", "main").unwrap(), theirs);

    // Rebased on their commit, it goes through.
    let rebased = api_commit(&api, &theirs, "a.yaml", "mine\n");
    api.patch("/repos/acme/config/git/refs/heads/main", json!({"sha": rebased}))
        .expect(200);
    let files = gh.commit("acme", "config", &rebased).unwrap().files;
    assert_eq!(files["b.yaml"], b"theirs\n");
    assert_eq!(files["a.yaml"], b"mine\n");

    // Going back is not a fast forward either; force does it.
    api.patch("/repos/acme/config/git/refs/heads/main", json!({"sha": base}))
        .expect(422);
    api.patch(
        "/repos/acme/config/git/refs/heads/main",
        json!({"sha": base, "force": true}),
    )
    .expect(200);
    assert_eq!(gh.branch("acme", "config", "main").unwrap(), base);
}

#[test]
fn refs_are_created_once_with_a_valid_name_and_unknown_ones_are_404() {
    let (gh, api, base) = setup();
    let r = api
        .post(
            "/repos/acme/config/git/refs",
            json!({"ref": "refs/heads/tagbump/shop", "sha": base}),
        )
        .expect(201);
    assert_eq!(r.body["ref"], "refs/heads/tagbump/shop");
    let refs = gh.refs("acme", "config");
    assert_eq!(
        refs.keys().collect::<Vec<_>>(),
        ["refs/heads/main", "refs/heads/tagbump/shop"]
    );
    assert_eq!(refs["refs/heads/tagbump/shop"], base);
    assert_eq!(
        r.header("location"),
        Some(format!("{}/repos/acme/config/git/refs/heads/tagbump/shop", gh.url()).as_str())
    );
    let again = api
        .post(
            "/repos/acme/config/git/refs",
            json!({"ref": "refs/heads/tagbump/shop", "sha": base}),
        )
        .expect(422);
    assert_eq!(again.body["message"], "Reference already exists");
    for bad in ["heads/x", "refs/x"] {
        let r = api
            .post("/repos/acme/config/git/refs", json!({"ref": bad, "sha": base}))
            .expect(422);
        assert_eq!(r.body["message"], format!("{bad} is not a valid ref name."));
    }
    let r = api
        .post(
            "/repos/acme/config/git/refs",
            json!({"ref": "refs/heads/y", "sha": "0".repeat(40)}),
        )
        .expect(422);
    assert_eq!(r.body["message"], "Object does not exist");
    // Multi-segment ref names in the path.
    api.get("/repos/acme/config/git/ref/heads/tagbump/shop").expect(200);
    api.get("/repos/acme/config/git/ref/heads/nope").expect(404);
    let r = api
        .patch("/repos/acme/config/git/refs/heads/nope", json!({"sha": base}))
        .expect(422);
    assert_eq!(r.body["message"], "Reference does not exist");
}

#[test]
fn an_empty_repository_answers_409_to_the_git_data_api() {
    let gh = GitHubStandIn::start(Default::default());
    gh.add_repo("acme", "empty", "main");
    let api = Api::new(&gh);
    let r = api.get("/repos/acme/empty/git/ref/heads/main").expect(409);
    assert_eq!(r.body["message"], "Git Repository is empty.");
    api.post("/repos/acme/empty/git/blobs", json!({"content": "x"}))
        .expect(409);
}

#[test]
fn trees_take_nested_paths_deletions_inline_content_and_check_shas() {
    let (gh, api, base) = setup();
    let base_tree = api.get(&format!("/repos/acme/config/git/commits/{base}")).body["tree"]["sha"].clone();
    let r = api
        .post(
            "/repos/acme/config/git/trees",
            json!({"base_tree": base_tree, "tree": [
                {"path": "apps/cart/values.yaml", "mode": "100644", "type": "blob", "content": "tag: 2\n"},
                {"path": "README.md", "mode": "100644", "type": "blob", "sha": null},
                {"path": "run.sh", "mode": "100755", "type": "blob", "content": "#!/bin/sh\n"},
            ]}),
        )
        .expect(201);
    let top: Vec<(&str, &str, &str)> = r.body["tree"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["path"].as_str().unwrap(),
                e["mode"].as_str().unwrap(),
                e["type"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(top, [("apps", "040000", "tree"), ("run.sh", "100755", "blob")]);
    assert_eq!(r.body["truncated"], false);
    let tree = r.body["sha"].as_str().unwrap().to_string();
    let c = api
        .post(
            "/repos/acme/config/git/commits",
            json!({"message": "m", "tree": tree, "parents": [base]}),
        )
        .expect(201);
    let files = gh
        .commit("acme", "config", c.body["sha"].as_str().unwrap())
        .unwrap()
        .files;
    let paths: Vec<&str> = files.keys().map(String::as_str).collect();
    assert_eq!(
        paths,
        ["apps/cart/values.yaml", "apps/shop/kustomization.yaml", "run.sh"]
    );

    let r = api
        .post(
            "/repos/acme/config/git/trees",
            json!({"tree": [{"path": "a", "mode": "100644", "type": "blob", "sha": "1".repeat(40)}]}),
        )
        .expect(422);
    assert!(
        r.body["message"].as_str().unwrap().contains("is not a valid blob"),
        "{:#}",
        r.body
    );
    let r = api
        .post(
            "/repos/acme/config/git/trees",
            json!({"base_tree": "2".repeat(40), "tree": []}),
        )
        .expect(422);
    assert_eq!(r.body["errors"][0]["field"], "base_tree");
    let r = api
        .post(
            "/repos/acme/config/git/commits",
            json!({"message": "m", "tree": "3".repeat(40)}),
        )
        .expect(422);
    assert_eq!(r.body["message"], "Tree SHA does not exist");
    let r = api
        .post(
            "/repos/acme/config/git/commits",
            json!({"message": "m", "tree": tree, "parents": ["4".repeat(40)]}),
        )
        .expect(422);
    assert_eq!(r.body["message"], "Parent SHA does not exist or is not a commit object");
    api.get(&format!("/repos/acme/config/git/commits/{}", "5".repeat(40)))
        .expect(404);
}

/// `git hash-object -t KIND --stdin`.
fn git_hash(kind: &str, data: &[u8]) -> String {
    git(None, &["hash-object", "-t", kind, "--stdin"], data)
}

fn git(dir: Option<&std::path::Path>, args: &[&str], stdin: &[u8]) -> String {
    let mut cmd = Command::new("git");
    if let Some(d) = dir {
        cmd.current_dir(d);
    }
    let mut child = cmd
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("git on PATH");
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// Real git is the judge: every object of a flow (signed and unsigned commits, nested trees,
/// executables, deletions) hashes to the same SHA in git, and the result passes `git fsck`.
#[test]
fn real_git_computes_the_same_shas_and_finds_the_history_sound() {
    let (gh, api, base) = setup();
    let mine = api_commit(&api, &base, "apps/shop/kustomization.yaml", "newTag: 2\n");
    api.patch("/repos/acme/config/git/refs/heads/main", json!({"sha": mine}))
        .expect(200);
    let theirs = gh.advance_branch("acme", "config", "main", &[("deep/er/file.txt", "x")]);
    let deleted = gh.seed_delete("acme", "config", "main", &["README.md"]);

    let dir = tempfile::tempdir().unwrap();
    git(Some(dir.path()), &["init", "-q", "--bare"], b"");
    // Write every object reachable from the tip, trees and blobs included.
    let mut todo = vec![deleted.clone()];
    let mut written = std::collections::HashSet::new();
    while let Some(sha) = todo.pop() {
        if !written.insert(sha.clone()) {
            continue;
        }
        let (kind, bytes) = gh
            .raw_object("acme", "config", &sha)
            .expect("an object the stand-in holds");
        let got = git(Some(dir.path()), &["hash-object", "-w", "-t", kind, "--stdin"], &bytes);
        assert_eq!(
            got,
            sha,
            "git hashes this {kind} differently:\n{}",
            String::from_utf8_lossy(&bytes)
        );
        if kind != "blob" {
            let listing = git(Some(dir.path()), &["cat-file", "-p", &sha], b"");
            for line in listing.lines() {
                let words: Vec<&str> = line.split_whitespace().collect();
                match words.as_slice() {
                    ["tree", s] | ["parent", s] if kind == "commit" => todo.push(s.to_string()),
                    [_, "blob" | "tree", s, ..] if kind == "tree" => todo.push(s.to_string()),
                    _ => {}
                }
            }
        }
    }
    git(Some(dir.path()), &["update-ref", "refs/heads/main", &deleted], b"");
    git(Some(dir.path()), &["fsck", "--strict", "--no-dangling"], b"");
    let log = git(Some(dir.path()), &["log", "--format=%H", "main"], b"");
    assert_eq!(
        log.lines().collect::<Vec<_>>(),
        [deleted.as_str(), &theirs, &mine, &base]
    );
    assert_eq!(git(Some(dir.path()), &["show", "main:deep/er/file.txt"], b""), "x");
    assert_eq!(
        git(Some(dir.path()), &["show", "main:apps/shop/kustomization.yaml"], b""),
        "newTag: 2"
    );
}
