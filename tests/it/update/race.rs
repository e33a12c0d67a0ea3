//! Many pipelines bumping one config repo at once: every bump lands, none is lost, no run
//! fails, and the branch is never force-pushed.

use std::process::Child;

use super::Update;
use crate::testenv::{GitOptions, GitServer};

const RUNS: usize = 20;

#[test]
fn twenty_concurrent_updates_all_land() {
    let git = GitServer::start(GitOptions::default());
    git.create_repo("config");
    let files: Vec<(String, String)> = (0..RUNS)
        .map(|i| {
            (
                format!("apps/app{i}/deploy.yaml"),
                format!("# app {i}\nimage: ghcr.io/acme/app{i}:1.0.0 # pinned\n"),
            )
        })
        .collect();
    let refs: Vec<(&str, &str)> = files.iter().map(|(p, c)| (p.as_str(), c.as_str())).collect();
    let base = git.seed("config", "main", &refs, "initial");
    let up = Update::new(&git);
    let url = git.repo_url("config");
    let children: Vec<Child> = (0..RUNS)
        .map(|i| {
            let image = format!("ghcr.io/acme/app{i}:2.0.{i}");
            up.command(&["--repo", &url, "--image", &image, "--format", "json"])
                .spawn()
                .unwrap()
        })
        .collect();
    let mut attempts = Vec::new();
    for (i, child) in children.into_iter().enumerate() {
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "run {i} failed: {stderr}");
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(json["changed"], true, "run {i}");
        attempts.push(json["attempts"].as_u64().unwrap());
    }
    for i in 0..RUNS {
        let text = git
            .read_file("config", "main", &format!("apps/app{i}/deploy.yaml"))
            .unwrap();
        assert_eq!(
            text,
            format!("# app {i}\nimage: ghcr.io/acme/app{i}:2.0.{i} # pinned\n"),
            "app{i} lost its bump"
        );
    }
    // One commit per run, in a line on top of the seed: nothing was force-pushed away.
    let log = git.log("config", "main");
    assert_eq!(log.len(), RUNS + 1);
    assert_eq!(log.last().unwrap().sha, base);
    assert!(log.iter().take(RUNS).all(|c| c.parents.len() == 1));
    // Some runs lost races and retried (else the test proved nothing about retries).
    assert!(attempts.iter().any(|&a| a > 1), "no run ever lost a race: {attempts:?}");
    eprintln!("attempts per run: {attempts:?}");
}

/// A pre-receive hook that moves `main` itself (once, or every time) before the push is
/// applied: receive-pack then fails to lock the ref, exactly as when another push wins.
/// (Outside git's quarantine: a pre-receive hook may not update refs from inside it.)
fn competitor_hook(git: &GitServer, every_time: bool) {
    let marker = git.workdir().join("competed");
    let script = format!(
        "#!/bin/sh\nif [ {once} = 1 ] && [ -e '{m}' ]; then exit 0; fi\ntouch '{m}'\n\
         unset GIT_QUARANTINE_PATH GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES\n\
         tree=$(git rev-parse refs/heads/main^{{tree}})\n\
         c=$(echo competitor | GIT_AUTHOR_NAME=c GIT_AUTHOR_EMAIL=c@x GIT_COMMITTER_NAME=c GIT_COMMITTER_EMAIL=c@x git commit-tree \"$tree\" -p refs/heads/main)\n\
         git update-ref refs/heads/main \"$c\" || exit 1\nexit 0\n",
        once = u8::from(!every_time),
        m = marker.display()
    );
    git.install_hook("config", "pre-receive", &script);
}

#[test]
fn a_lost_race_is_retried_on_the_new_head() {
    let git = GitServer::start(GitOptions::default());
    git.create_repo("config");
    git.seed(
        "config",
        "main",
        &[("app.yaml", "image: ghcr.io/acme/app:1.0.0\n")],
        "initial",
    );
    competitor_hook(&git, false);
    let url = git.repo_url("config");
    let run = Update::new(&git).run(&["--repo", &url, "--image", "ghcr.io/acme/app:2.0.0", "--format", "json"]);
    run.code(0);
    assert_eq!(run.json()["attempts"].as_u64(), Some(2), "{}", run.stderr());
    let log = git.log("config", "main");
    assert_eq!(log.len(), 3, "seed, competitor, tagbump: {log:#?}");
    assert_eq!(log[1].subject, "competitor");
    assert_eq!(
        log[0].parents,
        vec![log[1].sha.clone()],
        "re-applied on the competitor's head"
    );
    assert_eq!(
        git.read_file("config", "main", "app.yaml").unwrap(),
        "image: ghcr.io/acme/app:2.0.0\n"
    );
}

#[test]
fn always_losing_gives_up_after_the_attempts_and_pushes_nothing() {
    let git = GitServer::start(GitOptions::default());
    git.create_repo("config");
    git.seed(
        "config",
        "main",
        &[("app.yaml", "image: ghcr.io/acme/app:1.0.0\n")],
        "initial",
    );
    competitor_hook(&git, true);
    let url = git.repo_url("config");
    let run = Update::new(&git).run(&["--repo", &url, "--image", "ghcr.io/acme/app:2.0.0", "--attempts", "3"]);
    run.code(7);
    let err = run.stderr();
    assert!(err.contains("lost the race for `main` 3 times in a row"), "{err}");
    assert!(err.contains("nothing was pushed"), "{err}");
    assert_eq!(git.access_log().iter().filter(|e| e.is_push()).count(), 3);
    assert_eq!(
        git.read_file("config", "main", "app.yaml").unwrap(),
        "image: ghcr.io/acme/app:1.0.0\n"
    );
}
