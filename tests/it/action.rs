//! `tagbump action` (what action.yml runs) with a fake runner: `INPUT_*` variables, temp
//! files for `$GITHUB_OUTPUT` and `$GITHUB_STEP_SUMMARY`, a real git server for the config
//! repo. Checks what the runner would read: masks first, groups, annotations, outputs,
//! the summary.

use std::collections::BTreeMap;
use std::process::{Command, Stdio};

use crate::testenv::{GitOptions, GitServer};

struct Runner {
    dir: tempfile::TempDir,
    vars: BTreeMap<String, String>,
}

struct Done {
    code: i32,
    stdout: String,
    stderr: String,
    outputs: BTreeMap<String, String>,
    summary: String,
}

impl Runner {
    fn new() -> Runner {
        let dir = tempfile::tempdir().unwrap();
        let mut vars = BTreeMap::new();
        vars.insert("GITHUB_OUTPUT".into(), dir.path().join("output").display().to_string());
        vars.insert(
            "GITHUB_STEP_SUMMARY".into(),
            dir.path().join("summary").display().to_string(),
        );
        vars.insert("GITHUB_WORKSPACE".into(), dir.path().join("ws").display().to_string());
        fs_err::create_dir_all(dir.path().join("ws")).unwrap();
        Runner { dir, vars }
    }

    fn input(mut self, name: &str, value: &str) -> Runner {
        self.vars.insert(format!("INPUT_{}", name.to_uppercase()), value.into());
        self
    }

    fn file(self, name: &str, text: &str) -> Runner {
        fs_err::write(self.dir.path().join("ws").join(name), text).unwrap();
        self
    }

    fn run(&self, git: &GitServer) -> Done {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_tagbump"));
        cmd.arg("action").current_dir(self.dir.path().join("ws"));
        for (k, _) in std::env::vars() {
            if k.starts_with("TAGBUMP_")
                || k.starts_with("GITHUB_")
                || k.starts_with("INPUT_")
                || k.starts_with("DOCKER_")
            {
                cmd.env_remove(k);
            }
        }
        git.isolate(&mut cmd);
        cmd.envs(&self.vars).stdin(Stdio::null());
        let out = cmd.output().unwrap();
        let read = |n: &str| fs_err::read_to_string(self.dir.path().join(n)).unwrap_or_default();
        Done {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            outputs: tagbump::action::outputs::parse(&read("output")).into_iter().collect(),
            summary: read("summary"),
        }
    }
}

fn server() -> GitServer {
    let git = GitServer::start(GitOptions::default());
    git.create_repo("config");
    git.seed(
        "config",
        "main",
        &[("apps/shop.yaml", "image: ghcr.io/acme/shop:1.4.0 # app\n")],
        "initial",
    );
    git
}

#[test]
fn a_run_masks_first_then_groups_then_writes_outputs_and_summary() {
    let git = server();
    let d = Runner::new()
        .input("images", "ghcr.io/acme/shop:1.5.0")
        .input("repository", &git.repo_url("config"))
        .input("token", git.token())
        .run(&git);
    assert_eq!(d.code, 0, "{}{}", d.stdout, d.stderr);
    let lines: Vec<&str> = d.stdout.lines().collect();
    assert_eq!(lines[0], format!("::add-mask::{}", git.token()), "{}", d.stdout);
    assert!(lines[1].starts_with("::add-mask::"), "the encoded header is masked too");
    assert_eq!(lines[2], "::group::tagbump update");
    assert!(lines.contains(&"::endgroup::"));
    assert!(
        !d.stdout.lines().skip(2).any(|l| l.contains(git.token())),
        "{}",
        d.stdout
    );
    let head = git.head("config", "main").unwrap();
    assert_eq!(d.outputs["changed"], "true");
    assert_eq!(d.outputs["commit-sha"], head);
    assert_eq!(d.outputs["branch"], "main");
    assert_eq!(d.outputs["pr-number"], "");
    let bumps: serde_json::Value = serde_json::from_str(&d.outputs["bumps"]).unwrap();
    assert_eq!(bumps[0]["image"], "ghcr.io/acme/shop");
    assert_eq!(bumps[0]["old"], serde_json::json!(["1.4.0"]));
    assert_eq!(bumps[0]["files"], serde_json::json!(["apps/shop.yaml"]));
    assert!(
        d.summary
            .contains("| `ghcr.io/acme/shop` | `1.4.0` | `1.5.0` | `apps/shop.yaml` |"),
        "{}",
        d.summary
    );
    assert!(
        d.summary.contains(&format!("Committed `{}`", &head[..12])),
        "{}",
        d.summary
    );
    assert_eq!(
        git.read_file("config", "main", "apps/shop.yaml").unwrap(),
        "image: ghcr.io/acme/shop:1.5.0 # app\n"
    );
}

#[test]
fn bad_inputs_are_all_reported_and_the_token_still_masked() {
    let git = server();
    let d = Runner::new()
        .input("token", "ghs_abc")
        .input("draft", "yes")
        .input("mode", "push")
        .run(&git);
    assert_eq!(d.code, 2);
    assert_eq!(d.stdout.lines().next(), Some("::add-mask::ghs_abc"));
    assert!(
        d.stdout.contains("\n::error::input `images`: give the images"),
        "{}",
        d.stdout
    );
    assert!(
        d.stdout.contains("\n::error::input `draft`: `yes` is not a boolean"),
        "{}",
        d.stdout
    );
    assert!(d.outputs.is_empty(), "no outputs on failure");
}

#[test]
fn config_errors_become_annotations_on_the_line() {
    let git = server();
    let d = Runner::new()
        .file(
            "tagbump.yaml",
            "images:\n  - image: ghcr.io/acme/shop\n    policy: semver:>>1\n",
        )
        .input("config", "tagbump.yaml")
        .input("repository", &git.repo_url("config"))
        .input("token", git.token())
        .run(&git);
    assert_eq!(d.code, 2, "{}{}", d.stdout, d.stderr);
    assert!(
        d.stdout
            .contains("::error file=tagbump.yaml,line=3,col=13::images[0].policy: "),
        "{}",
        d.stdout
    );
}

#[test]
fn a_dry_run_outputs_changed_and_no_commit() {
    let git = server();
    let d = Runner::new()
        .input("images", "ghcr.io/acme/shop:1.5.0")
        .input("repository", &git.repo_url("config"))
        .input("dry-run", "true")
        .input("token", git.token())
        .run(&git);
    assert_eq!(d.code, 0, "{}{}", d.stdout, d.stderr);
    assert_eq!(
        (d.outputs["changed"].as_str(), d.outputs["commit-sha"].as_str()),
        ("true", "")
    );
    assert!(
        d.summary.contains("**Dry run**") && d.summary.contains("+image: ghcr.io/acme/shop:1.5.0 # app"),
        "{}",
        d.summary
    );
    assert_eq!(git.log("config", "main").len(), 1);
}
