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
