//! The push mode over git: one commit for all images, byte-exact files, idempotent
//! reruns, dry runs, refused credentials and refused pushes, and where the token goes.

use super::{Update, git_spy};
use crate::testenv::{GitOptions, GitServer, Registry, RegistryOptions, Seed};

const SEEDED_AT: &str = "2024-01-01T00:00:00Z";

/// A registry with `team/shop` and `team/api`, and a config repo that deploys them.
struct World {
    reg: Registry,
    git: GitServer,
}

fn world() -> World {
    let reg = Registry::start(RegistryOptions::default());
    let tags = |tags: &[&str]| tags.iter().fold(Seed::new(), |s, t| s.tag(t, SEEDED_AT));
    reg.seed("team/shop", &tags(&["1.4.0", "1.5.0", "1.6.0-rc.1", "2.0.0"]));
    reg.seed("team/api", &tags(&["3.1.0", "3.2.0", "4.0.0"]));
    let git = GitServer::start(GitOptions::default());
    git.create_repo("config");
    let r = reg.addr();
    git.seed(
        "config",
        "main",
        &[
            ("envs/prod/kustomization.yaml", &prod_kustomization(r, "1.4.0", "3.1.0")),
            ("charts/shop/values.yaml", &values(r, "1.4.0")),
            ("base/deploy.yaml", &deploy(r, "3.1.0")),
            ("README.md", "# config\n"),
        ],
        "initial",
    );
    World { reg, git }
}

fn prod_kustomization(r: &str, shop: &str, api: &str) -> String {
    format!(
        "# prod overlay: keep this comment\nresources:\n  - ../../base\nimages:\n  - name: {r}/team/shop   # the shop\n    newTag: \"{shop}\"\n  - name: {r}/team/api\n    newTag: {api}\n"
    )
}

fn values(r: &str, tag: &str) -> String {
    format!("image:\n  repository: {r}/team/shop\n  tag: {tag}   # bumped by tagbump\n\nreplicas: 2\n")
}

fn deploy(r: &str, tag: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      containers:\n        - name: api\n          image: {r}/team/api:{tag}\n"
    )
}

fn config(w: &World) -> String {
    format!(
        "images:\n  - image: {r}/team/shop\n    policy: semver:^1\n  - image: {r}/team/api\n    policy: semver:3.x\ngit:\n  repository: {url}\n",
        r = w.reg.addr(),
        url = w.git.repo_url("config")
    )
}

#[test]
fn one_commit_for_all_images_byte_exact_then_an_idempotent_rerun() {
    let w = world();
    let r = w.reg.addr();
    let before = w.git.head("config", "main").unwrap();
    let up = Update::new(&w.git).file("tagbump.yaml", &config(&w));
    let run = up.run(&["--format", "json"]);
    run.code(0);
    let out = run.json();
    let head = w.git.head("config", "main").unwrap();
    assert_eq!(out["changed"], true);
    assert_eq!(out["commit"].as_str(), Some(head.as_str()));
    assert_eq!(out["parent"].as_str(), Some(before.as_str()));
    assert_eq!(
        (out["branch"].as_str(), out["attempts"].as_u64()),
        (Some("main"), Some(1))
    );
    let bumps = out["bumps"].as_array().unwrap();
    assert_eq!(bumps.len(), 2);
    assert_eq!(bumps[0]["name"], "shop");
    assert_eq!(bumps[0]["old"], serde_json::json!(["1.4.0"]));
    assert_eq!(bumps[0]["new"], "1.5.0");
    assert_eq!(
        bumps[0]["files"],
        serde_json::json!(["charts/shop/values.yaml", "envs/prod/kustomization.yaml"])
    );
    assert_eq!(bumps[1]["new"], "3.2.0");
    assert_eq!(
        bumps[1]["files"],
        serde_json::json!(["base/deploy.yaml", "envs/prod/kustomization.yaml"])
    );

    // Exactly the bumped bytes changed.
    let read = |p: &str| w.git.read_file("config", "main", p).unwrap();
    assert_eq!(
        read("envs/prod/kustomization.yaml"),
        prod_kustomization(r, "1.5.0", "3.2.0")
    );
    assert_eq!(read("charts/shop/values.yaml"), values(r, "1.5.0"));
    assert_eq!(read("base/deploy.yaml"), deploy(r, "3.2.0"));
    assert_eq!(read("README.md"), "# config\n");

    // One commit, by the Actions bot, listing each image.
    let log = w.git.log("config", "main");
    assert_eq!(log.len(), 2, "{log:#?}");
    let c = &log[0];
    assert_eq!(c.parents, vec![before.clone()]);
    assert_eq!(
        (c.author_name.as_str(), c.author_email.as_str()),
        (
            "github-actions[bot]",
            "41898282+github-actions[bot]@users.noreply.github.com"
        )
    );
    assert_eq!(c.subject, "chore(tagbump): bump 2 images");
    assert_eq!(
        c.body,
        format!("- {r}/team/shop: 1.4.0 → 1.5.0\n- {r}/team/api: 3.1.0 → 3.2.0")
    );
    let mut changed = w.git.changed_files("config", &head);
    changed.sort();
    assert_eq!(
        changed,
        [
            "base/deploy.yaml",
            "charts/shop/values.yaml",
            "envs/prod/kustomization.yaml"
        ]
    );

    // A rerun finds nothing to do: no commit, exit 0.
    let pushes = w.git.access_log().iter().filter(|e| e.is_push()).count();
    let again = up.run(&[]);
    again.code(0);
    assert!(again.stdout().contains("main is up to date"), "{}", again.output());
    assert_eq!(w.git.head("config", "main").unwrap(), head);
    assert_eq!(
        w.git.access_log().iter().filter(|e| e.is_push()).count(),
        pushes,
        "no push on a no-op rerun"
    );
}

