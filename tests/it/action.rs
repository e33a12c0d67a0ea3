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
        self.vars
            .insert(format!("INPUT_{}", name.to_uppercase().replace('-', "_")), value.into());
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

/// action.yml and the runtime agree: every declared input is mapped into the step's
/// environment under the name the runtime reads, the runtime knows no input action.yml
/// lacks, and every output the runtime writes is declared and wired to the run step.
#[test]
fn action_yml_matches_the_runtime() {
    let text = fs_err::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/action.yml")).unwrap();
    let doc: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
    let declared: Vec<String> = doc["inputs"].as_object().unwrap().keys().cloned().collect();
    let runtime: Vec<String> = tagbump::action::inputs::INPUTS
        .iter()
        .map(|(n, _)| n.to_string())
        .collect();
    let mut want = runtime.clone();
    want.push("tagbump-path".into()); // the install step's, not the runtime's
    let (mut a, mut b) = (declared.clone(), want);
    a.sort();
    b.sort();
    assert_eq!(a, b, "inputs in action.yml vs the runtime");
    let steps = doc["runs"]["steps"].as_array().unwrap();
    let run = steps.iter().find(|s| s["id"] == "run").unwrap();
    for name in &runtime {
        let var = tagbump::action::inputs::var_name(name);
        assert_eq!(
            run["env"][&var].as_str(),
            Some(format!("${{{{ inputs.{name} }}}}").as_str()),
            "{var}"
        );
    }
    for s in steps {
        assert!(
            !s["run"].as_str().unwrap().contains("${{"),
            "no expression inside a script: {s}"
        );
    }
    let outputs: Vec<String> = doc["outputs"].as_object().unwrap().keys().cloned().collect();
    let o = tagbump::update::Outcome {
        changed: false,
        dry_run: false,
        mode: Default::default(),
        via: Default::default(),
        repository: String::new(),
        branch: String::new(),
        base: String::new(),
        commit: None,
        parent: None,
        verified: None,
        unchanged: false,
        attempts: 1,
        pull_request: None,
        dispatch: None,
        bumps: Vec::new(),
        diff: String::new(),
    };
    let written: Vec<String> = tagbump::action::output_values(&o)
        .into_iter()
        .map(|(k, _)| k.to_string())
        .collect();
    let (mut a, mut b) = (outputs.clone(), written);
    a.sort();
    b.sort();
    assert_eq!(a, b, "outputs in action.yml vs the runtime");
    for k in &outputs {
        assert_eq!(
            doc["outputs"][k]["value"].as_str(),
            Some(format!("${{{{ steps.run.outputs.{k} }}}}").as_str())
        );
    }
}

#[test]
fn the_runners_own_input_names_are_read_too() {
    let git = server();
    let mut r = Runner::new()
        .input("images", "ghcr.io/acme/shop:1.5.0")
        .input("repository", &git.repo_url("config"))
        .input("token", git.token());
    r.vars.insert("INPUT_DRY-RUN".into(), "true".into());
    let d = r.run(&git);
    assert_eq!(d.code, 0, "{}{}", d.stdout, d.stderr);
    assert_eq!(d.outputs["commit-sha"], "", "a dry run: the hyphenated name was read");
}

/// A static file server (Python's http.server) standing in for GitHub's release downloads.
struct Files {
    child: std::process::Child,
    port: u16,
}