#[test]
fn dry_run_explains_and_shows_the_diff_and_writes_nothing() {
    let w = world();
    let before = w.git.head("config", "main").unwrap();
    let run = Update::new(&w.git)
        .file("tagbump.yaml", &config(&w))
        .run(&["--dry-run", "--explain"]);
    run.code(0);
    let (out, err) = (run.stdout(), run.stderr());
    assert!(
        out.contains("-    newTag: \"1.4.0\"\n+    newTag: \"1.5.0\"\n"),
        "{out}"
    );
    assert!(out.contains("+  tag: 1.5.0   # bumped by tagbump\n"), "{out}");
    assert!(out.contains("would commit to main"), "{out}");
    assert!(
        err.contains("shop → ") && err.contains("team/shop:1.5.0 (policy semver:>=1.0.0 <2.0.0 chose it among 4 tags)"),
        "{err}"
    );
    // --explain: every candidate with its verdict.
    assert!(err.contains("2.0.0") && err.contains("1.6.0-rc.1"), "{err}");
    assert_eq!(w.git.head("config", "main").unwrap(), before);
    assert!(
        !w.git.access_log().iter().any(|e| e.is_push()),
        "a dry run pushes nothing"
    );
}

#[test]
fn wrong_token_is_a_clear_error_and_nothing_is_written() {
    let w = world();
    let before = w.git.head("config", "main").unwrap();
    let secret = "wrong-secret-4711";
    let run = Update::new(&w.git)
        .file("tagbump.yaml", &config(&w))
        .env("TAGBUMP_GIT_TOKEN", secret)
        .run(&[]);
    run.code(7);
    let all = run.output();
    assert!(all.contains("refused the credentials"), "{all}");
    assert!(
        all.contains(&w.git.repo_url("config")),
        "the error names the repository: {all}"
    );
    assert!(!all.contains(secret), "the token leaked: {all}");
    assert_eq!(w.git.head("config", "main").unwrap(), before);
}

#[test]
fn the_token_reaches_git_only_through_the_environment() {
    let w = world();
    let tmp = tempfile::tempdir().unwrap();
    let mut up = Update::new(&w.git)
        .file("tagbump.yaml", &config(&w))
        .env("TMPDIR", tmp.path().to_str().unwrap());
    up.path_prefix = Some(git_spy(tmp.path()));
    let run = up.run(&[]);
    run.code(0);
    let log = fs_err::read_to_string(tmp.path().join("git-argv.log")).unwrap();
    assert!(log.contains("argv: push"), "the spy saw the push: {log}");
    let token = w.git.token();
    let header = w.git.auth_header();
    let basic = header.rsplit(' ').next().unwrap();
    assert!(
        !log.contains(token) && !log.contains(basic),
        "a secret reached argv:\n{log}"
    );
    assert!(!run.output().contains(token));
    // Every git invocation got its config from the environment (the header and the
    // disabled credential helper), and the scratch checkout is gone.
    assert!(
        log.lines()
            .filter(|l| l.starts_with("env-count:"))
            .all(|l| l == "env-count: 2"),
        "{log}"
    );
    let left: Vec<_> = fs_err::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(
        left.iter().all(|n| !n.to_string_lossy().starts_with("tagbump-")),
        "scratch checkout left behind: {left:?}"
    );
}

#[test]
fn a_refused_push_is_not_retried_and_names_the_reason() {
    let w = world();
    w.git.install_hook(
        "config",
        "pre-receive",
        "#!/bin/sh\necho 'branch main is protected' >&2\nexit 1\n",
    );
    let before = w.git.head("config", "main").unwrap();
    let run = Update::new(&w.git).file("tagbump.yaml", &config(&w)).run(&[]);
    run.code(7);
    let err = run.stderr();
    assert!(
        err.contains("rejected the push to `main`") && err.contains("branch main is protected"),
        "{err}"
    );
    assert_eq!(
        w.git.access_log().iter().filter(|e| e.is_push()).count(),
        1,
        "not retried"
    );
    assert_eq!(w.git.head("config", "main").unwrap(), before);
}

#[test]
fn config_errors_name_the_line_and_touch_nothing() {
    let w = world();
    let bad = config(&w).replace("semver:^1", "semver:>>1");
    let run = Update::new(&w.git).file("tagbump.yaml", &bad).run(&[]);
    run.code(2);
    assert!(
        run.stderr().contains("tagbump.yaml:3:13: images[0].policy: "),
        "{}",
        run.stderr()
    );
    assert!(w.git.access_log().is_empty(), "nothing was fetched");
}

#[test]
fn fixed_tags_from_the_command_line_select_configured_images() {
    let w = world();
    let r = w.reg.addr();
    // The CI job that just pushed shop:1.6.0-rc.1 deploys exactly that, not the policy's pick.
    let run = Update::new(&w.git)
        .file("tagbump.yaml", &config(&w))
        .run(&["--image", "shop:1.6.0-rc.1"]);
    run.code(0);
    let read = |p: &str| w.git.read_file("config", "main", p).unwrap();
    assert_eq!(read("charts/shop/values.yaml"), values(r, "1.6.0-rc.1"));
    assert_eq!(
        read("envs/prod/kustomization.yaml"),
        prod_kustomization(r, "1.6.0-rc.1", "3.1.0"),
        "api untouched"
    );
    assert_eq!(
        w.git.log("config", "main")[0].subject,
        "chore(tagbump): bump shop to 1.6.0-rc.1"
    );
}

#[test]
fn the_config_repo_owns_its_tagbump_yaml() {
    let w = world();
    let r = w.reg.addr();
    let url = w.git.repo_url("config");
    // The config repo says where shop lives (only the chart); the pipeline names no file.
    w.git.seed(
        "config",
        "main",
        &[(
            "tagbump.yaml",
            &format!("images:\n  - image: {r}/team/shop\n    policy: semver:^1\n    files: [charts/]\n"),
        )],
        "tagbump config",
    );
    let up = Update::new(&w.git);
    up.run(&["--repo", &url]).code(0);
    let read = |p: &str| w.git.read_file("config", "main", p).unwrap();
    assert_eq!(read("charts/shop/values.yaml"), values(r, "1.5.0"));
    assert_eq!(
        read("envs/prod/kustomization.yaml"),
        prod_kustomization(r, "1.4.0", "3.1.0"),
        "outside the repo's files"
    );
    // CI passes the tag it pushed; the repo's config still decides where it goes.
    up.run(&["--repo", &url, "--image", "shop:1.6.0-rc.1"]).code(0);
    assert_eq!(read("charts/shop/values.yaml"), values(r, "1.6.0-rc.1"));
    assert_eq!(
        read("envs/prod/kustomization.yaml"),
        prod_kustomization(r, "1.4.0", "3.1.0")
    );

    // A broken config in the repo: named, with the repo, and nothing written.
    w.git.seed(
        "config",
        "main",
        &[("tagbump.yaml", "images:\n  - image: x/y\n    polcy: z\n")],
        "oops",
    );
    let head = w.git.head("config", "main").unwrap();
    let run = up.run(&["--repo", &url]);
    run.code(2);
    let err = run.stderr();
    assert!(
        err.contains("tagbump.yaml:3:5: unknown field `polcy`") && err.contains(&format!("in the config repo {url}")),
        "{err}"
    );
    assert_eq!(w.git.head("config", "main").unwrap(), head);
}