impl Files {
    fn serve(dir: &std::path::Path) -> Files {
        use std::io::BufRead as _;
        let mut child = Command::new("python3")
            .args(["-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory"])
            .arg(dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 (scripts/testenv/install.sh checks it)");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        // "Serving HTTP on 127.0.0.1 port 40123 (http://127.0.0.1:40123/) ..."
        let port = line
            .split(" port ")
            .nth(1)
            .and_then(|r| r.split_whitespace().next())
            .and_then(|p| p.parse().ok());
        Files {
            child,
            port: port.unwrap_or_else(|| panic!("http.server said {line:?}")),
        }
    }
}

impl Drop for Files {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// action/install.sh: downloads the release asset named by action/version, checks it
/// against action/checksums.txt, caches it; refuses a tampered asset and an unknown runner.
#[test]
fn install_script_verifies_the_release_binary() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    // The action's checkout: the script plus the files the release workflow commits.
    fs_err::create_dir_all(root.join("action")).unwrap();
    fs_err::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/action/install.sh"),
        root.join("action/install.sh"),
    )
    .unwrap();
    // A release: acme/tagbump v1.2.3 with a Linux x86_64 tarball holding a `tagbump`.
    let rel = root.join("www/acme/tagbump/releases/download/v1.2.3");
    fs_err::create_dir_all(&rel).unwrap();
    let stage = root.join("stage");
    fs_err::create_dir_all(&stage).unwrap();
    fs_err::write(stage.join("tagbump"), "#!/bin/sh\necho tagbump-from-release\n").unwrap();
    let tar = rel.join("tagbump-linux-x86_64.tar.gz");
    let ok = Command::new("tar")
        .arg("-czf")
        .arg(&tar)
        .arg("-C")
        .arg(&stage)
        .arg("tagbump")
        .status()
        .unwrap();
    assert!(ok.success());
    let sum = Command::new("sha256sum").arg(&tar).output().unwrap();
    let sum = String::from_utf8_lossy(&sum.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    fs_err::write(root.join("action/version"), "v1.2.3\n").unwrap();
    fs_err::write(
        root.join("action/checksums.txt"),
        format!("{sum}  tagbump-linux-x86_64.tar.gz\n"),
    )
    .unwrap();
    let files = Files::serve(&root.join("www"));

    let run = |arch: &str, cache: &str| {
        let out_file = root.join(format!("out-{arch}-{cache}"));
        let out = Command::new("bash")
            .arg(root.join("action/install.sh"))
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap())
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_ARCH", arch)
            .env("RUNNER_TOOL_CACHE", root.join(cache))
            .env("RUNNER_TEMP", root)
            .env("GITHUB_SERVER_URL", format!("http://127.0.0.1:{}", files.port))
            .env("ACTION_REPOSITORY", "acme/tagbump")
            .env("GITHUB_OUTPUT", &out_file)
            .output()
            .unwrap();
        let written = fs_err::read_to_string(&out_file).unwrap_or_default();
        (
            out.status.success(),
            written,
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };

    let (ok, written, err) = run("X64", "cache");
    assert!(ok, "{err}");
    let path = written.trim().strip_prefix("path=").unwrap().to_string();
    assert!(path.ends_with("/tagbump/v1.2.3/tagbump-linux-x86_64/tagbump"), "{path}");
    let said = Command::new(&path).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&said.stdout), "tagbump-from-release\n");

    // A runner with no binary.
    let (ok, _, err) = run("ARM", "cache");
    assert!(!ok && err.contains("no tagbump binary for runner Linux/ARM"), "{err}");

    // The release asset replaced after the fact: the committed checksum refuses it.
    fs_err::write(&tar, b"not the release").unwrap();
    let (ok, _, err) = run("X64", "fresh-cache");
    assert!(
        !ok && err.contains("checksum mismatch for tagbump-linux-x86_64.tar.gz"),
        "{err}"
    );
}

/// The README's input and output tables list exactly what action.yml declares.
#[test]
fn readme_documents_every_input_and_output() {
    let text = fs_err::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/action.yml")).unwrap();
    let doc: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
    let readme = fs_err::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let documented = |kind: &str| -> Vec<String> {
        let head = format!("| {kind} | description |");
        let start = readme.find(&head).unwrap_or_else(|| panic!("no `{head}` table"));
        readme[start..]
            .lines()
            .skip(2)
            .take_while(|l| l.starts_with("| `"))
            .map(|l| l.trim_start_matches("| `").split('`').next().unwrap().to_string())
            .collect()
    };
    for (kind, key) in [("input", "inputs"), ("output", "outputs")] {
        let mut want: Vec<String> = doc[key].as_object().unwrap().keys().cloned().collect();
        let mut got = documented(kind);
        want.sort();
        got.sort();
        assert_eq!(got, want, "README {kind} table vs action.yml");
    }
}
